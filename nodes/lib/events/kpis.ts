/**
 * Business KPIs computed from the event log (domain §4.5, issue #7), by plain functions over a
 * list of entries: `computeKpis(entries)`; `loadEvents(store, since, until)` reads a window.
 *
 * Each KPI names the canonical events that start and stop it. A KPI whose events are not in the
 * window (or that the product does not record) is `null` ("no data"), never 0: a zero rate must
 * mean "measured, and none". Durations are in seconds; medians and p90 use the nearest-rank
 * method (the value at rank ceil(p·n) of the sorted list), so every figure is one observed value.
 *
 * The same canonical object is logged more than once (mapped, then valid); KPIs count it once, by
 * its `id`, and leave out objects the validate node rejected.
 */
import type { FreightCharge, InvoiceEvent, Money, Order, Shipment, ShipmentStatusEvent } from "../../../canonical/types.generated";
import type { EventLogEntry, EventLogStore } from "../store";
import { joinsSubjects, subjectsOf, type Subject } from "./lifecycle";

/** Median, p90, mean and count of durations, in seconds. */
export interface DurationStat {
  count: number;
  median: number;
  p90: number;
  mean: number;
}

export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator (0–1; NaN when the denominator is 0). */
  rate: number;
}

export interface AccrualAccuracy {
  /** 1 − |Σ accrued − Σ actual| ÷ Σ actual (per currency: amounts of different currencies are never added). */
  accuracy: number;
  /** Mean over shipments of |accrued − actual| ÷ actual. */
  mape: number;
  shipments: number;
  accruedMinor: number;
  actualMinor: number;
}

export interface Kpis {
  /** Milestone latency per source system: recordedAt (else logged at) − occurredAt of ACTUAL events. */
  milestoneLatency: Record<string, DurationStat> | null;
  /** Per site: Shipment.shippedAt − Order.releasedAt. */
  orderToShip: Record<string, DurationStat> | null;
  /** InvoiceEvent.receivedAt − delivery (Shipment.deliveredAt, else the first DELIVERED status event). */
  shipmentToInvoice: DurationStat | null;
  /** Per currency. */
  freightAccrualAccuracy: Record<string, AccrualAccuracy> | null;
  /** First billing-eligible finance event (accrual, charge, invoice) − delivery (as for shipmentToInvoice). */
  invoiceReadiness: DurationStat | null;
  /** Per target system: inventory movements whose call was sent ÷ movements whose call finished. */
  inventorySyncAccuracy: Record<string, Rate> | null;
  /** Per source system: duplicates dropped by the dedupe node ÷ canonical events mapped. */
  duplicateEventRate: Record<string, Rate> | null;
  /** Per target system: delivery attempts ending dead ÷ attempts ending sent or dead. */
  failedTransactionRate: Record<string, Rate> | null;
  /** Carrier invoices whose latest status still needs reconciling (received, matched, exception, disputed, short paid). */
  reconciliationBacklog: number | null;
  /** Per warehouse site: subjects with an ExceptionEvent ÷ subjects with a movement at that site. */
  exceptionRate: Record<string, Rate> | null;
  /** Dead letters replayed or discarded by hand in the dead-letter admin. Always recorded: 0 is a figure. */
  manualTouches: { replayed: number; discarded: number };
}

// ---- reading a window ------------------------------------------------------------------------

const PAGE = 10_000;

/** Entries one KPI computation reads at most: a scrape must not hold the whole of a busy log in memory. */
export const MAX_KPI_ENTRIES = 250_000;

/**
 * The entries logged in [since, until), oldest first, a page (at most 10,000) at a time: memory
 * holds one page, whatever the window. findEvents orders by time then id and pages by count: the
 * next page starts 1 ms after the last page's last time, once the rest of that millisecond (ties
 * are in id order) has been read by id.
 */
export async function* eventPages(store: EventLogStore, since: number, until: number): AsyncGenerator<EventLogEntry[]> {
  let from = since;
  for (;;) {
    const page = await store.findEvents({ since: from, until, limit: PAGE });
    if (page.length) yield page;
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!;
    let afterId = last.id;
    for (;;) {
      const ties = await store.findEvents({ since: last.at, until: last.at + 1, afterId, limit: PAGE });
      if (ties.length) yield ties;
      if (ties.length < PAGE) break;
      afterId = ties[ties.length - 1]!.id;
    }
    from = last.at + 1;
  }
}

/** Entries written after `afterId`, in the order written (late flushes included), a page at a time. */
export async function* writtenPages(store: EventLogStore, afterId: number): AsyncGenerator<EventLogEntry[]> {
  for (let last = afterId; ; ) {
    const page = await store.findEvents({ afterId: last, order: "written", limit: PAGE });
    if (page.length) yield page;
    if (page.length < PAGE) return;
    last = page[page.length - 1]!.id;
  }
}

/** A location cut to what siteOf reads: its first id and its name. */
function slimLocation(location: unknown): unknown {
  if (!location || typeof location !== "object") return location;
  const l = location as { ids?: Array<{ value?: string }>; name?: string };
  return { ...(Array.isArray(l.ids) && l.ids.length ? { ids: [{ value: l.ids[0]?.value }] } : {}), ...(l.name !== undefined ? { name: l.name } : {}) };
}

/** Detail fields read as they are: by the KPIs, the lifecycle (milestoneOf, toldState) and the dashboard's state tables. */
const KEPT_FIELDS = [
  "schema", "id", "status", "type", "stage", "direction", "classifier", "lifecycleState",
  "occurredAt", "recordedAt", "receivedAt", "releasedAt", "shippedAt", "deliveredAt",
  "orderId", "invoiceId", "invoiceNumber", "correctionOf", "amount",
] as const;

/**
 * An entry with only the parts of its detail the KPIs and the dashboard read. A canonical object is
 * logged whole (about 1 KB of JSON, several KB once parsed); a KPI run reads up to 250,000 entries
 * every minute, and holding them whole took the product towards its heap limit in the 5,000-order
 * month, where V8 then spent its time collecting. What is kept is what the code in this folder
 * reads: a field read there must be kept here (the KPI tests read through this).
 */
export function kpiEntry(entry: EventLogEntry): EventLogEntry {
  const detail = entry.detail;
  if (!detail || typeof detail !== "object" || Array.isArray(detail)) return entry;
  const d = detail as Record<string, unknown>;
  const slim: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) if (d[field] !== undefined) slim[field] = d[field];
  const source = d.source as { system?: unknown; format?: unknown } | undefined;
  if (source && typeof source === "object") slim.source = { system: source.system, format: source.format };
  const pod = d.pod as { deliveredAt?: unknown } | undefined;
  if (pod && typeof pod === "object") slim.pod = { deliveredAt: pod.deliveredAt };
  const totals = d.totals as { net?: unknown } | undefined;
  if (totals && typeof totals === "object") slim.totals = { net: totals.net };
  if (d.site !== undefined) slim.site = slimLocation(d.site);
  if (Array.isArray(d.stops)) slim.stops = (d.stops as Array<{ type?: unknown; location?: unknown }>).map((s) => ({ type: s?.type, location: slimLocation(s?.location) }));
  return { ...entry, detail: slim };
}

/**
 * Every entry logged in [since, until), up to `max` (then `truncated`: the KPIs cover the oldest
 * part of the window only, and /metrics says so), each cut by `project` (kpiEntry: what the KPIs
 * and the dashboard read) as its page arrives, so the whole entries of one page at most are held.
 */
export async function loadEvents(
  store: EventLogStore,
  since: number,
  until: number,
  max = MAX_KPI_ENTRIES,
  project: (entry: EventLogEntry) => EventLogEntry = kpiEntry,
): Promise<EventLogEntry[] & { truncated?: boolean }> {
  const all: EventLogEntry[] & { truncated?: boolean } = [];
  for await (const page of eventPages(store, since, until)) {
    for (const entry of page.slice(0, max - all.length)) all.push(project(entry));
    if (all.length >= max) {
      all.truncated = true;
      break;
    }
  }
  return all;
}

// ---- small helpers -----------------------------------------------------------------------------

/** Nearest rank: the value at rank ceil(p·n) of the ascending list. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export function durationStat(seconds: number[]): DurationStat | null {
  if (seconds.length === 0) return null;
  const sorted = [...seconds].sort((a, b) => a - b);
  return { count: sorted.length, median: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

/** NaN when nothing was counted below the line (duplicates of a source whose mappings are not logged: dedupe before the map). */
function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, rate: denominator ? numerator / denominator : NaN };
}

function nonEmpty<T>(record: Record<string, T>): Record<string, T> | null {
  return Object.keys(record).length ? record : null;
}

function time(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : null;
}

type Canonical = { schema?: string; id?: string; occurredAt?: string; recordedAt?: string; source?: { system?: string }; correlationId?: string };

function schemaOf(entry: EventLogEntry): string {
  const d = entry.detail as Canonical | null;
  return d && typeof d === "object" && typeof d.schema === "string" ? d.schema.split("/")[0]! : "";
}

/**
 * One entry per canonical object (its first), leaving out objects any entry calls invalid.
 * Objects without an id count as themselves.
 */
export function canonicalObjects(entries: EventLogEntry[]): EventLogEntry[] {
  const invalid = new Set<string>();
  for (const e of entries) if (e.kind === "event" && e.status === "invalid") invalid.add((e.detail as Canonical | null)?.id ?? `#${e.id}`);
  const seen = new Set<string>();
  const out: EventLogEntry[] = [];
  for (const e of entries) {
    if ((e.kind !== "event" && e.kind !== "exception") || !schemaOf(e) || e.status === "duplicate") continue;
    const id = (e.detail as Canonical).id ?? `#${e.id}`;
    if (invalid.has(id) || seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

/** Appends in place: a copy per value would make a window of n events cost n² (250,000 → seconds). */
function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function countBy(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** The site a location names: its first id (GLN, WMS site, plant…), else its name. */
export function siteOf(location: { ids?: { value?: string }[]; name?: string } | undefined): string | null {
  return location?.ids?.[0]?.value ?? location?.name ?? null;
}

// ---- the KPIs ----------------------------------------------------------------------------------

/**
 * Milestone latency. Start: the event's `occurredAt` (source time). Stop: when this product
 * received it (`recordedAt`, else when it was logged). Every canonical event with an occurredAt,
 * except ESTIMATED/PLANNED status events (their occurredAt is a forecast). Per `source.system`.
 */
function milestoneLatency(objects: EventLogEntry[]): Kpis["milestoneLatency"] {
  const bySource = new Map<string, number[]>();
  for (const e of objects) {
    if (e.kind !== "event") continue;
    const d = e.detail as Canonical & { classifier?: string };
    if (d.classifier === "ESTIMATED" || d.classifier === "PLANNED") continue;
    const occurred = time(d.occurredAt);
    if (occurred === null) continue;
    const received = time(d.recordedAt) ?? e.at;
    const source = d.source?.system ?? "unknown";
    pushTo(bySource, source, (received - occurred) / 1000);
  }
  const out: Record<string, DurationStat> = {};
  for (const [source, values] of bySource) out[source] = durationStat(values)!;
  return nonEmpty(out);
}

/** The canonical objects of each subject (a shipment or order thread, see lifecycle.ts). */
function objectsPerSubject(objects: EventLogEntry[]): { subject: Subject; objects: EventLogEntry[] }[] {
  const subjects = subjectsOf(objects);
  const index = new Map<string, number>();
  subjects.forEach((s, i) => {
    for (const k of s.keys) if (joinsSubjects(k.type)) index.set(`k:${k.value}`, i);
    for (const c of s.correlationIds) index.set(`c:${c}`, i);
  });
  const groups = subjects.map((subject) => ({ subject, objects: [] as EventLogEntry[] }));
  for (const e of objects) {
    const ids = [...e.keys.filter((k) => joinsSubjects(k.type)).map((k) => `k:${k.value}`), ...(e.correlationId ? [`c:${e.correlationId}`] : [])];
    const at = ids.map((id) => index.get(id)).find((i) => i !== undefined);
    if (at !== undefined) groups[at]!.objects.push(e);
  }
  return groups;
}

const detailsOf = <T>(objects: EventLogEntry[], schema: string): T[] => objects.filter((e) => schemaOf(e) === schema).map((e) => e.detail as T);

/** When the subject was delivered: Shipment.deliveredAt (or its POD), else the first ACTUAL DELIVERED status event. */
function deliveredAt(objects: EventLogEntry[]): number | null {
  for (const s of detailsOf<Shipment>(objects, "shipment")) {
    const t = time(s.deliveredAt) ?? time(s.pod?.deliveredAt);
    if (t !== null) return t;
  }
  const delivered = detailsOf<ShipmentStatusEvent>(objects, "shipment-status-event")
    .filter((s) => s.status === "DELIVERED" && s.classifier === "ACTUAL")
    .map((s) => time(s.occurredAt))
    .filter((t): t is number => t !== null);
  return delivered.length ? Math.min(...delivered) : null;
}

/** The warehouse a subject ran through: its first inventory movement's site, else the shipment's pickup stop. */
function siteOfSubject(objects: EventLogEntry[]): string | null {
  for (const m of detailsOf<{ site?: { ids?: { value?: string }[]; name?: string } }>(objects, "inventory-movement")) {
    const site = siteOf(m.site);
    if (site) return site;
  }
  for (const s of detailsOf<Shipment>(objects, "shipment")) {
    const site = siteOf(s.stops?.find((stop) => stop.type === "PICKUP")?.location);
    if (site) return site;
  }
  return null;
}

/** Invoices as they stand: a CORRECTED/CREDIT invoice replaces the one it corrects; VOID ones are out. */
export function standingInvoices(invoices: InvoiceEvent[]): InvoiceEvent[] {
  const latest = new Map<string, InvoiceEvent>();
  for (const inv of invoices) latest.set(inv.invoiceNumber, inv);
  const corrected = new Set(invoices.map((i) => i.correctionOf).filter((c): c is string => !!c));
  return [...latest.values()].filter((i) => i.status !== "VOID" && !corrected.has(i.invoiceId) && !corrected.has(i.invoiceNumber));
}

interface SubjectFigures {
  orderToShip: Map<string, number[]>;
  shipmentToInvoice: number[];
  invoiceReadiness: number[];
  accrual: Map<string, { accrued: number; actual: number; ape: number[] }>;
  exceptions: Map<string, { subjects: number; withException: number }>;
}

function subjectFigures(objects: EventLogEntry[]): SubjectFigures {
  const f: SubjectFigures = { orderToShip: new Map(), shipmentToInvoice: [], invoiceReadiness: [], accrual: new Map(), exceptions: new Map() };
  for (const { subject, objects: own } of objectsPerSubject(objects)) {
    const site = siteOfSubject(own);
    // Order-to-ship. Start: order/1 releasedAt (release to WMS). Stop: shipment/1 shippedAt (945 W06 / goods issue).
    const released = detailsOf<Order>(own, "order").map((o) => time(o.releasedAt)).find((t) => t !== null) ?? null;
    const shipped = detailsOf<Shipment>(own, "shipment").map((s) => time(s.shippedAt)).find((t) => t !== null) ?? null;
    if (released !== null && shipped !== null) {
      const key = site ?? "unknown";
      pushTo(f.orderToShip, key, (shipped - released) / 1000);
    }
    // Shipment-to-invoice dwell. Start: delivery (see deliveredAt). Stop: the first carrier invoice-event/1 receivedAt.
    const delivered = deliveredAt(own);
    const invoices = detailsOf<InvoiceEvent>(own, "invoice-event");
    const received = invoices.map((i) => time(i.receivedAt) ?? time(i.recordedAt)).filter((t): t is number => t !== null);
    if (delivered !== null && received.length) f.shipmentToInvoice.push((Math.min(...received) - delivered) / 1000);
    // Invoice readiness. Start: delivery (as for the dwell; ACTUAL only, an ETA is not a delivery).
    // Stop: the first finance milestone at or after it (accrual, charge or invoice: what the drift
    // rule "delivered, not billing-eligible" waits for). Finance before delivery is drift, not readiness.
    const billable = delivered === null ? undefined : subject.milestones.find((m) => m.system === "finance" && m.at >= delivered);
    if (delivered !== null && billable) f.invoiceReadiness.push((billable.at - delivered) / 1000);
    // Freight accrual accuracy, for subjects invoiced: accrued = freight-charge/1 stage ACCRUED,
    // actual = the standing invoices' net totals, per currency.
    const standing = standingInvoices(invoices);
    if (standing.length) {
      const accrued = detailsOf<FreightCharge>(own, "freight-charge").filter((c) => c.stage === "ACCRUED");
      const perCurrency = new Map<string, { accrued: number; actual: number }>();
      const add = (m: Money, field: "accrued" | "actual") => {
        const cur = perCurrency.get(m.currency) ?? { accrued: 0, actual: 0 };
        cur[field] += m.amountMinor;
        perCurrency.set(m.currency, cur);
      };
      for (const i of standing) add(i.totals.net, "actual");
      for (const c of accrued) add(c.amount, "accrued");
      for (const [currency, sums] of perCurrency) {
        if (sums.actual === 0) continue;
        const agg = f.accrual.get(currency) ?? { accrued: 0, actual: 0, ape: [] };
        agg.accrued += sums.accrued;
        agg.actual += sums.actual;
        agg.ape.push(Math.abs(sums.accrued - sums.actual) / Math.abs(sums.actual));
        f.accrual.set(currency, agg);
      }
    }
    // Exception rate per warehouse: subjects through the site with an exception-event/1 ÷ subjects through it.
    if (site && detailsOf(own, "inventory-movement").length) {
      const agg = f.exceptions.get(site) ?? { subjects: 0, withException: 0 };
      agg.subjects++;
      if (own.some((e) => e.kind === "exception")) agg.withException++;
      f.exceptions.set(site, agg);
    }
  }
  return f;
}

/**
 * Inventory sync accuracy (a proposal: §4.5 does not define it). Start: an inventory-movement/1
 * mapped. Stop: the outbound calls of its correlation id: synced when one was sent; counted only
 * once an attempt ended sent or dead (pending retries are not yet a verdict). Per target system.
 */
function inventorySync(objects: EventLogEntry[], calls: EventLogEntry[]): Kpis["inventorySyncAccuracy"] {
  const movements = new Set(objects.filter((e) => schemaOf(e) === "inventory-movement" && e.correlationId).map((e) => e.correlationId!));
  const verdict = new Map<string, Map<string, boolean>>(); // system → correlation id → sent?
  for (const c of calls) {
    if (!isFinal(c.status)) continue;
    const system = c.system ?? "unknown";
    const ids = [...(c.correlationId ? [c.correlationId] : []), ...c.keys.filter((k) => k.type === "correlation").map((k) => k.value)];
    for (const id of new Set(ids)) {
      if (!movements.has(id)) continue;
      const bySystem = verdict.get(system) ?? new Map<string, boolean>();
      bySystem.set(id, (bySystem.get(id) ?? false) || c.status === "sent");
      verdict.set(system, bySystem);
    }
  }
  const out: Record<string, Rate> = {};
  for (const [system, ids] of verdict) out[system] = rate([...ids.values()].filter(Boolean).length, ids.size);
  return nonEmpty(out);
}

/** A delivery attempt that ended: sent, or dead (all rows or some). Queued, retry and not sent are not verdicts. */
function isFinal(status: string | null): boolean {
  return status === "sent" || status === "dead" || status === "partly dead";
}

/**
 * Failed transaction rate. Start: a delivery attempt (call entry). Stop: its outcome; failed =
 * dead or partly dead, over attempts ending sent or dead. Per target system.
 */
function failedTransactions(calls: EventLogEntry[]): Kpis["failedTransactionRate"] {
  const per = new Map<string, { failed: number; total: number }>();
  for (const c of calls) {
    if (!isFinal(c.status)) continue;
    const agg = per.get(c.system ?? "unknown") ?? { failed: 0, total: 0 };
    agg.total++;
    if (c.status !== "sent") agg.failed++;
    per.set(c.system ?? "unknown", agg);
  }
  const out: Record<string, Rate> = {};
  for (const [system, agg] of per) out[system] = rate(agg.failed, agg.total);
  return nonEmpty(out);
}

/**
 * Duplicate event rate. Numerator: `duplicate` entries the dedupe node records when it drops one
 * (recordDuplicate). Denominator: canonical events mapped from that source (each mapping, so a
 * duplicate mapped again counts: the dedupe node runs after the map in the shipped flows). Per
 * `source.system`.
 */
function duplicateRate(entries: EventLogEntry[]): Kpis["duplicateEventRate"] {
  const mapped = new Map<string, number>();
  const dropped = new Map<string, number>();
  for (const e of entries) {
    if (e.kind !== "event") continue;
    const source = (e.detail as Canonical | null)?.source?.system ?? e.system ?? "unknown";
    if (e.status === "mapped") countBy(mapped, source);
    else if (e.status === "duplicate") countBy(dropped, source);
  }
  if (dropped.size === 0 && mapped.size === 0) return null;
  const out: Record<string, Rate> = {};
  for (const source of new Set([...mapped.keys(), ...dropped.keys()])) out[source] = rate(dropped.get(source) ?? 0, mapped.get(source) ?? 0);
  return nonEmpty(out);
}

const OPEN_INVOICE = new Set(["RECEIVED", "MATCHED", "EXCEPTION", "DISPUTED", "SHORT_PAID"]);

/** Reconciliation backlog. Start: invoice-event/1 received. Stop: its latest status approved, posted, paid, in tolerance or void. */
function reconciliationBacklog(objects: EventLogEntry[]): number | null {
  const invoices = detailsOf<InvoiceEvent>(objects, "invoice-event");
  if (invoices.length === 0) return null;
  return standingInvoices(invoices).filter((i) => OPEN_INVOICE.has(i.status)).length;
}

/** Manual touches: `dead-letter` entries the dead-letter admin records on replay and discard (recordManualTouch). */
function manualTouches(entries: EventLogEntry[]): Kpis["manualTouches"] {
  const touches = { replayed: 0, discarded: 0 };
  for (const e of entries) if (e.kind === "dead-letter" && (e.status === "replayed" || e.status === "discarded")) touches[e.status]++;
  return touches;
}

/** All KPIs over the given entries (one window of the event log, oldest first). */
export function computeKpis(entries: EventLogEntry[]): Kpis {
  const objects = canonicalObjects(entries);
  const calls = entries.filter((e) => e.kind === "call");
  const f = subjectFigures(objects);
  const orderToShip: Record<string, DurationStat> = {};
  for (const [site, values] of f.orderToShip) orderToShip[site] = durationStat(values)!;
  const accrual: Record<string, AccrualAccuracy> = {};
  for (const [currency, a] of f.accrual) {
    accrual[currency] = {
      accuracy: 1 - Math.abs(a.accrued - a.actual) / Math.abs(a.actual),
      mape: a.ape.reduce((s, x) => s + x, 0) / a.ape.length,
      shipments: a.ape.length,
      accruedMinor: a.accrued,
      actualMinor: a.actual,
    };
  }
  const exceptions: Record<string, Rate> = {};
  for (const [site, a] of f.exceptions) exceptions[site] = rate(a.withException, a.subjects);
  return {
    milestoneLatency: milestoneLatency(objects),
    orderToShip: nonEmpty(orderToShip),
    shipmentToInvoice: durationStat(f.shipmentToInvoice),
    freightAccrualAccuracy: nonEmpty(accrual),
    invoiceReadiness: durationStat(f.invoiceReadiness),
    inventorySyncAccuracy: inventorySync(objects, calls),
    duplicateEventRate: duplicateRate(entries),
    failedTransactionRate: failedTransactions(calls),
    reconciliationBacklog: reconciliationBacklog(objects),
    exceptionRate: nonEmpty(exceptions),
    manualTouches: manualTouches(entries),
  };
}
