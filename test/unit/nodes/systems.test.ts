/**
 * The new system nodes in a running flow against the real simulators: commands through the
 * outbox with their answers on the second output, a vendor refusal parked once with the vendor's
 * reason, and a read-only query answered directly (no store needed).
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { join } from "node:path";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import carrierNode from "../../../nodes/lsync-carrier/lsync-carrier";
import deadLetterNode from "../../../nodes/lsync-dead-letter/lsync-dead-letter";
import endpointNode from "../../../nodes/lsync-endpoint/lsync-endpoint";
import financeNode from "../../../nodes/lsync-finance/lsync-finance";
import portalNode from "../../../nodes/lsync-portal/lsync-portal";
import storeNode, { type StoreNode } from "../../../nodes/lsync-store/lsync-store";
import wmsNode from "../../../nodes/lsync-wms/lsync-wms";
import { CarrierSimulator } from "../../../simulators/carrier";
import { FinanceSimulator } from "../../../simulators/finance";
import { PortalSimulator } from "../../../simulators/portal";
import { WmsSimulator } from "../../../simulators/wms";
import { exception, invoice, order, shipment } from "../systems/_fixtures";
import { collect, getNode, helper, tempDir, waitFor, type FlowNodeDef, type Msg } from "./_helper";

const wms = new WmsSimulator();
const finance = new FinanceSimulator();
const carrier = new CarrierSimulator({ auth: { type: "apiKey", header: "x-api-key", value: "fedex-key" } });
const portal = new PortalSimulator();
const dir = tempDir("lsync-systems-node-");
let n = 0;
const NODES = [storeNode, endpointNode, wmsNode, financeNode, carrierNode, portalNode, deadLetterNode];

function flow(): FlowNodeDef[] {
  const endpoint = (id: string, system: string, url: string, authType = "none") => ({ id, type: "lsync-endpoint", system, baseUrl: url, authType, apiKeyHeader: "x-api-key", timeoutMs: 2000, maxSockets: 2 });
  const egress = (id: string, type: string, endpointId: string, operation: string, store = "store") => ({
    id, type, z: "tab", endpoint: endpointId, store, operation, batchSize: 1, maxWaitMs: 20, maxAttempts: 2, settleIntake: false, bindings: "",
    outputs: 2, wires: [[`${id}Out`], [`${id}Answers`]],
  });
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `systems-${++n}.db`), durability: "process" },
    endpoint("wmsEndpoint", "WMS", wms.url, "basic"),
    endpoint("financeEndpoint", "FINANCE", finance.url),
    endpoint("carrierEndpoint", "CARRIER", carrier.url, "apiKey"),
    endpoint("portalEndpoint", "PORTAL", portal.url),
    egress("wms", "lsync-wms", "wmsEndpoint", "fulfillment-instruction"),
    egress("ap", "lsync-finance", "financeEndpoint", "ap-invoice"),
    egress("track", "lsync-carrier", "carrierEndpoint", "tracking", ""),
    egress("alert", "lsync-portal", "portalEndpoint", "customer-alert"),
    ...["wms", "ap", "track", "alert"].flatMap((id) => [{ id: `${id}Out`, type: "helper", z: "tab" }, { id: `${id}Answers`, type: "helper", z: "tab" }]),
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
    { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
    { id: "parked", type: "helper", z: "tab" },
  ];
}
const credentials = { wmsEndpoint: { username: "admin", password: "admin" }, carrierEndpoint: { apiKey: "fedex-key" } };
const msgOf = (payload: { idempotencyKey: string }) => ({ _msgid: `m-${payload.idempotencyKey}`, payload });

before(async () => {
  await Promise.all([wms, finance, carrier, portal].map((s) => s.listen(0, "127.0.0.1")));
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
  await Promise.all([wms, finance, carrier, portal].map((s) => s.close()));
  dir.remove();
});
afterEach(async () => {
  await helper.unload();
  for (const s of [wms, finance, carrier, portal]) s.reset();
});

describe("system nodes in a flow", () => {
  it("lsync-wms: the order passes on as queued; the picking the WMS made comes back on output 2 as a Shipment", async () => {
    await helper.load(NODES, flow(), credentials);
    const out = collect("wmsOut");
    const answers = collect("wmsAnswers");
    const o = order();
    getNode("wms").receive(msgOf(o));
    await waitFor("answer", () => answers.length === 1);
    assert.deepEqual(out[0]!.egress, { WMS: "queued" });
    const answer = answers[0]! as Msg & { request: { idempotencyKey: string } };
    assert.ok(canonicalValidator().validate(answer.payload).ok);
    assert.equal((answer.payload as { schema: string }).schema, "shipment/1");
    assert.equal(answer.request.idempotencyKey, o.idempotencyKey, "names the call it answers");
    assert.equal(answer.topic, "WMS/fulfillment-instruction");
    const store = getNode<StoreNode>("store").store;
    await waitFor("row sent", async () => (await store.outboxByKey("wms", o.idempotencyKey))?.state === "sent");
  });

  it("lsync-finance: a duplicate carrier invoice is parked once with finance's reason and reaches Catch", async () => {
    await helper.load(NODES, flow(), credentials);
    const parked = collect("parked");
    getNode("ap").receive(msgOf(invoice()));
    getNode("ap").receive(msgOf(invoice({ idempotencyKey: "ODFL|778812|RESENT-BY-CARRIER" })));
    await waitFor("duplicate parked", () => parked.length === 1);
    const store = getNode<StoreNode>("store").store;
    const letters = await store.listDeadLetters();
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.idempotencyKey, "ODFL|778812|RESENT-BY-CARRIER");
    assert.match(letters[0]!.reason, /^duplicate carrier invoice: POST \/api\/v1\/ap-invoices: HTTP 409 .*invoice 778812 from ODFL was already received/);
    assert.equal((finance.state() as { apInvoices: unknown[] }).apInvoices.length, 1);
  });

  it("lsync-carrier: tracking is answered directly as ShipmentStatusEvents; a carrier that keeps failing goes to Catch after max attempts", async () => {
    carrier.createShipment({ body: { trackingNumber: "794600000888", scans: [{ eventType: "PU", date: "2026-11-22T09:14:00-05:00" }] } });
    await helper.load(NODES, flow(), credentials);
    const out = collect("trackOut");
    const answers = collect("trackAnswers");
    const parked = collect("parked");
    const ship = shipment({ references: [{ type: "TRACKING", value: "794600000888" }] });
    getNode("track").receive(msgOf(ship));
    await waitFor("answered", () => out.length === 1);
    assert.deepEqual(out[0]!.egress, { CARRIER: "answered: 1" });
    assert.equal(answers.length, 1);
    assert.equal((answers[0]!.payload as { status: string }).status, "PICKED_UP");
    assert.ok(canonicalValidator().validate(answers[0]!.payload).ok);

    carrier.setFaults({ failNext: 5, errorStatus: 503 });
    getNode("track").receive(msgOf(shipment({ idempotencyKey: "again", references: [{ type: "TRACKING", value: "794600000888" }] })));
    await waitFor("gave up and parked", () => parked.length === 1, 8_000);
    assert.match(String((parked[0]!.error as { message?: string } | undefined)?.message ?? JSON.stringify(parked[0])), /gave up after 2 attempts: .*HTTP 503/);
  });

  it("lsync-portal: an exception about an order becomes one alert; one about no order is not applicable", async () => {
    await helper.load(NODES, flow(), credentials);
    const out = collect("alertOut");
    getNode("alert").receive(msgOf(exception()));
    getNode("alert").receive(msgOf(exception({ idempotencyKey: "EXC-2", subjectRefs: [{ type: "SHIPMENT", value: "SHP-1" }] })));
    await waitFor("both passed on", () => out.length === 2);
    assert.deepEqual(out.map((m) => (m.egress as { PORTAL: string }).PORTAL).sort(), ["not applicable", "queued"]);
    await waitFor("alert delivered", () => (portal.state() as { count: number }).count === 1);
  });
});
