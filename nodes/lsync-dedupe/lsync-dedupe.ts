import { MemoryDedupe, StoreDedupe, type DedupeBackend } from "../lib/dedupe/backends";
import { DEFAULT_REDIS_URL, RedisDedupe, redisHost } from "../lib/dedupe/redis-dedupe";
import { InputError } from "../lib/errors";
import { recordDuplicate } from "../lib/events/record";
import { intakeRefOf, settleFinished } from "../lib/intake/settlement";
import { onMessageOrBatch } from "../lib/batch";
import { configValue, count, throttledStatus, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow } from "../lib/red";
import type { LsyncStore } from "../lib/store";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface DedupeDef extends NodeDef {
  key: string;
  keyType: "msg" | "jsonata";
  ttlSeconds: number | string;
  backend: "memory" | "store" | "redis";
  store: string;
  /** Nodes with the same scope share one window (e.g. two intakes of the same feed). */
  scope: string;
  /** Redis back end: empty or an unset `${VAR}` takes LSYNC_REDIS_URL, else redis://127.0.0.1:6379. */
  redisUrl?: string;
}

/** The Redis URL of a dedupe node: its setting, else LSYNC_REDIS_URL, else the local server. */
export function redisUrl(configured: string | undefined): string {
  return configValue(configured) || process.env.LSYNC_REDIS_URL?.trim() || DEFAULT_REDIS_URL;
}

/** Keys are strings; numbers are accepted (a sequence number) and anything else is refused. */
export function normaliseKey(value: unknown): string | null {
  if (typeof value === "string") return value.length > 0 && value.length <= 512 ? value : null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

export default function register(RED: NodeAPI): void {
  function LsyncDedupeNode(this: Node, def: DedupeDef): void {
    RED.nodes.createNode(this, def);
    const ttlMs = Math.max(1, Number(def.ttlSeconds) || 86_400) * 1000;
    const storeNode = def.backend === "store" ? (RED.nodes.getNode(def.store) as StoreNode | null) : null;
    if (def.backend === "store" && !storeNode) {
      this.status({ fill: "red", shape: "ring", text: "no store configured" });
      this.error("dedupe with the store back end needs a store configuration");
      return;
    }
    const store: LsyncStore | null = storeNode?.store ?? null;
    const scope = def.scope || this.id;
    let lastRedisWarning = 0;
    const backend: DedupeBackend = store
      ? new StoreDedupe(store, scope)
      : def.backend === "redis"
        ? new RedisDedupe({
            url: redisUrl(def.redisUrl),
            scope,
            // The client reconnects by itself; say so now and then, not on every attempt.
            onError: (err) => {
              this.status({ fill: "red", shape: "ring", text: `redis: ${err.message || err.name}` });
              if (Date.now() - lastRedisWarning < 60_000) return;
              lastRedisWarning = Date.now();
              this.warn(`Redis at ${redisHost(redisUrl(def.redisUrl))}: ${err.message || err.name} (reconnecting)`);
            },
          })
        : new MemoryDedupe();
    if (backend instanceof RedisDedupe) this.log(`dedupe: keys in Redis at ${backend.location}, scope ${scope}`);
    const keyPath = def.key || "payload.idempotencyKey";
    const expression = def.keyType === "jsonata" ? RED.util.prepareJSONataExpression(keyPath, this) : null;
    const keyOf = (msg: NodeMessageInFlow): Promise<unknown> =>
      expression
        ? new Promise((resolve, reject) =>
            RED.util.evaluateJSONataExpression(expression, msg, (err, value) => (err ? reject(err) : resolve(value))),
          )
        : Promise.resolve(RED.util.getMessageProperty(msg, keyPath));
    const setStatus = throttledStatus(this);
    let seen = 0;
    let duplicates = 0;

    // A batch (msg.batch, see nodes/lib/batch.ts) is claimed item by item in one store commit,
    // and leaves as a batch of first sightings and a batch of duplicates.
    onMessageOrBatch(this, 2, async (msg) => {
      const raw = await keyOf(msg);
      const key = normaliseKey(raw);
      if (key === null) {
        const where = def.keyType === "jsonata" ? `expression ${keyPath}` : `msg.${keyPath}`;
        throw new InputError(`dedupe key ${where} is missing or not a non-empty string (got ${JSON.stringify(raw) ?? "undefined"})`, {
          rule: "dedupeKey",
        });
      }
      const intake = intakeRefOf(msg);
      // A resumed intake item carries the same ref as its first run: it passes again.
      const ref = intake ? `${intake.source}:${intake.id}${intake.part === undefined ? "" : `#${intake.part}`}` : msg._msgid;
      const claim = await backend.claim(key, ttlMs, ref);
      seen++;
      let out: [NodeMessageInFlow | null, NodeMessageInFlow | null];
      if (claim.first) {
        out = [msg, null];
      } else {
        duplicates++;
        msg.duplicateOf = { key, firstSeenAt: new Date(claim.firstSeenAt).toISOString() };
        // Logged for the duplicate event rate KPI (nodes/lib/events/kpis.ts).
        recordDuplicate(msg.payload, key, this.id, typeof msg.correlationId === "string" ? msg.correlationId : null);
        // The journey of a duplicate ends here, whatever is wired to the second output.
        if (intake) await settleFinished(intake, "duplicate");
        out = [null, msg];
      }
      const rate = seen ? ((duplicates / seen) * 100).toFixed(1) : "0.0";
      setStatus({ fill: "green", shape: "dot", text: `${count(seen)} seen · ${count(duplicates)} duplicates (${rate}%)` });
      return out;
    });
    this.on("close", (_removed: boolean, done: () => void) => {
      Promise.resolve(backend.close()).then(
        () => done(),
        () => done(),
      );
    });
  }
  RED.nodes.registerType("lsync-dedupe", LsyncDedupeNode);
}
