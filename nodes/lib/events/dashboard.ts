/**
 * What the business dashboard shows, by plain functions over the KPIs (kpis.ts, the one KPI
 * implementation) and the event log's canonical objects (lifecycle.ts): a headline figure per KPI
 * with its unit, the KPIs' per-scope detail, and order, shipment, inventory and invoice state
 * counts, shaped as the lsync-kpi node sends them to Dashboard 2.0 widgets (ui-text, ui-chart,
 * ui-table).
 *
 * A headline is read off the computed KPIs, never recomputed from events: durations show their
 * mean over every observation (Σ mean·count ÷ Σ count: the one statistic that pools exactly
 * across sites or sources; medians and p90s per scope are in the detail table), rates pool their
 * numerators and denominators across scopes, accrual accuracy shows the lowest of its currencies
 * (amounts in different currencies are never added). No data is `null`, never 0. No money amount
 * leaves here: the dashboard is served under the HTTP node root, outside the editor's finance
 * permission (lsync-finance.read).
 */
import type { InventoryMovement, InvoiceEvent, Order } from "../../../canonical/types.generated";
import type { EventLogEntry } from "../store";
import { canonicalObjects, siteOf, standingInvoices, type AccrualAccuracy, type DurationStat, type Kpis, type Rate } from "./kpis";
import { milestoneOf, subjectsOf } from "./lifecycle";

export type KpiKey = keyof Kpis;
export type KpiUnit = "s" | "h" | "%" | "invoices" | "touches";

export interface KpiFigure {
  key: KpiKey;
  /** What the dashboard calls it (the message topic). */
  name: string;
  unit: KpiUnit;
  /** The headline in `unit`, rounded to 2 decimals; null when the window holds no data for it. */
  value: number | null;
  /** How the headline is made, for people: "mean of 12", "pooled over 3 systems", … */
  basis: string;
  /** `value unit`, or "no data". */
  text: string;
}

/** One row of the KPI detail table (ui-table): a KPI in one scope. */
export interface KpiRow {
  kpi: string;
  scope: string;
  /** median · p90 · mean · n for durations, numerator/denominator for rates. */
  figure: string;
  value: number | null;
  unit: KpiUnit;
}

/** The KPIs in the order the dashboard lists them, with their names and display units. */
export const KPI_CATALOGUE: ReadonlyArray<{ key: KpiKey; name: string; unit: KpiUnit }> = [
  { key: "milestoneLatency", name: "Milestone latency", unit: "s" },
  { key: "orderToShip", name: "Order-to-ship cycle time", unit: "h" },
  { key: "shipmentToInvoice", name: "Shipment-to-invoice dwell", unit: "h" },
  { key: "inventorySyncAccuracy", name: "Inventory sync accuracy", unit: "%" },
  { key: "freightAccrualAccuracy", name: "Freight accrual accuracy", unit: "%" },
  { key: "invoiceReadiness", name: "Invoice readiness time", unit: "h" },
  { key: "duplicateEventRate", name: "Duplicate event rate", unit: "%" },
  { key: "failedTransactionRate", name: "Failed transaction rate", unit: "%" },
  { key: "reconciliationBacklog", name: "Reconciliation backlog", unit: "invoices" },
  { key: "exceptionRate", name: "Exception rate per warehouse", unit: "%" },
  { key: "manualTouches", name: "Manual touches", unit: "touches" },
];

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Seconds (how kpis.ts keeps durations) in a display unit. */
function fromSeconds(seconds: number, unit: KpiUnit): number {
  return unit === "h" ? seconds / 3600 : seconds;
}

function pooledMean(stats: DurationStat[]): { mean: number; count: number } | null {
  const count = stats.reduce((s, d) => s + d.count, 0);
  return count ? { mean: stats.reduce((s, d) => s + d.mean * d.count, 0) / count, count } : null;
}

function pooledRate(rates: Rate[]): Rate | null {
  const numerator = rates.reduce((s, r) => s + r.numerator, 0);
  const denominator = rates.reduce((s, r) => s + r.denominator, 0);
  return denominator ? { numerator, denominator, rate: numerator / denominator } : null;
}

function figure(key: KpiKey, name: string, unit: KpiUnit, raw: number | null, basis: string): KpiFigure {
  const value = raw === null || !Number.isFinite(raw) ? null : round2(raw);
  return { key, name, unit, value, basis: value === null ? "no data in the window" : basis, text: value === null ? "no data" : `${value} ${unit}` };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The headline figure of every KPI, in KPI_CATALOGUE order. */
export function kpiFigures(kpis: Kpis): KpiFigure[] {
  return KPI_CATALOGUE.map(({ key, name, unit }) => {
    const value = kpis[key];
    if (value === null) return figure(key, name, unit, null, "");
    switch (key) {
      case "milestoneLatency":
      case "orderToShip": {
        const scopes = Object.values(value as Record<string, DurationStat>);
        const pooled = pooledMean(scopes);
        const over = key === "orderToShip" ? "site" : "source";
        return figure(key, name, unit, pooled && fromSeconds(pooled.mean, unit), pooled ? `mean of ${pooled.count} over ${plural(scopes.length, over)}` : "");
      }
      case "shipmentToInvoice":
      case "invoiceReadiness": {
        const stat = value as DurationStat;
        return figure(key, name, unit, fromSeconds(stat.mean, unit), `mean of ${stat.count}`);
      }
      case "freightAccrualAccuracy": {
        const perCurrency = Object.entries(value as Record<string, AccrualAccuracy>);
        const lowest = perCurrency.reduce((a, b) => (b[1].accuracy < a[1].accuracy ? b : a));
        const basis = perCurrency.length === 1 ? `${lowest[0]}, ${plural(lowest[1].shipments, "shipment")}` : `lowest of ${perCurrency.length} currencies (${lowest[0]})`;
        return figure(key, name, unit, lowest[1].accuracy * 100, basis);
      }
      case "inventorySyncAccuracy":
      case "duplicateEventRate":
      case "failedTransactionRate":
      case "exceptionRate": {
        const scopes = Object.values(value as Record<string, Rate>);
        const pooled = pooledRate(scopes);
        const over = key === "exceptionRate" ? "site" : key === "duplicateEventRate" ? "source" : "system";
        return figure(key, name, unit, pooled && pooled.rate * 100, pooled ? `${pooled.numerator} of ${pooled.denominator} over ${plural(scopes.length, over)}` : "");
      }
      case "reconciliationBacklog":
        return figure(key, name, unit, value as number, "open carrier invoices");
      case "manualTouches": {
        const t = value as Kpis["manualTouches"];
        return figure(key, name, unit, t.replayed + t.discarded, `${t.replayed} replayed, ${t.discarded} discarded`);
      }
    }
  });
}

/** The per-scope detail of every KPI with data: one row per site, source, system or currency. */
export function kpiRows(kpis: Kpis): KpiRow[] {
  const rows: KpiRow[] = [];
  const duration = (name: string, unit: KpiUnit, scope: string, d: DurationStat) => {
    const u = (s: number) => round2(fromSeconds(s, unit));
    rows.push({ kpi: name, scope, figure: `median ${u(d.median)} · p90 ${u(d.p90)} · mean ${u(d.mean)} · n ${d.count}`, value: u(d.median), unit });
  };
  const rate = (name: string, scope: string, r: Rate) =>
    rows.push({ kpi: name, scope, figure: `${r.numerator}/${r.denominator}`, value: Number.isFinite(r.rate) ? round2(r.rate * 100) : null, unit: "%" });
  for (const { key, name, unit } of KPI_CATALOGUE) {
    const value = kpis[key];
    if (value === null) continue;
    switch (key) {
      case "milestoneLatency":
      case "orderToShip":
        for (const [scope, d] of Object.entries(value as Record<string, DurationStat>)) duration(name, unit, scope, d);
        break;
      case "shipmentToInvoice":
      case "invoiceReadiness":
        duration(name, unit, "all", value as DurationStat);
        break;
      case "freightAccrualAccuracy":
        for (const [currency, a] of Object.entries(value as Record<string, AccrualAccuracy>)) {
          rows.push({ kpi: name, scope: currency, figure: `${plural(a.shipments, "shipment")} invoiced · MAPE ${round2(a.mape * 100)} %`, value: round2(a.accuracy * 100), unit });
        }
        break;
      case "inventorySyncAccuracy":
      case "duplicateEventRate":
      case "failedTransactionRate":
      case "exceptionRate":
        for (const [scope, r] of Object.entries(value as Record<string, Rate>)) rate(name, scope, r);
        break;
      case "reconciliationBacklog":
        rows.push({ kpi: name, scope: "all", figure: "open carrier invoices", value: value as number, unit });
        break;
      case "manualTouches": {
        const t = value as Kpis["manualTouches"];
        rows.push({ kpi: name, scope: "replayed", figure: "dead letters replayed by hand", value: t.replayed, unit });
        rows.push({ kpi: name, scope: "discarded", figure: "dead letters discarded by hand", value: t.discarded, unit });
        break;
      }
    }
  }
  return rows;
}

// ---- lifecycle state counts ----------------------------------------------------------------------

export interface StateCounts {
  /** Orders by their latest ERP status. */
  orders: Array<{ state: string; orders: number }>;
  /** Shipments (lifecycle subjects with a shipment, BOL, PRO, SSCC or tracking key) by their latest milestone. */
  shipments: Array<{ system: string; state: string; shipments: number }>;
  /** Inventory movements by site and type. */
  inventory: Array<{ site: string; movement: string; count: number }>;
  /** Carrier and customer invoices as they stand, by status. */
  invoices: Array<{ status: string; invoices: number }>;
}

const schemaOf = (e: EventLogEntry) => String((e.detail as { schema?: unknown } | null)?.schema ?? "").split("/")[0];

function tally<K extends string>(keys: string[][], names: K[]): Array<Record<K, string> & { n: number }> {
  const counts = new Map<string, { parts: string[]; n: number }>();
  for (const parts of keys) {
    const id = JSON.stringify(parts);
    const c = counts.get(id) ?? { parts, n: 0 };
    c.n++;
    counts.set(id, c);
  }
  return [...counts.values()]
    .sort((a, b) => a.parts.join("\u0000").localeCompare(b.parts.join("\u0000")))
    .map(({ parts, n }) => Object.assign(Object.fromEntries(names.map((name, i) => [name, parts[i]!])) as Record<K, string>, { n }));
}

/**
 * Order, shipment, inventory and invoice states over a window of the event log. Each canonical
 * object counts once (the map and validate entries are one object; rejected objects are out).
 */
export function stateCounts(entries: EventLogEntry[]): StateCounts {
  const objects = canonicalObjects(entries);
  // Orders: each order number's latest status (business time, then log order).
  const latestOrder = new Map<string, { state: string; at: number; id: number }>();
  for (const e of objects) {
    if (schemaOf(e) !== "order") continue;
    const order = e.detail as Order;
    const m = milestoneOf(e);
    const key = order.orderId ?? `#${e.id}`;
    const seen = latestOrder.get(key);
    const at = m?.at ?? e.at;
    if (!seen || at > seen.at || (at === seen.at && e.id > seen.id)) latestOrder.set(key, { state: order.status ?? "UNKNOWN", at, id: e.id });
  }
  // Shipments: the latest milestone of each shipment thread, with the system that reported it, or
  // the system the product told (invoice-ready posted: FINANCE BILLABLE), as the drift rules see it.
  // The lifecycle index keeps only the calls that tell a state.
  const shipments = subjectsOf([...objects, ...entries.filter((e) => e.kind === "call")])
    .filter((s) => s.kind === "shipment")
    .map((s) => s.milestones[s.milestones.length - 1]!)
    .map((m) => [m.system, m.state]);
  const movements = objects
    .filter((e) => schemaOf(e) === "inventory-movement")
    .map((e) => e.detail as InventoryMovement)
    .map((m) => [siteOf(m.site) ?? "unknown", m.type]);
  const invoices = standingInvoices(objects.filter((e) => schemaOf(e) === "invoice-event").map((e) => e.detail as InvoiceEvent)).map((i) => [i.status]);
  return {
    orders: tally([...latestOrder.values()].map((o) => [o.state]), ["state"]).map(({ state, n }) => ({ state, orders: n })),
    shipments: tally(shipments, ["system", "state"]).map(({ system, state, n }) => ({ system: system.toUpperCase(), state, shipments: n })),
    inventory: tally(movements, ["site", "movement"]).map(({ site, movement, n }) => ({ site, movement, count: n })),
    invoices: tally(invoices, ["status"]).map(({ status, n }) => ({ status, invoices: n })),
  };
}

// ---- the node's messages ---------------------------------------------------------------------------

/** The window a computation covered (epoch ms), and how many entries it read. */
export interface DashboardWindow {
  since: number;
  until: number;
  entries: number;
  truncated: boolean;
}

export interface KpiMessage {
  topic: string;
  payload: number | null;
  unit: KpiUnit;
  /** `value unit` or "no data": what a ui-text shows. */
  text: string;
  kpi: KpiFigure;
  window: DashboardWindow;
}

export interface TableMessage {
  topic: "orders" | "shipments" | "inventory" | "invoices" | "kpis";
  payload: Array<Record<string, string | number | null>>;
  window: DashboardWindow;
}

/** Output 1: one message per KPI (topic = its name, payload = its headline); output 2: the tables. */
export function dashboardMessages(kpis: Kpis, entries: EventLogEntry[], window: DashboardWindow): { kpis: KpiMessage[]; tables: TableMessage[] } {
  const states = stateCounts(entries);
  return {
    kpis: kpiFigures(kpis).map((f) => ({ topic: f.name, payload: f.value, unit: f.unit, text: f.text, kpi: f, window })),
    tables: [
      { topic: "orders", payload: states.orders, window },
      { topic: "shipments", payload: states.shipments, window },
      { topic: "inventory", payload: states.inventory, window },
      { topic: "invoices", payload: states.invoices, window },
      { topic: "kpis", payload: kpiRows(kpis).map((r) => ({ ...r })), window },
    ],
  };
}

export const MAX_WINDOW_HOURS = 90 * 24;

/** The window from the dialog or a message, in hours: a number above 0 up to 90 days; names the field and rule otherwise. */
export function windowHours(raw: unknown, field = "windowHours"): number {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > MAX_WINDOW_HOURS) {
    throw new Error(`${field}: must be a number of hours above 0 and at most ${MAX_WINDOW_HOURS} (90 days), got ${JSON.stringify(raw) ?? "nothing"}`);
  }
  return n;
}
