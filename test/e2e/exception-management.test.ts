/**
 * Scenario 4 end to end, as `npm start` runs it: an order released in the ERP reaches the WMS
 * and TMS (scenario 1), then a short pick in the WMS, a delay and a re-route in the TMS each update
 * the sales order in the ERP (logistics status, expected delivery date, financial exposure) and
 * alert the customer through the portal, once each. A full pick raises nothing. Expected values
 * are computed here from what the test did and the catalog's prices. Then drift: the analyst sets
 * the drift node's dispatched-while-allocated rule in the deployed tab, and a load the TMS
 * dispatches while the WMS still holds its order allocated reaches the logistics queue once, and
 * is closed when the pick is scanned late; a load picked on the RF handheld first raises nothing.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { after, before, describe, it } from "node:test";
import { CATALOG } from "../../simulators/lib/catalog";
import { startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { makeSscc } from "../../simulators/scanner-publisher";
import { alertsOf, confirmPick, confirmScans, enterOrder, loadsOf, milestone, pickingsOf, readOrder, traceOf, type Alert } from "./scenario-drivers";

/** Changes one deployed node of a type, as an analyst would in the editor, and deploys just that node. */
async function configureNode(editorUrl: string, type: string, change: Record<string, unknown>): Promise<void> {
  const headers = { "content-type": "application/json", "Node-RED-API-Version": "v2" };
  const current = (await (await fetch(`${editorUrl}/flows`, { headers })).json()) as { rev: string; flows: Array<Record<string, unknown>> };
  const target = current.flows.filter((n) => n.type === type);
  assert.equal(target.length, 1, `one ${type} node deployed`);
  Object.assign(target[0]!, change);
  const res = await fetch(`${editorUrl}/flows`, { method: "POST", headers: { ...headers, "Node-RED-Deployment-Type": "nodes" }, body: JSON.stringify({ flows: current.flows, rev: current.rev }) });
  assert.equal(res.status, 200, `deploy: ${await res.text()}`);
}

const day = (iso: string) => `/Date(${Math.floor(Date.parse(iso) / 86_400_000) * 86_400_000})/`;

describe("exception management, end to end", { timeout: 240_000 }, () => {
  let product: RunningProduct;
  let erp: string, wms: string, tms: string, portal: string;
  let order: string, fullOrder: string;
  // What reached the teams' queues (MQTT exceptions/<team>), as the teams' tools would see it.
  const queued: Array<{ topic: string; type: string; exceptionId: string }> = [];
  let watcher: mqtt.MqttClient;
  const alerts = (n: number, what: string) => waitFor(() => alertsOf(portal, order), (a) => a.length >= n, 60_000, what);

  before(async () => {
    // The drift node checks every second (the shipped tab: every minute).
    product = await startProduct({ LSYNC_DRIFT_SECONDS: "1" });
    ({ erp, wms, tms, portal } = product.simulators as Record<"erp" | "wms" | "tms" | "portal", string>);
    watcher = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    await watcher.subscribeAsync("exceptions/#", { qos: 1 });
    watcher.on("message", (topic, payload) => {
      const msg = JSON.parse(payload.toString()) as { type: string; exceptionId: string };
      queued.push({ topic, type: msg.type, exceptionId: msg.exceptionId });
    });
    order = await enterOrder(erp, "17100001", [["SKU-10023", 10], ["SKU-10045", 4]], true);
    fullOrder = await enterOrder(erp, "17100001", [["SKU-10031", 6]], true);
    // Scenario 1 hands both orders to the WMS and TMS first.
    for (const o of [order, fullOrder]) {
      await waitFor(() => pickingsOf(wms, o), (p) => p[0]?.state === "assigned", 60_000, `the pick of ${o}`);
      await waitFor(() => loadsOf(tms, o), (l) => l.length === 1, 60_000, `the load of ${o}`);
    }
  });

  after(async () => {
    await watcher?.endAsync();
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("a short pick marks the order, records the exposure and alerts the customer of the partial delivery", async () => {
    const [picking] = await pickingsOf(wms, order);
    // 7 of 10 espresso beans found; the cups complete.
    await confirmPick(wms, picking!, (m) => (m.product_id[1].includes("SKU-10023") ? 7 : m.product_uom_qty));
    const [partial] = await alerts(1, "the short-pick alert");
    assert.equal(partial!.type, "PARTIAL");
    assert.equal(partial!.severity, "WARNING");
    assert.match(partial!.message, /SKU-10023 x 7 of SKU-10023 x 10/);
    const sap = await waitFor(() => readOrder(erp, order), (o) => o.YY1_LogisticsStatus_SDH === "SHORT_PICK", 30_000, "the ERP order marked");
    const price = CATALOG.find((c) => c.sku === "SKU-10023")!.unitPriceMinor;
    assert.equal(sap.YY1_ExposureAmount_SDH, ((3 * price) / 100).toFixed(2), "exposure = 3 missing x unit price");
    assert.equal(sap.YY1_ExposureCurrency_SDH, "EUR");
  });

  it("a full pick raises nothing", async () => {
    const [picking] = await pickingsOf(wms, fullOrder);
    await confirmPick(wms, picking!, (m) => m.product_uom_qty);
    // A short pick confirmed after the full one: once its alert is there, the feed was read past the full pick.
    const probe = await enterOrder(erp, "17100001", [["SKU-10024", 2]], true);
    const [probePick] = await waitFor(() => pickingsOf(wms, probe), (p) => p[0]?.state === "assigned", 60_000, "a probe pick");
    await confirmPick(wms, probePick!, () => 1);
    await waitFor(() => alertsOf(portal, probe), (a) => a.length === 1, 60_000, "the probe's short-pick alert");
    assert.deepEqual(await alertsOf(portal, fullOrder), [], "no alert for the order picked in full");
    assert.equal((await readOrder(erp, fullOrder)).YY1_LogisticsStatus_SDH, "");
  });

  it("a delay moves the expected delivery date and alerts the customer with the new ETA", async () => {
    const newEta = "2026-12-09T16:00:00+01:00";
    await milestone(tms, `SO-${order}`, { type: "DELAYED", description: "Weather: road closure A7", newEta });
    const list = await alerts(2, "the delay alert");
    const delay = list.find((a) => a.type === "DELAY")!;
    assert.equal(delay.newEta, newEta);
    assert.equal(delay.shipmentId, `SO-${order}`);
    const sap = await waitFor(() => readOrder(erp, order), (o) => o.YY1_LogisticsStatus_SDH === "DELAY", 30_000, "the ERP order delayed");
    assert.equal(sap.YY1_ExpectedDeliveryDate_SDH, day(newEta));
    assert.equal(sap.YY1_ExposureCurrency_SDH, "EUR", "the exposure of the short pick stays");
  });

  it("a re-route moves the expected delivery date again and tells the customer the new ETA and destination", async () => {
    const newEta = "2026-12-10T12:00:00+01:00";
    await milestone(tms, `SO-${order}`, { type: "REROUTED", newDestination: { city: "Lyon", postalCode: "69002", country: "FR" }, newEta });
    const list = await alerts(3, "the re-route alert");
    const reroute = list.find((a) => a.type === "ETA_CHANGE")!;
    assert.equal(reroute.newEta, newEta);
    assert.match(reroute.message, /Lyon, 69002, FR/);
    const sap = await waitFor(() => readOrder(erp, order), (o) => o.YY1_LogisticsStatus_SDH === "REROUTE", 30_000, "the ERP order re-routed");
    assert.equal(sap.YY1_ExpectedDeliveryDate_SDH, day(newEta));
  });

  it("operational issues reached the logistics queue, the delay customer service's and the exposure finance's, once each", async () => {
    const ours = () => queued.filter((q) => q.exceptionId.startsWith("WMS|SHORT_PICK|") || q.exceptionId.startsWith("TMS|MILESTONE|"));
    await waitFor(async () => ours().length, (n) => n >= 7, 30_000, "the queued exceptions");
    const shortPicks = ours().filter((q) => q.type === "SHORT_PICK");
    // Two short picks (the order and the probe order) to logistics and, with their exposure, to finance.
    assert.deepEqual(shortPicks.map((q) => q.topic).sort(), ["exceptions/finance", "exceptions/finance", "exceptions/logistics", "exceptions/logistics"]);
    // A delay also goes to customer service (customers ask about the new ETA); a re-route does not.
    assert.deepEqual(
      ours().filter((q) => q.type !== "SHORT_PICK").map((q) => [q.topic, q.type]).sort(),
      [["exceptions/customer-service", "DELAY"], ["exceptions/logistics", "DELAY"], ["exceptions/logistics", "REROUTE"]],
    );
    assert.equal(ours().filter((q) => q.topic.endsWith("/escalated")).length, 0, "nothing overdue yet");
  });

  it("each exception reached the customer exactly once, and the WMS and TMS kept their own state", async () => {
    const list: Alert[] = await alertsOf(portal, order);
    assert.deepEqual(list.map((a) => a.type), ["PARTIAL", "DELAY", "ETA_CHANGE"]);
    assert.equal(new Set(list.map((a) => a.alertId)).size, 3);
    const [picking] = await pickingsOf(wms, order);
    assert.deepEqual(picking!.moves.map((m) => m.quantity), [7, 4]);
    const [load] = await loadsOf(tms, order);
    assert.equal(load!.status, "TENDERED");
  });
  it("drift: a load dispatched while the WMS still holds its order allocated reaches the logistics queue once; a picked one raises nothing", async () => {
    // The analyst edits the rule in the deployed drift node: 0 minutes instead of the shipped 30.
    await configureNode(product.editorUrl, "lsync-drift", { dispatchedWhileAllocatedMinutes: "0" });
    const sku = "SKU-10031";
    const stuck = await enterOrder(erp, "17100001", [[sku, 2]], true);
    const picked = await enterOrder(erp, "17100001", [[sku, 3]], true);
    const loads = new Map<string, string>();
    for (const o of [stuck, picked]) {
      await waitFor(() => pickingsOf(wms, o), (p) => p[0]?.state === "assigned", 60_000, `the WMS pick of ${o}`);
      const [load] = await waitFor(() => loadsOf(tms, o), (l) => l[0]?.status === "TENDERED", 60_000, `the load of ${o}`);
      loads.set(o, load!.loadId);
    }
    // One order is picked on the RF handheld (DC1 reports picks by scanner) and the pick is in the log first.
    const item = CATALOG.find((c) => c.sku === sku)!;
    await confirmScans(product.mqttUrl, [{ event: "pick", loadId: loads.get(picked)!, item, quantity: 3, sscc: makeSscc(4812) }]);
    await waitFor(() => traceOf(product.editorUrl, loads.get(picked)!), (t) => t.entries.some((e) => e.name === "inventory-movement/1 PICK"), 30_000, "the RF pick in the event log");
    // The driver's app reports both loads picked up: the TMS dispatches them (its actual-shipment feed).
    for (const o of [stuck, picked]) await milestone(tms, loads.get(o)!, { type: "PICKED_UP", stopId: `${loads.get(o)}-S1` });
    const dispatchedInLog = (o: string) => waitFor(() => traceOf(product.editorUrl, o), (t) => t.entries.some((e) => e.kind === "event" && e.name === "shipment/1 SHIPPED" && e.system === "TMS"), 30_000, `the dispatch of ${o} in the event log`);
    await Promise.all([dispatchedInLog(stuck), dispatchedInLog(picked)]);
    const drift = () => queued.filter((q) => q.exceptionId.startsWith("DRIFT|"));
    await waitFor(async () => drift().length, (n) => n >= 1, 30_000, "the drift in a team queue");
    // Several more checks run (every second): the same drift is queued once, the picked load never.
    await new Promise((r) => setTimeout(r, 4000));
    assert.deepEqual(drift().map((q) => [q.topic, q.type, q.exceptionId]), [["exceptions/logistics", "UNMATCHED_EVENT", `DRIFT|DISPATCHED_WHILE_ALLOCATED|${loads.get(stuck)}`]]);
    const trace = await traceOf(product.editorUrl, stuck);
    const raised = trace.entries.find((e) => e.kind === "exception" && e.status === "raised");
    assert.ok(raised, "the drift is in the stuck order's trace");
    assert.equal(raised.name, "exception-event/1 UNMATCHED_EVENT");

    // The picker scans the pick late: the systems agree again and the drift node closes the exception.
    await confirmScans(product.mqttUrl, [{ event: "pick", loadId: loads.get(stuck)!, item, quantity: 2, sscc: makeSscc(4813) }]);
    const closed = await waitFor(() => traceOf(product.editorUrl, stuck), (t) => t.entries.some((e) => e.kind === "exception" && e.status === "resolved"), 30_000, "the drift closed");
    const resolution = closed.entries.find((e) => e.kind === "exception" && e.status === "resolved")!;
    assert.equal((resolution.detail as { exceptionId: string }).exceptionId, `DRIFT|DISPATCHED_WHILE_ALLOCATED|${loads.get(stuck)}`);
    assert.equal(drift().length, 1, "nothing more reached the queues");
  });
});
