/**
 * The KPIs and the store's counters in Prometheus text exposition format (version 0.0.4), by a
 * plain function. Every metric gets `# HELP` and `# TYPE`, even when it has no samples, so a
 * scraper sees the whole catalogue; `lsync_kpi_has_data{kpi}` says which KPIs had events in the
 * window (0 = "no data", which a missing series alone cannot tell from "not scraped").
 */
import type { StoreCounts } from "../store";
import type { DurationStat, Kpis, Rate } from "./kpis";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

/** Label values escape backslash, double quote and newline (exposition format rules). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

class Exposition {
  private lines: string[] = [];

  metric(name: string, type: "gauge" | "counter", help: string, samples: [Labels, number][]): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      this.lines.push(`${name}${l ? `{${l}}` : ""} ${formatValue(value)}`);
    }
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

/** Median, p90, mean and count of a duration as samples of one gauge, by `stat`. */
function durationSamples(stat: DurationStat | undefined | null, labels: Labels = {}): [Labels, number][] {
  if (!stat) return [];
  return [
    [{ ...labels, stat: "median" }, stat.median],
    [{ ...labels, stat: "p90" }, stat.p90],
    [{ ...labels, stat: "mean" }, stat.mean],
    [{ ...labels, stat: "count" }, stat.count],
  ];
}

function perLabel<T>(record: Record<string, T> | null, label: string, value: (t: T) => number): [Labels, number][] {
  return Object.entries(record ?? {}).map(([k, t]) => [{ [label]: k }, value(t)]);
}

function perLabelDurations(record: Record<string, DurationStat> | null, label: string): [Labels, number][] {
  return Object.entries(record ?? {}).flatMap(([k, stat]) => durationSamples(stat, { [label]: k }));
}

const rateOf = (r: Rate) => r.rate;

export interface MetricsInput {
  kpis: Kpis;
  /** Seconds the KPI window covers (back from now). */
  windowSeconds: number;
  counts: StoreCounts | null;
  /** Entries the KPIs were computed from, and whether the window held more than could be read. */
  entries?: number;
  truncated?: boolean;
}

export function prometheusText({ kpis, windowSeconds, counts, entries, truncated }: MetricsInput): string {
  const out = new Exposition();
  const has: Record<string, boolean> = {
    milestone_latency: kpis.milestoneLatency !== null,
    order_to_ship: kpis.orderToShip !== null,
    shipment_to_invoice: kpis.shipmentToInvoice !== null,
    freight_accrual_accuracy: kpis.freightAccrualAccuracy !== null,
    invoice_readiness: kpis.invoiceReadiness !== null,
    inventory_sync_accuracy: kpis.inventorySyncAccuracy !== null,
    duplicate_event_rate: kpis.duplicateEventRate !== null,
    failed_transaction_rate: kpis.failedTransactionRate !== null,
    reconciliation_backlog: kpis.reconciliationBacklog !== null,
    exception_rate: kpis.exceptionRate !== null,
    manual_touches: true,
  };
  out.metric("lsync_kpi_window_seconds", "gauge", "Seconds of event log the KPIs are computed over (back from the scrape).", [[{}, windowSeconds]]);
  if (entries !== undefined) out.metric("lsync_kpi_entries", "gauge", "Event-log entries the KPIs were computed from.", [[{}, entries]]);
  out.metric(
    "lsync_kpi_truncated",
    "gauge",
    "1 when the window held more entries than one scrape reads (the KPIs then cover its oldest part): shorten the window.",
    [[{}, truncated ? 1 : 0]],
  );
  out.metric(
    "lsync_kpi_has_data",
    "gauge",
    "1 when the KPI's start and stop events are in the window, 0 for no data.",
    Object.entries(has).map(([kpi, yes]) => [{ kpi }, yes ? 1 : 0]),
  );
  out.metric(
    "lsync_kpi_milestone_latency_seconds",
    "gauge",
    "Received (recordedAt) minus occurredAt of ACTUAL canonical events, per source system.",
    perLabelDurations(kpis.milestoneLatency, "source"),
  );
  out.metric("lsync_kpi_order_to_ship_seconds", "gauge", "Shipment.shippedAt minus Order.releasedAt, per site.", perLabelDurations(kpis.orderToShip, "site"));
  out.metric(
    "lsync_kpi_shipment_to_invoice_seconds",
    "gauge",
    "Carrier InvoiceEvent.receivedAt minus delivery (Shipment.deliveredAt or the first DELIVERED status event).",
    durationSamples(kpis.shipmentToInvoice),
  );
  out.metric(
    "lsync_kpi_freight_accrual_accuracy_ratio",
    "gauge",
    "1 - |sum accrued - sum invoiced| / sum invoiced, for shipments invoiced in the window, per currency.",
    perLabel(kpis.freightAccrualAccuracy, "currency", (a) => a.accuracy),
  );
  out.metric(
    "lsync_kpi_freight_accrual_mape_ratio",
    "gauge",
    "Mean absolute percentage error of accruals per invoiced shipment, per currency.",
    perLabel(kpis.freightAccrualAccuracy, "currency", (a) => a.mape),
  );
  out.metric(
    "lsync_kpi_invoice_readiness_seconds",
    "gauge",
    "First billing-eligible finance event (accrual, charge, invoice) minus the first DELIVERED status event.",
    durationSamples(kpis.invoiceReadiness),
  );
  out.metric(
    "lsync_kpi_inventory_sync_accuracy_ratio",
    "gauge",
    "Inventory movements whose outbound call was sent / movements whose call ended (sent or dead), per target system.",
    perLabel(kpis.inventorySyncAccuracy, "system", rateOf),
  );
  out.metric(
    "lsync_kpi_duplicate_event_ratio",
    "gauge",
    "Inbound events dropped as duplicates / canonical events mapped, per source system.",
    perLabel(kpis.duplicateEventRate, "source", rateOf),
  );
  out.metric(
    "lsync_kpi_failed_transaction_ratio",
    "gauge",
    "Delivery attempts ending dead / attempts ending sent or dead, per target system.",
    perLabel(kpis.failedTransactionRate, "system", rateOf),
  );
  out.metric(
    "lsync_kpi_reconciliation_backlog",
    "gauge",
    "Carrier invoices whose latest status is received, matched, exception, disputed or short paid.",
    kpis.reconciliationBacklog === null ? [] : [[{}, kpis.reconciliationBacklog]],
  );
  out.metric(
    "lsync_kpi_exception_ratio",
    "gauge",
    "Shipments and orders through a warehouse with an ExceptionEvent / all through it, per site.",
    perLabel(kpis.exceptionRate, "site", rateOf),
  );
  out.metric("lsync_kpi_manual_touches", "gauge", "Dead letters replayed or discarded by hand in the window, per action.", [
    [{ action: "replayed" }, kpis.manualTouches.replayed],
    [{ action: "discarded" }, kpis.manualTouches.discarded],
  ]);
  if (counts) {
    out.metric("lsync_inbox_pending", "gauge", "Intake items taken in and not yet settled.", [[{}, counts.inboxPending]]);
    out.metric("lsync_outbox_rows", "gauge", "Outbox rows by state.", [
      [{ state: "pending" }, counts.outboxPending],
      [{ state: "sent" }, counts.outboxSent],
      [{ state: "dead" }, counts.outboxDead],
    ]);
    out.metric("lsync_dead_letters_parked", "gauge", "Dead letters waiting for a replay or discard.", [[{}, counts.deadLettersParked]]);
    out.metric("lsync_dedupe_keys", "gauge", "Dedupe keys held in the store.", [[{}, counts.dedupeKeys]]);
  }
  return out.text();
}
