import { parseSchemaRef } from "../canonical/validator";
import type { CanonicalObject } from "../canonical/types";
import { InputError } from "../errors";
import { recordCallOutcomes, recordCallQueued, recordDeadLetter, type CallContext } from "../events/record";
import { intakeRefOf, intakeStore, isSplit, notifySettled, settleFinished } from "../intake/settlement";
import { parseBindings } from "../mapping/bindings";
import { compileMapping } from "../mapping/mapper";
import { findProfile, profileSchema, profileSource } from "../mapping/profiles";
import { OutboxDispatcher, type DispatcherState } from "../outbox/dispatcher";
import { onMessageOrBatch } from "../batch";
import { count, throttledStatus, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type NodeStatus } from "../red";
import { backoffDelay, DEFAULT_BACKOFF } from "../retry";
import type { LsyncStore, OutboxBatch } from "../store";
import type { EndpointClient } from "../http/endpoint-client";
import { compileAnswers, type AnswerMapper, type AnswerRequest } from "./answers";
import { findOperation, type CommandOperation, type Operation, type OperationContext, type QueryOperation } from "./operations";

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

interface EndpointLike extends Node<{ username?: string; password?: string }> {
  client: EndpointClient;
}
interface StoreLike extends Node {
  store: LsyncStore;
}

/** Tries of a query when max attempts is 0 ("until delivered" makes no sense for a waiting message). */
const QUERY_DEFAULT_ATTEMPTS = 3;

function clamp(value: number | string | undefined, min: number, max: number, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? Math.min(n, max) : fallback;
}

function statusOf(queued: number, answered: number, s: DispatcherState): NodeStatus {
  const base = `${count(queued)} queued · ${count(s.sent)} sent${answered ? ` · ${count(answered)} answers` : ""}${s.dead ? ` · ${count(s.dead)} dead` : ""}`;
  if (s.failing > 0) {
    const wait = s.nextRetryAt ? Math.max(0, Math.round((s.nextRetryAt - Date.now()) / 1000)) : 0;
    return { fill: "red", shape: "ring", text: `retry in ${wait}s (${(s.lastError ?? "").slice(0, 40)}) · ${base}` };
  }
  return { fill: s.dead ? "yellow" : "green", shape: "dot", text: base };
}

/** One message per canonical answer, carrying the keys of the request it answers. */
function answerMessages(RED: NodeAPI, topic: string, objects: CanonicalObject[], request: AnswerRequest): NodeMessageInFlow[] {
  return objects.map((payload) => ({
    _msgid: RED.util.generateId(),
    topic,
    payload,
    correlationId: payload.correlationId,
    idempotencyKey: payload.idempotencyKey,
    request,
  })) as NodeMessageInFlow[];
}

/**
 * The behaviour every system node (ERP, WMS, TMS, finance, carrier, portal) shares: map the
 * canonical object to the operation's vendor shape, then
 * - a command (post, create, update): record the call in the outbox (settling the intake in the
 *   same transaction), pass the message on, and deliver from the outbox in batches with retries;
 *   when the operation has an answer (a created document), it leaves on the second output once
 *   the system has answered;
 * - a query (read-only, e.g. tracking): ask directly with retries while the message waits, and
 *   send the answer's canonical objects on the second output.
 * Each node type only names its system.
 */
export function registerEgressNode(RED: NodeAPI, type: string, system: Operation["system"]): void {
  function EgressNode(this: Node, def: EgressDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation = findOperation(system, def.operation);
    const endpoint = RED.nodes.getNode(def.endpoint) as EndpointLike | null;
    const storeNode = RED.nodes.getNode(def.store) as StoreLike | null;
    const needsStore = operation?.kind !== "query";
    const problem = !operation
      ? `unknown ${system} operation "${def.operation}"`
      : !endpoint
        ? "no endpoint configured"
        : needsStore && !storeNode
          ? "no store configured"
          : null;
    if (problem || !operation || !endpoint) {
      this.status({ fill: "red", shape: "ring", text: problem ?? "not configured" });
      this.error(`${system} node: ${problem}`);
      return;
    }
    let bindings: Record<string, unknown>;
    let answers: AnswerMapper | null;
    try {
      bindings = parseBindings(def.bindings);
      answers = operation.answerProfile ? compileAnswers(operation.answerProfile, bindings) : null;
    } catch (err) {
      this.status({ fill: "red", shape: "ring", text: "bad mapping bindings" });
      this.error(`${system} node: ${(err as Error).message}`);
      return;
    }
    const profile = findProfile(operation.profile);
    if (!profile) throw new Error(`operation ${operation.id} names a missing profile ${operation.profile}`);
    const mapper = compileMapping(profileSource(profile), "json");
    const accepts = profileSchema(profile);
    const creds = endpoint.credentials ?? {};
    const ctx: OperationContext = {
      client: endpoint.client,
      login: creds.username ? { username: creds.username, password: creds.password ?? "" } : null,
      bindings,
    };
    const topic = `${system}/${operation.id}`;

    /** Checks the canonical object and maps it; undefined = not this system's business. */
    async function toVendor(msg: NodeMessageInFlow): Promise<{ body: unknown; key: string; correlationId: string | null }> {
      const canonical = msg.payload as { schema?: unknown; idempotencyKey?: unknown; correlationId?: unknown } | undefined;
      const named = parseSchemaRef(canonical?.schema);
      if (!named || named.name !== accepts.name || named.major !== accepts.major) {
        throw new InputError(`${system} ${operation!.title} takes ${profile!.canonical}; msg.payload.schema is ${JSON.stringify(canonical?.schema)}`, {
          rule: "schemaVersion",
        });
      }
      if (typeof canonical?.idempotencyKey !== "string" || canonical.idempotencyKey === "") {
        throw new InputError("msg.payload.idempotencyKey is required: it identifies the outbound call, so a replay is never sent twice", {
          rule: "required",
        });
      }
      const body = await mapper.map(canonical, { bindings });
      return { body, key: canonical.idempotencyKey, correlationId: typeof canonical.correlationId === "string" ? canonical.correlationId : null };
    }

    if (operation.kind === "query") startQuery(node, operation, ctx, answers!, toVendor);
    else startCommand(node, operation, ctx, answers, toVendor, storeNode!.store);

    function startQuery(node: Node, op: QueryOperation, ctx: OperationContext, answers: AnswerMapper, map: typeof toVendor): void {
      const attempts = clamp(def.maxAttempts, 0, 1000, 0) || QUERY_DEFAULT_ATTEMPTS;
      const perCall = clamp(def.batchSize, 1, op.maxBatch, op.defaultBatch);
      const stats = { asked: 0, answers: 0, failed: 0 };
      let closed = false;
      const setStatus = throttledStatus(node);
      const show = () => setStatus({ fill: stats.failed ? "yellow" : "green", shape: "dot", text: `${count(stats.asked)} asked · ${count(stats.answers)} answers${stats.failed ? ` · ${count(stats.failed)} failed` : ""}` });
      const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

      // A batch (msg.batch, see nodes/lib/batch.ts) asks item by item, side by side.
      onMessageOrBatch(node, 2, async (msg) => {
        const intake = intakeRefOf(msg);
        const settle = def.settleIntake !== false && intake !== null;
        try {
          const { body, key, correlationId } = await map(msg);
          let objects: CanonicalObject[] = [];
          if (body === undefined) {
            msg.egress = { ...(msg.egress as object | undefined), [system]: "not applicable" };
          } else {
            stats.asked++;
            for (let attempt = 1; ; attempt++) {
              const outcome = await op.ask(ctx, body, { idempotencyKey: key, correlationId }, perCall);
              if (outcome.ok) {
                objects = await answers.toCanonical(outcome.answer, { idempotencyKey: key, correlationId });
                break;
              }
              if (!outcome.retryable || attempt >= attempts || closed) {
                throw new Error(`${system} ${op.title}: ${outcome.retryable ? `gave up after ${attempt} attempts: ` : ""}${outcome.error}`);
              }
              setStatus({ fill: "red", shape: "ring", text: `retry ${attempt}/${attempts - 1} (${outcome.error.slice(0, 40)})` });
              await sleep(outcome.retryAfterMs ?? backoffDelay(attempt - 1, { ...DEFAULT_BACKOFF, maxMs: 30_000 }));
            }
            stats.answers += objects.length;
            msg.egress = { ...(msg.egress as object | undefined), [system]: `answered: ${objects.length}` };
          }
          if (settle) await settleFinished(intake, "done");
          show();
          return [msg, answerMessages(RED, topic, objects, { idempotencyKey: key, correlationId })];
        } catch (err) {
          stats.failed++;
          show();
          throw err;
        }
      });
      node.on("close", () => {
        closed = true;
      });
    }

    function startCommand(node: Node, op: CommandOperation, ctx: OperationContext, answers: AnswerMapper | null, map: typeof toVendor, store: LsyncStore): void {
      const setStatus = throttledStatus(node);
      // Event log (visibility): what this node queues, sends, retries and gives up on.
      const call: CallContext = { system: system.toLowerCase(), operation: op.title, nodeId: node.id, ...(op.lifecycleState ? { lifecycleState: op.lifecycleState } : {}) };
      let queued = 0;
      let answered = 0;

      const park = async (reason: string, payload: unknown, keys: { correlationId: string | null; idempotencyKey: string }, attempts: number) => {
        const id = await store.parkDeadLetter({
          nodeId: node.id,
          nodeType: type,
          nodeName: def.name || null,
          flowId: node.z,
          reason,
          correlationId: keys.correlationId,
          idempotencyKey: keys.idempotencyKey,
          attempts,
          payload,
        });
        recordDeadLetter({ id, nodeId: node.id, nodeType: type, reason, correlationId: keys.correlationId, idempotencyKey: keys.idempotencyKey, payload });
        // Catch nodes see it; deadLetterId tells a dead-letter node it is parked already.
        node.error(`${system} ${op.title}: ${reason}`, {
          _msgid: RED.util.generateId(),
          payload,
          correlationId: keys.correlationId,
          idempotencyKey: keys.idempotencyKey,
          deadLetterId: id,
        });
      };

      /**
       * Sends a batch and hands the answers to the flow before the dispatcher marks the rows sent:
       * a crash in between sends the row again under the same Idempotency-Key, the system answers
       * the same, and the answer goes out again (at least once; its idempotencyKey is the
       * document's, so a dedupe node drops the repeat). Marking first could lose an answer.
       */
      const deliver = async (batch: OutboxBatch) => {
        const outcomes = await op.send(ctx, batch);
        if (!answers) return outcomes;
        for (const o of outcomes) {
          if (o.result !== "sent" || o.answer === undefined) continue;
          const request = { idempotencyKey: o.row.idempotencyKey, correlationId: o.row.correlationId };
          try {
            const objects = await answers.toCanonical(o.answer, request);
            answered += objects.length;
            if (objects.length > 0) node.send([null, answerMessages(RED, topic, objects, request)]);
          } catch (err) {
            // The system has the document; only its answer is unusable. Park the answer, keep the row sent.
            await park(`answer could not be read: ${(err as Error).message}`, o.answer, request, o.row.attempts + 1);
          }
        }
        return outcomes;
      };

      const dispatcher = new OutboxDispatcher({
        store,
        target: node.id,
        batchSize: clamp(def.batchSize, 1, op.maxBatch, op.defaultBatch),
        maxWaitMs: clamp(def.maxWaitMs, 0, 60_000, 200),
        backoff: { ...DEFAULT_BACKOFF, maxMs: 30_000, maxAttempts: clamp(def.maxAttempts, 0, 1000, 0) },
        deliver,
        onDead: (row, error) => park(error, row.body, { correlationId: row.correlationId, idempotencyKey: row.idempotencyKey }, row.attempts + 1),
        onState: (state) => setStatus(statusOf(queued, answered, state)),
        onError: (err) => node.warn(`outbox: ${err.message}`),
        onDelivered: (batch, outcomes, durationMs) => recordCallOutcomes(call, batch.batchKey, outcomes, durationMs),
      });
      dispatcher.start();

      // A batch (msg.batch, see nodes/lib/batch.ts) is queued item by item: the rows share one
      // store commit, and the batch goes on as one message.
      onMessageOrBatch(node, 1, async (msg) => {
        const intake = intakeRefOf(msg);
        const settle = def.settleIntake !== false && intake !== null;
        const { body, key, correlationId } = await map(msg);
        if (body === undefined) {
          // Not this system's business (e.g. a weigh scan for the ERP): nothing to send.
          if (settle) await settleFinished(intake, "done");
          msg.egress = { ...(msg.egress as object | undefined), [system]: "not applicable" };
          return [msg];
        }
        const row = { target: node.id, idempotencyKey: key, correlationId, body };
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
        recordCallQueued(call, msg.payload, key, correlationId);
        queued++;
        dispatcher.notifyEnqueued(1);
        msg.egress = { ...(msg.egress as object | undefined), [system]: "queued" };
        return [msg];
      });

      node.on("close", () => dispatcher.stop());
    }
  }
  RED.nodes.registerType(type, EgressNode);
}
