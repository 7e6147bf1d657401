import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FreightCharge, InvoiceEvent, ShipmentStatusEvent } from "../../../nodes/lib/canonical/types";
import rateNode from "../../../nodes/lsync-rate/lsync-rate";
import storeNode from "../../../nodes/lsync-store/lsync-store";
import { CONTRACTS } from "../../../simulators/month/generate";
import { shipmentOf } from "../lib/_rating-fixtures";
import { collect, getNode, helper, tempDir, waitFor, type FlowNodeDef } from "./_helper";

const dir = tempDir("lsync-rate-node-");
let n = 0;
const db = () => join(dir.path, `rate-${++n}.db`);

function flow(dbPath: string, extra: Record<string, unknown> = {}): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: dbPath, durability: "process" },
    { id: "rate", type: "lsync-rate", z: "tab", store: "store", ledger: "t", contracts: JSON.stringify(CONTRACTS), contractsType: "json", wires: [["out"]], ...extra },
    { id: "match", type: "lsync-rate", z: "tab", store: "store", ledger: "t", contracts: JSON.stringify(CONTRACTS), contractsType: "json", wires: [["matched"]] },
    { id: "out", type: "helper", z: "tab" },
    { id: "matched", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}

/** A carrier invoice naming the shipment only by the carrier's PRO. */
const invoiceFor = (pro: string): InvoiceEvent =>
  ({ schema: "invoice-event/1", invoiceId: "INV-1", invoiceNumber: "INV-1", carrier: { scac: "DHLF" }, lines: [], shipmentRefs: [{ type: "PRO", value: pro }] }) as unknown as InvoiceEvent;

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-rate", () => {
  it("rates a shipment (total + one charge per type) and a later invoice finds those charges by its PRO, also after a restart", async () => {
    const path = db();
    await helper.load([storeNode, rateNode], flow(path));
    const out = collect("out");
    getNode("rate").receive({ payload: shipmentOf() });
    await waitFor("rated", () => out.length === 1);
    const total = out[0]!.payload as FreightCharge;
    assert.equal(total.stage, "EXECUTED");
    assert.deepEqual(total.amount, { currency: "EUR", amountMinor: 12750 + 1626 + 7500 });
    assert.deepEqual((out[0]!.charges as FreightCharge[]).map((c) => [c.chargeType, c.amount.amountMinor]), [["LINEHAUL", 12750], ["FUEL", 1626], ["LIFTGATE", 7500]]);
    await helper.unload();

    await helper.load([storeNode, rateNode], flow(path));
    const matched = collect("matched");
    getNode("match").receive({ payload: invoiceFor("PRO-1") });
    getNode("match").receive({ payload: invoiceFor("PRO-404") });
    await waitFor("both invoices", () => matched.length === 2);
    assert.deepEqual((matched[0]!.accruals as FreightCharge[]).map((c) => c.chargeType), ["LINEHAUL", "FUEL", "LIFTGATE"]);
    assert.equal((matched[0]!.accrual as { accrualKey: string }).accrualKey, "ACCRUAL|DHLF|LD-1");
    assert.deepEqual(matched[1]!.accruals, [], "an unknown PRO: nothing to audit against");
    assert.equal(matched[1]!.accrual, null);
  });

  it("a delivery prices detention beyond free time at the rated contract's terms: adjustment out, ledger audited with it, a resend keeps it", async () => {
    const delivery = (load: string, doneAt: string): ShipmentStatusEvent =>
      ({ schema: "shipment-status-event/1", id: `EV|${load}|${doneAt}`, correlationId: `LOAD|${load}`, occurredAt: doneAt, shipmentRefs: [{ type: "LOAD", value: load }], status: "DELIVERED", stopRef: `${load}-S2` }) as unknown as ShipmentStatusEvent;
    // The delivery tab's node has no contract table: it prices from what the freight tab's node rated.
    await helper.load([storeNode, rateNode], [...flow(db()), { id: "dwell", type: "lsync-rate", z: "tab", store: "store", ledger: "t", contracts: "", contractsType: "json", waitSeconds: "0", wires: [["adjusted"]] }, { id: "adjusted", type: "helper", z: "tab" }]);
    const [out, adjusted, matched, caught] = [collect("out"), collect("adjusted"), collect("matched"), collect("caught")];
    getNode("rate").receive({ payload: shipmentOf() });
    await waitFor("rated", () => out.length === 1);
    // 3 h 10 min at the stop: 70 min beyond the 2 h free time = 2 started hours at DHLF's 6000.
    getNode("dwell").receive({ payload: delivery("LD-1", "2026-12-01T13:10:00Z"), arrivedAt: "2026-12-01T10:00:00Z" });
    // Within free time: nothing to adjust, nothing sent on.
    getNode("dwell").receive({ payload: { ...delivery("LD-1", "2026-12-01T11:30:00Z"), stopRef: "LD-1-S3" }, arrivedAt: "2026-12-01T10:00:00Z" });
    // A load nobody rated: the event fails to Catch naming what it looked for.
    getNode("dwell").receive({ payload: delivery("LD-404", "2026-12-01T13:10:00Z"), arrivedAt: "2026-12-01T10:00:00Z" });
    getNode("rate").receive({ payload: shipmentOf() });
    await waitFor("adjusted, refused, resent", () => adjusted.length === 1 && caught.length === 1 && out.length === 2);
    const adj = adjusted[0]!.payload as FreightCharge;
    assert.deepEqual([adj.chargeType, adj.amount, adj.accounting?.accrualKey, adj.idempotencyKey], ["DETENTION", { currency: "EUR", amountMinor: 12000 }, "ACCRUAL|DHLF|LD-1", "ADJ|ACCRUAL|DHLF|LD-1|DETENTION|LD-1-S2"]);
    assert.match((caught[0]!.error as { message: string }).message, /payload\.shipmentRefs: no shipment rated under SHIPMENT\|LD-404/);
    // The invoice audit (after the resent dispatch) expects the detention too.
    getNode("match").receive({ payload: invoiceFor("PRO-1") });
    await waitFor("matched", () => matched.length === 1);
    assert.deepEqual((matched[0]!.accruals as FreightCharge[]).map((c) => [c.chargeType, c.amount.amountMinor]), [["LINEHAUL", 12750], ["FUEL", 1626], ["LIFTGATE", 7500], ["DETENTION", 12000]]);
    assert.equal((matched[0]!.accrual as { total: { amountMinor: number } }).total.amountMinor, 12750 + 1626 + 7500 + 12000);
  });

  it("contracts from a message property or a JSON file", async () => {
    const file = join(dir.path, "contracts.json");
    writeFileSync(file, JSON.stringify({ contracts: CONTRACTS }));
    await helper.load([storeNode, rateNode], flow(db(), { contracts: file, contractsType: "file" }));
    const out = collect("out");
    getNode("rate").receive({ payload: shipmentOf({ accessorials: [] }) });
    await waitFor("rated from the file", () => out.length === 1);
    assert.equal((out[0]!.payload as FreightCharge).amount.amountMinor, 12750 + 1626);
    await helper.unload();

    await helper.load([storeNode, rateNode], flow(db(), { contracts: "rates", contractsType: "msg" }));
    const [out2, caught] = [collect("out"), collect("caught")];
    const contracts = [{ ...CONTRACTS[0]!, fuelBasisPoints: 0 }];
    getNode("rate").receive({ payload: shipmentOf({ accessorials: [] }), rates: contracts });
    getNode("rate").receive({ payload: shipmentOf() });
    await waitFor("one rated, one refused", () => out2.length === 1 && caught.length === 1);
    assert.equal((out2[0]!.payload as FreightCharge).amount.amountMinor, 12750);
    assert.match((caught[0]!.error as { message: string }).message, /msg\.rates: holds no contract table/);
  });

  it("bad input goes to Catch naming the field; the next shipment still rates", async () => {
    await helper.load([storeNode, rateNode], flow(db()));
    const [out, caught] = [collect("out"), collect("caught")];
    const rate = getNode("rate");
    rate.receive({ payload: shipmentOf({ totals: undefined }) });
    rate.receive({ payload: shipmentOf({ zone: "Z9" }) });
    rate.receive({ payload: { schema: "order/1" } });
    rate.receive({ payload: shipmentOf() });
    await waitFor("three caught, one rated", () => caught.length === 3 && out.length === 1);
    // Each refusal on its own, in whatever order they finished.
    const messages = caught.map((m) => (m.error as { message: string }).message).join("\n");
    assert.match(messages, /payload\.totals\.weight: is required/);
    assert.match(messages, /RATING_ZONE\]: contract DHLF has no lane to zone "Z9"/);
    assert.match(messages, /payload\.schema: must be "shipment\/1"/);
  });

  it("a broken contract table refuses every message", async () => {
    await helper.load([storeNode, rateNode], flow(db(), { contracts: JSON.stringify([{ scac: "DHLF" }]) }));
    const caught = collect("caught");
    getNode("rate").receive({ payload: shipmentOf() });
    await waitFor("caught", () => caught.length === 1);
    assert.match((caught[0]!.error as { message: string }).message, /contracts \(dialog\)\[0\]\.currency: must be an ISO 4217 code/);
  });
});
