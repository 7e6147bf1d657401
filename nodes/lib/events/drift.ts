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
  /** TMS dispatched while the WMS still shows it allocated (no LOAD/SHIP) for more than this; null = off. */
  dispatchedWhileAllocatedMinutes: number | null;
  /** Delivered, and no finance milestone (accrual, charge, invoice) after this many hours; null = off. */
  deliveredNotBillableHours: number | null;
  /**
   * A carrier's invoice for a shipment the TMS has not reported delivered by the invoice's time.
   * Customer invoices (RECEIVABLE, lifecycle state BILLED) are not checked: a customer billed when
   * the goods ship is invoiced before delivery by design (billing eligibility keeps the triggers).
   */
  invoicedBeforeDelivered: boolean;
}

export interface DriftFinding {
  rule: DriftRule;
  subject: Subject;
  /** When the disagreement began (business time, epoch ms). */
  since: number;
  /** What was expected and what the systems say, for people. */
  expected: string;
  actual: string;
}

/** TMS states that mean the goods have left the warehouse. */
const DISPATCHED = new Set(["PICKED_UP", "DEPARTED_PICKUP", "IN_TRANSIT", "ARRIVED_TERMINAL", "DEPARTED_TERMINAL", "OUT_FOR_DELIVERY", "ARRIVED_DELIVERY", "DELIVERED"]);
/** WMS states that mean the warehouse let the goods go. */
const WMS_RELEASED = new Set(["LOADED", "SHIPPED"]);

const first = (subject: Subject, test: (m: Milestone) => boolean) => subject.milestones.find(test);

export function findDrift(subjects: Subject[], rules: DriftRules, now: number): DriftFinding[] {
  const findings: DriftFinding[] = [];
  for (const subject of subjects) {
    const dispatched = first(subject, (m) => m.system === "tms" && DISPATCHED.has(m.state));
    const delivered = first(subject, (m) => m.system === "tms" && m.state === "DELIVERED");
    const wmsSeen = subject.milestones.some((m) => m.system === "wms");
    const wmsReleased = first(subject, (m) => m.system === "wms" && WMS_RELEASED.has(m.state));

    if (rules.dispatchedWhileAllocatedMinutes !== null && dispatched && wmsSeen && !wmsReleased) {
      if (now - dispatched.at > rules.dispatchedWhileAllocatedMinutes * 60_000) {
        findings.push({
          rule: "DISPATCHED_WHILE_ALLOCATED",
          subject,
          since: dispatched.at,
          expected: `WMS loaded or shipped within ${rules.dispatchedWhileAllocatedMinutes} min of TMS ${dispatched.state}`,
          actual: `WMS still ${subject.state.wms?.state ?? "allocated"}`,
        });
      }
    }
    if (rules.deliveredNotBillableHours !== null && delivered && !subject.milestones.some((m) => m.system === "finance")) {
      if (now - delivered.at > rules.deliveredNotBillableHours * 3_600_000) {
        findings.push({
          rule: "DELIVERED_NOT_BILLABLE",
          subject,
          since: delivered.at,
          expected: `billing-eligible (accrual, charge or invoice) within ${rules.deliveredNotBillableHours} h of delivery`,
          actual: "no finance record",
        });
      }
    }
    if (rules.invoicedBeforeDelivered) {
      const invoiced = first(subject, (m) => m.system === "finance" && m.state === "INVOICED");
      if (invoiced && subject.kind === "shipment" && (!delivered || delivered.at > invoiced.at)) {
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
  DELIVERED_NOT_BILLABLE: "DELAY",
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
