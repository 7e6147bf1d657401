/**
 * The trace of a business key: every event-log entry that names the key, and every entry of the
 * business threads (correlation ids) those entries belong to — so a PRO number finds the order,
 * the WMS movements, the TMS calls with their retries, the invoice and any dead letter on the way.
 * The load (and BOL) a thread's entries name lead one step further, to that load's own thread:
 * the warehouse scans and execution updates of a load are on LOAD|…, while the order's steps are on
 * the order's thread, and only a step such as the delivery milestone names both.
 */
import { DEFAULT_MASKING, maskPayload, type MaskingRules } from "../masking";
import type { BusinessKeyType, EventLogEntry, EventLogStore } from "../store";

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

/**
 * Key types that name the shipment a thread moves on: their entries' threads are followed one step
 * on. Not order keys: an order names its customer's PO (shared by the customer's orders) and its
 * deliveries fan out to other orders' loads.
 */
const LINKING_KEY_TYPES: ReadonlySet<BusinessKeyType> = new Set(["load", "bol"]);
/** At most this many loads/BOLs are followed (a trace is for one shipment's story, not a report). */
export const MAX_LINKED_KEYS = 20;

const threadsOf = (entries: EventLogEntry[]) => entries.map((e) => e.correlationId).filter((c): c is string => !!c);

/** The load and BOL values the entries name, other than the traced key, first seen first. */
function linkingKeys(entries: EventLogEntry[], key: string): string[] {
  const values = new Set<string>();
  for (const e of entries) for (const k of e.keys) if (LINKING_KEY_TYPES.has(k.type) && k.value !== key) values.add(k.value);
  return [...values].slice(0, MAX_LINKED_KEYS);
}

export async function buildTrace(store: EventLogStore, key: string, options: { limit?: number; showMoney: boolean; masking?: MaskingRules }): Promise<Trace> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 1000) || 1000, 1), 10_000);
  // The key may itself be a correlation id; its direct entries name the threads to follow.
  const direct = await store.findEvents({ key, correlationIds: [key], limit });
  const threads = new Set(threadsOf(direct));
  let all = threads.size ? await store.findEvents({ key, correlationIds: [key, ...threads], limit: limit + 1 }) : direct;
  // One step on: the threads of the loads/BOLs those entries name (not further: no closure over keys).
  const known = threads.size;
  for (const linked of linkingKeys(all, key)) for (const thread of threadsOf(await store.findEvents({ key: linked, limit }))) threads.add(thread);
  if (threads.size > known) all = await store.findEvents({ key, correlationIds: [key, ...threads], limit: limit + 1 });
  const correlationIds = [...threads];
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
      detail: options.showMoney ? e.detail : maskPayload(e.detail, options.masking ?? DEFAULT_MASKING),
    })),
    truncated,
    masked: !options.showMoney,
  };
}
