/**
 * Drift rules over lifecycle subjects: where the systems disagree about one shipment for longer
 * than the business tolerates. Plain functions; the lsync-drift node runs them on a timer and
 * raises each finding as a canonical ExceptionEvent.
 */
import type { ExceptionEvent, Reference } from "../canonical/types";
import type { BusinessKeyType } from "../store";
import type { Milestone, Subject } from "./lifecycle";

export type DriftRule = "DISPATCHED_WHILE_ALLOCATED" | "DELIVERED_NOT_BILLABLE" | "INVOICED_BEFORE_DELIVERED";

export interface DriftRules {
  /**
   * The TMS reports the goods dispatched while the WMS still holds them allocated (told to pick,
   * nothing picked since) for more than this many minutes; null = off.
   */
  dispatchedWhileAllocatedMinutes: number | null;
  /**
   * The TMS reports a customer order's goods delivered and nothing made them billable (no
   * invoice-ready posted, no customer invoice) for more than this many hours; null = off.
   */
  deliveredNotBillableHours: number | null;
  /**
   * A carrier's invoice for a shipment the TMS has not reported delivered by the invoice's date.
   * Customer invoices (RECEIVABLE, lifecycle state BILLED) are not checked: a customer billed when
   * the goods ship is invoiced before delivery by design (billing eligibility keeps the triggers).
   */
  invoicedBeforeDelivered: boolean;
}

export interface DriftFinding {
  rule: DriftRule;
  subject: Subject;
  /** When the disagreement began: business time of the milestone that started it, epoch ms. */
  since: number;
  /** What was expected and what the systems say, for people. */
  expected: string;
  actual: string;
}

/** TMS states that mean the goods have left the warehouse (SHIPPED: the TMS's actual shipment, the load dispatched). */
const DISPATCHED = new Set(["SHIPPED", "PICKED_UP", "DEPARTED_PICKUP", "IN_TRANSIT", "ARRIVED_TERMINAL", "DEPARTED_TERMINAL", "OUT_FOR_DELIVERY", "ARRIVED_DELIVERY", "DELIVERED"]);
/** Finance states that mean the customer's order is billing-eligible or billed. */
const BILLABLE = new Set(["BILLABLE", "BILLED"]);
/**
 * A carrier invoice not yet matched by a delivery is given this long on the product's clock before
 * it counts as invoiced before delivery: the delivery milestone and the invoice come by different
 * channels, and the one sent first is not always the one taken in first.
 */
export const INVOICE_WAITS_FOR_DELIVERY_MS = 15 * 60_000;

const first = (subject: Subject, test: (m: Milestone) => boolean) => subject.milestones.find(test);
const utcDay = (ms: number) => Math.floor(ms / 86_400_000);

/**
 * How long a disagreement lasted is measured on the product's clock (when it learned each side,
 * `seenAt`), so a late EDI batch or a replayed month does not raise drift the systems never had.
 * Business times only order the carrier's invoice against the delivery.
 */
export function findDrift(subjects: Subject[], rules: DriftRules, now: number): DriftFinding[] {
  const findings: DriftFinding[] = [];
  for (const subject of subjects) {
    const dispatched = first(subject, (m) => m.system === "tms" && DISPATCHED.has(m.state));
    const delivered = first(subject, (m) => m.system === "tms" && m.state === "DELIVERED");
    const wms = subject.milestones.filter((m) => m.system === "wms");
    // Told to pick, and the WMS has reported nothing since (no pick, pack, load or ship).
    const stillAllocated = wms.length > 0 && wms.every((m) => m.state === "ALLOCATED");

    if (rules.dispatchedWhileAllocatedMinutes !== null && dispatched && stillAllocated) {
      if (now - dispatched.seenAt > rules.dispatchedWhileAllocatedMinutes * 60_000) {
        findings.push({
          rule: "DISPATCHED_WHILE_ALLOCATED",
          subject,
          since: dispatched.at,
          expected: `WMS picked within ${rules.dispatchedWhileAllocatedMinutes} min of TMS ${dispatched.state}`,
          actual: "WMS still allocated: no pick reported",
        });
      }
    }
    const customerOrder = subject.milestones.some((m) => m.system === "erp") || subject.keys.some((k) => k.type === "order");
    if (rules.deliveredNotBillableHours !== null && delivered && customerOrder && !subject.milestones.some((m) => m.system === "finance" && BILLABLE.has(m.state))) {
      if (now - delivered.seenAt > rules.deliveredNotBillableHours * 3_600_000) {
        findings.push({
          rule: "DELIVERED_NOT_BILLABLE",
          subject,
          since: delivered.at,
          expected: `billing-eligible (invoice-ready or invoiced) within ${rules.deliveredNotBillableHours} h of delivery`,
          actual: "not billable",
        });
      }
    }
    if (rules.invoicedBeforeDelivered) {
      const invoiced = first(subject, (m) => m.system === "finance" && m.state === "INVOICED");
      // Invoices carry a date, deliveries a time: a same-day invoice is not early.
      const early = invoiced && (delivered ? utcDay(delivered.at) > utcDay(invoiced.at) : now - invoiced.seenAt > INVOICE_WAITS_FOR_DELIVERY_MS);
      if (invoiced && early && subject.kind === "shipment") {
        findings.push({
          rule: "INVOICED_BEFORE_DELIVERED",
          subject,
          since: invoiced.at,
          expected: "delivered before it is invoiced",
          actual: delivered ? `delivered ${new Date(delivered.at).toISOString()}, after the invoice` : "not delivered",
        });
      }
    }
  }
  return findings;
}

const REFERENCE_OF: Record<Exclude<BusinessKeyType, "correlation">, string> = {
  order: "SO",
  po: "PO",
  shipment: "SHIPMENT_ID",
  delivery: "DELIVERY",
  bol: "BOL",
  pro: "PRO",
  sscc: "SSCC",
  invoice: "INVOICE",
  tracking: "TRACKING",
  load: "LOAD",
};

const TYPE_OF: Record<DriftRule, ExceptionEvent["type"]> = {
  DISPATCHED_WHILE_ALLOCATED: "UNMATCHED_EVENT",
  DELIVERED_NOT_BILLABLE: "OTHER",
  INVOICED_BEFORE_DELIVERED: "INVOICE_VARIANCE",
};

/** The canonical ExceptionEvent for a finding: same finding, same id and idempotency key. */
export function exceptionEventOf(finding: DriftFinding, now: number): ExceptionEvent {
  const key = `DRIFT|${finding.rule}|${finding.subject.id}`;
  const refs: Reference[] = finding.subject.keys
    .filter((k) => k.type !== "correlation")
    .slice(0, 50)
    .map((k) => ({ type: REFERENCE_OF[k.type as Exclude<BusinessKeyType, "correlation">], value: k.value }));
  return {
    schema: "exception-event/1",
    id: key,
    occurredAt: new Date(finding.since).toISOString(),
    recordedAt: new Date(now).toISOString(),
    source: { system: "LSYNC", format: "DRIFT" },
    correlationId: finding.subject.correlationIds[0] ?? `SUBJECT|${finding.subject.id}`,
    idempotencyKey: key,
    exceptionId: key,
    type: TYPE_OF[finding.rule],
    severity: finding.rule === "INVOICED_BEFORE_DELIVERED" ? "CRITICAL" : "WARN",
    detectedAt: new Date(now).toISOString(),
    subjectRefs: refs.length ? refs : [{ type: "SHIPMENT_ID", value: finding.subject.id }],
    expected: { text: finding.expected },
    actual: { text: finding.actual },
    cause: { scheme: "LSYNC_DRIFT", code: finding.rule },
    status: "OPEN",
  };
}

/**
 * The event that closes a drift the systems no longer show (the WMS reported the pick after all):
 * same exceptionId, status RESOLVED, resolved by the drift check. Its idempotencyKey names the time,
 * so a drift that comes back and clears again is closed again.
 */
export function resolvedEventOf(raised: ExceptionEvent, now: number): ExceptionEvent {
  const at = new Date(now).toISOString();
  return {
    ...raised,
    id: `${raised.exceptionId}|RESOLVED|${at}`,
    idempotencyKey: `${raised.exceptionId}|RESOLVED|${at}`,
    recordedAt: at,
    status: "RESOLVED",
    resolution: { by: "LSYNC_DRIFT", at, note: "the systems agree again" },
  };
}
