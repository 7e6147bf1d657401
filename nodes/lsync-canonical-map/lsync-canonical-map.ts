import { canonicalValidator, describeErrors, parseSchemaRef, type SchemaRef } from "../lib/canonical/validator";
import { resolveOccurredAt } from "../lib/canonical/zoned-time";
import { InputError } from "../lib/errors";
import { intakeRefOf, splitIntake } from "../lib/intake/settlement";
import { parseBindings } from "../lib/mapping/bindings";
import { compileMapping, type Mapper } from "../lib/mapping/mapper";
import { findProfile, listProfiles, profileSource, profileSchema } from "../lib/mapping/profiles";
import { recordCanonical } from "../lib/events/record";
import { onMessageOrBatch } from "../lib/batch";
import { count, throttledStatus, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow } from "../lib/red";

export interface CanonicalMapDef extends NodeDef {
  profile: string;
  expression: string;
  inputFormat: "json" | "text";
  target: string;
  property: string;
  validate: boolean;
  /** JSON object of variables for the mapping ($tz, $sapUnits, $chargeCodes, ...). */
  bindings: string;
}

interface Compiled {
  mapper: Mapper;
  target: SchemaRef | null;
}

/** The shipped profile, or the analyst's own JSONata when the profile is "custom". */
export function compileFromConfig(def: Pick<CanonicalMapDef, "profile" | "expression" | "inputFormat" | "target">): Compiled {
  if (def.profile && def.profile !== "custom") {
    const profile = findProfile(def.profile);
    if (!profile || profile.direction !== "inbound") throw new Error(`unknown inbound mapping profile "${def.profile}"`);
    return { mapper: compileMapping(profileSource(profile), profile.input), target: profileSchema(profile) };
  }
  if (!def.expression?.trim()) throw new Error("custom mapping has no JSONata expression");
  return { mapper: compileMapping(def.expression, def.inputFormat === "text" ? "text" : "json"), target: parseSchemaRef(def.target) };
}

export default function register(RED: NodeAPI): void {
  function LsyncCanonicalMapNode(this: Node, def: CanonicalMapDef): void {
    RED.nodes.createNode(this, def);
    let compiled: Compiled;
    let bindings: Record<string, unknown>;
    try {
      compiled = compileFromConfig(def);
      bindings = parseBindings(def.bindings);
    } catch (err) {
      this.status({ fill: "red", shape: "ring", text: "mapping not usable" });
      this.error((err as Error).message);
      return;
    }
    const property = def.property || "payload";
    const validate = def.validate !== false;
    const validator = canonicalValidator();
    const setStatus = throttledStatus(this);
    let mapped = 0;
    let failed = 0;
    const show = () =>
      setStatus({ fill: failed ? "yellow" : "green", shape: "dot", text: `${count(mapped)} mapped${failed ? ` · ${count(failed)} failed` : ""}` });

    const mapMessage = async (msg: NodeMessageInFlow): Promise<NodeMessageInFlow[]> => {
      const input = RED.util.getMessageProperty(msg, property) as unknown;
      const props = (msg.mqtt as { userProperties?: Record<string, string> } | undefined)?.userProperties ?? null;
      const result = await compiled.mapper.map(input, { topic: msg.topic, props, bindings, receivedAt: typeof msg.receivedAt === "string" ? msg.receivedAt : undefined });
      if (result === undefined) throw new InputError("mapping produced nothing for this message", { rule: "mapping" });
      // A profile may turn one vendor document into several objects (a tracking response with
      // many scans): each becomes its own message, all validated before any is sent.
      // Sources with wall-clock time only: occurredAt from localDateTime + timeZone.
      const objects = (Array.isArray(result) ? (result as unknown[]) : [result]).map(resolveOccurredAt);
      if (validate) {
        objects.forEach((object, i) => {
          const verdict = validator.validate(object, compiled.target ?? undefined);
          if (!verdict.ok) {
            const title = `${compiled.target ? validator.title(compiled.target) : "canonical object"}${objects.length > 1 ? `[${i}]` : ""}`;
            throw new InputError(describeErrors(title, verdict.errors), { rule: "schema", errors: verdict.errors });
          }
        });
      }
      // Each part carries its share of the intake item, which settles when all are through.
      const intake = intakeRefOf(msg);
      const parts = intake ? splitIntake(intake, objects.length) : null;
      const out = objects.map((object, i) => {
        const m = i === objects.length - 1 ? msg : RED.util.cloneMessage(msg);
        if (parts && objects.length > 1) m.intake = parts[i];
        const canonical = object as { correlationId?: string; idempotencyKey?: string };
        RED.util.setMessageProperty(m, property, object, true);
        if (canonical.correlationId) m.correlationId = canonical.correlationId;
        if (canonical.idempotencyKey) m.idempotencyKey = canonical.idempotencyKey;
        return m;
      });
      recordCanonical(objects, this.id, "mapped");
      return out;
    };

    // A batch (msg.batch, see nodes/lib/batch.ts) is mapped item by item, and sent on as one.
    onMessageOrBatch(this, 1, async (msg) => {
      try {
        const out = await mapMessage(msg);
        mapped += out.length;
        show();
        return [out.length === 1 ? out[0]! : out];
      } catch (err) {
        failed++;
        show();
        throw err;
      }
    });
  }
  RED.nodes.registerType("lsync-canonical-map", LsyncCanonicalMapNode);

  // The edit dialog lists the shipped profiles and lets an analyst try a mapping on a sample.
  RED.httpAdmin.get("/lsync/profiles", RED.auth.needsPermission("lsync-canonical-map.read"), (_req, res) => {
    res.json(listProfiles());
  });
  RED.httpAdmin.post("/lsync/map/try", RED.auth.needsPermission("lsync-canonical-map.write"), (req, res) => {
    const body = (req.body ?? {}) as Partial<CanonicalMapDef> & { sample?: unknown; topic?: string; props?: Record<string, string> };
    let compiled: Compiled;
    let bindings: Record<string, unknown>;
    try {
      bindings = parseBindings(body.bindings);
      compiled = compileFromConfig({
        profile: body.profile ?? "custom",
        expression: body.expression ?? "",
        inputFormat: body.inputFormat ?? "json",
        target: body.target ?? "",
      });
    } catch (err) {
      // A mapping that does not compile is the answer to "try it", not a failed request.
      res.json({ ok: false, stage: "compile", error: (err as Error).message });
      return;
    }
    compiled.mapper
      .map(body.sample, { topic: body.topic ?? "", props: body.props ?? null, bindings })
      .then((result) => {
        const objects = (Array.isArray(result) ? (result as unknown[]) : [result]).map(resolveOccurredAt);
        const verdicts = objects.map((o) => canonicalValidator().validate(o, compiled.target ?? undefined));
        res.json({ ok: verdicts.every((v) => v.ok), result: Array.isArray(result) ? objects : objects[0], validation: verdicts });
      })
      .catch((err: Error) => res.json({ ok: false, stage: "map", error: err.message }));
  });
}
