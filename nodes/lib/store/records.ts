/**
 * Table rows as both stores read them back, and their mapping to the store's types: one place
 * for column names and JSON decoding, whichever database holds the rows.
 */
import type { DeadLetter, DeadLetterOrigin, DeadLetterState, OutboxBatch, OutboxRow, RuleState } from "./types";

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
