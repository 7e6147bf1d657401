import { errorMessage } from "../lib/errors";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import { DEFAULT_KEY_CHECKS, MasterDataChecker, parseKeyChecks, unknownKeyException, type EndpointGet, type KeyResult } from "../lib/rules/master-data";
import { ruleError } from "../lib/rules/common";
import type { EndpointNode } from "../lsync-endpoint/lsync-endpoint";

export interface MasterDataDef extends NodeDef {
  checks?: unknown;
  /** lsync-endpoint config node for checks whose source is "endpoint". */
  endpoint?: string;
  cacheTtlSeconds?: number | string;
  cacheSize?: number | string;
  /** "output": unknown keys leave on output 2 as ExceptionEvents; "error": the message goes to Catch. */
  onUnknown?: "output" | "error";
}

type Msg = NodeMessageInFlow & Record<string, unknown>;

export default function register(RED: NodeAPI): void {
  function LsyncMasterDataNode(this: Node, def: MasterDataDef): void {
    RED.nodes.createNode(this, def);
    const endpointNode = def.endpoint ? (RED.nodes.getNode(def.endpoint) as EndpointNode | null) : null;
    let checker: MasterDataChecker;
    try {
      const get: EndpointGet | null = endpointNode
        ? async (path) => {
            const outcome = await endpointNode.client.call("GET", path, undefined);
            return outcome.ok ? { ok: true, status: outcome.status, data: outcome.data } : { ok: false, status: outcome.status, error: outcome.error };
          }
        : null;
      checker = new MasterDataChecker({
        checks: parseKeyChecks(Array.isArray(def.checks) && def.checks.length ? def.checks : DEFAULT_KEY_CHECKS),
        cacheTtlMs: Math.max(1, Number(def.cacheTtlSeconds) || 300) * 1000,
        cacheSize: Math.max(1, Math.trunc(Number(def.cacheSize) || 10_000)),
        endpoint: get ? { get, name: endpointNode?.system ?? "endpoint" } : null,
      });
    } catch (err) {
      const why = errorMessage(err);
      this.status({ fill: "red", shape: "ring", text: why.slice(0, 60) });
      this.error(`master data: ${why}`);
      this.on("input", (_m: NodeMessageInFlow, _s: Send, done: Done) => done(new Error(`master data: ${why}`)));
      return;
    }
    const onUnknown = def.onUnknown === "error" ? "error" : "output";
    const setStatus = throttledStatus(this);
    const counts = { known: 0, unknown: 0, errors: 0 };
    const showStatus = () => {
      const c = checker.cache;
      const lookups = c.hits + c.misses;
      setStatus({
        fill: counts.errors ? "red" : counts.unknown ? "yellow" : "green",
        shape: "dot",
        text: `${count(counts.known)} known · ${count(counts.unknown)} unknown${counts.errors ? ` · ${count(counts.errors)} errors` : ""}${lookups ? ` · cache ${Math.round((c.hits / lookups) * 100)}%` : ""}`,
      });
    };

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as Msg;
      if (!m.payload || typeof m.payload !== "object") {
        counts.errors++;
        showStatus();
        done(ruleError("payload", "type", "must be a canonical object", m.payload));
        return;
      }
      checker
        .check(m.payload)
        .then((results: KeyResult[]) => {
          m.masterData = results;
          const unknown = results.filter((r) => !r.found);
          if (unknown.length === 0) {
            counts.known++;
            send([m, null]);
          } else {
            if (onUnknown === "error") {
              const list = unknown.map((r) => `${r.check} "${r.key}" (${r.where})`).join(", ");
              throw ruleError(`payload ${unknown[0]!.check}`, "knownKey", `not in the reference data: ${list}`);
            }
            counts.unknown++;
            const now = new Date();
            const messages = unknown.map((r, i) => {
              const out = (i === 0 ? m : RED.util.cloneMessage(m)) as Msg;
              out.subject = m.payload;
              out.payload = unknownKeyException(m.payload, r, now);
              return out;
            });
            send([null, messages]);
          }
          showStatus();
          done();
        })
        .catch((err: Error) => {
          counts.errors++;
          showStatus();
          done(err);
        });
    });
  }
  RED.nodes.registerType("lsync-master-data", LsyncMasterDataNode);
}
