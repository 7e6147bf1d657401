/**
 * The trace of a business key: every event-log entry that names the key, and every entry of the
 * business threads (correlation ids) those entries belong to — so a PRO number finds the order,
 * the WMS movements, the TMS calls with their retries, the invoice and any dead letter on the way.
 */
import { maskMoney } from "../masking";
import type { EventLogEntry, EventLogStore } from "../store";

export interface TraceEntry {
  id: number;
  at: number;
  /** ISO form of `at`, for people and for the sidebar. */
  time: string;
  kind: EventLogEntry["kind"];
  name: string;
  status: string | null;
  system: string | null;
  nodeId: string | null;
  correlationId: string | null;
  durationMs: number | null;
  keys: EventLogEntry["keys"];
  detail: unknown;
}

export interface Trace {
  key: string;
  correlationIds: string[];
  entries: TraceEntry[];
  /** True when the limit cut the timeline short. */
  truncated: boolean;
  /** True when amounts in `detail` were masked. */
  masked: boolean;
}

export const MAX_TRACE_KEY_CHARS = 200;

/** Checks the key a user typed: one trimmed value, 1–200 characters. Throws a message naming the rule. */
export function traceKey(raw: unknown): string {
  const key = typeof raw === "string" ? raw.trim() : "";
  if (key === "") throw new Error("key is required: an order, shipment, delivery, BOL, PRO, SSCC, invoice or correlation id");
  if (key.length > MAX_TRACE_KEY_CHARS) throw new Error(`key must be at most ${MAX_TRACE_KEY_CHARS} characters`);
  return key;
}

export async function buildTrace(store: EventLogStore, key: string, options: { limit?: number; showMoney: boolean }): Promise<Trace> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 1000) || 1000, 1), 10_000);
  // The key may itself be a correlation id; its direct entries name the threads to follow.
  const direct = await store.findEvents({ key, correlationIds: [key], limit });
  const correlationIds = [...new Set(direct.map((e) => e.correlationId).filter((c): c is string => !!c))];
  const all = correlationIds.length ? await store.findEvents({ key, correlationIds: [key, ...correlationIds], limit: limit + 1 }) : direct;
  const truncated = all.length > limit || direct.length >= limit;
  return {
    key,
    correlationIds,
    entries: all.slice(0, limit).map((e) => ({
      id: e.id,
      at: e.at,
      time: new Date(e.at).toISOString(),
      kind: e.kind,
      name: e.name,
      status: e.status,
      system: e.system,
      nodeId: e.nodeId,
      correlationId: e.correlationId,
      durationMs: e.durationMs,
      keys: e.keys,
      detail: options.showMoney ? e.detail : maskMoney(e.detail),
    })),
    truncated,
    masked: !options.showMoney,
  };
}
