/**
 * What the delivery-to-finance and billing-rules scenarios ask of the simulators and poll
 * sources: ERP deliveries goods-issued "changed since" (read through the erp-goods-issued-deliveries
 * source's own paths), and TMS DELIVERY milestones carrying the POD (tms-delivery-milestones).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { findPollSource } from "../../../nodes/lib/intake/poll-sources";
import { ErpSimulator } from "../../../simulators/erp";
import { TmsSimulator } from "../../../simulators/tms";
import { call, post } from "./_http";

const SO = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder";
const DLV = "/sap/opu/odata/sap/API_OUTBOUND_DELIVERY_SRV";

describe("ERP: goods-issued deliveries feed", () => {
  const sim = new ErpSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  const source = findPollSource("erp-goods-issued-deliveries")!;
  const page = async (cursor: string) => source.items((await call(`${sim.url}${source.pagePath(cursor, 100, 0)}`)).body);

  it("lists a delivery once its goods issue is posted, with a later LastChangeDateTime, keyed by delivery", async () => {
    const start = String(Date.now() - 1000);
    const so = (await post<{ d: { SalesOrder: string } }>(`${sim.url}${SO}`, { SoldToParty: "17100001", to_Item: [{ Material: "SKU-10023", RequestedQuantity: "5" }] })).body.d.SalesOrder;
    const created = await post<{ d: { DeliveryDocument: string; LastChangeDateTime: string } }>(`${sim.url}${DLV}/A_OutbDeliveryHeader`, {
      BillOfLading: `SO-${so}`,
      to_DeliveryDocumentItem: { results: [{ ReferenceSDDocument: so, ReferenceSDDocumentItem: "10", ActualDeliveryQuantity: "3" }] },
    });
    assert.equal(created.status, 201);
    const dlv = created.body.d.DeliveryDocument;
    assert.deepEqual(await page(start), [], "not goods-issued: not shipped");
    assert.equal((await call(`${sim.url}${DLV}/PostGoodsIssue?DeliveryDocument='${dlv}'`, { method: "POST", body: {} })).status, 200);
    const items = await page(start);
    assert.equal(items.length, 1);
    assert.equal(source.keyOf(items[0]), `DLV|${dlv}`);
    assert.ok(Number(source.cursorOf(items[0])) > Number(/\d+/.exec(created.body.d.LastChangeDateTime)![0]));
    const payload = source.payloadOf(items[0]) as { d: { BillOfLading: string; to_DeliveryDocumentItem: { results: unknown[] } } };
    assert.equal(payload.d.BillOfLading, `SO-${so}`);
    assert.equal(payload.d.to_DeliveryDocumentItem.results.length, 1, "items expanded for the mapping");
    // The cursor is inclusive at whole seconds: the same delivery comes again (its key absorbs it) until a second later.
    assert.equal(source.inclusive, true);
    assert.deepEqual(await page(String(Number(source.cursorOf(items[0])) + 1000)), [], "nothing a second after its cursor");
  });
});

describe("TMS: delivery milestones with the POD", () => {
  const sim = new TmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  const source = findPollSource("tms-delivery-milestones")!;

  it("a DELIVERY keeps the signature and POD document; other milestones refuse them; the source takes only final events", async () => {
    assert.equal((await post(`${sim.url}/api/v1/loads`, { loadId: "SO-1", reference: "1" })).status, 201);
    const at = new Date().toISOString();
    assert.equal((await post(`${sim.url}/api/v1/loads/SO-1/milestones`, { type: "ARRIVAL_AT_STOP", dateTime: at, stopId: "SO-1-S2" })).status, 201);
    const refused = await post<{ error: { message: string } }>(`${sim.url}/api/v1/loads/SO-1/milestones`, { type: "PICKED_UP", dateTime: at, signedBy: "X" });
    assert.equal(refused.status, 400);
    assert.equal((await post(`${sim.url}/api/v1/loads/SO-1/milestones`, { type: "DELIVERY", dateTime: at, stopId: "SO-1-S2", signedBy: "J. Weber", podDocumentRef: "POD-1" })).status, 201);
    const feed = source.items((await call(`${sim.url}${source.pagePath("0", 100, 0)}`)).body) as Array<{ type: string; signedBy?: string; podDocumentRef?: string; reference?: string }>;
    assert.deepEqual(feed.filter((m) => source.accept!(m)).map((m) => [m.type, m.signedBy, m.podDocumentRef, m.reference]), [["DELIVERY", "J. Weber", "POD-1", "1"]]);
    const history = (await call<{ events: Array<Record<string, unknown>> }>(`${sim.url}/api/v4/shipments/SO-1/eventhistory`)).body.events;
    assert.ok(history.every((e) => !("signedBy" in e) && !("seq" in e)), "project44's event shape has no feed bookkeeping");
    assert.equal((await call<{ status: string }>(`${sim.url}/api/v1/loads/SO-1`)).body.status, "DELIVERED");
  });
});
