import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import routeNode from "../../../nodes/lsync-exception-route/lsync-exception-route";
import storeNode from "../../../nodes/lsync-store/lsync-store";
import { collect, getNode, helper, recorded, recorderModule, sleep, tempDir, waitFor, type FlowNodeDef } from "./_helper";
import { exception } from "../rules/_fixtures";

const dir = tempDir("lsync-exception-route-node-");
let n = 0;
const db = () => join(dir.path, `exc-${++n}.db`);

/** Escalations are recorded by a node type that exists before the flow starts: the timer may fire at once. */
function flow(dbPath: string, extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: dbPath, durability: "process" },
    { id: "er", type: "lsync-exception-route", z: "tab", store: "store", scope: "exc-test", checkSeconds: 0.05, wires: [["routed"], ["resolved"], ["escalated"]], ...extra },
    { id: "routed", type: "helper", z: "tab" },
    { id: "resolved", type: "helper", z: "tab" },
    { id: "escalated", type: "test-recorder", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}
const nowIso = () => new Date().toISOString();
const escalated = () => recorded.get("escalated") ?? [];

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-exception-route", () => {
  it("routes by type to the team queue, resolves within SLA, and does not route a repeat twice", async () => {
    await helper.load([storeNode, routeNode, recorderModule], flow(db()));
    const [routed, resolved] = [collect("routed"), collect("resolved")];
    const er = getNode("er");
    er.receive({ payload: exception("E1", "INVOICE_VARIANCE", "WARN", { detectedAt: nowIso() }) });
    er.receive({ payload: exception("E2", "SHORT_PICK", "CRITICAL", { detectedAt: nowIso() }) });
    er.receive({ payload: exception("E3", "DELAY", "INFO", { detectedAt: nowIso() }) });
    await waitFor("three routed", () => routed.length === 3);
    const byId = Object.fromEntries(routed.map((m) => [(m.payload as { exceptionId: string }).exceptionId, m]));
    assert.equal(byId.E1!.topic, "exceptions/finance");
    assert.equal(byId.E2!.topic, "exceptions/logistics");
    assert.equal((byId.E2!.exceptionRoute as { slaMinutes: number }).slaMinutes, 60);
    assert.equal(byId.E3!.topic, "exceptions/customer-service");
    er.receive({ payload: exception("E1", "INVOICE_VARIANCE", "WARN", { status: "ACKNOWLEDGED", detectedAt: nowIso() }) });
    er.receive({ payload: exception("E1", "INVOICE_VARIANCE", "WARN", { status: "RESOLVED", resolution: { by: "ap-clerk", at: nowIso() } }) });
    await waitFor("resolved", () => resolved.length === 1);
    const closure = resolved[0]!.exceptionRoute as { wasOpen: boolean; withinSla: boolean; team: string };
    assert.deepEqual([closure.wasOpen, closure.withinSla, closure.team], [true, true, "finance"]);
    assert.equal(routed.length, 3, "the ACKNOWLEDGED repeat was not routed again");
    er.receive({ payload: exception("E1", "INVOICE_VARIANCE", "WARN", { status: "RESOLVED", resolution: { by: "ap-clerk", at: nowIso() } }) });
    await waitFor("second resolve", () => resolved.length === 2);
    assert.equal((resolved[1]!.exceptionRoute as { wasOpen: boolean }).wasOpen, false);
  });

  it("escalates on the timer when the SLA runs out, without further messages", async () => {
    const rules = [{ types: ["*"], severity: "ANY", team: "logistics", slaMinutes: 0.005 }]; // 300 ms
    await helper.load([storeNode, routeNode, recorderModule], flow(db(), { rules }));
    const routed = collect("routed");
    getNode("er").receive({ payload: exception("E9", "DAMAGE", "WARN", { detectedAt: nowIso() }) });
    getNode("er").receive({ payload: exception("E10", "DAMAGE", "WARN", { detectedAt: nowIso() }) });
    await waitFor("routed", () => routed.length === 2);
    getNode("er").receive({ payload: exception("E10", "DAMAGE", "WARN", { status: "DISMISSED", resolution: { by: "dc-lead", at: nowIso() } }) });
    await waitFor("escalation", () => escalated().length === 1);
    const esc = escalated()[0]!;
    assert.equal((esc.payload as { exceptionId: string }).exceptionId, "E9", "the dismissed one did not escalate");
    assert.equal(esc.topic, "exceptions/logistics/escalated");
    assert.ok((esc.exceptionRoute as { overdueMinutes: number }).overdueMinutes >= 0);
    await sleep(200);
    assert.equal(escalated().length, 1, "each exception escalates once");
  });

  it("open exceptions and their clocks survive a restart; one that ran out meanwhile escalates on start", async () => {
    const path = db();
    const rules = [{ types: ["*"], severity: "ANY", team: "logistics", slaMinutes: 0.005 }];
    await helper.load([storeNode, routeNode, recorderModule], flow(path, { rules, checkSeconds: 3600 }));
    const routed = collect("routed");
    getNode("er").receive({ payload: exception("E20", "SHORT_PICK", "WARN", { detectedAt: nowIso() }) });
    await waitFor("routed", () => routed.length === 1);
    await helper.unload();
    await sleep(400); // the SLA runs out while the flow is stopped

    await helper.load([storeNode, routeNode, recorderModule], flow(path, { rules, checkSeconds: 3600 }));
    await waitFor("escalated after restart", () => escalated().length === 1);
    assert.equal((escalated()[0]!.payload as { exceptionId: string }).exceptionId, "E20");
  });

  it("bad input reaches Catch naming the field and rule", async () => {
    await helper.load([storeNode, routeNode, recorderModule], flow(db(), { rules: [{ types: ["DELAY"], severity: "ANY", team: "cs", slaMinutes: 60 }] }));
    const caught = collect("caught");
    getNode("er").receive({ payload: { schema: "order/1" } });
    getNode("er").receive({ payload: exception("E1", "DAMAGE") });
    await waitFor("two caught", () => caught.length === 2);
    const messages = caught.map((m) => (m.error as { message: string }).message).join("\n");
    assert.match(messages, /payload\.schema: must be "exception-event\/1"/);
    assert.match(messages, /payload\.type: no routing rule for DAMAGE at severity WARN/);
  });
});
