import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import toleranceNode from "../../../nodes/lsync-tolerance-check/lsync-tolerance-check";
import { collect, getNode, helper, sleep, waitFor, type FlowNodeDef } from "./_helper";
import { charge, invoice } from "../rules/_fixtures";

function flow(extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "tc", type: "lsync-tolerance-check", z: "tab", expected: "accruals", expectedType: "msg", wires: [["ok"], ["exc"], ["review"]], ...extra },
    { id: "ok", type: "helper", z: "tab" },
    { id: "exc", type: "helper", z: "tab" },
    { id: "review", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}
const usd = (amountMinor: number) => ({ currency: "USD", amountMinor });

before(() => helper.startServer());
after(() => helper.stopServer());
afterEach(() => helper.unload());

describe("lsync-tolerance-check", () => {
  it("routes approved, exception (one ExceptionEvent per line) and review to their outputs", async () => {
    await helper.load([toleranceNode], flow());
    const [ok, exc, review] = [collect("ok"), collect("exc"), collect("review")];
    const tc = getNode("tc");
    tc.receive({ payload: invoice([charge("LINEHAUL", 100_500), charge("FUEL", 20_000, { lineNo: 2 })]), accruals: { LINEHAUL: usd(100_000), FUEL: usd(20_000) } });
    tc.receive({ payload: invoice([charge("LINEHAUL", 110_000), charge("LIFTGATE", 9_000, { lineNo: 2 })]), accruals: { LINEHAUL: usd(100_000), LIFTGATE: usd(7_500) } });
    tc.receive({ payload: invoice([charge("LINEHAUL", 100_000), charge("UNMAPPED", 1_000, { lineNo: 2 })]), accruals: { LINEHAUL: usd(100_000) } });
    await waitFor("all three", () => ok.length === 1 && review.length === 1 && exc.length >= 2);
    await sleep(30);
    assert.equal((ok[0]!.payload as { status: string }).status, "IN_TOLERANCE");
    assert.equal((ok[0]!.audit as { outcome: string }).outcome, "approved");
    // linehaul +100.00 (10 %), liftgate +15.00, total +115.00: three exceptions
    const types = exc.map((m) => (m.payload as { exceptionId: string }).exceptionId).sort();
    assert.deepEqual(types, ["INVOICE_VARIANCE|INV-ODFL-778899|LIFTGATE", "INVOICE_VARIANCE|INV-ODFL-778899|LINEHAUL", "INVOICE_VARIANCE|INV-ODFL-778899|TOTAL"]);
    assert.equal((exc[0]!.invoice as { status: string }).status, "EXCEPTION");
    assert.deepEqual((review[0]!.payload as { findings: unknown }).findings, [{ scheme: "LSYNC-AUDIT", code: "UNMAPPED_CHARGE" }]);
  });

  it("uses the rule table from the dialog", async () => {
    await helper.load([toleranceNode], flow({ rules: [{ chargeType: "*", absMinor: 20_000, pct: null, combine: "both", underAlwaysOk: true }] }));
    const ok = collect("ok");
    getNode("tc").receive({ payload: charge("LINEHAUL", 110_000), accruals: [charge("LINEHAUL", 100_000, { stage: "ACCRUED" })] });
    await waitFor("approved", () => ok.length === 1);
    assert.equal((ok[0]!.audit as { lines: Array<{ outcome: string }> }).lines[0]!.outcome, "WITHIN");
  });

  it("accruals from a flow property (typedInput)", async () => {
    await helper.load([toleranceNode], flow({ expected: "accruals.SHP1001", expectedType: "flow" }));
    const exc = collect("exc");
    (getNode("tc") as unknown as { context(): { flow: { set(k: string, v: unknown): void } } }).context().flow.set("accruals", { SHP1001: { FUEL: usd(10_000) } });
    getNode("tc").receive({ payload: charge("FUEL", 20_000) });
    await waitFor("exception", () => exc.length >= 1);
    assert.equal((exc[0]!.payload as { cause: { code: string } }).cause.code, "BEYOND_TOLERANCE");
  });

  it("bad input goes to Catch naming the field and rule, and the next message still passes", async () => {
    await helper.load([toleranceNode], flow());
    const [ok, caught] = [collect("ok"), collect("caught")];
    const tc = getNode("tc");
    tc.receive({ payload: invoice([charge("LINEHAUL", 1)]) });
    tc.receive({ payload: invoice([charge("LINEHAUL", 1)]), accruals: { LINEHAUL: { currency: "USD", amountMinor: "12.00" } } });
    tc.receive({ payload: { schema: "order/1" }, accruals: {} });
    tc.receive({ payload: charge("LINEHAUL", 100), accruals: { LINEHAUL: usd(100) } });
    await waitFor("three caught and one approved", () => caught.length === 3 && ok.length === 1);
    const messages = caught.map((m) => (m.error as { message: string }).message);
    assert.match(messages[0]!, /msg\.accruals: no accruals or contract charges/);
    assert.match(messages[1]!, /msg\.accruals\.LINEHAUL: must be \{currency, amountMinor\}/);
    assert.match(messages[2]!, /payload\.schema: must be "invoice-event\/1" or "freight-charge\/1"/);
  });

  it("a broken rule table refuses every message rather than approve it", async () => {
    await helper.load([toleranceNode], flow({ rules: [{ chargeType: "FREIGHT" }] }));
    const [ok, caught] = [collect("ok"), collect("caught")];
    getNode("tc").receive({ payload: charge("LINEHAUL", 100), accruals: { LINEHAUL: usd(100) } });
    await waitFor("caught", () => caught.length === 1);
    assert.match((caught[0]!.error as { message: string }).message, /rules\[0\]\.chargeType: must be a canonical charge type/);
    assert.equal(ok.length, 0);
  });
});
