import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { ErpSimulator } from "../../../simulators/erp";
import { call, post } from "./_http";

const BASE = "/sap/opu/odata/sap";
const MD = `${BASE}/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader`;
const STOCK = `${BASE}/API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod`;

interface ODataError {
  error: { code: string; message: { lang: string; value: string } };
}
interface StockRow {
  Material: string;
  Plant: string;
  StorageLocation: string;
  Batch: string;
  InventoryStockType: string;
  MatlWrhsStkQtyInMatlBaseUnit: string;
}
interface MatDoc {
  MaterialDocument: string;
  MaterialDocumentYear: string;
  PostingDate: string;
  to_MaterialDocumentItem: { results: Array<{ MaterialDocumentItem: string; QuantityInEntryUnit: string; GoodsMovementType: string }> };
}

const item = (over: Record<string, unknown> = {}) => ({
  Material: "SKU-10023",
  Plant: "1010",
  StorageLocation: "0001",
  Batch: "L2611A",
  GoodsMovementType: "601",
  QuantityInEntryUnit: "10",
  EntryUnit: "EA",
  ...over,
});
const doc = (items: unknown[], code = "03") => ({ GoodsMovementCode: code, PostingDate: "/Date(1795305600000)/", MaterialDocumentHeaderText: "scan", to_MaterialDocumentItem: { results: items } });

describe("ERP (SAP OData V2)", () => {
  const sim = new ErpSimulator({ seedStockQuantity: 100 });
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const qty = async (filter: string): Promise<string[]> => {
    const r = await call<{ d: { results: StockRow[] } }>(`${sim.url}${STOCK}?$filter=${encodeURIComponent(filter)}`);
    assert.equal(r.status, 200);
    return r.body.d.results.map((x) => x.MatlWrhsStkQtyInMatlBaseUnit);
  };

  it("lists seeded stock with quantities as Edm.Decimal strings and a minimal $filter", async () => {
    assert.deepEqual(await qty("Material eq 'SKU-10023' and Plant eq '1010' and Batch eq 'L2611A'"), ["100.000"]);
    const bad = await call<ODataError>(`${sim.url}${STOCK}?$filter=${encodeURIComponent("Material ne 'X'")}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message.value, /not supported/);
  });

  it("a 601 goods issue posts a material document and lowers stock", async () => {
    const r = await post<{ d: MatDoc }>(`${sim.url}${MD}`, doc([item()]));
    assert.equal(r.status, 201);
    assert.match(r.body.d.MaterialDocument, /^49\d{8}$/);
    assert.equal(r.body.d.MaterialDocumentYear, "2026");
    assert.equal(r.body.d.PostingDate, "/Date(1795305600000)/");
    assert.equal(r.body.d.to_MaterialDocumentItem.results[0]?.QuantityInEntryUnit, "10.000");
    assert.deepEqual(await qty("Material eq 'SKU-10023' and Plant eq '1010' and Batch eq 'L2611A'"), ["90.000"]);
    const back = await call<{ d: MatDoc }>(`${sim.url}${MD}(MaterialDocumentYear='2026',MaterialDocument='${r.body.d.MaterialDocument}')`);
    assert.equal(back.status, 200);
    assert.equal(back.body.d.MaterialDocument, r.body.d.MaterialDocument);
  });

  it("a 311 transfer moves stock between storage locations; 344 blocks stock", async () => {
    const r = await post(`${sim.url}${MD}`, doc([item({ GoodsMovementType: "311", QuantityInEntryUnit: "30", IssuingOrReceivingStorageLoc: "0002" }), item({ GoodsMovementType: "344", QuantityInEntryUnit: "5" })], "04"));
    assert.equal(r.status, 201);
    assert.deepEqual(await qty("Material eq 'SKU-10023' and Plant eq '1010' and StorageLocation eq '0001' and Batch eq 'L2611A' and InventoryStockType eq '01'"), ["65.000"]);
    assert.deepEqual(await qty("Material eq 'SKU-10023' and StorageLocation eq '0002'"), ["30.000"]);
    assert.deepEqual(await qty("Material eq 'SKU-10023' and Plant eq '1010' and InventoryStockType eq '07'"), ["5.000"]);
  });

  it("a deficit is refused like M7/021 and nothing of the document is booked", async () => {
    const r = await post<ODataError>(`${sim.url}${MD}`, doc([item({ QuantityInEntryUnit: "1" }), item({ Batch: "L2611B", QuantityInEntryUnit: "101" })]));
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "M7/021");
    assert.match(r.body.error.message.value, /Deficit/);
    assert.deepEqual(await qty("Material eq 'SKU-10023' and Plant eq '1010' and Batch eq 'L2611A'"), ["100.000"], "first item not booked either");
  });

  it("master data checks: unknown material, unknown plant, missing batch, number quantity", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ Material: "NOPE" }, /not maintained/],
      [{ Plant: "9999" }, /Plant 9999/],
      [{ Batch: undefined }, /Enter batch/],
      [{ QuantityInEntryUnit: "ten" }, /QuantityInEntryUnit/],
      [{ GoodsMovementType: "999" }, /Movement type 999/],
    ];
    for (const [over, re] of cases) {
      const r = await post<ODataError>(`${sim.url}${MD}`, doc([item(over)]));
      assert.equal(r.status, 400, JSON.stringify(over));
      assert.match(r.body.error.message.value, re);
    }
    assert.equal((await post(`${sim.url}${MD}`, { ...doc([item()]), PostingDate: "yesterday" })).status, 400);
  });

  it("Idempotency-Key: a retried goods movement books once", async () => {
    const h = { "Idempotency-Key": "gm-1" };
    const a = await post<{ d: MatDoc }>(`${sim.url}${MD}`, doc([item()]), h);
    const b = await post<{ d: MatDoc }>(`${sim.url}${MD}`, doc([item()]), h);
    assert.equal(b.body.d.MaterialDocument, a.body.d.MaterialDocument);
    assert.deepEqual(await qty("Material eq 'SKU-10023' and Plant eq '1010' and Batch eq 'L2611A'"), ["90.000"]);
  });

  it("sales orders: seeded list, deep insert, get by key, $expand and 404 in OData error shape", async () => {
    const list = await call<{ d: { results: Array<{ SalesOrder: string; to_Item: { __deferred?: unknown } }>; __count?: string } }>(`${sim.url}${BASE}/API_SALES_ORDER_SRV/A_SalesOrder?$inlinecount=allpages`);
    assert.equal(list.body.d.results.length, 3);
    assert.equal(list.body.d.__count, "3");
    assert.ok(list.body.d.results[0]?.to_Item.__deferred, "nav deferred without $expand");
    const created = await post<{ d: { SalesOrder: string; TotalNetAmount: string; CreationDate: string; to_Item: { results: Array<{ RequestedQuantity: string; NetAmount: string }> } } }>(
      `${sim.url}${BASE}/API_SALES_ORDER_SRV/A_SalesOrder`,
      { SoldToParty: "10100001", PurchaseOrderByCustomer: "PO-1", to_Item: [{ Material: "SKU-10024", RequestedQuantity: "3" }] },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.d.TotalNetAmount, "20.97");
    assert.match(created.body.d.CreationDate, /^\/Date\(\d+\)\/$/);
    assert.equal(created.body.d.to_Item.results[0]?.RequestedQuantity, "3.000");
    const one = await call<{ d: { SalesOrder: string; to_Item: { results: unknown[] } } }>(`${sim.url}${BASE}/API_SALES_ORDER_SRV/A_SalesOrder('${created.body.d.SalesOrder}')?$expand=to_Item`);
    assert.equal(one.body.d.to_Item.results.length, 1);
    const missing = await call<ODataError>(`${sim.url}${BASE}/API_SALES_ORDER_SRV/A_SalesOrder('42')`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message.lang, "en");
  });

  it("deliveries filtered by bill of lading (answered from an index) and by another field besides", async () => {
    const DLV = `${sim.url}${BASE}/API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader`;
    const made: string[] = [];
    for (const bol of ["BOL-1", "BOL-2", "BOL-1"]) {
      const dl = await post<{ d: { DeliveryDocument: string } }>(DLV, { ReferenceSDDocument: "1000002", BillOfLading: bol });
      assert.equal(dl.status, 201);
      made.push(dl.body.d.DeliveryDocument);
    }
    await post(`${sim.url}${BASE}/API_OUTBOUND_DELIVERY_SRV/PostGoodsIssue?DeliveryDocument='${made[2]}'`, {});
    const ids = async (filter: string) =>
      (await call<{ d: { results: Array<{ DeliveryDocument: string }> } }>(`${DLV}?$filter=${encodeURIComponent(filter)}`)).body.d.results.map((d) => d.DeliveryDocument).sort();
    assert.deepEqual(await ids("BillOfLading eq 'BOL-1'"), [made[0], made[2]].sort());
    assert.deepEqual(await ids("BillOfLading eq 'BOL-2'"), [made[1]]);
    assert.deepEqual(await ids("BillOfLading eq 'BOL-1' and OverallGoodsMovementStatus eq 'C'"), [made[2]]);
    assert.deepEqual(await ids("BillOfLading eq 'BOL-9'"), []);
  });

  it("delivery → PostGoodsIssue → billing", async () => {
    const dl = await post<{ d: { DeliveryDocument: string; OverallGoodsMovementStatus: string } }>(`${sim.url}${BASE}/API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader`, { ReferenceSDDocument: "1000002" });
    assert.equal(dl.status, 201);
    assert.equal(dl.body.d.OverallGoodsMovementStatus, "A");
    const id = dl.body.d.DeliveryDocument;
    const early = await post<ODataError>(`${sim.url}${BASE}/API_BILLING_DOCUMENT_SRV/A_BillingDocument`, { ReferenceSDDocument: id });
    assert.equal(early.status, 400, "not billable before goods issue");
    const pgi = await post<{ d: { OverallGoodsMovementStatus: string; ActualGoodsMovementDate: string } }>(`${sim.url}${BASE}/API_OUTBOUND_DELIVERY_SRV/PostGoodsIssue?DeliveryDocument='${id}'`, {});
    assert.equal(pgi.status, 200);
    assert.equal(pgi.body.d.OverallGoodsMovementStatus, "C");
    assert.match(pgi.body.d.ActualGoodsMovementDate, /^\/Date\(\d+\)\/$/);
    // 60 of SKU-10031 issued from the batch with most stock (100 each) at 1010/0001.
    const left = (await qty("Material eq 'SKU-10031' and Plant eq '1010'")).map(Number).sort((a, b) => a - b);
    assert.deepEqual(left, [40, 100]);
    const twice = await post<ODataError>(`${sim.url}${BASE}/API_OUTBOUND_DELIVERY_SRV/PostGoodsIssue?DeliveryDocument='${id}'`, {});
    assert.equal(twice.status, 400);
    const bill = await post<{ d: { BillingDocument: string; TotalNetAmount: string } }>(`${sim.url}${BASE}/API_BILLING_DOCUMENT_SRV/A_BillingDocument`, { ReferenceSDDocument: id });
    assert.equal(bill.status, 201);
    assert.equal(bill.body.d.TotalNetAmount, "149.40");
    assert.equal((await post(`${sim.url}${BASE}/API_BILLING_DOCUMENT_SRV/A_BillingDocument`, { ReferenceSDDocument: id })).status, 400, "billed once");
  });

  it("csrf: modifying requests need the token fetched with a GET", async () => {
    const s = new ErpSimulator({ csrf: true });
    await s.listen(0);
    try {
      const no = await post(`${s.url}${MD}`, doc([item()]));
      assert.equal(no.status, 403);
      assert.equal(no.headers.get("x-csrf-token"), "Required");
      const fetched = await call(`${s.url}${STOCK}?$top=1`, { headers: { "X-CSRF-Token": "Fetch" } });
      const token = fetched.headers.get("x-csrf-token") ?? "";
      assert.ok(token.length > 10);
      assert.equal((await post(`${s.url}${MD}`, doc([item()]), { "X-CSRF-Token": token })).status, 201);
    } finally {
      await s.close();
    }
  });

  it("allowNegativeStock lets stock go below zero", async () => {
    const s = new ErpSimulator({ allowNegativeStock: true, seedData: false });
    await s.listen(0);
    try {
      assert.equal((await post(`${s.url}${MD}`, doc([item({ QuantityInEntryUnit: "2" })]))).status, 201);
      assert.equal(s.stockQuantity("SKU-10023", "1010", "0001", "L2611A"), -2);
    } finally {
      await s.close();
    }
  });
});
