/**
 * What each recording place writes to the event log, built by plain functions: canonical events
 * (map, validate, drift), system calls (egress enqueue, dispatcher outcomes) and dead letters.
 */
import type { RowOutcome } from "../outbox/dispatcher";
import type { BusinessKey, NewEventLogEntry } from "../store";
import { businessKeysOf } from "./business-keys";
import { recordEvent } from "./event-log";

/** The field that says what a canonical object is about, per schema (shown after the schema name). */
function headline(object: Record<string, unknown>): string {
  for (const field of ["status", "type", "stage"]) {
    // inventory-movement: type (PICK); freight-charge: stage; the rest: status. Exceptions: type.
    const value = object[field];
    if (typeof value === "string" && (field !== "status" || !String(object.schema).startsWith("exception-event"))) return value;
  }
  return "";
}

/** The entry for one canonical object seen by a node (`status`: mapped, valid, invalid, raised). */
export function canonicalEntry(object: unknown, nodeId: string | null, status: string, at = Date.now()): NewEventLogEntry {
  const o = (object && typeof object === "object" ? object : {}) as Record<string, unknown>;
  const schema = typeof o.schema === "string" ? o.schema : "unknown";
  const what = headline(o);
  return {
    at,
    kind: schema.startsWith("exception-event/") ? "exception" : "event",
    name: what ? `${schema} ${what}` : schema,
    correlationId: typeof o.correlationId === "string" ? o.correlationId : null,
    nodeId,
    system: typeof (o.source as { system?: unknown } | undefined)?.system === "string" ? (o.source as { system: string }).system : null,
    status,
    keys: businessKeysOf(o),
    detail: object,
  };
}

export function recordCanonical(objects: unknown[], nodeId: string | null, status: string): void {
  const at = Date.now();
  for (const object of objects) recordEvent(canonicalEntry(object, nodeId, status, at));
}

export interface CallContext {
  /** erp | wms | tms | finance | carrier */
  system: string;
  /** The operation's title, e.g. "Create shipment". */
  operation: string;
  /** The egress node that owns the call. */
  nodeId: string;
  /** The system's lifecycle state once told (the operation's lifecycleState), for lifecycle.ts. */
  lifecycleState?: string;
}

/** An outbound call put in the outbox: carries the canonical object's keys, which later outcomes share by correlation id. */
export function callQueuedEntry(call: CallContext, canonical: unknown, idempotencyKey: string, correlationId: string | null, at = Date.now()): NewEventLogEntry {
  return {
    at,
    kind: "call",
    name: `${call.system} ${call.operation}`,
    correlationId,
    nodeId: call.nodeId,
    system: call.system,
    status: "queued",
    keys: businessKeysOf(canonical),
    detail: call.lifecycleState ? { idempotencyKey, lifecycleState: call.lifecycleState } : { idempotencyKey },
  };
}

export function recordCallQueued(call: CallContext, canonical: unknown, idempotencyKey: string, correlationId: string | null): void {
  recordEvent(callQueuedEntry(call, canonical, idempotencyKey, correlationId));
}

/** How a delivery attempt ended as a whole: sent, or the worst of its rows' outcomes. */
function attemptStatus(outcomes: RowOutcome[]): string {
  if (outcomes.some((o) => o.result === "dead")) return outcomes.some((o) => o.result === "sent") ? "partly dead" : "dead";
  if (outcomes.some((o) => o.result === "retry")) return outcomes.every((o) => o.result === "retry" && o.notSent) ? "not sent" : "retry";
  return "sent";
}

/** Rows of a failed attempt listed in the detail, at most. */
const MAX_FAILED_ROWS = 20;

/**
 * One entry per delivery attempt (one call, whatever its batch size: a batch of 100 scans is one
 * entry, not 100). The rows' correlation ids are its keys (type "correlation"), which is how a
 * trace finds the call from any of the business threads in it.
 */
export function callOutcomeEntry(call: CallContext, batchKey: string, outcomes: RowOutcome[], durationMs: number, at = Date.now()): NewEventLogEntry {
  const keys: BusinessKey[] = [];
  const seen = new Set<string>();
  for (const o of outcomes) {
    const id = o.row.correlationId;
    if (id && !seen.has(id)) (seen.add(id), keys.push({ type: "correlation", value: id }));
  }
  const failed = outcomes.filter((o) => o.result !== "sent");
  return {
    at,
    kind: "call",
    name: `${call.system} ${call.operation}`,
    correlationId: keys.length === 1 ? keys[0]!.value : null,
    nodeId: call.nodeId,
    system: call.system,
    status: attemptStatus(outcomes),
    durationMs,
    keys,
    detail: {
      batchKey,
      rows: outcomes.length,
      attempt: Math.max(0, ...outcomes.map((o) => o.row.attempts)) + 1,
      ...(failed.length
        ? {
            error: (failed[0] as { error: string }).error,
            failed: failed.slice(0, MAX_FAILED_ROWS).map((o) => ({ idempotencyKey: o.row.idempotencyKey, result: o.result, error: (o as { error: string }).error })),
          }
        : {}),
    },
  };
}

export function recordCallOutcomes(call: CallContext, batchKey: string, outcomes: RowOutcome[], durationMs: number): void {
  if (outcomes.length) recordEvent(callOutcomeEntry(call, batchKey, outcomes, durationMs));
}

export interface ParkedLetter {
  id: number;
  nodeId: string;
  nodeType: string;
  reason: string;
  correlationId: string | null;
  idempotencyKey: string | null;
  /** The failed payload: its business keys are indexed when it is a canonical object. */
  payload: unknown;
}

export function recordDeadLetter(letter: ParkedLetter): void {
  recordEvent({
    at: Date.now(),
    kind: "dead-letter",
    name: `dead letter ${letter.id} (${letter.nodeType})`,
    correlationId: letter.correlationId,
    nodeId: letter.nodeId,
    status: "parked",
    keys: businessKeysOf(letter.payload),
    detail: { deadLetterId: letter.id, reason: letter.reason, idempotencyKey: letter.idempotencyKey },
  });
}

/**
 * An inbound event the dedupe node dropped as a duplicate (the duplicate event rate's numerator).
 * Only its key and source are kept: the first copy is logged already.
 */
export function duplicateEntry(payload: unknown, key: string, nodeId: string, correlationId: string | null, at = Date.now()): NewEventLogEntry {
  const o = (payload && typeof payload === "object" ? payload : {}) as { schema?: unknown; source?: { system?: unknown } };
  const system = typeof o.source?.system === "string" ? o.source.system : null;
  return {
    at,
    kind: "event",
    name: `duplicate dropped${typeof o.schema === "string" ? ` (${o.schema})` : ""}`,
    correlationId,
    nodeId,
    system,
    status: "duplicate",
    keys: businessKeysOf(payload),
    detail: { key, source: { system } },
  };
}

export function recordDuplicate(payload: unknown, key: string, nodeId: string, correlationId: string | null): void {
  recordEvent(duplicateEntry(payload, key, nodeId, correlationId));
}

/** A dead letter replayed or discarded by hand in the dead-letter admin (the manual touches KPI). */
export function recordManualTouch(letter: { id: number; nodeId: string; correlationId: string | null }, action: "replayed" | "discarded", by: string): void {
  recordEvent({
    at: Date.now(),
    kind: "dead-letter",
    name: `dead letter ${letter.id} ${action} by ${by}`,
    correlationId: letter.correlationId,
    nodeId: letter.nodeId,
    status: action,
    keys: [],
    detail: { deadLetterId: letter.id, by },
  });
}
