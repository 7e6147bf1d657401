/**
 * Table rows as both stores read them back, and their mapping to the store's types: one place
 * for column names and JSON decoding, whichever database holds the rows.
 */
import type { BusinessKey, DeadLetter, DeadLetterOrigin, DeadLetterState, EventLogEntry, NewEventLogEntry, OutboxBatch, OutboxRow, RuleState } from "./types";

export interface DeadLetterRecord {
  id: number;
  at: number;
  node_id: string;
  node_type: string;
  node_name: string | null;
  flow_id: string | null;
  reason: string;
  correlation_id: string | null;
  idempotency_key: string | null;
  attempts: number;
  payload: string;
  inbox_id: number | null;
  state: DeadLetterState;
  resolution: string | null;
  origin: string | null;
}

export function toDeadLetter(r: DeadLetterRecord): DeadLetter {
  return {
    id: r.id,
    at: r.at,
    nodeId: r.node_id,
    nodeType: r.node_type,
    nodeName: r.node_name,
    flowId: r.flow_id,
    reason: r.reason,
    correlationId: r.correlation_id,
    idempotencyKey: r.idempotency_key,
    attempts: r.attempts,
    payload: JSON.parse(r.payload) as unknown,
    inboxId: r.inbox_id,
    state: r.state,
    resolution: r.resolution ? (JSON.parse(r.resolution) as DeadLetter["resolution"]) : null,
    origin: r.origin ? (JSON.parse(r.origin) as DeadLetterOrigin) : null,
  };
}

export interface OutboxRecord {
  id: number;
  target: string;
  idempotency_key: string;
  correlation_id: string | null;
  body: string;
  attempts: number;
  created_at: number;
}

export function toOutboxRow(r: OutboxRecord): OutboxRow {
  return {
    id: r.id,
    target: r.target,
    idempotencyKey: r.idempotency_key,
    correlationId: r.correlation_id,
    body: JSON.parse(r.body) as unknown,
    attempts: r.attempts,
    createdAt: r.created_at,
  };
}

/** A batch of rows under its key `<target>:<first row id>@<store instance>` (see OutboxBatch). */
export function toOutboxBatch(target: string, batchId: number, storeInstance: string, records: OutboxRecord[]): OutboxBatch {
  return { batchKey: `${target}:${batchId}@${storeInstance}`, storeInstance, rows: records.map(toOutboxRow) };
}

// Event log (visibility): one row per entry, its business keys as JSON beside the key table.
export interface EventLogRecord {
  id: number;
  at: number;
  kind: EventLogEntry["kind"];
  name: string;
  correlation_id: string | null;
  node_id: string | null;
  system: string | null;
  status: string | null;
  duration_ms: number | null;
  keys: string;
  detail: string | null;
}

export function toEventLogEntry(r: EventLogRecord): EventLogEntry {
  return {
    id: r.id,
    at: r.at,
    kind: r.kind,
    name: r.name,
    correlationId: r.correlation_id,
    nodeId: r.node_id,
    system: r.system,
    status: r.status,
    durationMs: r.duration_ms,
    keys: JSON.parse(r.keys) as BusinessKey[],
    detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
  };
}

/** The columns of an entry as both stores write them. */
export function eventLogColumns(e: NewEventLogEntry): [number, string, string, string | null, string | null, string | null, string | null, number | null, string, string | null] {
  return [
    Math.trunc(e.at),
    e.kind,
    e.name,
    e.correlationId ?? null,
    e.nodeId ?? null,
    e.system ?? null,
    e.status ?? null,
    e.durationMs == null ? null : Math.round(e.durationMs),
    JSON.stringify(e.keys),
    e.detailJson !== undefined ? e.detailJson : e.detail === undefined ? null : JSON.stringify(e.detail),
  ];
}

// ---- Rule state (business-rule nodes) ----

export interface RuleStateRecord {
  scope: string;
  key: string;
  value: string;
  due_at: number | null;
  version: number;
  updated_at: number;
}

export function toRuleState(r: RuleStateRecord): RuleState {
  return {
    scope: r.scope,
    key: r.key,
    value: JSON.parse(r.value) as unknown,
    dueAt: r.due_at === null ? null : Number(r.due_at),
    version: Number(r.version),
    updatedAt: Number(r.updated_at),
  };
}
