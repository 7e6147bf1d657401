/**
 * What the freight-reconciliation scenario asks of the simulators: the TMS lists each load once as it
 * was dispatched (final weights after re-weighs, accessorials), and the carrier's billing system
 * pushes invoices (signed) to its invoice webhooks, a resubmission under a new Idempotency-Key.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CarrierSimulator } from "../../../simulators/carrier";
import { TmsSimulator } from "../../../simulators/tms";
import { call, post } from "./_http";

const SSCC_A = "340123450000000017";
const SSCC_B = "340123450000000024";

describe("TMS: actual shipments", () => {
  const sim = new TmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  const event = (eventId: string, type: string, extra: Record<string, unknown> = {}) =>
    post(`${sim.url}/api/v1/loads/LD-1/execution-events`, { eventId, type, occurredAt: "2026-11-30T10:00:00Z", site: "DC1", ...extra });

  it("a load is listed once, when dispatched, with its last weight per SSCC and its accessorials", async () => {
    const stops = [{ type: "PICKUP", location: { siteId: "DC1" } }, { type: "DELIVERY", location: { zone: "Z2" } }];
    assert.equal((await post(`${sim.url}/api/v1/loads`, { loadId: "LD-1", reference: "BOL-1", stops, accessorials: ["LIFTGATE"] })).status, 201);
    assert.equal((await post(`${sim.url}/api/v1/loads/LD-1/tender`, { carrierScac: "DHLF" })).status, 200);
    await event("w1", "WEIGHED", { sscc: SSCC_A, weight: 300 });
    await event("w2", "WEIGHED", { sscc: SSCC_B, weight: 120.4 });
    await event("w3", "WEIGHED", { sscc: SSCC_A, weight: 312.5 }); // re-weighed at the dock
    const empty = await call<{ actualShipments: unknown[] }>(`${sim.url}/api/v1/actual-shipments?after=0`);
    assert.deepEqual(empty.body.actualShipments, [], "nothing before it leaves");
    await event("s1", "SHIPPED", { sscc: SSCC_A });
    await event("s2", "SHIPPED", { sscc: SSCC_B });
    await event("d1", "DEPARTED");
    const feed = await call<{ actualShipments: Array<Record<string, unknown>> }>(`${sim.url}/api/v1/actual-shipments?after=0&limit=10`);
    assert.equal(feed.body.actualShipments.length, 1);
    const a = feed.body.actualShipments[0]!;
    assert.equal(a.seq, 1);
    assert.equal(a.grossWeightKg, 432.9);
    assert.deepEqual(a.handlingUnits, [{ sscc: SSCC_A, weightKg: 312.5 }, { sscc: SSCC_B, weightKg: 120.4 }]);
    assert.deepEqual(a.accessorials, ["LIFTGATE"]);
    assert.deepEqual(a.carrier, { scac: "DHLF" });
    assert.deepEqual((await call<{ actualShipments: unknown[] }>(`${sim.url}/api/v1/actual-shipments?after=1`)).body.actualShipments, []);
    assert.equal((await post(`${sim.url}/api/v1/loads`, { loadId: "LD-2", accessorials: ["lift gate"] })).status, 400);
  });
});

describe("carrier: invoices pushed by the billing system", () => {
  const sim = new CarrierSimulator();
  const received: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
  let hook: Server;
  let hookUrl = "";
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((ok) => hook.listen(0, "127.0.0.1", () => ok()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/invoices`;
  });
  after(async () => {
    await sim.close();
    hook.close();
  });

  it("signs each invoice, and a resubmission comes under a new Idempotency-Key; tracking-only hooks get none", async () => {
    await post(`${sim.url}/_sim/webhooks`, { url: hookUrl, secret: "s3cret", events: ["invoice"] });
    await post(`${sim.url}/_sim/webhooks`, { url: `${hookUrl}-tracking`, events: ["tracking"] });
    const invoice = { invoiceNumber: "DHLF-1", scac: "DHLF", invoiceDate: "2026-12-01", currency: "EUR", shipment: { shipmentId: "LD-1" }, charges: [{ lineNo: 1, code: "400", amount: "10.00" }], totalAmount: "10.00" };
    const first = await post<{ webhooks: number }>(`${sim.url}/_sim/invoices`, invoice);
    assert.equal(first.status, 202);
    assert.equal(first.body.webhooks, 1);
    await post(`${sim.url}/_sim/invoices`, invoice);
    const until = Date.now() + 5000;
    while (received.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received.length, 2);
    assert.deepEqual(received.map((r) => r.headers["idempotency-key"]).sort(), ["INV:DHLF-1:1", "INV:DHLF-1:2"]);
    for (const r of received) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(r.headers["x-signature"]))!;
      assert.equal(v1, createHmac("sha256", "s3cret").update(`${t}.${r.body}`).digest("hex"));
      assert.deepEqual(JSON.parse(r.body), { eventType: "INVOICE", invoice });
    }
    assert.equal((await post(`${sim.url}/_sim/invoices`, { ...invoice, charges: [] })).status, 400);
  });
});
