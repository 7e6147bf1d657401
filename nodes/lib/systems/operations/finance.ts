import { segment, sendEach } from "./send";
import type { CommandOperation, OperationOutcome } from "./types";

/*
 * The finance API posts one document per call. Besides the Idempotency-Key, every body carries a
 * natural key finance dedupes on (externalId, adjustmentId), the way an ERP dedupes on a
 * reference field: even a resend under another key (another store, a replayed dead letter)
 * books nothing twice. Amounts are integer minor units end to end.
 */

export const financeAccrual: CommandOperation = {
  id: "accrual",
  system: "FINANCE",
  title: "Freight accrual posting",
  lifecycleState: "ACCRUED",
  profile: "finance-accrual",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => ({ path: "/api/v1/accruals", body: row.body }));
  },
};

interface AdjustmentBody {
  accrualKey: string;
  shipmentId?: string;
  adjustmentId: string;
  amount: unknown;
  reason: string;
}

/**
 * Finance knows an accrual by its own id; the flow knows it by the accrual key it was posted with
 * (externalId). The node looks the accrual up first. Not found yet is retried, not dead: the
 * accrual may still be in another node's outbox (posting and adjustment race in a busy flow).
 */
export const financeAccrualAdjustment: CommandOperation = {
  id: "accrual-adjustment",
  system: "FINANCE",
  title: "Freight accrual adjustment",
  profile: "finance-accrual-adjustment",
  maxBatch: 1,
  defaultBatch: 1,
  async send(ctx, batch) {
    const outcomes: OperationOutcome[] = [];
    for (const row of batch.rows) {
      const body = row.body as AdjustmentBody;
      const query = body.shipmentId ? `?shipmentId=${encodeURIComponent(body.shipmentId)}` : "";
      const found = await ctx.client.call("GET", `/api/v1/accruals${query}`, undefined, { correlationId: row.correlationId });
      if (!found.ok) {
        outcomes.push(found.retryable ? { row, result: "retry", error: found.error, retryAfterMs: found.retryAfterMs, notSent: found.circuitOpen === true } : { row, result: "dead", error: found.error });
        continue;
      }
      const items = (found.data as { items?: Array<{ id?: string; externalId?: string }> } | null)?.items ?? [];
      const accrual = items.find((a) => a.externalId === body.accrualKey);
      if (!accrual?.id) {
        outcomes.push({ row, result: "retry", error: `finance has no accrual ${body.accrualKey}${body.shipmentId ? ` for shipment ${body.shipmentId}` : ""} yet`, retryAfterMs: null });
        continue;
      }
      const { accrualKey: _key, shipmentId: _shipment, ...adjustment } = body;
      outcomes.push(...(await sendEach(ctx, { ...batch, rows: [row] }, () => ({ path: `/api/v1/accruals/${segment(accrual.id, "accrual id")}/adjustments`, body: adjustment }))));
    }
    return outcomes;
  },
};

export const financeInvoiceReady: CommandOperation = {
  id: "invoice-ready",
  system: "FINANCE",
  title: "Invoice ready",
  lifecycleState: "BILLABLE",
  profile: "finance-invoice-ready",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => ({ path: "/api/v1/invoice-ready", body: row.body }));
  },
};

/**
 * A carrier invoice into AP. Finance refuses a second invoice with the same carrier and number
 * (409 DUPLICATE_INVOICE): that refusal is the point, so it is dead-lettered with finance's reason
 * for the freight-audit team. A resend of the same call gets finance's first answer back
 * (Idempotency-Key), so our own retry is never mistaken for a duplicate.
 */
export const financeApInvoice: CommandOperation = {
  id: "ap-invoice",
  system: "FINANCE",
  title: "Carrier invoice (AP)",
  profile: "finance-ap-invoice",
  maxBatch: 1,
  defaultBatch: 1,
  async send(ctx, batch) {
    const outcomes = await sendEach(ctx, batch, (row) => ({ path: "/api/v1/ap-invoices", body: row.body }));
    return outcomes.map((o) => (o.result === "dead" && /DUPLICATE_INVOICE/.test(o.error) ? { ...o, error: `duplicate carrier invoice: ${o.error}` } : o));
  },
};

/** Every finance operation, the editor's default first. */
export const FINANCE_OPERATIONS: CommandOperation[] = [financeAccrual, financeAccrualAdjustment, financeInvoiceReady, financeApInvoice];
