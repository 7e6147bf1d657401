import { parseSchemaRef } from "../canonical/validator";
import { InputError } from "../errors";
import { intakeRefOf, intakeStore, isSplit, notifySettled, settleFinished } from "../intake/settlement";
import { parseBindings } from "../mapping/bindings";
import { compileMapping } from "../mapping/mapper";
import { findProfile, profileSchema, profileSource } from "../mapping/profiles";
import { OutboxDispatcher, type DispatcherState } from "../outbox/dispatcher";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type NodeStatus, type Send } from "../red";
import { DEFAULT_BACKOFF } from "../retry";
import type { LsyncStore } from "../store";
import type { EndpointClient } from "../http/endpoint-client";
import { findOperation, type Operation } from "./operations";
import { recordCallOutcomes, recordCallQueued, recordDeadLetter, type CallContext } from "../events/record";

export interface EgressDef extends NodeDef {
  endpoint: string;
  store: string;
  operation: string;
  batchSize: number | string;
  maxWaitMs: number | string;
  maxAttempts: number | string;
  /** Ends the intake journey here (tick it on the last system update of a chain). */
  settleIntake: boolean;
  /** JSON object of variables for the outbound mapping, e.g. {"sitePlants": {...}}. */
  bindings: string;
}

interface EndpointLike extends Node {
  client: EndpointClient;
}
interface StoreLike extends Node {
  store: LsyncStore;
}

function clamp(value: number | string | undefined, min: number, max: number, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? Math.min(n, max) : fallback;
}

function statusOf(queued: number, s: DispatcherState): NodeStatus {
  const base = `${count(queued)} queued · ${count(s.sent)} sent${s.dead ? ` · ${count(s.dead)} dead` : ""}`;
  if (s.failing > 0) {
    const wait = s.nextRetryAt ? Math.max(0, Math.round((s.nextRetryAt - Date.now()) / 1000)) : 0;
    return { fill: "red", shape: "ring", text: `retry in ${wait}s (${(s.lastError ?? "").slice(0, 40)}) · ${base}` };
  }
  return { fill: s.dead ? "yellow" : "green", shape: "dot", text: base };
}

/**
 * The behaviour every system node (ERP, WMS, TMS, finance, carrier) shares: map the canonical
 * object to the operation's vendor shape, record the call in the outbox (settling the intake in
 * the same transaction), pass the message on, and deliver from the outbox in batches with
 * retries. Each node type only names its system.
 */
export function registerEgressNode(RED: NodeAPI, type: string, system: Operation["system"]): void {
  function EgressNode(this: Node, def: EgressDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation = findOperation(system, def.operation);
    const endpoint = RED.nodes.getNode(def.endpoint) as EndpointLike | null;
    const storeNode = RED.nodes.getNode(def.store) as StoreLike | null;
    const problem = !operation ? `unknown ${system} operation "${def.operation}"` : !endpoint ? "no endpoint configured" : !storeNode ? "no store configured" : null;
    if (problem || !operation || !endpoint || !storeNode) {
      this.status({ fill: "red", shape: "ring", text: problem ?? "not configured" });
      this.error(`${system} node: ${problem}`);
      return;
    }
    let bindings: Record<string, unknown>;
    try {
      bindings = parseBindings(def.bindings);
    } catch (err) {
      this.status({ fill: "red", shape: "ring", text: "bad mapping bindings" });
      this.error(`${system} node: ${(err as Error).message}`);
      return;
    }
    const store = storeNode.store;
    const profile = findProfile(operation.profile);
    if (!profile) throw new Error(`operation ${operation.id} names a missing profile ${operation.profile}`);
    const mapper = compileMapping(profileSource(profile), "json");
    const accepts = profileSchema(profile);
    const setStatus = throttledStatus(this);
    let queued = 0;

    // Event log (visibility): what this node queues, sends, retries and gives up on.
    const call: CallContext = { system: system.toLowerCase(), operation: operation.title, nodeId: node.id };

    const dispatcher = new OutboxDispatcher({
      store,
      target: this.id,
      batchSize: clamp(def.batchSize, 1, operation.maxBatch, operation.defaultBatch),
      maxWaitMs: clamp(def.maxWaitMs, 0, 60_000, 200),
      backoff: { ...DEFAULT_BACKOFF, maxMs: 30_000, maxAttempts: clamp(def.maxAttempts, 0, 1000, 0) },
      deliver: (batch) => operation.send(endpoint.client, batch),
      onDead: async (row, error) => {
        const id = await store.parkDeadLetter({
          nodeId: node.id,
          nodeType: type,
          nodeName: def.name || null,
          flowId: node.z,
          reason: error,
          correlationId: row.correlationId,
          idempotencyKey: row.idempotencyKey,
          attempts: row.attempts + 1,
          payload: row.body,
        });
        recordDeadLetter({ id, nodeId: node.id, nodeType: type, reason: error, correlationId: row.correlationId, idempotencyKey: row.idempotencyKey, payload: row.body });
        // Catch nodes see it; deadLetterId tells a dead-letter node it is parked already.
        node.error(`${system} ${operation.title}: ${error}`, {
          _msgid: RED.util.generateId(),
          payload: row.body,
          correlationId: row.correlationId,
          idempotencyKey: row.idempotencyKey,
          deadLetterId: id,
        });
      },
      onState: (state) => setStatus(statusOf(queued, state)),
      onError: (err) => node.warn(`outbox: ${err.message}`),
      onDelivered: (batch, outcomes, durationMs) => recordCallOutcomes(call, batch.batchKey, outcomes, durationMs),
    });
    dispatcher.start();

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const canonical = msg.payload as { schema?: unknown; idempotencyKey?: unknown; correlationId?: unknown } | undefined;
      const intake = intakeRefOf(msg);
      const settle = def.settleIntake !== false && intake !== null;
      (async () => {
        const named = parseSchemaRef(canonical?.schema);
        if (!named || named.name !== accepts.name || named.major !== accepts.major) {
          throw new InputError(`${system} ${operation.title} takes ${profile.canonical}; msg.payload.schema is ${JSON.stringify(canonical?.schema)}`, {
            rule: "schemaVersion",
          });
        }
        if (typeof canonical?.idempotencyKey !== "string" || canonical.idempotencyKey === "") {
          throw new InputError("msg.payload.idempotencyKey is required: it identifies the outbound call, so a replay is never sent twice", {
            rule: "required",
          });
        }
        const body = await mapper.map(canonical, { bindings });
        if (body === undefined) {
          // Not this system's business (e.g. a weigh scan for the ERP): nothing to send.
          if (settle) await settleFinished(intake, "done");
          msg.egress = { ...(msg.egress as object | undefined), [system]: "not applicable" };
          return;
        }
        const row = {
          target: node.id,
          idempotencyKey: canonical.idempotencyKey,
          correlationId: typeof canonical.correlationId === "string" ? canonical.correlationId : null,
          body,
        };
        if (settle && !isSplit(intake) && intakeStore(intake) === store) {
          // The call and the end of the intake item in one transaction: a crash cannot split them.
          await store.enqueueOutbox([row], [intake.id]);
          notifySettled(intake);
        } else {
          // Parts of a split item settle it when the last one is through; until then a crash
          // resumes the whole item and the outbox key keeps this call from being queued twice.
          await store.enqueueOutbox([row]);
          if (settle) await settleFinished(intake, "done");
        }
        recordCallQueued(call, canonical, row.idempotencyKey, row.correlationId);
        queued++;
        dispatcher.notifyEnqueued(1);
        msg.egress = { ...(msg.egress as object | undefined), [system]: "queued" };
      })()
        .then(() => {
          send(msg);
          done();
        })
        .catch((err: Error) => done(err));
    });

    this.on("close", () => dispatcher.stop());
  }
  RED.nodes.registerType(type, EgressNode);
}
