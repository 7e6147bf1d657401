/**
 * What the order-to-ship and exception scenarios ask of the simulators: released sales orders
 * "changed since" (ERP), short picks in the confirmations feed (WMS), shipment planning
 * requirements and the milestone feed with delay and re-route (TMS).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ErpSimulator } from "../../../simulators/erp";
import { TmsSimulator } from "../../../simulators/tms";
import { WmsSimulator } from "../../../simulators/wms";
import { call, post } from "./_http";

const SO = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder";

describe("ERP: release and changed-since", () => {
  const sim = new ErpSimulator({ seedData: false });
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());

  interface SoRow { SalesOrder: string; DeliveryBlockReason: string; LastChangeDateTime: string; YY1_LogisticsStatus_SDH: string; YY1_ExpectedDeliveryDate_SDH: string | null }
  const list = async (filter: string) =>
    (await call<{ d: { results: SoRow[] } }>(`${sim.url}${SO}?$filter=${encodeURIComponent(filter)}&$orderby=LastChangeDateTime`)).body.d.results;

  it("a blocked order is listed as released only after its block is cleared, with a later LastChangeDateTime", async () => {
    const created = await post<{ d: SoRow }>(`${sim.url}${SO}`, { SoldToParty: "17100001", DeliveryBlockReason: "01", to_Item: [{ Material: "SKU-10023", RequestedQuantity: "5" }] });
    assert.equal(created.status, 201);
    const id = created.body.d.SalesOrder;
    const since = new Date(Date.now() - 60_000).toISOString();
    assert.deepEqual((await list(`DeliveryBlockReason eq '' and LastChangeDateTime ge datetimeoffset'${since}'`)).map((o) => o.SalesOrder), []);
    const released = await call(`${sim.url}${SO}('${id}')`, { method: "PATCH", body: { DeliveryBlockReason: "" } });
    assert.equal(released.status, 204);
    const rows = await list(`DeliveryBlockReason eq '' and LastChangeDateTime ge datetimeoffset'${since}'`);
    assert.deepEqual(rows.map((o) => o.SalesOrder), [id]);
    assert.ok(Number(/\d+/.exec(rows[0]!.LastChangeDateTime)![0]) > Number(/\d+/.exec(created.body.d.LastChangeDateTime)![0]));
    const future = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual(await list(`DeliveryBlockReason eq '' and LastChangeDateTime gt datetimeoffset'${future}'`), []);
  });

  it("PATCH sets the logistics exception fields and refuses fields it cannot change", async () => {
    const created = await post<{ d: SoRow }>(`${sim.url}${SO}`, { SoldToParty: "17100001", to_Item: [{ Material: "SKU-10023", RequestedQuantity: "1" }] });
    const id = created.body.d.SalesOrder;
    const eta = Date.UTC(2026, 11, 3);
    assert.equal((await call(`${sim.url}${SO}('${id}')`, { method: "PATCH", body: { YY1_LogisticsStatus_SDH: "DELAYED", YY1_ExpectedDeliveryDate_SDH: `/Date(${eta})/` } })).status, 204);
    const read = await call<{ d: SoRow }>(`${sim.url}${SO}('${id}')`);
    assert.equal(read.body.d.YY1_LogisticsStatus_SDH, "DELAYED");
    assert.equal(read.body.d.YY1_ExpectedDeliveryDate_SDH, `/Date(${eta})/`);
    const bad = await call<{ error: { message: { value: string } } }>(`${sim.url}${SO}('${id}')`, { method: "PATCH", body: { SoldToParty: "X" } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message.value, /SoldToParty cannot be changed/);
    assert.equal((await call(`${sim.url}${SO}?$filter=${encodeURIComponent("LastChangeDateTime lt datetimeoffset'2026-01-01T00:00:00Z'")}`)).status, 400);
  });
});

describe("WMS: short pick", () => {
  const sim = new WmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  const rpc = (model: string, method: string, args: unknown[]) =>
    post<{ result?: unknown; error?: { data: { message: string } } }>(`${sim.url}/jsonrpc`, { jsonrpc: "2.0", method: "call", id: 1, params: { service: "object", method: "execute_kw", args: ["logistics", 2, "admin", model, method, args] } });

  it("a move written below its demand confirms the quantity done and the quantity ordered; the feed pages by id", async () => {
    const id = (await rpc("stock.picking", "create", [{ picking_type_id: 1, origin: "1000001", move_ids: [[0, 0, { product_id: 1, product_uom_qty: 10 }]] }])).body.result as number;
    await rpc("stock.picking", "action_confirm", [[id]]);
    await rpc("stock.picking", "action_assign", [[id]]);
    const [move] = (await rpc("stock.move", "search_read", [[["picking_id", "=", id]], ["id"]])).body.result as Array<{ id: number }>;
    assert.equal((await rpc("stock.move", "write", [[move!.id], { quantity: 7 }])).body.result, true);
    await rpc("stock.picking", "button_validate", [[id]]);
    const feed = await call<{ confirmations: Array<{ id: number; origin: string; lines: Array<{ quantity: number; ordered: number }> }> }>(`${sim.url}/api/confirmations?after=0&limit=10`);
    assert.equal(feed.body.confirmations.length, 1);
    assert.equal(feed.body.confirmations[0]!.origin, "1000001");
    assert.deepEqual(feed.body.confirmations[0]!.lines.map((l) => [l.quantity, l.ordered]), [[7, 10]]);
    const later = await call<{ confirmations: unknown[] }>(`${sim.url}/api/confirmations?after=${feed.body.confirmations[0]!.id}`);
    assert.deepEqual(later.body.confirmations, []);
    const refused = await rpc("stock.move", "write", [[move!.id], { quantity: 1 }]);
    assert.match(refused.body.error?.data.message ?? "", /cannot modify a done move/);
  });

  it("each warehouse has its own operation types; a confirmation names the site of its picking's warehouse", async () => {
    const validated = async (typeId: number, origin: string) => {
      const id = (await rpc("stock.picking", "create", [{ picking_type_id: typeId, origin, move_ids: [[0, 0, { product_id: 2, product_uom_qty: 3 }]] }])).body.result as number;
      await rpc("stock.picking", "action_confirm", [[id]]);
      await rpc("stock.picking", "button_validate", [[id]]);
      const [p] = (await rpc("stock.picking", "read", [[id], ["name", "picking_type_id", "location_id"]])).body.result as Array<{ name: string; picking_type_id: [number, string]; location_id: [number, string] }>;
      return p!;
    };
    const dc1 = await validated(1, "2000001");
    const dc3 = await validated(7, "2000003");
    const dc2pack = await validated(5, "2000002");
    assert.deepEqual([dc1.picking_type_id[1], dc1.location_id[1]], ["DC1: Pick", "WH/Stock"]);
    assert.deepEqual([dc3.picking_type_id[1], dc3.location_id[1]], ["DC3: Pick", "DC3/Stock"]);
    assert.match(dc3.name, /^DC3\/PICK\/\d{5}$/);
    assert.equal(dc2pack.picking_type_id[1], "DC2: Pack");
    const feed = await call<{ confirmations: Array<{ origin: string; type: string; warehouse: string }> }>(`${sim.url}/api/confirmations?after=0`);
    const of = (origin: string) => feed.body.confirmations.find((c) => c.origin === origin);
    assert.deepEqual([of("2000001")?.warehouse, of("2000003")?.warehouse, of("2000002")?.warehouse], ["DC1", "DC3", "DC2"]);
    assert.deepEqual([of("2000003")?.type, of("2000002")?.type], ["pick", "pack"]);
    const unknown = await rpc("stock.picking", "create", [{ picking_type_id: 10, origin: "x" }]);
    assert.match(unknown.body.error?.data.message ?? "", /picking_type_id 10 does not exist/);
  });
});

describe("TMS: planning requirements and the milestone feed", () => {
  const sim = new TmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());

  it("keeps service level and constraints; lists delay and re-route milestones after a sequence number", async () => {
    const load = await post<{ serviceLevel: string; constraints: { hazmat: boolean } }>(`${sim.url}/api/v1/loads`, { loadId: "SO-1", reference: "1000001", serviceLevel: "EXPRESS", constraints: { hazmat: false, maxStops: 2 } });
    assert.equal(load.status, 201);
    assert.equal(load.body.serviceLevel, "EXPRESS");
    const delay = await post(`${sim.url}/api/v1/loads/SO-1/milestones`, { type: "DELAYED", dateTime: "2026-11-30T10:00:00Z", newEta: "2026-12-02T16:00:00+01:00" });
    assert.equal(delay.status, 201);
    assert.equal((await post(`${sim.url}/api/v1/loads/SO-1/milestones`, { type: "REROUTED", dateTime: "2026-11-30T11:00:00Z" })).status, 400, "a re-route names its new destination");
    await post(`${sim.url}/api/v1/loads/SO-1/milestones`, { type: "REROUTED", dateTime: "2026-11-30T11:00:00Z", newDestination: { city: "Lyon", country: "FR" } });
    const feed = await call<{ milestones: Array<{ seq: number; loadId: string; reference: string; type: string; newEta?: string }> }>(`${sim.url}/api/v1/milestones?after=0`);
    assert.deepEqual(feed.body.milestones.map((m) => [m.seq, m.type, m.loadId, m.reference]), [[1, "DELAYED", "SO-1", "1000001"], [2, "REROUTED", "SO-1", "1000001"]]);
    assert.equal(feed.body.milestones[0]!.newEta, "2026-12-02T16:00:00+01:00");
    assert.deepEqual((await call<{ milestones: Array<{ seq: number }> }>(`${sim.url}/api/v1/milestones?after=1&limit=5`)).body.milestones.map((m) => m.seq), [2]);
  });
});
