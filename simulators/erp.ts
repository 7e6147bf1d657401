/**
 * ERP simulator: SAP S/4HANA-like OData V2 under /sap/opu/odata/sap/.
 *
 *   API_SALES_ORDER_SRV/A_SalesOrder                 GET list, POST deep insert with to_Item
 *   API_SALES_ORDER_SRV/A_SalesOrder('1000001')      GET ($expand=to_Item inlines items), PATCH (204): release by clearing
 *        DeliveryBlockReason; YY1_LogisticsStatus_SDH and YY1_ExpectedDeliveryDate_SDH (custom fields, as
 *        key-user extensibility adds them) carry exceptions. Every change moves LastChangeDateTime, so
 *        `$filter=DeliveryBlockReason eq '' and LastChangeDateTime ge datetimeoffset'…'&$orderby=LastChangeDateTime`
 *        lists released orders changed since a point (what a polling intake asks).
 *   API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader   GET list, POST (items, or header ReferenceSDDocument = sales order);
 *        LastChangeDateTime moves on creation and goods issue, so `OverallGoodsMovementStatus eq 'C' and
 *        LastChangeDateTime ge datetimeoffset'…'` lists deliveries goods-issued since a point
 *   API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader('80000001')  GET
 *   API_OUTBOUND_DELIVERY_SRV/PostGoodsIssue?DeliveryDocument='80000001'  POST → status C, 601 material document
 *   API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader  POST (goods movement, updates stock), GET list
 *   API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader(MaterialDocumentYear='2026',MaterialDocument='4900000001')  GET
 *   API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod        GET stock rows (MatlWrhsStkQtyInMatlBaseUnit as string)
 *   API_BILLING_DOCUMENT_SRV/A_BillingDocument       POST {ReferenceSDDocument: delivery} (must be goods-issued), GET list
 *
 * Query options: `$filter` only as `Field eq 'value'` terms joined by `and` (anything else → 400),
 * `$top`, `$skip`, `$inlinecount=allpages`, `$expand=to_Item|to_DeliveryDocumentItem|to_MaterialDocumentItem`.
 *
 * Like SAP it checks master data (unknown material or plant → 400), requires a batch for
 * batch-managed materials, and refuses a movement that would drive stock negative (M7/021
 * "Deficit …") unless `allowNegativeStock`. Optional `csrf: true` enforces SAP's X-CSRF-Token
 * dance (GET with `X-CSRF-Token: Fetch`, then send the token on modifying requests).
 */
import { randomBytes } from "node:crypto";
import { CATALOG, SITES } from "./lib/catalog";
import { collection, decimal, inlineResults, odataDay, odataError, odataTime, parseDecimal, parseFilter, parseKeyPredicate } from "./lib/odata";

/** Header fields kept on the documents as the views show them: an `eq` on them narrows before any view is built. */
const RAW_EQ_FIELDS = new Set(["BillOfLading", "OverallGoodsMovementStatus", "DeliveryBlockReason", "SoldToParty"]);

/**
 * The rows an `eq` on a RAW_EQ_FIELDS field or a "changed since" rules out, left out early (collection() applies the whole filter after).
 * `byField` answers an `eq` from an index where one is kept (a delivery's bill of lading, looked
 * up for every milestone of a month: scanning every delivery each time made the run quadratic).
 */
function narrowed<T extends object>(rows: Iterable<T>, filter: string | null, byField?: (field: string, value: string) => Iterable<T> | undefined): T[] {
  let terms: ReturnType<typeof parseFilter>;
  try {
    terms = parseFilter(filter);
  } catch {
    return [...rows]; // collection() answers the 400
  }
  let all: T[] | undefined;
  for (const t of terms) {
    if ((t.op && t.op !== "eq") || !byField) continue;
    const found = byField(t.field, String(t.value));
    if (found) {
      all = [...found];
      break;
    }
  }
  all ??= [...rows];
  const eqs = terms.filter((t) => (!t.op || t.op === "eq") && RAW_EQ_FIELDS.has(t.field));
  // LastChangeDateTime is kept in ms: a ge/gt on it ("changed since", every poll) narrows too.
  const since = terms.filter((t) => (t.op === "ge" || t.op === "gt") && t.field === "LastChangeDateTime");
  if (eqs.length === 0 && since.length === 0) return all;
  return all.filter((r) => {
    const row = r as Record<string, unknown>;
    if (!eqs.every((t) => String(row[t.field] ?? "") === t.value)) return false;
    return since.every((t) => {
      const at = row.LastChangeDateTime;
      const bound = Date.parse(t.value);
      return typeof at !== "number" || (t.op === "ge" ? at >= bound : at > bound);
    });
  });
}
import { HttpSimulator, type Handler, type SimReply, type SimRequest, type SimulatorOptions } from "./lib/server";
import { asObject, optString, reqString, SimHttpError, type Json } from "./lib/validate";

const BASE = "/sap/opu/odata/sap";
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `${BASE}/<service>/<entity>` optionally followed by a key predicate `( … )`. */
const entityRe = (service: string, entity: string, withKey: boolean) =>
  new RegExp(`^${esc(`${BASE}/${service}/${entity}`)}${withKey ? "\\((?<key>[^)]*)\\)" : ""}$`);

export interface MaterialMaster {
  Material: string;
  baseUnit: string;
  batchManaged: boolean;
  description: string;
  /** Net price per base unit in minor units, used for sales order and billing amounts. */
  priceMinor: number;
  grossWeightKg: number;
}

export interface ErpOptions extends SimulatorOptions {
  /** Seed master data, stock, sales orders and a delivery (default true). */
  seedData?: boolean;
  /** Stock per seeded Material/Plant/StorageLocation/Batch row (default 100000). */
  seedStockQuantity?: number;
  /** Extra materials beyond the shared catalog. */
  materials?: Array<Partial<MaterialMaster> & { Material: string }>;
  /** Extra plants beyond the shared sites. */
  plants?: string[];
  /** Let movements drive stock negative instead of answering M7/021 (default false). */
  allowNegativeStock?: boolean;
  /** Enforce X-CSRF-Token on modifying requests (default false). */
  csrf?: boolean;
  /** Currency of seeded orders and billing (default EUR). */
  currency?: string;
}

type StockType = "01" | "02" | "07";
interface StockRow {
  Material: string;
  Plant: string;
  StorageLocation: string;
  Batch: string;
  InventoryStockType: StockType;
  MaterialBaseUnit: string;
  qty: number;
}

interface SalesOrderItem {
  SalesOrderItem: string;
  Material: string;
  SalesOrderItemText: string;
  RequestedQuantity: number;
  RequestedQuantityUnit: string;
  NetAmount: number;
  Plant: string;
}
interface SalesOrder {
  SalesOrder: string;
  SalesOrderType: string;
  SalesOrganization: string;
  DistributionChannel: string;
  OrganizationDivision: string;
  SoldToParty: string;
  PurchaseOrderByCustomer: string;
  CreationDate: number;
  RequestedDeliveryDate: number;
  TransactionCurrency: string;
  IncotermsClassification: string;
  OverallSDProcessStatus: string;
  /** "" = released to logistics; any other code holds the order back (SAP's delivery block). */
  DeliveryBlockReason: string;
  /** Edm.DateTimeOffset of the last change (creation, release, exception update). */
  LastChangeDateTime: number;
  YY1_LogisticsStatus_SDH: string;
  YY1_ExpectedDeliveryDate_SDH: number | null;
  /** Value at risk from logistics exceptions (Edm.Decimal string) and its currency. */
  YY1_ExposureAmount_SDH: string;
  YY1_ExposureCurrency_SDH: string;
  items: SalesOrderItem[];
}

interface DeliveryItem {
  DeliveryDocumentItem: string;
  Material: string;
  ActualDeliveryQuantity: number;
  DeliveryQuantityUnit: string;
  Batch: string;
  Plant: string;
  StorageLocation: string;
  ReferenceSDDocument: string;
  ReferenceSDDocumentItem: string;
  ItemGrossWeight: number;
}
interface Delivery {
  DeliveryDocument: string;
  DeliveryDocumentType: string;
  ShippingPoint: string;
  ShipToParty: string;
  SoldToParty: string;
  CreationDate: number;
  /** Edm.DateTimeOffset of the last change (creation, goods issue). */
  LastChangeDateTime: number;
  OverallGoodsMovementStatus: string;
  OverallPickingStatus: string;
  ActualGoodsMovementDate: number | null;
  ActualGoodsMovementTime: string;
  BillOfLading: string;
  HeaderWeightUnit: string;
  items: DeliveryItem[];
}

interface MaterialDocItem {
  MaterialDocumentItem: string;
  Material: string;
  Plant: string;
  StorageLocation: string;
  Batch: string;
  GoodsMovementType: string;
  InventoryStockType: string;
  IssuingOrReceivingPlant: string;
  IssuingOrReceivingStorageLoc: string;
  QuantityInEntryUnit: number;
  EntryUnit: string;
  DeliveryDocument: string;
  MaterialDocumentItemText: string;
}
interface MaterialDoc {
  MaterialDocumentYear: string;
  MaterialDocument: string;
  DocumentDate: number;
  PostingDate: number;
  CreatedAt: number;
  GoodsMovementCode: string;
  MaterialDocumentHeaderText: string;
  ReferenceDocument: string;
  items: MaterialDocItem[];
}

interface BillingDoc {
  BillingDocument: string;
  BillingDocumentType: string;
  BillingDocumentDate: number;
  SoldToParty: string;
  TotalNetAmount: number;
  TransactionCurrency: string;
  ReferenceSDDocument: string;
  items: Array<{ BillingDocumentItem: string; Material: string; BillingQuantity: number; BillingQuantityUnit: string; NetAmount: number; ReferenceSDDocument: string; ReferenceSDDocumentItem: string }>;
}

/** One stock change of a movement type: which location (primary or the receiving one), sign, stock type. */
interface Leg {
  at: "primary" | "receiving";
  sign: 1 | -1;
  stockType: StockType;
}
const U: StockType = "01";
const QI: StockType = "02";
const BLOCKED: StockType = "07";
/** The movement types the simulator books; anything else is answered like SAP's M7/… error. */
export const MOVEMENT_TYPES: Record<string, { text: string; legs: Leg[]; needsReceiving?: boolean }> = {
  "101": { text: "GR goods receipt", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "102": { text: "GR reversal", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "122": { text: "Return to vendor", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "201": { text: "GI for cost center", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "202": { text: "RE for cost center", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "261": { text: "GI for order", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "262": { text: "RE for order", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "301": { text: "TF plant to plant", legs: [{ at: "primary", sign: -1, stockType: U }, { at: "receiving", sign: 1, stockType: U }], needsReceiving: true },
  "311": { text: "TF transfer within plant", legs: [{ at: "primary", sign: -1, stockType: U }, { at: "receiving", sign: 1, stockType: U }], needsReceiving: true },
  "312": { text: "TF transfer reversal", legs: [{ at: "receiving", sign: -1, stockType: U }, { at: "primary", sign: 1, stockType: U }], needsReceiving: true },
  "321": { text: "TF quality to unrestricted", legs: [{ at: "primary", sign: -1, stockType: QI }, { at: "primary", sign: 1, stockType: U }] },
  "322": { text: "TF unrestricted to quality", legs: [{ at: "primary", sign: -1, stockType: U }, { at: "primary", sign: 1, stockType: QI }] },
  "343": { text: "TF blocked to unrestricted", legs: [{ at: "primary", sign: -1, stockType: BLOCKED }, { at: "primary", sign: 1, stockType: U }] },
  "344": { text: "TF unrestricted to blocked", legs: [{ at: "primary", sign: -1, stockType: U }, { at: "primary", sign: 1, stockType: BLOCKED }] },
  "501": { text: "Receipt w/o PO", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "502": { text: "RE receipt w/o PO", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "551": { text: "GI scrapping", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "552": { text: "RE scrapping", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "561": { text: "Initial entry of stock", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "562": { text: "RE initial entry", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "601": { text: "GD goods issue: delivery", legs: [{ at: "primary", sign: -1, stockType: U }] },
  "602": { text: "RE goods deliv. reversal", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "701": { text: "GR phys. inventory", legs: [{ at: "primary", sign: 1, stockType: U }] },
  "702": { text: "GI phys. inventory", legs: [{ at: "primary", sign: -1, stockType: U }] },
};

const STOCK_TYPE_TEXT: Record<StockType, string> = { "01": "Unrestricted-use", "02": "Quality inspection", "07": "Blocked" };

/** A fixed day (2026-11-20) for seed documents so state snapshots are reproducible. */
const SEED_DAY = Date.UTC(2026, 10, 20);

export class ErpSimulator extends HttpSimulator {
  private readonly materials = new Map<string, MaterialMaster>();
  private readonly plants = new Set<string>();
  private readonly stock = new Map<string, StockRow>();
  private readonly salesOrders = new Map<string, SalesOrder>();
  private readonly deliveries = new Map<string, Delivery>();
  /** Deliveries per bill of lading (set when a delivery is created, never changed after). */
  private readonly deliveriesByBol = new Map<string, Delivery[]>();
  private readonly materialDocs = new Map<string, MaterialDoc>();
  private readonly billingDocs = new Map<string, BillingDoc>();
  private readonly csrfTokens = new Set<string>();
  private counters = { so: 1000000, dlv: 80000000, md: 4900000000, bill: 90000000 };

  constructor(private readonly options: ErpOptions = {}) {
    super("erp", options);
    this.resetState();
    const svc = (service: string, entity: string, key = false) => entityRe(service, entity, key);

    this.get(svc("API_SALES_ORDER_SRV", "A_SalesOrder"), (req) => ({
      status: 200,
      // Filtered and ordered on header views; only the page is expanded (the month polls 5,000 orders).
      body: collection(narrowed(this.salesOrders.values(), req.query.get("$filter")).map((o) => this.soView(o, false)), req.query, (r) => this.soView(this.salesOrders.get(String(r.SalesOrder))!, expands(req))),
    }));
    this.get(svc("API_SALES_ORDER_SRV", "A_SalesOrder", true), (req) => {
      const o = this.salesOrders.get(this.singleKey(req));
      return o ? { status: 200, body: { d: this.soView(o, expands(req)) } } : this.notFound("A_SalesOrder", req);
    });
    this.post(svc("API_SALES_ORDER_SRV", "A_SalesOrder"), (req) => this.createSalesOrder(req));
    this.patch(svc("API_SALES_ORDER_SRV", "A_SalesOrder", true), (req) => this.updateSalesOrder(req));

    this.get(svc("API_OUTBOUND_DELIVERY_SRV", "A_OutbDeliveryHeader"), (req) => ({
      status: 200,
      body: collection(narrowed(this.deliveries.values(), req.query.get("$filter"), (field, value) => (field === "BillOfLading" ? (this.deliveriesByBol.get(value) ?? []) : undefined)).map((d) => this.dlvView(d, false)), req.query, (r) => this.dlvView(this.deliveries.get(String(r.DeliveryDocument))!, expands(req))),
    }));
    this.get(svc("API_OUTBOUND_DELIVERY_SRV", "A_OutbDeliveryHeader", true), (req) => {
      const d = this.deliveries.get(this.singleKey(req));
      return d ? { status: 200, body: { d: this.dlvView(d, expands(req)) } } : this.notFound("A_OutbDeliveryHeader", req);
    });
    this.post(svc("API_OUTBOUND_DELIVERY_SRV", "A_OutbDeliveryHeader"), (req) => this.createDelivery(req));
    this.post(svc("API_OUTBOUND_DELIVERY_SRV", "PostGoodsIssue"), (req) => this.postGoodsIssue(req));

    this.get(svc("API_MATERIAL_DOCUMENT_SRV", "A_MaterialDocumentHeader"), (req) => ({
      status: 200,
      body: collection([...this.materialDocs.values()].map((m) => this.mdView(m, expands(req))), req.query, (r) => r),
    }));
    this.get(svc("API_MATERIAL_DOCUMENT_SRV", "A_MaterialDocumentHeader", true), (req) => {
      const key = parseKeyPredicate(req.params.key ?? "");
      const doc = key ? this.materialDocs.get(`${key.get("MaterialDocumentYear")}/${key.get("MaterialDocument")}`) : undefined;
      return doc ? { status: 200, body: { d: this.mdView(doc, true) } } : this.notFound("A_MaterialDocumentHeader", req);
    });
    this.post(svc("API_MATERIAL_DOCUMENT_SRV", "A_MaterialDocumentHeader"), (req) => this.postMaterialDocument(req));

    this.get(svc("API_MATERIAL_STOCK_SRV", "A_MatlStkInAcctMod"), (req) => ({
      status: 200,
      body: collection([...this.stock.values()].map((r) => this.stockView(r)), req.query, (r) => r),
    }));

    this.get(svc("API_BILLING_DOCUMENT_SRV", "A_BillingDocument"), (req) => ({
      status: 200,
      body: collection([...this.billingDocs.values()].map((b) => this.billView(b)), req.query, (r) => r),
    }));
    this.post(svc("API_BILLING_DOCUMENT_SRV", "A_BillingDocument"), (req) => this.createBilling(req));
  }

  protected override formatError(_status: number, code: string, message: string, details?: Record<string, unknown>): unknown {
    return odataError(code, message, details);
  }

  // ---- CSRF (SAP Gateway) -----------------------------------------------------------------

  private get(path: RegExp, handler: Handler): void {
    this.route("GET", path, async (req) => {
      const reply = await handler(req);
      if (this.options.csrf && String(req.headers["x-csrf-token"] ?? "").toLowerCase() === "fetch") {
        const token = randomBytes(16).toString("base64");
        this.csrfTokens.add(token);
        reply.headers = { ...(reply.headers ?? {}), "x-csrf-token": token };
      }
      return reply;
    });
  }

  private patch(path: RegExp, handler: Handler): void {
    this.modifying("PATCH", path, handler);
  }

  private post(path: RegExp, handler: Handler): void {
    this.modifying("POST", path, handler);
  }

  private modifying(method: "POST" | "PATCH", path: RegExp, handler: Handler): void {
    this.route(method, path, (req) => {
      if (this.options.csrf) {
        const token = req.headers["x-csrf-token"];
        if (typeof token !== "string" || !this.csrfTokens.has(token)) {
          return { status: 403, body: odataError("/IWFND/CM_BEC/026", "CSRF token validation failed"), headers: { "x-csrf-token": "Required" } };
        }
      }
      return handler(req);
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  private singleKey(req: SimRequest): string {
    const key = parseKeyPredicate(req.params.key ?? "");
    const v = key?.get("") ?? [...(key?.values() ?? [])][0];
    if (v === undefined) throw new SimHttpError(400, "/IWBEP/CM_MGW_RT/020", `key predicate "(${req.params.key ?? ""})" is malformed`);
    return v;
  }

  private notFound(entity: string, req: SimRequest): SimReply {
    return this.error(404, "/IWBEP/CM_MGW_RT/020", `Resource not found for segment '${entity}(${req.params.key ?? ""})'`);
  }

  private uri(path: string): string {
    return `${this.url}${BASE}/${path}`;
  }

  private material(m: string, plant: string): MaterialMaster {
    const mat = this.materials.get(m);
    if (!mat) throw new SimHttpError(400, "M3/305", `Material ${m} not maintained in plant ${plant}`);
    if (!this.plants.has(plant)) throw new SimHttpError(400, "M7/001", `Plant ${plant} does not exist`);
    return mat;
  }

  private stockKey(m: string, plant: string, sl: string, batch: string, type: StockType): string {
    return `${m}\u0000${plant}\u0000${sl}\u0000${batch}\u0000${type}`;
  }

  private stockRow(m: string, plant: string, sl: string, batch: string, type: StockType, unit: string): StockRow {
    const key = this.stockKey(m, plant, sl, batch, type);
    let row = this.stock.get(key);
    if (!row) {
      row = { Material: m, Plant: plant, StorageLocation: sl, Batch: batch, InventoryStockType: type, MaterialBaseUnit: unit, qty: 0 };
      this.stock.set(key, row);
    }
    return row;
  }

  /** Unrestricted stock for a material at a plant/storage location/batch (tests and PGI batch determination). */
  stockQuantity(material: string, plant: string, storageLocation: string, batch = "", type: StockType = "01"): number {
    return this.stock.get(this.stockKey(material, plant, storageLocation, batch, type))?.qty ?? 0;
  }

  // ---- material documents -----------------------------------------------------------------

  private postMaterialDocument(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const code = optString(b, "GoodsMovementCode", { max: 2 }) ?? "";
    if (code !== "" && !/^0[1-7]$/.test(code)) return this.error(400, "M7/GMCODE", `GoodsMovementCode "${code}" is not 01..07`);
    const posting = parseODataDateField(b, "PostingDate") ?? Date.now();
    const documentDate = parseODataDateField(b, "DocumentDate") ?? posting;
    const items = inlineResults(b.to_MaterialDocumentItem);
    if (!items || items.length === 0) return this.error(400, "M7/ITEMS", "to_MaterialDocumentItem must contain at least one item");
    if (items.length > 999) return this.error(400, "M7/ITEMS", "at most 999 items per material document");
    const parsed = items.map((raw, i) => this.parseMovementItem(raw, i));
    const doc = this.book({
      GoodsMovementCode: code,
      PostingDate: posting,
      DocumentDate: documentDate,
      MaterialDocumentHeaderText: optString(b, "MaterialDocumentHeaderText", { max: 25 }) ?? "",
      ReferenceDocument: optString(b, "ReferenceDocument", { max: 16 }) ?? "",
      items: parsed,
    });
    return {
      status: 201,
      body: { d: this.mdView(doc, true) },
      headers: { location: this.uri(`API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader(MaterialDocumentYear='${doc.MaterialDocumentYear}',MaterialDocument='${doc.MaterialDocument}')`) },
    };
  }

  private parseMovementItem(raw: unknown, i: number): Omit<MaterialDocItem, "MaterialDocumentItem"> {
    const it = asObject(raw, `to_MaterialDocumentItem[${i}]`);
    const Material = reqString(it, "Material", { max: 40 });
    const Plant = reqString(it, "Plant", { max: 4 });
    const StorageLocation = optString(it, "StorageLocation", { max: 4 }) ?? "";
    const GoodsMovementType = reqString(it, "GoodsMovementType", { max: 3 });
    const mt = MOVEMENT_TYPES[GoodsMovementType];
    if (!mt) throw new SimHttpError(400, "M7/034", `Movement type ${GoodsMovementType} is not supported by the simulator (supported: ${Object.keys(MOVEMENT_TYPES).join(", ")})`);
    const qty = parseDecimal(it.QuantityInEntryUnit);
    if (qty === null || qty <= 0) throw new SimHttpError(400, "M7/QTY", `to_MaterialDocumentItem[${i}].QuantityInEntryUnit must be a positive Edm.Decimal string`);
    const mat = this.material(Material, Plant);
    const EntryUnit = optString(it, "EntryUnit", { max: 3 }) ?? mat.baseUnit;
    if (EntryUnit !== mat.baseUnit) throw new SimHttpError(400, "M7/UNIT", `Unit ${EntryUnit} differs from base unit ${mat.baseUnit} of ${Material}; the simulator does not convert units`);
    const Batch = optString(it, "Batch", { max: 10 }) ?? "";
    if (mat.batchManaged && Batch === "") throw new SimHttpError(400, "M7/018", `Enter batch for material ${Material} (batch management requirement)`);
    if (!mat.batchManaged && Batch !== "") throw new SimHttpError(400, "M7/BATCH", `Material ${Material} is not handled in batches`);
    if (StorageLocation === "") throw new SimHttpError(400, "M7/STLOC", `Enter storage location for material ${Material}`);
    const IssuingOrReceivingPlant = optString(it, "IssuingOrReceivingPlant", { max: 4 }) ?? (mt.needsReceiving ? Plant : "");
    const IssuingOrReceivingStorageLoc = optString(it, "IssuingOrReceivingStorageLoc", { max: 4 }) ?? "";
    if (mt.needsReceiving) {
      if (IssuingOrReceivingStorageLoc === "") throw new SimHttpError(400, "M7/RECV", `Movement type ${GoodsMovementType} needs IssuingOrReceivingStorageLoc`);
      if (!this.plants.has(IssuingOrReceivingPlant)) throw new SimHttpError(400, "M7/001", `Plant ${IssuingOrReceivingPlant} does not exist`);
      if (GoodsMovementType === "311" && IssuingOrReceivingPlant !== Plant) throw new SimHttpError(400, "M7/311", "311 moves stock within one plant; use 301 between plants");
    }
    return {
      Material,
      Plant,
      StorageLocation,
      Batch,
      GoodsMovementType,
      InventoryStockType: mt.legs[0]?.stockType ?? U,
      IssuingOrReceivingPlant,
      IssuingOrReceivingStorageLoc,
      QuantityInEntryUnit: qty,
      EntryUnit,
      DeliveryDocument: optString(it, "DeliveryDocument", { max: 10 }) ?? "",
      MaterialDocumentItemText: optString(it, "MaterialDocumentItemText", { max: 50 }) ?? "",
    };
  }

  /** Checks every item first, then books all or nothing (a material document is one LUW in SAP). */
  private book(h: Omit<MaterialDoc, "MaterialDocumentYear" | "MaterialDocument" | "CreatedAt" | "items"> & { items: Omit<MaterialDocItem, "MaterialDocumentItem">[] }): MaterialDoc {
    const deltas = new Map<string, { row: Omit<StockRow, "qty">; delta: number }>();
    for (const it of h.items) {
      const mt = MOVEMENT_TYPES[it.GoodsMovementType];
      if (!mt) continue;
      for (const leg of mt.legs) {
        const plant = leg.at === "primary" ? it.Plant : it.IssuingOrReceivingPlant;
        const sl = leg.at === "primary" ? it.StorageLocation : it.IssuingOrReceivingStorageLoc;
        const key = this.stockKey(it.Material, plant, sl, it.Batch, leg.stockType);
        const cur = deltas.get(key) ?? { row: { Material: it.Material, Plant: plant, StorageLocation: sl, Batch: it.Batch, InventoryStockType: leg.stockType, MaterialBaseUnit: it.EntryUnit }, delta: 0 };
        cur.delta += leg.sign * it.QuantityInEntryUnit;
        deltas.set(key, cur);
      }
    }
    if (!this.options.allowNegativeStock) {
      for (const [key, { row, delta }] of deltas) {
        const have = this.stock.get(key)?.qty ?? 0;
        if (have + delta < -1e-9) {
          throw new SimHttpError(
            400,
            "M7/021",
            `Deficit of ${row.StorageLocation ? "SL" : "BA"} ${STOCK_TYPE_TEXT[row.InventoryStockType]} ${decimal(-(have + delta))} ${row.MaterialBaseUnit} : ${row.Material} ${row.Plant} ${row.StorageLocation} ${row.Batch}`.trim(),
          );
        }
      }
    }
    for (const { row, delta } of deltas.values()) {
      const r = this.stockRow(row.Material, row.Plant, row.StorageLocation, row.Batch, row.InventoryStockType, row.MaterialBaseUnit);
      r.qty = Math.round((r.qty + delta) * 1000) / 1000;
    }
    const doc: MaterialDoc = {
      MaterialDocumentYear: String(new Date(h.PostingDate).getUTCFullYear()),
      MaterialDocument: String(++this.counters.md),
      DocumentDate: h.DocumentDate,
      PostingDate: h.PostingDate,
      CreatedAt: Date.now(),
      GoodsMovementCode: h.GoodsMovementCode,
      MaterialDocumentHeaderText: h.MaterialDocumentHeaderText,
      ReferenceDocument: h.ReferenceDocument,
      items: h.items.map((it, i) => ({ MaterialDocumentItem: String(i + 1), ...it })),
    };
    this.materialDocs.set(`${doc.MaterialDocumentYear}/${doc.MaterialDocument}`, doc);
    return doc;
  }

  // ---- sales orders, deliveries, billing --------------------------------------------------

  private createSalesOrder(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const itemsIn = inlineResults(b.to_Item);
    if (!itemsIn || itemsIn.length === 0) return this.error(400, "V1/SO_ITEMS", "to_Item must contain at least one item");
    if (itemsIn.length > 500) return this.error(400, "V1/SO_ITEMS", "at most 500 items");
    const org = optString(b, "SalesOrganization", { max: 4 }) ?? "1010";
    const plantDefault = SITES.find((s) => s.plant === org)?.plant ?? SITES[0]?.plant ?? "1010";
    const items = itemsIn.map((raw, i): SalesOrderItem => {
      const it = asObject(raw, `to_Item[${i}]`);
      const Material = reqString(it, "Material", { max: 40 });
      const Plant = optString(it, "ProductionPlant", { max: 4 }) ?? optString(it, "Plant", { max: 4 }) ?? plantDefault;
      const mat = this.material(Material, Plant);
      const qty = parseDecimal(it.RequestedQuantity);
      if (qty === null || qty <= 0) throw new SimHttpError(400, "V1/QTY", `to_Item[${i}].RequestedQuantity must be a positive Edm.Decimal string`);
      return {
        SalesOrderItem: optString(it, "SalesOrderItem", { max: 6, pattern: /^\d+$/ }) ?? String((i + 1) * 10),
        Material,
        SalesOrderItemText: mat.description,
        RequestedQuantity: qty,
        RequestedQuantityUnit: optString(it, "RequestedQuantityUnit", { max: 3 }) ?? mat.baseUnit,
        NetAmount: (mat.priceMinor * qty) / 100,
        Plant,
      };
    });
    const now = Date.now();
    const so: SalesOrder = {
      SalesOrder: String(++this.counters.so),
      SalesOrderType: optString(b, "SalesOrderType", { max: 4 }) ?? "OR",
      SalesOrganization: org,
      DistributionChannel: optString(b, "DistributionChannel", { max: 2 }) ?? "10",
      OrganizationDivision: optString(b, "OrganizationDivision", { max: 2 }) ?? "00",
      SoldToParty: reqString(b, "SoldToParty", { max: 10 }),
      PurchaseOrderByCustomer: optString(b, "PurchaseOrderByCustomer", { max: 35 }) ?? "",
      CreationDate: now,
      RequestedDeliveryDate: parseODataDateField(b, "RequestedDeliveryDate") ?? now + 3 * 86_400_000,
      TransactionCurrency: optString(b, "TransactionCurrency", { max: 5 }) ?? this.currency,
      IncotermsClassification: optString(b, "IncotermsClassification", { max: 3 }) ?? "FCA",
      OverallSDProcessStatus: "A",
      DeliveryBlockReason: optString(b, "DeliveryBlockReason", { max: 2 }) ?? "",
      LastChangeDateTime: now,
      YY1_LogisticsStatus_SDH: "",
      YY1_ExpectedDeliveryDate_SDH: null,
      YY1_ExposureAmount_SDH: "0.00",
      YY1_ExposureCurrency_SDH: "",
      items,
    };
    this.salesOrders.set(so.SalesOrder, so);
    return { status: 201, body: { d: this.soView(so, true) }, headers: { location: this.uri(`API_SALES_ORDER_SRV/A_SalesOrder('${so.SalesOrder}')`) } };
  }

  /** PATCH A_SalesOrder('…'): release (DeliveryBlockReason "") and the logistics exception fields. */
  private updateSalesOrder(req: SimRequest): SimReply {
    const so = this.salesOrders.get(this.singleKey(req));
    if (!so) return this.notFound("A_SalesOrder", req);
    const b = asObject(req.body);
    const known = new Set(["DeliveryBlockReason", "YY1_LogisticsStatus_SDH", "YY1_ExpectedDeliveryDate_SDH", "YY1_ExposureAmount_SDH", "YY1_ExposureCurrency_SDH"]);
    const unknown = Object.keys(b).filter((k) => !known.has(k) && k !== "__metadata");
    if (unknown.length) return this.error(400, "/IWBEP/CM_MGW_RT/022", `property ${unknown[0]} cannot be changed (changeable: ${[...known].join(", ")})`);
    const block = optString(b, "DeliveryBlockReason", { max: 2 });
    const status = optString(b, "YY1_LogisticsStatus_SDH", { max: 20 });
    const eta = parseODataDateField(b, "YY1_ExpectedDeliveryDate_SDH");
    if (block !== undefined) so.DeliveryBlockReason = block;
    if (status !== undefined) so.YY1_LogisticsStatus_SDH = status;
    if (eta !== undefined) so.YY1_ExpectedDeliveryDate_SDH = eta;
    const exposure = optString(b, "YY1_ExposureAmount_SDH", { max: 20, pattern: /^\d{1,15}(\.\d{1,2})?$/ });
    if (exposure !== undefined) so.YY1_ExposureAmount_SDH = exposure;
    const exposureCurrency = optString(b, "YY1_ExposureCurrency_SDH", { max: 5 });
    if (exposureCurrency !== undefined) so.YY1_ExposureCurrency_SDH = exposureCurrency;
    // Strictly later than the last change, so a "changed since" poll sees every change once.
    so.LastChangeDateTime = Math.max(Date.now(), so.LastChangeDateTime + 1);
    return { status: 204, body: null };
  }

  private createDelivery(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const headerRef = optString(b, "ReferenceSDDocument", { max: 10 });
    let itemsIn = inlineResults(b.to_DeliveryDocumentItem);
    let soldTo = optString(b, "SoldToParty", { max: 10 }) ?? "";
    if ((!itemsIn || itemsIn.length === 0) && headerRef) {
      const so = this.salesOrders.get(headerRef);
      if (!so) return this.error(400, "VL/SO", `Sales order ${headerRef} does not exist`);
      soldTo ||= so.SoldToParty;
      itemsIn = so.items.map((i) => ({ ReferenceSDDocument: so.SalesOrder, ReferenceSDDocumentItem: i.SalesOrderItem }));
    }
    if (!itemsIn || itemsIn.length === 0) return this.error(400, "VL/ITEMS", "give to_DeliveryDocumentItem or a header ReferenceSDDocument (sales order)");
    if (itemsIn.length > 500) return this.error(400, "VL/ITEMS", "at most 500 items");
    const items = itemsIn.map((raw, i): DeliveryItem => {
      const it = asObject(raw, `to_DeliveryDocumentItem[${i}]`);
      const ref = optString(it, "ReferenceSDDocument", { max: 10 }) ?? headerRef ?? "";
      const refItem = optString(it, "ReferenceSDDocumentItem", { max: 6 }) ?? "";
      const soItem = ref ? this.salesOrders.get(ref)?.items.find((x) => x.SalesOrderItem === refItem) : undefined;
      if (ref && refItem && !soItem) throw new SimHttpError(400, "VL/REF", `Sales order item ${ref}/${refItem} does not exist`);
      if (ref) soldTo ||= this.salesOrders.get(ref)?.SoldToParty ?? "";
      const Material = optString(it, "Material", { max: 40 }) ?? soItem?.Material;
      if (!Material) throw new SimHttpError(400, "VL/MAT", `to_DeliveryDocumentItem[${i}] needs Material or a ReferenceSDDocument/Item`);
      const Plant = optString(it, "Plant", { max: 4 }) ?? soItem?.Plant ?? "1010";
      const mat = this.material(Material, Plant);
      const qty = it.ActualDeliveryQuantity === undefined ? (soItem?.RequestedQuantity ?? null) : parseDecimal(it.ActualDeliveryQuantity);
      if (qty === null || qty <= 0) throw new SimHttpError(400, "VL/QTY", `to_DeliveryDocumentItem[${i}].ActualDeliveryQuantity must be a positive Edm.Decimal string`);
      return {
        DeliveryDocumentItem: String((i + 1) * 10),
        Material,
        ActualDeliveryQuantity: qty,
        DeliveryQuantityUnit: mat.baseUnit,
        Batch: optString(it, "Batch", { max: 10 }) ?? "",
        Plant,
        StorageLocation: optString(it, "StorageLocation", { max: 4 }) ?? "0001",
        ReferenceSDDocument: ref,
        ReferenceSDDocumentItem: refItem,
        ItemGrossWeight: Math.round(mat.grossWeightKg * qty * 1000) / 1000,
      };
    });
    const dlv: Delivery = {
      DeliveryDocument: String(++this.counters.dlv),
      DeliveryDocumentType: optString(b, "DeliveryDocumentType", { max: 4 }) ?? "LF",
      ShippingPoint: optString(b, "ShippingPoint", { max: 4 }) ?? items[0]?.Plant ?? "1010",
      ShipToParty: optString(b, "ShipToParty", { max: 10 }) ?? soldTo,
      SoldToParty: soldTo,
      CreationDate: Date.now(),
      LastChangeDateTime: Date.now(),
      OverallGoodsMovementStatus: "A",
      OverallPickingStatus: "A",
      ActualGoodsMovementDate: null,
      ActualGoodsMovementTime: "PT00H00M00S",
      BillOfLading: optString(b, "BillOfLading", { max: 35 }) ?? "",
      HeaderWeightUnit: "KG",
      items,
    };
    this.addDelivery(dlv);
    return { status: 201, body: { d: this.dlvView(dlv, true) }, headers: { location: this.uri(`API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader('${dlv.DeliveryDocument}')`) } };
  }

  private postGoodsIssue(req: SimRequest): SimReply {
    const rawKey = req.query.get("DeliveryDocument");
    const m = rawKey ? /^'([^']{1,10})'$/.exec(rawKey) : null;
    if (!m?.[1]) return this.error(400, "/IWBEP/CM_MGW_RT/PARAM", "function import PostGoodsIssue needs DeliveryDocument='<number>'");
    const dlv = this.deliveries.get(m[1]);
    if (!dlv) return this.error(404, "VL/001", `Delivery ${m[1]} does not exist`);
    if (dlv.OverallGoodsMovementStatus === "C") return this.error(400, "VL/GI_DONE", `Goods movement for delivery ${dlv.DeliveryDocument} has already been posted`);
    const items = dlv.items.map((it) => {
      // Batch determination: the batch with most unrestricted stock at the location.
      let batch = it.Batch;
      const mat = this.materials.get(it.Material);
      if (!batch && mat?.batchManaged) {
        let best = -Infinity;
        for (const r of this.stock.values()) {
          if (r.Material === it.Material && r.Plant === it.Plant && r.StorageLocation === it.StorageLocation && r.InventoryStockType === U && r.qty > best) {
            best = r.qty;
            batch = r.Batch;
          }
        }
        if (!batch) throw new SimHttpError(400, "M7/018", `No batch with stock for ${it.Material} in ${it.Plant}/${it.StorageLocation}`);
        it.Batch = batch;
      }
      return {
        Material: it.Material,
        Plant: it.Plant,
        StorageLocation: it.StorageLocation,
        Batch: batch,
        GoodsMovementType: "601",
        InventoryStockType: U,
        IssuingOrReceivingPlant: "",
        IssuingOrReceivingStorageLoc: "",
        QuantityInEntryUnit: it.ActualDeliveryQuantity,
        EntryUnit: it.DeliveryQuantityUnit,
        DeliveryDocument: dlv.DeliveryDocument,
        MaterialDocumentItemText: "",
      };
    });
    const now = Date.now();
    this.book({ GoodsMovementCode: "", PostingDate: now, DocumentDate: now, MaterialDocumentHeaderText: `PGI ${dlv.DeliveryDocument}`, ReferenceDocument: dlv.DeliveryDocument, items });
    dlv.OverallGoodsMovementStatus = "C";
    dlv.OverallPickingStatus = "C";
    dlv.ActualGoodsMovementDate = now;
    dlv.ActualGoodsMovementTime = odataTime(now);
    dlv.LastChangeDateTime = Math.max(now, dlv.LastChangeDateTime + 1);
    return { status: 200, body: { d: this.dlvView(dlv, false) } };
  }

  private createBilling(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const ref = optString(b, "ReferenceSDDocument", { max: 10 }) ?? optString(b, "SDDocument", { max: 10 });
    if (!ref) return this.error(400, "VF/REF", "ReferenceSDDocument (the outbound delivery) is required");
    const dlv = this.deliveries.get(ref);
    if (!dlv) return this.error(400, "VF/REF", `Delivery ${ref} does not exist`);
    if (dlv.OverallGoodsMovementStatus !== "C") return this.error(400, "VF/GI", `Delivery ${ref} is not goods-issued yet; it cannot be billed`);
    for (const bd of this.billingDocs.values()) {
      if (bd.ReferenceSDDocument === ref) return this.error(400, "VF/016", `Delivery ${ref} is already billed in ${bd.BillingDocument}`);
    }
    const items = dlv.items.map((it, i) => {
      const soItem = this.salesOrders.get(it.ReferenceSDDocument)?.items.find((x) => x.SalesOrderItem === it.ReferenceSDDocumentItem);
      const unitPrice = soItem ? soItem.NetAmount / soItem.RequestedQuantity : (this.materials.get(it.Material)?.priceMinor ?? 0) / 100;
      return {
        BillingDocumentItem: String((i + 1) * 10),
        Material: it.Material,
        BillingQuantity: it.ActualDeliveryQuantity,
        BillingQuantityUnit: it.DeliveryQuantityUnit,
        NetAmount: Math.round(unitPrice * it.ActualDeliveryQuantity * 100) / 100,
        ReferenceSDDocument: dlv.DeliveryDocument,
        ReferenceSDDocumentItem: it.DeliveryDocumentItem,
      };
    });
    const bill: BillingDoc = {
      BillingDocument: String(++this.counters.bill),
      BillingDocumentType: optString(b, "BillingDocumentType", { max: 4 }) ?? "F2",
      BillingDocumentDate: parseODataDateField(b, "BillingDocumentDate") ?? Date.now(),
      SoldToParty: dlv.SoldToParty,
      TotalNetAmount: Math.round(items.reduce((s, i) => s + i.NetAmount, 0) * 100) / 100,
      TransactionCurrency: this.currency,
      ReferenceSDDocument: ref,
      items,
    };
    this.billingDocs.set(bill.BillingDocument, bill);
    return { status: 201, body: { d: this.billView(bill) } };
  }

  private get currency(): string {
    return this.options.currency ?? "EUR";
  }

  // ---- views (OData V2 JSON) ----------------------------------------------------------------

  private meta(path: string, type: string): Record<string, unknown> {
    const uri = this.uri(path);
    return { __metadata: { id: uri, uri, type } };
  }

  private soView(o: SalesOrder, expand: boolean | Set<string>): Record<string, unknown> {
    const key = `API_SALES_ORDER_SRV/A_SalesOrder('${o.SalesOrder}')`;
    const total = o.items.reduce((s, i) => s + i.NetAmount, 0);
    return {
      ...this.meta(key, "API_SALES_ORDER_SRV.A_SalesOrderType"),
      SalesOrder: o.SalesOrder,
      SalesOrderType: o.SalesOrderType,
      SalesOrganization: o.SalesOrganization,
      DistributionChannel: o.DistributionChannel,
      OrganizationDivision: o.OrganizationDivision,
      SoldToParty: o.SoldToParty,
      PurchaseOrderByCustomer: o.PurchaseOrderByCustomer,
      CreationDate: odataDay(o.CreationDate),
      RequestedDeliveryDate: odataDay(o.RequestedDeliveryDate),
      TransactionCurrency: o.TransactionCurrency,
      TotalNetAmount: decimal(total, 2),
      IncotermsClassification: o.IncotermsClassification,
      OverallSDProcessStatus: o.OverallSDProcessStatus,
      DeliveryBlockReason: o.DeliveryBlockReason,
      LastChangeDateTime: `/Date(${o.LastChangeDateTime}+0000)/`,
      YY1_LogisticsStatus_SDH: o.YY1_LogisticsStatus_SDH,
      YY1_ExpectedDeliveryDate_SDH: o.YY1_ExpectedDeliveryDate_SDH === null ? null : odataDay(o.YY1_ExpectedDeliveryDate_SDH),
      YY1_ExposureAmount_SDH: o.YY1_ExposureAmount_SDH,
      YY1_ExposureCurrency_SDH: o.YY1_ExposureCurrency_SDH,
      to_Item: wants(expand, "to_Item")
        ? {
            results: o.items.map((i) => ({
              ...this.meta(`API_SALES_ORDER_SRV/A_SalesOrderItem(SalesOrder='${o.SalesOrder}',SalesOrderItem='${i.SalesOrderItem}')`, "API_SALES_ORDER_SRV.A_SalesOrderItemType"),
              SalesOrder: o.SalesOrder,
              SalesOrderItem: i.SalesOrderItem,
              Material: i.Material,
              SalesOrderItemText: i.SalesOrderItemText,
              RequestedQuantity: decimal(i.RequestedQuantity),
              RequestedQuantityUnit: i.RequestedQuantityUnit,
              RequestedQuantityISOUnit: isoUnit(i.RequestedQuantityUnit),
              NetAmount: decimal(i.NetAmount, 2),
              TransactionCurrency: o.TransactionCurrency,
              ProductionPlant: i.Plant,
            })),
          }
        : { __deferred: { uri: this.uri(`${key}/to_Item`) } },
    };
  }

  private dlvView(d: Delivery, expand: boolean | Set<string>): Record<string, unknown> {
    const key = `API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader('${d.DeliveryDocument}')`;
    return {
      ...this.meta(key, "API_OUTBOUND_DELIVERY_SRV.A_OutbDeliveryHeaderType"),
      DeliveryDocument: d.DeliveryDocument,
      DeliveryDocumentType: d.DeliveryDocumentType,
      ShippingPoint: d.ShippingPoint,
      ShipToParty: d.ShipToParty,
      SoldToParty: d.SoldToParty,
      CreationDate: odataDay(d.CreationDate),
      // SAP sends the creation time apart from the date (Edm.Time); the canonical mapping needs both.
      CreationTime: odataTime(d.CreationDate),
      LastChangeDateTime: `/Date(${d.LastChangeDateTime}+0000)/`,
      OverallGoodsMovementStatus: d.OverallGoodsMovementStatus,
      OverallPickingStatus: d.OverallPickingStatus,
      ActualGoodsMovementDate: d.ActualGoodsMovementDate === null ? null : odataDay(d.ActualGoodsMovementDate),
      ActualGoodsMovementTime: d.ActualGoodsMovementTime,
      BillOfLading: d.BillOfLading,
      HeaderGrossWeight: decimal(d.items.reduce((s, i) => s + i.ItemGrossWeight, 0)),
      HeaderWeightUnit: d.HeaderWeightUnit,
      to_DeliveryDocumentItem: wants(expand, "to_DeliveryDocumentItem")
        ? {
            results: d.items.map((i) => ({
              DeliveryDocument: d.DeliveryDocument,
              DeliveryDocumentItem: i.DeliveryDocumentItem,
              Material: i.Material,
              ActualDeliveryQuantity: decimal(i.ActualDeliveryQuantity),
              DeliveryQuantityUnit: i.DeliveryQuantityUnit,
              Batch: i.Batch,
              Plant: i.Plant,
              StorageLocation: i.StorageLocation,
              ReferenceSDDocument: i.ReferenceSDDocument,
              ReferenceSDDocumentItem: i.ReferenceSDDocumentItem,
              ItemGrossWeight: decimal(i.ItemGrossWeight),
              ItemWeightUnit: "KG",
            })),
          }
        : { __deferred: { uri: this.uri(`${key}/to_DeliveryDocumentItem`) } },
    };
  }

  private mdView(m: MaterialDoc, expand: boolean | Set<string>): Record<string, unknown> {
    const key = `API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader(MaterialDocumentYear='${m.MaterialDocumentYear}',MaterialDocument='${m.MaterialDocument}')`;
    return {
      ...this.meta(key, "API_MATERIAL_DOCUMENT_SRV.A_MaterialDocumentHeaderType"),
      MaterialDocumentYear: m.MaterialDocumentYear,
      MaterialDocument: m.MaterialDocument,
      DocumentDate: odataDay(m.DocumentDate),
      PostingDate: odataDay(m.PostingDate),
      CreationDate: odataDay(m.CreatedAt),
      CreationTime: odataTime(m.CreatedAt),
      CreatedByUser: "SIMULATOR",
      GoodsMovementCode: m.GoodsMovementCode,
      MaterialDocumentHeaderText: m.MaterialDocumentHeaderText,
      ReferenceDocument: m.ReferenceDocument,
      to_MaterialDocumentItem: wants(expand, "to_MaterialDocumentItem")
        ? {
            results: m.items.map((i) => ({
              MaterialDocumentYear: m.MaterialDocumentYear,
              MaterialDocument: m.MaterialDocument,
              MaterialDocumentItem: i.MaterialDocumentItem,
              Material: i.Material,
              Plant: i.Plant,
              StorageLocation: i.StorageLocation,
              Batch: i.Batch,
              GoodsMovementType: i.GoodsMovementType,
              InventoryStockType: i.InventoryStockType,
              InventorySpecialStockType: "",
              IssuingOrReceivingPlant: i.IssuingOrReceivingPlant,
              IssuingOrReceivingStorageLoc: i.IssuingOrReceivingStorageLoc,
              QuantityInEntryUnit: decimal(i.QuantityInEntryUnit),
              EntryUnit: i.EntryUnit,
              QuantityInBaseUnit: decimal(i.QuantityInEntryUnit),
              MaterialBaseUnit: i.EntryUnit,
              DeliveryDocument: i.DeliveryDocument,
              MaterialDocumentItemText: i.MaterialDocumentItemText,
              GoodsMovementIsCancelled: false,
            })),
          }
        : { __deferred: { uri: this.uri(`${key}/to_MaterialDocumentItem`) } },
    };
  }

  private stockView(r: StockRow): Record<string, unknown> {
    return {
      ...this.meta(
        `API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod(Material='${r.Material}',Plant='${r.Plant}',StorageLocation='${r.StorageLocation}',Batch='${r.Batch}',InventoryStockType='${r.InventoryStockType}')`,
        "API_MATERIAL_STOCK_SRV.A_MatlStkInAcctModType",
      ),
      Material: r.Material,
      Plant: r.Plant,
      StorageLocation: r.StorageLocation,
      Batch: r.Batch,
      Supplier: "",
      Customer: "",
      WBSElementInternalID: "00000000",
      SDDocument: "",
      SDDocumentItem: "000000",
      InventorySpecialStockType: "",
      InventoryStockType: r.InventoryStockType,
      MaterialBaseUnit: r.MaterialBaseUnit,
      MatlWrhsStkQtyInMatlBaseUnit: decimal(r.qty),
    };
  }

  private billView(b: BillingDoc): Record<string, unknown> {
    return {
      ...this.meta(`API_BILLING_DOCUMENT_SRV/A_BillingDocument('${b.BillingDocument}')`, "API_BILLING_DOCUMENT_SRV.A_BillingDocumentType"),
      BillingDocument: b.BillingDocument,
      BillingDocumentType: b.BillingDocumentType,
      BillingDocumentDate: odataDay(b.BillingDocumentDate),
      SoldToParty: b.SoldToParty,
      TotalNetAmount: decimal(b.TotalNetAmount, 2),
      TransactionCurrency: b.TransactionCurrency,
      ReferenceSDDocument: b.ReferenceSDDocument,
      to_Item: {
        results: b.items.map((i) => ({
          BillingDocument: b.BillingDocument,
          BillingDocumentItem: i.BillingDocumentItem,
          Material: i.Material,
          BillingQuantity: decimal(i.BillingQuantity),
          BillingQuantityUnit: i.BillingQuantityUnit,
          NetAmount: decimal(i.NetAmount, 2),
          ReferenceSDDocument: i.ReferenceSDDocument,
          ReferenceSDDocumentItem: i.ReferenceSDDocumentItem,
        })),
      },
    };
  }

  // ---- state ----------------------------------------------------------------------------------

  protected snapshot(): Record<string, unknown> {
    return {
      stock: [...this.stock.values()].map((r) => ({ Material: r.Material, Plant: r.Plant, StorageLocation: r.StorageLocation, Batch: r.Batch, InventoryStockType: r.InventoryStockType, unit: r.MaterialBaseUnit, quantity: decimal(r.qty) })),
      salesOrders: [...this.salesOrders.values()].map((o) => this.soView(o, true)),
      deliveries: [...this.deliveries.values()].map((d) => this.dlvView(d, true)),
      materialDocuments: [...this.materialDocs.values()].map((m) => this.mdView(m, true)),
      billingDocuments: [...this.billingDocs.values()].map((b) => this.billView(b)),
      counts: {
        salesOrders: this.salesOrders.size,
        deliveries: this.deliveries.size,
        materialDocuments: this.materialDocs.size,
        billingDocuments: this.billingDocs.size,
        stockRows: this.stock.size,
      },
    };
  }

  private addDelivery(dlv: Delivery): void {
    this.deliveries.set(dlv.DeliveryDocument, dlv);
    const withBol = this.deliveriesByBol.get(dlv.BillOfLading);
    if (withBol) withBol.push(dlv);
    else this.deliveriesByBol.set(dlv.BillOfLading, [dlv]);
  }

  protected resetState(): void {
    this.materials.clear();
    this.plants.clear();
    this.stock.clear();
    this.salesOrders.clear();
    this.deliveries.clear();
    this.deliveriesByBol.clear();
    this.materialDocs.clear();
    this.billingDocs.clear();
    this.csrfTokens.clear();
    this.counters = { so: 1000000, dlv: 80000000, md: 4900000000, bill: 90000000 };
    for (const c of CATALOG) {
      this.materials.set(c.sku, { Material: c.sku, baseUnit: c.baseUnit, batchManaged: true, description: c.description, priceMinor: c.unitPriceMinor, grossWeightKg: c.unitWeightKg });
    }
    for (const m of this.options.materials ?? []) {
      this.materials.set(m.Material, {
        Material: m.Material,
        baseUnit: m.baseUnit ?? "EA",
        batchManaged: m.batchManaged ?? false,
        description: m.description ?? m.Material,
        priceMinor: m.priceMinor ?? 1000,
        grossWeightKg: m.grossWeightKg ?? 1,
      });
    }
    for (const s of SITES) this.plants.add(s.plant);
    for (const p of this.options.plants ?? []) this.plants.add(p);
    if (this.options.seedData === false) return;
    const qty = this.options.seedStockQuantity ?? 100_000;
    for (const s of SITES) {
      for (const c of CATALOG) for (const batch of c.batches) this.stockRow(c.sku, s.plant, s.storageLocation, batch, U, c.baseUnit).qty = qty;
    }
    const seedOrder = (soldTo: string, po: string, lines: Array<[string, number]>) => {
      const so: SalesOrder = {
        SalesOrder: String(++this.counters.so),
        SalesOrderType: "OR",
        SalesOrganization: "1010",
        DistributionChannel: "10",
        OrganizationDivision: "00",
        SoldToParty: soldTo,
        PurchaseOrderByCustomer: po,
        CreationDate: SEED_DAY,
        RequestedDeliveryDate: SEED_DAY + 3 * 86_400_000,
        TransactionCurrency: this.currency,
        IncotermsClassification: "FCA",
        OverallSDProcessStatus: "A",
        DeliveryBlockReason: "",
        LastChangeDateTime: SEED_DAY,
        YY1_LogisticsStatus_SDH: "",
        YY1_ExpectedDeliveryDate_SDH: null,
        YY1_ExposureAmount_SDH: "0.00",
        YY1_ExposureCurrency_SDH: "",
        items: lines.map(([sku, n], i) => {
          const mat = this.materials.get(sku);
          return {
            SalesOrderItem: String((i + 1) * 10),
            Material: sku,
            SalesOrderItemText: mat?.description ?? sku,
            RequestedQuantity: n,
            RequestedQuantityUnit: mat?.baseUnit ?? "EA",
            NetAmount: ((mat?.priceMinor ?? 0) * n) / 100,
            Plant: "1010",
          };
        }),
      };
      this.salesOrders.set(so.SalesOrder, so);
      return so;
    };
    const so1 = seedOrder("10100001", "PO-4711", [["SKU-10023", 24], ["SKU-10045", 10]]);
    seedOrder("10100002", "PO-4712", [["SKU-10031", 60]]);
    seedOrder("10100003", "PO-4713", [["SKU-10102", 12], ["SKU-10250", 4], ["SKU-10490", 30]]);
    const dlv: Delivery = {
      DeliveryDocument: String(++this.counters.dlv),
      DeliveryDocumentType: "LF",
      ShippingPoint: "1010",
      ShipToParty: so1.SoldToParty,
      SoldToParty: so1.SoldToParty,
      CreationDate: SEED_DAY,
      LastChangeDateTime: SEED_DAY,
      OverallGoodsMovementStatus: "A",
      OverallPickingStatus: "A",
      ActualGoodsMovementDate: null,
      ActualGoodsMovementTime: "PT00H00M00S",
      BillOfLading: "",
      HeaderWeightUnit: "KG",
      items: so1.items.map((i) => ({
        DeliveryDocumentItem: i.SalesOrderItem,
        Material: i.Material,
        ActualDeliveryQuantity: i.RequestedQuantity,
        DeliveryQuantityUnit: i.RequestedQuantityUnit,
        Batch: "",
        Plant: "1010",
        StorageLocation: "0001",
        ReferenceSDDocument: so1.SalesOrder,
        ReferenceSDDocumentItem: i.SalesOrderItem,
        ItemGrossWeight: Math.round((this.materials.get(i.Material)?.grossWeightKg ?? 0) * i.RequestedQuantity * 1000) / 1000,
      })),
    };
    this.addDelivery(dlv);
  }
}

/** `$expand=to_Item,to_Partner` → set; single entity reads default to inline for the nav we own. */
function expands(req: SimRequest): Set<string> {
  return new Set((req.query.get("$expand") ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

function wants(expand: boolean | Set<string>, nav: string): boolean {
  return typeof expand === "boolean" ? expand : expand.has(nav);
}

function isoUnit(sapUnit: string): string {
  // SAP internal → ISO (UN/ECE Rec 20) for the few units we use.
  const map: Record<string, string> = { EA: "EA", PC: "PCE", KG: "KGM", CS: "CS", PAL: "PF" };
  return map[sapUnit] ?? sapUnit;
}

function parseODataDateField(b: Json, key: string): number | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  const m = typeof v === "string" ? /^\/Date\((-?\d{1,15})([+-]\d{4})?\)\/$/.exec(v) : null;
  if (m?.[1]) return Number(m[1]);
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw new SimHttpError(400, "/IWBEP/CM_MGW_RT/DATE", `${key} must be an Edm.DateTime like "/Date(1763596800000)/", got ${JSON.stringify(v).slice(0, 60)}`);
}

export function createErpSimulator(options: ErpOptions = {}): ErpSimulator {
  return new ErpSimulator(options);
}
