/**
 * Lifecycle state per order and shipment across ERP, WMS, TMS and finance, derived from the
 * event log: the canonical events the systems reported, and the calls by which the product told a
 * system something that puts it in a state (the WMS holds an order ALLOCATED once its pick is
 * instructed; finance has it BILLABLE once invoice-ready is posted). Entries belong to one subject
 * when they share a business key or a correlation id (transitively: an SSCC scan, the BOL on the
 * 945 and the PRO on the 214 and 210 are one shipment once some entry names two of them).
 */
import type { BusinessKey, EventLogEntry } from "../store";

export type SystemName = "erp" | "wms" | "tms" | "finance";
export const SYSTEMS: readonly SystemName[] = ["erp", "wms", "tms", "finance"];

export interface Milestone {
  system: SystemName;
  /**
   * e.g. RELEASED (ERP order), PICKED / SHIPPED (WMS), PICKED_UP / DELIVERED (TMS), ACCRUED /
   * INVOICED (finance: the carrier's invoice) / BILLED (finance: the customer's invoice).
   */
  state: string;
  /** Business time: the object's occurredAt (else when it was logged), epoch ms. */
  at: number;
  /**
   * When the product learned it (the log entry's time). Drift is timed on this clock: a source
   * that reports late, or a simulated business calendar, does not make a disagreement older.
   */
  seenAt: number;
  entryId: number;
}

export interface Subject {
  /** The shipment number when one is known, else the order number, else the first key. */
  id: string;
  kind: "shipment" | "order" | "other";
  keys: BusinessKey[];
  correlationIds: string[];
  milestones: Milestone[];
  /** Latest milestone per system. */
  state: Partial<Record<SystemName, Milestone>>;
}

const WMS_MOVEMENTS: Record<string, string> = { PICK: "PICKED", PACK: "PACKED", WEIGH: "PACKED", MEASURE: "PACKED", LOAD: "LOADED", SHIP: "SHIPPED" };

interface CanonicalDetail {
  schema?: string;
  status?: string;
  type?: string;
  stage?: string;
  direction?: string;
  occurredAt?: string;
  source?: { system?: string; format?: string };
}

/** Which system a canonical object speaks for, and the state it reports; null for what is not a milestone. */
export function milestoneOf(entry: Pick<EventLogEntry, "id" | "at" | "kind" | "detail" | "system" | "status">): Milestone | null {
  if (entry.kind === "call") return toldState(entry);
  if (entry.kind !== "event" || !entry.detail || typeof entry.detail !== "object") return null;
  const d = entry.detail as CanonicalDetail;
  const parsed = d.occurredAt ? Date.parse(d.occurredAt) : NaN;
  const at = Number.isFinite(parsed) ? parsed : entry.at;
  const schema = (d.schema ?? "").split("/")[0];
  const make = (system: SystemName, state: string | undefined): Milestone | null => (state ? { system, state, at, seenAt: entry.at, entryId: entry.id } : null);
  switch (schema) {
    case "order":
      return make("erp", d.status);
    case "inventory-movement":
      return make("wms", WMS_MOVEMENTS[d.type ?? ""]);
    case "shipment":
      // A 945 ship advice is the warehouse speaking; the TMS's actual shipment (the load as it
      // was dispatched) the TMS; SAP/NetSuite/Odoo deliveries are the ERP.
      return make(d.source?.format?.startsWith("X12_945") ? "wms" : d.source?.system === "TMS" ? "tms" : "erp", d.status);
    case "shipment-status-event":
      return make("tms", d.status);
    case "invoice-event":
      // The customer's invoice may rightly come before delivery (billed when shipped); the
      // carrier's should not. Without a direction it is the carrier's (the 210s and the API).
      return make("finance", d.direction === "RECEIVABLE" ? "BILLED" : "INVOICED");
    case "freight-charge":
      return make("finance", d.stage);
    default:
      return null;
  }
}

/**
 * Keys that join entries into one subject. Not the customer's PO number: a customer may send one PO
 * for many orders (the simulators use one per customer), which would make all of them one shipment.
 */
export const joinsSubjects = (type: BusinessKey["type"]) => type !== "correlation" && type !== "po";

/** A call put in the outbox whose operation names the state it puts the system in (record.ts). */
function toldState(entry: Pick<EventLogEntry, "id" | "at" | "detail" | "system" | "status">): Milestone | null {
  const state = (entry.detail as { lifecycleState?: unknown } | null)?.lifecycleState;
  const system = entry.system as SystemName | null;
  if (entry.status !== "queued" || typeof state !== "string" || !system || !SYSTEMS.includes(system)) return null;
  return { system, state, at: entry.at, seenAt: entry.at, entryId: entry.id };
}

/** Groups entries into subjects (union of shared keys and correlation ids) with their milestones in time order. */
export function subjectsOf(entries: EventLogEntry[]): Subject[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    for (const x of [a, b]) if (!parent.has(x)) parent.set(x, x);
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(rb, ra);
  };
  const relevant = entries.filter((e) => e.kind === "event" || e.kind === "exception" || (e.kind === "call" && toldState(e) !== null));
  const nodesOf = (e: EventLogEntry) => [
    ...e.keys.filter((k) => joinsSubjects(k.type)).map((k) => `k:${k.value}`),
    ...(e.correlationId ? [`c:${e.correlationId}`] : []),
  ];
  for (const e of relevant) {
    const nodes = nodesOf(e);
    for (const n of nodes) union(nodes[0]!, n);
  }
  const groups = new Map<string, EventLogEntry[]>();
  for (const e of relevant) {
    const nodes = nodesOf(e);
    if (nodes.length === 0) continue;
    const root = find(nodes[0]!);
    groups.set(root, [...(groups.get(root) ?? []), e]);
  }
  return [...groups.values()].map(subjectOf).filter((s) => s.milestones.length > 0);
}

function subjectOf(entries: EventLogEntry[]): Subject {
  const keys: BusinessKey[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    for (const k of e.keys) {
      if (k.type === "correlation" || seen.has(`${k.type}|${k.value}`)) continue;
      seen.add(`${k.type}|${k.value}`);
      keys.push(k);
    }
  }
  const milestones = entries
    .map(milestoneOf)
    .filter((m): m is Milestone => m !== null)
    .sort((a, b) => a.at - b.at || a.entryId - b.entryId);
  const state: Subject["state"] = {};
  for (const m of milestones) state[m.system] = m;
  const shipment = keys.find((k) => k.type === "shipment");
  const order = keys.find((k) => k.type === "order");
  return {
    id: shipment?.value ?? order?.value ?? keys[0]?.value ?? entries[0]!.correlationId ?? String(entries[0]!.id),
    kind: shipment || keys.some((k) => ["bol", "pro", "sscc", "tracking"].includes(k.type)) ? "shipment" : order ? "order" : "other",
    keys,
    correlationIds: [...new Set(entries.map((e) => e.correlationId).filter((c): c is string => !!c))],
    milestones,
    state,
  };
}
