import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import masterDataNode from "../../../nodes/lsync-master-data/lsync-master-data";
import endpointNode from "../../../nodes/lsync-endpoint/lsync-endpoint";
import { ErpSimulator } from "../../../simulators/erp";
import { collect, getNode, helper, tempDir, waitFor, type FlowNodeDef } from "./_helper";
import { order } from "../rules/_fixtures";

const dir = tempDir("lsync-master-data-node-");
const erp = new ErpSimulator({});
const STOCK = "/sap/opu/odata/sap/API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod?$filter=Material eq '{key}'&$top=1";

function flow(checks: unknown[], extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "erpEndpoint", type: "lsync-endpoint", system: "ERP", baseUrl: erp.url, authType: "none", apiKeyHeader: "", timeoutMs: 2000, maxSockets: 2 },
    { id: "md", type: "lsync-master-data", z: "tab", checks, endpoint: "erpEndpoint", cacheTtlSeconds: 300, cacheSize: 100, onUnknown: "output", wires: [["known"], ["unknown"]], ...extra },
    { id: "known", type: "helper", z: "tab" },
    { id: "unknown", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}
const good = order("SO-1", [{ lineNo: 10, sku: "SKU-10023", qty: "1" }], "C100");
const bad = order("SO-2", [{ lineNo: 10, sku: "SKU-10023", qty: "1" }, { lineNo: 20, sku: "SKU-NOPE", qty: "1" }], "C999");

before(async () => {
  await erp.listen(0, "127.0.0.1");
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
  await erp.close();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-master-data", () => {
  it("items against the ERP simulator's stock (endpoint, cached), customers against a JSON file", async () => {
    const customers = join(dir.path, "customers.json");
    writeFileSync(customers, JSON.stringify([{ id: "C100", name: "Acme Wholesale" }]));
    await helper.load([endpointNode, masterDataNode], flow([
      { name: "customer", path: 'parties[role="SOLD_TO"].ids.value', source: "file", table: customers },
      { name: "item", path: "lines.sku", source: "endpoint", table: STOCK },
    ]));
    const [known, unknown] = [collect("known"), collect("unknown")];
    getNode("md").receive({ payload: good });
    await waitFor("known", () => known.length === 1);
    const results = known[0]!.masterData as Array<{ check: string; key: string; found: boolean; record: unknown }>;
    assert.deepEqual(results.map((r) => [r.check, r.key, r.found]), [["customer", "C100", true], ["item", "SKU-10023", true]]);
    assert.deepEqual(results[0]!.record, { id: "C100", name: "Acme Wholesale" });

    getNode("md").receive({ payload: bad });
    await waitFor("two unknown", () => unknown.length === 2);
    const causes = unknown.map((m) => (m.payload as { cause: { code: string; text: string } }).cause);
    assert.deepEqual(causes.map((c) => c.code), ["UNKNOWN_CUSTOMER", "UNKNOWN_ITEM"]);
    assert.match(causes[0]!.text, /customer "C999" is not in the reference data \(file .*customers\.json\)/);
    assert.match(causes[1]!.text, /item "SKU-NOPE" is not in the reference data \(ERP GET \/sap\/opu\/odata\/sap\/API_MATERIAL_STOCK_SRV/);
    assert.equal((unknown[0]!.subject as { orderId: string }).orderId, "SO-2");

    // SKU-10023 was looked up once: the second order's lookup came from the cache.
    const stockCalls = erp.received().filter((r) => r.path.includes("A_MatlStkInAcctMod"));
    assert.equal(stockCalls.length, 2, `ERP stock calls: ${stockCalls.length}`);
  });

  it("unknown keys to Catch when configured; a missing required key names its path", async () => {
    await helper.load([endpointNode, masterDataNode], flow([
      { name: "customer", path: 'parties.ids.value', source: "inline", table: "C100" },
      { name: "plant", path: "shipFrom.ids.value", source: "inline", table: "1010", optional: false },
    ], { onUnknown: "error" }));
    const caught = collect("caught");
    getNode("md").receive({ payload: { ...bad, shipFrom: { ids: [{ scheme: "ERP_PLANT", value: "1010" }] } } });
    getNode("md").receive({ payload: good });
    await waitFor("two caught", () => caught.length === 2);
    const messages = caught.map((m) => (m.error as { message: string }).message).join("\n");
    assert.match(messages, /payload customer: not in the reference data: customer "C999" \(the inline table\)/);
    assert.match(messages, /payload plant key \(shipFrom\.ids\.value\): is missing/);
  });

  it("an endpoint check without an endpoint refuses messages, naming the check", async () => {
    await helper.load([endpointNode, masterDataNode], flow([{ name: "item", path: "lines.sku", source: "endpoint", table: STOCK }], { endpoint: "" }));
    const caught = collect("caught");
    getNode("md").receive({ payload: good });
    await waitFor("caught", () => caught.length === 1);
    assert.match((caught[0]!.error as { message: string }).message, /checks\[0\]\.source: item is looked up on an endpoint, but no endpoint is configured/);
  });
});
