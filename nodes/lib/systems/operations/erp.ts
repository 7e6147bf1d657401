import { rowOutcome } from "./outcome";
import { documentKey, sendWhole } from "./send";
import type { Operation } from "./types";

function sapDate(ms: number): string {
  return `/Date(${ms})/`;
}

export const erpInventoryStatus: Operation = {
  id: "inventory-status",
  system: "ERP",
  title: "Inventory status (goods movement)",
  profile: "erp-goods-movement-item",
  maxBatch: 999,
  defaultBatch: 100,
  send(client, batch) {
    // One material document carries many items: a batch is one document, one call.
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return sendWhole(client, batch, "/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader", (rows) => ({
      GoodsMovementCode: "04",
      PostingDate: sapDate(today),
      DocumentDate: sapDate(today),
      MaterialDocumentHeaderText: batch.batchKey.slice(-25),
      to_MaterialDocumentItem: { results: rows.map((r) => r.body) },
    }));
  },
};

export const erpOrderException: Operation = {
  id: "order-exception",
  system: "ERP",
  title: "Sales order exception (status, expected delivery, exposure)",
  profile: "erp-order-exception",
  // One PATCH per order; a PATCH sets fields, so sending it again changes nothing.
  maxBatch: 1,
  defaultBatch: 1,
  async send(client, batch) {
    return Promise.all(
      batch.rows.map(async (row) => {
        const body = row.body as { salesOrder: string; patch: Record<string, unknown> };
        const path = `/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('${encodeURIComponent(body.salesOrder.replace(/'/g, "''"))}')`;
        return rowOutcome(row, await client.call("PATCH", path, body.patch, { idempotencyKey: documentKey({ ...batch, rows: [row] }), correlationId: row.correlationId }));
      }),
    );
  },
};

/** Every ERP operation, the editor's default first. */
export const ERP_OPERATIONS: Operation[] = [erpInventoryStatus, erpOrderException];
