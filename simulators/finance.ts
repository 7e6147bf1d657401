/**
 * Finance simulator: a general-ledger / AP inbox with a plain REST shape.
 *
 *   POST /api/v1/accruals                      {accrualId?|externalId?, shipmentId, amount:{currency, amountMinor}, glAccount, costCenter?, postingDate?, description?}
 *                                              → 201 accrual (journal entry); same externalId again → 200 the existing one
 *   GET  /api/v1/accruals[?shipmentId=]        → {items, count}
 *   GET  /api/v1/accruals/{id}                 → accrual
 *   POST /api/v1/accruals/{id}/adjustments     {adjustmentId?, amount:{currency, amountMinor (signed delta)}, reason} → 201; same adjustmentId → 200
 *   POST /api/v1/invoice-ready                 {externalId?, orderId?|shipmentId?, customerId, amount?} → 201; same externalId → 200
 *   GET  /api/v1/invoice-ready
 *   POST /api/v1/ap-invoices                   {invoiceNumber, carrierId (SCAC), shipmentId?, invoiceDate?, amount:{currency, amountMinor}, lines?}
 *                                              → 201; same carrier+invoiceNumber → 409 DUPLICATE_INVOICE (freight audit must catch it upstream)
 *   GET  /api/v1/ap-invoices
 *
 * Money is integer minor units with an ISO 4217 code, never floats. Besides the generic
 * Idempotency-Key replay, natural keys (externalId, adjustmentId) make posting idempotent the way
 * ERPs dedupe on a reference field.
 */
import { HttpSimulator, type SimReply, type SimRequest, type SimulatorOptions } from "./lib/server";
import { asObject, isObject, optString, reqString, SimHttpError, type Json } from "./lib/validate";

export interface Money {
  currency: string;
  amountMinor: number;
}

interface Accrual {
  id: string;
  externalId?: string;
  journalEntryId: string;
  shipmentId: string;
  glAccount: string;
  costCenter?: string;
  description?: string;
  postingDate: string;
  amount: Money;
  balance: Money;
  status: "POSTED" | "ADJUSTED" | "REVERSED";
  adjustments: Array<{ id: string; adjustmentId?: string; amount: Money; reason: string; journalEntryId: string; createdAt: string }>;
  createdAt: string;
}

interface InvoiceReady {
  id: string;
  externalId?: string;
  orderId?: string;
  shipmentId?: string;
  customerId: string;
  amount?: Money;
  status: "RECEIVED";
  receivedAt: string;
}

interface ApInvoice {
  id: string;
  invoiceNumber: string;
  carrierId: string;
  shipmentId?: string;
  invoiceDate?: string;
  amount: Money;
  lines: unknown[];
  status: "RECEIVED";
  receivedAt: string;
}

function money(v: unknown, what: string, allowNegative = false): Money {
  if (!isObject(v)) throw new SimHttpError(400, "INVALID_FIELD", `${what} must be {currency, amountMinor}`, { field: what });
  const currency = v.currency;
  if (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency)) throw new SimHttpError(400, "INVALID_FIELD", `${what}.currency must be an ISO 4217 code like EUR`, { field: `${what}.currency` });
  const minor = v.amountMinor;
  if (typeof minor !== "number" || !Number.isSafeInteger(minor)) throw new SimHttpError(400, "INVALID_FIELD", `${what}.amountMinor must be an integer (minor units)`, { field: `${what}.amountMinor` });
  if (!allowNegative && minor < 0) throw new SimHttpError(400, "INVALID_FIELD", `${what}.amountMinor must not be negative`, { field: `${what}.amountMinor` });
  return { currency, amountMinor: minor };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class FinanceSimulator extends HttpSimulator {
  private readonly accruals = new Map<string, Accrual>();
  private readonly accrualByExternal = new Map<string, string>();
  /** Accrual ids per shipment: the product looks accruals up by shipment for every delivery, so a scan of all would be quadratic over a month. */
  private readonly accrualsByShipment = new Map<string, string[]>();
  private readonly invoiceReady = new Map<string, InvoiceReady>();
  private readonly invoiceReadyByExternal = new Map<string, string>();
  private readonly apInvoices = new Map<string, ApInvoice>();
  private readonly apByNumber = new Map<string, string>();
  private journal = 0;

  constructor(options: SimulatorOptions = {}) {
    super("finance", options);
    this.route("POST", "/api/v1/accruals", (req) => this.postAccrual(req));
    this.route("GET", "/api/v1/accruals", (req) => {
      const shipmentId = req.query.get("shipmentId");
      const items = shipmentId === null ? [...this.accruals.values()] : (this.accrualsByShipment.get(shipmentId) ?? []).map((id) => this.accruals.get(id)!);
      return { status: 200, body: { items, count: items.length } };
    });
    this.route("GET", "/api/v1/accruals/:id", (req) => {
      const a = this.accruals.get(req.params.id ?? "");
      return a ? { status: 200, body: a } : this.error(404, "NOT_FOUND", `accrual ${req.params.id} not found`);
    });
    this.route("POST", "/api/v1/accruals/:id/adjustments", (req) => this.postAdjustment(req));
    this.route("POST", "/api/v1/invoice-ready", (req) => this.postInvoiceReady(req));
    this.route("GET", "/api/v1/invoice-ready", () => ({ status: 200, body: { items: [...this.invoiceReady.values()], count: this.invoiceReady.size } }));
    this.route("POST", "/api/v1/ap-invoices", (req) => this.postApInvoice(req));
    this.route("GET", "/api/v1/ap-invoices", () => ({ status: 200, body: { items: [...this.apInvoices.values()], count: this.apInvoices.size } }));
  }

  private nextJournal(): string {
    return `JE-${String(++this.journal).padStart(8, "0")}`;
  }

  private postAccrual(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const externalId = optString(b, "externalId", { max: 100 }) ?? optString(b, "accrualId", { max: 100 });
    if (externalId !== undefined) {
      const existing = this.accrualByExternal.get(externalId);
      if (existing) return { status: 200, body: this.accruals.get(existing) };
    }
    const shipmentId = reqString(b, "shipmentId", { max: 64 });
    const glAccount = reqString(b, "glAccount", { max: 10, pattern: /^\d{4,10}$/ });
    const amount = money(b.amount, "amount");
    const postingDate = optString(b, "postingDate", { max: 10, pattern: DATE }) ?? new Date().toISOString().slice(0, 10);
    const now = new Date().toISOString();
    const a: Accrual = {
      id: `ACR-${String(this.accruals.size + 1).padStart(6, "0")}`,
      journalEntryId: this.nextJournal(),
      shipmentId,
      glAccount,
      postingDate,
      amount,
      balance: { ...amount },
      status: "POSTED",
      adjustments: [],
      createdAt: now,
    };
    if (externalId !== undefined) a.externalId = externalId;
    const costCenter = optString(b, "costCenter", { max: 10 });
    if (costCenter) a.costCenter = costCenter;
    const description = optString(b, "description", { max: 200 });
    if (description) a.description = description;
    this.accruals.set(a.id, a);
    if (externalId !== undefined) this.accrualByExternal.set(externalId, a.id);
    const ofShipment = this.accrualsByShipment.get(a.shipmentId);
    if (ofShipment) ofShipment.push(a.id);
    else this.accrualsByShipment.set(a.shipmentId, [a.id]);
    return { status: 201, body: a, headers: { location: `/api/v1/accruals/${a.id}` } };
  }

  private postAdjustment(req: SimRequest): SimReply {
    const a = this.accruals.get(req.params.id ?? "");
    if (!a) return this.error(404, "NOT_FOUND", `accrual ${req.params.id} not found`);
    const b = asObject(req.body);
    const adjustmentId = optString(b, "adjustmentId", { max: 100 });
    if (adjustmentId !== undefined) {
      const prior = a.adjustments.find((x) => x.adjustmentId === adjustmentId);
      if (prior) return { status: 200, body: { accrual: a, adjustment: prior } };
    }
    const amount = money(b.amount, "amount", true);
    if (amount.currency !== a.amount.currency) return this.error(422, "CURRENCY_MISMATCH", `adjustment in ${amount.currency} on an accrual in ${a.amount.currency}`);
    const reason = reqString(b, "reason", { max: 200 });
    if (a.status === "REVERSED") return this.error(409, "ACCRUAL_REVERSED", `accrual ${a.id} is fully reversed`);
    const adj = { id: `${a.id}-ADJ-${a.adjustments.length + 1}`, amount, reason, journalEntryId: this.nextJournal(), createdAt: new Date().toISOString(), ...(adjustmentId ? { adjustmentId } : {}) };
    a.adjustments.push(adj);
    a.balance = { currency: a.balance.currency, amountMinor: a.balance.amountMinor + amount.amountMinor };
    a.status = a.balance.amountMinor === 0 ? "REVERSED" : "ADJUSTED";
    return { status: 201, body: { accrual: a, adjustment: adj } };
  }

  private postInvoiceReady(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const externalId = optString(b, "externalId", { max: 100 });
    if (externalId !== undefined) {
      const existing = this.invoiceReadyByExternal.get(externalId);
      if (existing) return { status: 200, body: this.invoiceReady.get(existing) };
    }
    const orderId = optString(b, "orderId", { max: 64 });
    const shipmentId = optString(b, "shipmentId", { max: 64 });
    if (!orderId && !shipmentId) return this.error(400, "MISSING_FIELD", "orderId or shipmentId is required");
    const r: InvoiceReady = { id: `IR-${String(this.invoiceReady.size + 1).padStart(6, "0")}`, customerId: reqString(b, "customerId", { max: 64 }), status: "RECEIVED", receivedAt: new Date().toISOString() };
    if (externalId !== undefined) r.externalId = externalId;
    if (orderId) r.orderId = orderId;
    if (shipmentId) r.shipmentId = shipmentId;
    if (b.amount !== undefined) r.amount = money(b.amount, "amount");
    this.invoiceReady.set(r.id, r);
    if (externalId !== undefined) this.invoiceReadyByExternal.set(externalId, r.id);
    return { status: 201, body: r };
  }

  private postApInvoice(req: SimRequest): SimReply {
    const b: Json = asObject(req.body);
    const invoiceNumber = reqString(b, "invoiceNumber", { max: 64 });
    const carrierId = optString(b, "carrierId", { max: 64 }) ?? reqString(b, "carrierScac", { max: 4, what: "carrierId or carrierScac" });
    const amount = money(b.amount, "amount", true);
    const dupKey = `${carrierId}\u0000${invoiceNumber}`;
    const existing = this.apByNumber.get(dupKey);
    if (existing) return this.error(409, "DUPLICATE_INVOICE", `invoice ${invoiceNumber} from ${carrierId} was already received as ${existing}`, { existingId: existing });
    if (b.lines !== undefined && (!Array.isArray(b.lines) || b.lines.length > 1000)) return this.error(400, "INVALID_FIELD", "lines must be an array of at most 1000 lines");
    const inv: ApInvoice = {
      id: `API-${String(this.apInvoices.size + 1).padStart(6, "0")}`,
      invoiceNumber,
      carrierId,
      amount,
      lines: Array.isArray(b.lines) ? b.lines : [],
      status: "RECEIVED",
      receivedAt: new Date().toISOString(),
    };
    const shipmentId = optString(b, "shipmentId", { max: 64 });
    if (shipmentId) inv.shipmentId = shipmentId;
    const invoiceDate = optString(b, "invoiceDate", { max: 10, pattern: DATE });
    if (invoiceDate) inv.invoiceDate = invoiceDate;
    this.apInvoices.set(inv.id, inv);
    this.apByNumber.set(dupKey, inv.id);
    return { status: 201, body: inv };
  }

  protected snapshot(): Record<string, unknown> {
    return {
      accruals: [...this.accruals.values()],
      invoiceReady: [...this.invoiceReady.values()],
      apInvoices: [...this.apInvoices.values()],
      counts: { accruals: this.accruals.size, invoiceReady: this.invoiceReady.size, apInvoices: this.apInvoices.size, journalEntries: this.journal },
    };
  }

  protected resetState(): void {
    this.accruals.clear();
    this.accrualByExternal.clear();
    this.accrualsByShipment.clear();
    this.invoiceReady.clear();
    this.invoiceReadyByExternal.clear();
    this.apInvoices.clear();
    this.apByNumber.clear();
    this.journal = 0;
  }
}

export function createFinanceSimulator(options: SimulatorOptions = {}): FinanceSimulator {
  return new FinanceSimulator(options);
}
