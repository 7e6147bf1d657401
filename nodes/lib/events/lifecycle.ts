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

const isRelevant = (e: EventLogEntry) => e.kind === "event" || e.kind === "exception" || (e.kind === "call" && toldState(e) !== null);

/** The union-find nodes of an entry: its joining keys and its correlation id. */
const nodesOf = (e: EventLogEntry) => [
  ...e.keys.filter((k) => joinsSubjects(k.type)).map((k) => `k:${k.value}`),
  ...(e.correlationId ? [`c:${e.correlationId}`] : []),
];

/** What the index keeps of one subject: its keys and threads (with the order they were first seen in) and milestones. */
interface SubjectParts {
  keys: Map<string, { key: BusinessKey; seq: number }>;
  correlationIds: Map<string, number>;
  milestones: Milestone[];
  /** The first entry seen (its position, id and thread): the subject's name of last resort. */
  first: { seq: number; id: number; correlationId: string | null };
  /** Latest log time of its entries: a subject older than the window is pruned. */
  lastSeenAt: number;
}

/**
 * Subjects built up entry by entry, keeping only what the lifecycle needs (keys, threads,
 * milestones), never the entries: the drift node feeds it what was logged since its last check
 * instead of re-reading days of log every minute, and prunes what left its window.
 */
export class LifecycleIndex {
  private readonly parent = new Map<string, string>();
  private readonly parts = new Map<string, SubjectParts>();
  private seq = 0;

  private find(x: string): string {
    let root = x;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    // Path compression: later finds of x are one step.
    for (let n = x; n !== root; ) {
      const next = this.parent.get(n)!;
      this.parent.set(n, root);
      n = next;
    }
    return root;
  }

  private union(a: string, b: string): string {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra === rb) return ra;
    const [pa, pb] = [this.parts.get(ra), this.parts.get(rb)];
    // The smaller subject goes into the larger one.
    const [keep, gone] = (pa?.milestones.length ?? 0) + (pa?.keys.size ?? 0) >= (pb?.milestones.length ?? 0) + (pb?.keys.size ?? 0) ? [ra, rb] : [rb, ra];
    this.parent.set(gone, keep);
    const from = this.parts.get(gone);
    if (from) {
      this.parts.delete(gone);
      const into = this.parts.get(keep);
      if (!into) this.parts.set(keep, from);
      else {
        for (const [id, k] of from.keys) if (!into.keys.has(id) || into.keys.get(id)!.seq > k.seq) into.keys.set(id, k);
        for (const [c, seq] of from.correlationIds) if (!into.correlationIds.has(c) || into.correlationIds.get(c)! > seq) into.correlationIds.set(c, seq);
        into.milestones.push(...from.milestones);
        if (from.first.seq < into.first.seq) into.first = from.first;
        into.lastSeenAt = Math.max(into.lastSeenAt, from.lastSeenAt);
      }
    }
    return keep;
  }

  /** Adds entries (oldest first, as the log returns them). */
  add(entries: Iterable<EventLogEntry>): void {
    for (const e of entries) {
      const seq = this.seq++;
      if (!isRelevant(e)) continue;
      const nodes = nodesOf(e);
      if (nodes.length === 0) continue;
      for (const n of nodes) if (!this.parent.has(n)) this.parent.set(n, n);
      let root = this.find(nodes[0]!);
      for (const n of nodes.slice(1)) root = this.union(root, n);
      let p = this.parts.get(root);
      if (!p) {
        p = { keys: new Map(), correlationIds: new Map(), milestones: [], first: { seq, id: e.id, correlationId: e.correlationId }, lastSeenAt: e.at };
        this.parts.set(root, p);
      }
      for (const k of e.keys) {
        const id = `${k.type}|${k.value}`;
        if (k.type !== "correlation" && !p.keys.has(id)) p.keys.set(id, { key: k, seq });
      }
      if (e.correlationId && !p.correlationIds.has(e.correlationId)) p.correlationIds.set(e.correlationId, seq);
      const m = milestoneOf(e);
      if (m) p.milestones.push(m);
      p.lastSeenAt = Math.max(p.lastSeenAt, e.at);
    }
  }

  /** Forgets subjects whose latest entry was logged before `before` (epoch ms); returns how many. */
  prune(before: number): number {
    let pruned = 0;
    for (const [root, p] of this.parts) {
      if (p.lastSeenAt >= before) continue;
      this.parts.delete(root);
      for (const { key } of p.keys.values()) if (joinsSubjects(key.type)) this.parent.delete(`k:${key.value}`);
      for (const c of p.correlationIds.keys()) this.parent.delete(`c:${c}`);
      this.parent.delete(root);
      pruned++;
    }
    return pruned;
  }

  get size(): number {
    return this.parts.size;
  }

  /** The subjects with at least one milestone, each with its milestones in time order. */
  subjects(): Subject[] {
    const out: Subject[] = [];
    for (const p of this.parts.values()) if (p.milestones.length) out.push(subjectOf(p));
    return out;
  }
}

/** Groups entries into subjects (union of shared keys and correlation ids) with their milestones in time order. */
export function subjectsOf(entries: EventLogEntry[]): Subject[] {
  const index = new LifecycleIndex();
  index.add(entries);
  return index.subjects();
}

function subjectOf(p: SubjectParts): Subject {
  const keys = [...p.keys.values()].sort((a, b) => a.seq - b.seq).map((k) => k.key);
  const milestones = [...p.milestones].sort((a, b) => a.at - b.at || a.entryId - b.entryId);
  const state: Subject["state"] = {};
  for (const m of milestones) state[m.system] = m;
  const shipment = keys.find((k) => k.type === "shipment");
  const order = keys.find((k) => k.type === "order");
  return {
    id: shipment?.value ?? order?.value ?? keys[0]?.value ?? p.first.correlationId ?? String(p.first.id),
    kind: shipment || keys.some((k) => ["bol", "pro", "sscc", "tracking"].includes(k.type)) ? "shipment" : order ? "order" : "other",
    keys,
    correlationIds: [...p.correlationIds.entries()].sort((a, b) => a[1] - b[1]).map(([c]) => c),
    milestones,
    state,
  };
}
