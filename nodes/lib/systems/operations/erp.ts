import { errorCode, segment, sendEach, sendWhole } from "./send";
import type { CommandOperation, OperationOutcome } from "./types";

const SAP = "/sap/opu/odata/sap";

function sapDate(ms: number): string {
  return `/Date(${ms})/`;
}

export const erpInventoryStatus: CommandOperation = {
  id: "inventory-status",
  system: "ERP",
  title: "Inventory status (goods movement)",
  profile: "erp-goods-movement-item",
  maxBatch: 999,
  defaultBatch: 100,
  send({ client }, batch) {
    // One material document carries many items: a batch is one document, one call.
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return sendWhole(client, batch, `${SAP}/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader`, (rows) => ({
      GoodsMovementCode: "04",
      PostingDate: sapDate(today),
      DocumentDate: sapDate(today),
      MaterialDocumentHeaderText: batch.batchKey.slice(-25),
      to_MaterialDocumentItem: { results: rows.map((r) => r.body) },
    }));
  },
};

const BILLING = `${SAP}/API_BILLING_DOCUMENT_SRV/A_BillingDocument`;

/**
 * Billing eligibility and the billing document in one step: SAP bills a delivery only once it is
 * goods-issued (VF/GI, dead-lettered with SAP's text). The flow needs the document, so it is the
 * answer. "Already billed" (VF/016) means an earlier call made it: the node reads that document
 * and answers with it instead of a dead letter, so a resend never makes or reports a second one.
 */
export const erpBillingDocument: CommandOperation = {
  id: "billing-document",
  system: "ERP",
  title: "Billing document (billing eligibility)",
  profile: "erp-billing-document",
  answerProfile: "sap-billing-document",
  maxBatch: 1,
  defaultBatch: 1,
  async send(ctx, batch) {
    const outcomes = await sendEach(ctx, batch, (row) => ({ path: BILLING, body: row.body }));
    const resolved: OperationOutcome[] = [];
    for (const o of outcomes) {
      const delivery = (o.row.body as { ReferenceSDDocument?: string }).ReferenceSDDocument ?? "";
      if (o.result !== "dead" || !/VF\/016/.test(o.error) || !/^[0-9A-Za-z]{1,10}$/.test(delivery)) {
        resolved.push(o);
        continue;
      }
      const existing = await ctx.client.call("GET", `${BILLING}?$filter=${encodeURIComponent(`ReferenceSDDocument eq '${delivery}'`)}&$top=1`, undefined, { correlationId: o.row.correlationId });
      const doc = existing.ok ? (existing.data as { d?: { results?: unknown[] } }).d?.results?.[0] : undefined;
      resolved.push(doc ? { row: o.row, result: "sent", answer: { d: doc } } : o);
    }
    return resolved;
  },
};

/** Goods issue of a delivery; "already posted" (VL/GI_DONE) means an earlier call did it. */
export const erpGoodsIssue: CommandOperation = {
  id: "goods-issue",
  system: "ERP",
  title: "Post goods issue (delivery)",
  profile: "erp-goods-issue",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(
      ctx,
      batch,
      (row) => {
        const delivery = (row.body as { DeliveryDocument?: unknown }).DeliveryDocument;
        return { path: `${SAP}/API_OUTBOUND_DELIVERY_SRV/PostGoodsIssue?DeliveryDocument='${segment(delivery, "DeliveryDocument")}'`, body: {} };
      },
      (outcome) => errorCode(outcome.data) === "VL/GI_DONE",
    );
  },
};

/** A delivery for a released sales order; the flow needs its number, so the delivery is the answer. */
export const erpOutboundDelivery: CommandOperation = {
  id: "outbound-delivery",
  system: "ERP",
  title: "Outbound delivery (for a sales order)",
  profile: "erp-outbound-delivery",
  answerProfile: "sap-outbound-delivery",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => ({ path: `${SAP}/API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader`, body: row.body }));
  },
};

/**
 * An exception on a sales order (short pick, delay, re-route): logistics status, expected delivery
 * date and financial exposure. One PATCH per order; a PATCH sets fields, so a resend changes nothing.
 */
export const erpOrderException: CommandOperation = {
  id: "order-exception",
  system: "ERP",
  title: "Sales order exception (status, expected delivery, exposure)",
  profile: "erp-order-exception",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => {
      const body = row.body as { salesOrder?: unknown; patch?: unknown };
      const order = segment(body.salesOrder, "salesOrder").replace(/'/g, "''");
      return { method: "PATCH", path: `${SAP}/API_SALES_ORDER_SRV/A_SalesOrder('${order}')`, body: body.patch };
    });
  },
};

/** Every ERP operation, the editor's default first. */
export const ERP_OPERATIONS: CommandOperation[] = [erpInventoryStatus, erpBillingDocument, erpGoodsIssue, erpOutboundDelivery, erpOrderException];
