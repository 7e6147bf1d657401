/**
 * Canonical objects for the business-rule tests, built small and valid. Not a test file itself.
 */
import type { ExceptionEvent, FreightCharge, InvoiceEvent, Order, Shipment, ShipmentStatusEvent } from "../../../nodes/lib/canonical/types";

type ChargeType = FreightCharge["chargeType"];

export function charge(chargeType: ChargeType, amountMinor: number, extra: Partial<FreightCharge> = {}): FreightCharge {
  const lineNo = extra.lineNo ?? 1;
  return {
    schema: "freight-charge/1",
    id: `FC-${chargeType}-${lineNo}-${extra.stage ?? "INVOICED"}`,
    source: { system: "CARRIER_ODFL", format: "X12_210" },
    correlationId: "SHP-1001",
    idempotencyKey: `fc|${chargeType}|${lineNo}|${extra.stage ?? "INVOICED"}`,
    occurredAt: "2025-03-10T12:00:00Z",
    chargeId: `CH-${chargeType}-${lineNo}`,
    stage: "INVOICED",
    chargeType,
    lineNo,
    amount: { currency: "USD", amountMinor },
    ...extra,
  };
}

export function invoice(lines: FreightCharge[], extra: Partial<InvoiceEvent> = {}): InvoiceEvent {
  const net = lines.reduce((s, l) => s + l.amount.amountMinor, 0);
  return {
    schema: "invoice-event/1",
    id: "INV-ODFL-778899",
    source: { system: "CARRIER_ODFL", format: "X12_210" },
    correlationId: "SHP-1001",
    idempotencyKey: "inv|ODFL|778899",
    occurredAt: "2025-03-12T09:00:00Z",
    invoiceId: "INV-ODFL-778899",
    direction: "PAYABLE",
    invoiceNumber: "778899",
    invoiceDate: "2025-03-12",
    currency: "USD",
    totals: { net: { currency: "USD", amountMinor: net } },
    lines,
    shipmentRefs: [{ type: "PRO", value: "1234567890" }],
    duplicateKey: "ODFL|778899|USD|" + net,
    status: "RECEIVED",
    ...extra,
  };
}

export function order(orderId: string, lines: Array<{ lineNo: number; sku: string; qty: string; price?: string }>, soldTo = "C100"): Order {
  return {
    schema: "order/1",
    id: `ORD-${orderId}`,
    source: { system: "SAP_S4", format: "SAP_SALES_ORDER" },
    correlationId: orderId,
    idempotencyKey: `order|${orderId}`,
    occurredAt: "2025-03-01T08:00:00Z",
    orderId,
    orderType: "SALES",
    parties: [{ role: "SOLD_TO", ids: [{ scheme: "ERP_CUSTOMER", value: soldTo }] }],
    currency: "EUR",
    lines: lines.map((l) => ({
      lineNo: l.lineNo,
      sku: l.sku,
      quantity: { value: l.qty, uom: "EA" },
      ...(l.price ? { unitPrice: { currency: "EUR", amount: l.price } } : {}),
    })),
    status: "RELEASED",
  } as Order;
}

export function shipment(shipmentId: string, orderId: string, lines: Array<{ lineNo: number; sku: string; qty: string }>, extra: Partial<Shipment> = {}): Shipment {
  return {
    schema: "shipment/1",
    id: `SHP-${shipmentId}`,
    source: { system: "WMS_DC1", format: "ODOO_PICKING" },
    correlationId: orderId,
    idempotencyKey: `shipment|${shipmentId}`,
    occurredAt: "2025-03-02T08:00:00Z",
    shipmentId,
    orderRefs: [{ orderId }],
    lines: lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, orderRef: { type: "SO", value: orderId, line: l.lineNo }, quantity: { value: l.qty, uom: "EA" } })),
    status: "SHIPPED",
    ...extra,
  } as Shipment;
}

export function statusEvent(shipmentId: string, status: ShipmentStatusEvent["status"], extra: Partial<ShipmentStatusEvent> = {}): ShipmentStatusEvent {
  return {
    schema: "shipment-status-event/1",
    id: `SSE-${shipmentId}-${status}`,
    source: { system: "CARRIER_ODFL", format: "X12_214" },
    correlationId: shipmentId,
    idempotencyKey: `sse|${shipmentId}|${status}`,
    occurredAt: "2025-03-03T15:00:00Z",
    shipmentRefs: [{ type: "SHIPMENT", value: shipmentId }],
    status,
    classifier: "ACTUAL",
    eventCode: { scheme: "X12-1650", code: status === "DELIVERED" ? "D1" : "AF" },
    ...extra,
  };
}

export function exception(exceptionId: string, type: ExceptionEvent["type"], severity: ExceptionEvent["severity"] = "WARN", extra: Partial<ExceptionEvent> = {}): ExceptionEvent {
  return {
    schema: "exception-event/1",
    id: exceptionId,
    source: { system: "WMS_DC1", format: "ODOO_PICKING" },
    correlationId: "SO-1",
    idempotencyKey: `exc|${exceptionId}`,
    occurredAt: "2025-03-03T15:00:00Z",
    exceptionId,
    type,
    severity,
    detectedAt: "2025-03-03T15:00:00Z",
    subjectRefs: [{ type: "SO", value: "SO-1" }],
    status: "OPEN",
    ...extra,
  };
}
