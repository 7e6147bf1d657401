/**
 * A taken-in carrier invoice whose journey ends at finance's queue: the tolerance check splits it
 * into one exception per charge type beyond tolerance, each with its share of the intake item, and
 * the exception route (settle intake ticked) settles the item once, when the last one is stored.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { registerIntake } from "../../../nodes/lib/intake/settlement";
import type { LsyncStore } from "../../../nodes/lib/store";
import routeNode from "../../../nodes/lsync-exception-route/lsync-exception-route";
import storeNode from "../../../nodes/lsync-store/lsync-store";
import toleranceNode from "../../../nodes/lsync-tolerance-check/lsync-tolerance-check";
import { charge, invoice } from "../rules/_fixtures";
import { collect, getNode, helper, sleep, tempDir, waitFor, type FlowNodeDef } from "./_helper";

const dir = tempDir("lsync-invoice-settle-");
let n = 0;
const usd = (amountMinor: number) => ({ currency: "USD", amountMinor });

function flow(settleIntake: boolean): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `s-${++n}.db`), durability: "process" },
    { id: "tc", type: "lsync-tolerance-check", z: "tab", expected: "accruals", expectedType: "msg", wires: [[], ["er"], []] },
    { id: "er", type: "lsync-exception-route", z: "tab", store: "store", scope: "settle-test", settleIntake, checkSeconds: 30, wires: [["routed"], [], []] },
    { id: "routed", type: "helper", z: "tab" },
  ];
}

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("settling an invoice at finance's queue", () => {
  for (const settleIntake of [true, false]) {
    it(`two variances of one taken-in invoice: ${settleIntake ? "settled once, after both are stored" : "left to the intake when settle is off"}`, async () => {
      await helper.load([storeNode, toleranceNode, routeNode], flow(settleIntake));
      const store = (getNode("store") as unknown as { store: LsyncStore }).store;
      const released: number[] = [];
      const unregister = registerIntake("invoices-x", store, (id) => released.push(id));
      try {
        const [id] = await store.addToInbox([{ source: "invoices-x", key: "INV-1", topic: "t", payload: "{}" }]);
        const routed = collect("routed");
        // Linehaul +10 % and liftgate +15.00: both beyond the default rules, and the total too.
        getNode("tc").receive({
          payload: invoice([charge("LINEHAUL", 110_000), charge("LIFTGATE", 9_000, { lineNo: 2 })]),
          accruals: { LINEHAUL: usd(100_000), LIFTGATE: usd(7_500) },
          intake: { source: "invoices-x", id },
        });
        await waitFor("three exceptions routed", () => routed.length === 3);
        const parts = routed.map((m) => (m.intake as { part?: string }).part).sort();
        assert.deepEqual(parts, ["0", "1", "2"], "each exception carries its own share");
        await sleep(50);
        if (settleIntake) {
          assert.deepEqual(released, [id], "released once");
          assert.deepEqual(await store.pendingInbox("invoices-x", 10), []);
        } else {
          assert.deepEqual(released, []);
          assert.equal((await store.pendingInbox("invoices-x", 10)).length, 1);
        }
      } finally {
        unregister();
      }
    });
  }
});
