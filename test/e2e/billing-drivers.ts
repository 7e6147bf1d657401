/**
 * Drives the simulators for the delivery-to-finance and billing-rules scenarios the way the
 * systems' users would: the SAP shipping clerk creating an outbound delivery (partial or whole)
 * for a sales order and posting its goods issue, and reads back what the ERP and finance hold.
 * The freight reconciliation tab's accrual at shipment is played here by finance's own API.
 * Not a test file.
 */
import { getJson } from "../helpers/product";

const DLV = "/sap/opu/odata/sap/API_OUTBOUND_DELIVERY_SRV";
const BILLING = "/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/A_BillingDocument";

async function send(url: string, method: string, body: unknown): Promise<Response> {
  const res = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/**
 * An outbound delivery for sales order items (`[item, quantity]`, items 10, 20, … as the ERP
 * numbers them), its bill of lading naming the TMS load it goes on. Returns the delivery number.
 */
export async function createDelivery(erp: string, order: string, items: Array<[string, number]>, billOfLading: string): Promise<string> {
  const res = await send(`${erp}${DLV}/A_OutbDeliveryHeader`, "POST", {
    BillOfLading: billOfLading,
    to_DeliveryDocumentItem: { results: items.map(([item, qty]) => ({ ReferenceSDDocument: order, ReferenceSDDocumentItem: item, ActualDeliveryQuantity: String(qty) })) },
  });
  return ((await res.json()) as { d: { DeliveryDocument: string } }).d.DeliveryDocument;
}

export async function postGoodsIssue(erp: string, delivery: string): Promise<void> {
  await send(`${erp}${DLV}/PostGoodsIssue?DeliveryDocument='${delivery}'`, "POST", {});
}

export interface BillingDocumentView {
  BillingDocument: string;
  ReferenceSDDocument: string;
  SoldToParty: string;
  TotalNetAmount: string;
  TransactionCurrency: string;
}

export async function billingDocumentsOf(erp: string, delivery: string): Promise<BillingDocumentView[]> {
  const filter = encodeURIComponent(`ReferenceSDDocument eq '${delivery}'`);
  return (await getJson<{ d: { results: BillingDocumentView[] } }>(`${erp}${BILLING}?$filter=${filter}`)).d.results;
}

export interface InvoiceReadyView {
  id: string;
  externalId?: string;
  orderId?: string;
  shipmentId?: string;
  customerId: string;
  amount?: { currency: string; amountMinor: number };
}

export async function invoiceReadyOf(finance: string, order: string): Promise<InvoiceReadyView[]> {
  const all = (await getJson<{ items: InvoiceReadyView[] }>(`${finance}/api/v1/invoice-ready`)).items;
  return all.filter((r) => r.orderId === order);
}

export interface AccrualView {
  id: string;
  externalId?: string;
  shipmentId: string;
  amount: { currency: string; amountMinor: number };
  balance: { currency: string; amountMinor: number };
  status: string;
  adjustments: Array<{ adjustmentId?: string; amount: { currency: string; amountMinor: number }; reason: string }>;
}

export async function accrualsOf(finance: string, shipment: string): Promise<AccrualView[]> {
  return (await getJson<{ items: AccrualView[] }>(`${finance}/api/v1/accruals?shipmentId=${encodeURIComponent(shipment)}`)).items;
}

export interface DeadLetterView {
  id: number;
  reason: string;
  nodeName?: string | null;
  state: string;
}

export async function deadLetters(editorUrl: string): Promise<DeadLetterView[]> {
  return (await getJson<{ deadLetters: DeadLetterView[] }>(`${editorUrl}/lsync/dead-letters?limit=500`)).deadLetters;
}

/**
 * True when the product has nothing in flight: every stored intake item settled and no outbound
 * call waiting (from /lsync/metrics). What a check that something did *not* happen waits for.
 */
export async function quiet(editorUrl: string): Promise<boolean> {
  const res = await fetch(`${editorUrl}/lsync/metrics?window=3600`);
  if (!res.ok) throw new Error(`GET /lsync/metrics: HTTP ${res.status}`);
  const text = await res.text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? "NaN");
  return value(/^lsync_inbox_pending(?:\{[^}]*\})? (\S+)$/m) === 0 && value(/^lsync_outbox_rows\{state="pending"\} (\S+)$/m) === 0;
}
