import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { makeSscc } from "../../../simulators/scanner-publisher";
import { planScannerLoad } from "../../../simulators/lib/scanner-load-plan";
import { TmsSimulator } from "../../../simulators/tms";
import { call, post } from "./_http";

interface BatchReply {
  results: Array<{ eventId: string; status: "accepted" | "duplicate" | "rejected"; reason?: string }>;
  summary: { accepted: number; duplicate: number; rejected: number };
}
interface LoadView {
  loadId: string;
  status: string;
  createdImplicitly: boolean;
  handlingUnits: string[];
  grossWeightKg: number;
  volumeM3: number;
  countsByType: Record<string, number>;
  quantityByType: Record<string, number>;
  eventsAccepted: number;
  eventsDuplicate: number;
}
interface TmsState {
  loads: Record<string, LoadView>;
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  batches: number;
}

const at = "2026-11-22T09:14:05.123+01:00";
const sscc1 = makeSscc(1);
const sscc2 = makeSscc(2);

describe("TMS execution events", () => {
  const sim = new TmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("single event: 201 accepted, then 200 duplicate, counted once", async () => {
    const ev = { eventId: "e-1", type: "PICKED", occurredAt: at, site: "DC1", sku: "SKU-10023", quantity: 6 };
    const a = await post<{ status: string }>(`${sim.url}/api/v1/loads/LD-1/execution-events`, ev);
    const b = await post<{ status: string }>(`${sim.url}/api/v1/loads/LD-1/execution-events`, ev);
    assert.equal(a.status, 201);
    assert.equal(a.body.status, "accepted");
    assert.equal(b.status, 200);
    assert.equal(b.body.status, "duplicate");
    const load = (await call<LoadView>(`${sim.url}/api/v1/loads/LD-1`)).body;
    assert.equal(load.createdImplicitly, true);
    assert.equal(load.countsByType.PICKED, 1);
    assert.equal(load.quantityByType.PICKED, 6);
    assert.equal(load.eventsAccepted, 1);
    assert.equal(load.eventsDuplicate, 1);
    assert.equal(load.status, "LOADING");
  });

  it("single event: loadId mismatch → 400, invalid event → 422 with reason", async () => {
    const mismatch = await post(`${sim.url}/api/v1/loads/LD-1/execution-events`, { eventId: "x", loadId: "LD-2", type: "PICKED", occurredAt: at });
    assert.equal(mismatch.status, 400);
    const bad = await post<{ status: string; reason: string }>(`${sim.url}/api/v1/loads/LD-1/execution-events`, { eventId: "x", type: "LOADED", occurredAt: at, sscc: "340123450000000010" });
    assert.equal(bad.status, 422);
    assert.match(bad.body.reason, /check digit/);
  });

  it("batch: per-event results, duplicates inside and across batches never double count", async () => {
    const events = [
      { eventId: "p1", loadId: "LD-9", type: "PACKED", occurredAt: at, sscc: sscc1 },
      { eventId: "w1", loadId: "LD-9", type: "WEIGHED", occurredAt: at, sscc: sscc1, weight: { value: 412.5, unit: "KG" } },
      { eventId: "w1", loadId: "LD-9", type: "WEIGHED", occurredAt: at, sscc: sscc1, weight: { value: 412.5, unit: "KG" } },
      { eventId: "m1", loadId: "LD-9", type: "MEASURED", occurredAt: at, sscc: sscc1, dimensions: { lengthCm: 120, widthCm: 80, heightCm: 145 } },
      { eventId: "l1", loadId: "LD-9", type: "LOADED", occurredAt: at, sscc: sscc1 },
      { eventId: "bad", loadId: "LD-9", type: "TELEPORTED", occurredAt: at },
      { eventId: "naive", loadId: "LD-9", type: "PICKED", occurredAt: "2026-11-22T09:14:05" },
    ];
    const r = await post<BatchReply>(`${sim.url}/api/v1/execution-events:batch`, { events });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.results.map((x) => x.status), ["accepted", "accepted", "duplicate", "accepted", "accepted", "rejected", "rejected"]);
    assert.match(r.body.results[5]?.reason ?? "", /type must be one of/);
    assert.match(r.body.results[6]?.reason ?? "", /offset/);
    assert.deepEqual(r.body.summary, { accepted: 4, duplicate: 1, rejected: 2 });
    // The whole batch again (a retry after a lost answer): all duplicates, nothing counted.
    const again = await post<BatchReply>(`${sim.url}/api/v1/execution-events:batch`, { events: events.slice(0, 5) });
    assert.ok(again.body.results.every((x) => x.status === "duplicate"));
    const load = sim.load("LD-9") as unknown as LoadView;
    assert.deepEqual(load.handlingUnits, [sscc1]);
    assert.equal(load.grossWeightKg, 412.5);
    assert.equal(load.volumeM3, 1.392);
    assert.equal(load.countsByType.WEIGHED, 1);
    assert.equal(load.eventsAccepted, 4);
    // A re-weigh under a new id replaces the pallet's weight rather than adding to it.
    await post(`${sim.url}/api/v1/execution-events:batch`, { events: [{ eventId: "w2", loadId: "LD-9", type: "WEIGHED", occurredAt: at, sscc: sscc1, weight: 400 }] });
    assert.equal((sim.load("LD-9") as unknown as LoadView).grossWeightKg, 400);
  });

  it("batch limits: empty → 400, over 1000 → 400", async () => {
    assert.equal((await post(`${sim.url}/api/v1/execution-events:batch`, { events: [] })).status, 400);
    const many = Array.from({ length: 1001 }, (_, i) => ({ eventId: `e${i}`, loadId: "L", type: "PICKED", occurredAt: at }));
    assert.equal((await post(`${sim.url}/api/v1/execution-events:batch`, { events: many })).status, 400);
  });

  it("status moves forward only: SHIPPED then a late PICKED stays DISPATCHED", async () => {
    await post(`${sim.url}/api/v1/execution-events:batch`, {
      events: [
        { eventId: "s1", loadId: "LD-5", type: "SHIPPED", occurredAt: at, sscc: sscc2 },
        { eventId: "k1", loadId: "LD-5", type: "PICKED", occurredAt: at, quantity: 1 },
      ],
    });
    const load = (await call<LoadView>(`${sim.url}/api/v1/loads/LD-5`)).body;
    assert.equal(load.status, "DISPATCHED");
    assert.deepEqual(load.handlingUnits, [sscc2]);
  });

  it("50,000 events in batches of 1000 with 10% resent: exact counts, quickly", async () => {
    const distinct = 50_000;
    const started = Date.now();
    let sent = 0;
    for (let b = 0; b < distinct / 1000; b++) {
      const events = [];
      for (let i = 0; i < 1000; i++) {
        const n = b * 1000 + i;
        events.push({ eventId: `ev-${n}`, loadId: `LD-${n % 37}`, type: "PICKED", occurredAt: at, quantity: 1, site: "DC1" });
      }
      const r = await post<BatchReply>(`${sim.url}/api/v1/execution-events:batch`, { events });
      assert.equal(r.body.summary.accepted, 1000);
      sent += 1000;
      if (b % 10 === 0) {
        // resend a whole earlier batch
        const dup = await post<BatchReply>(`${sim.url}/api/v1/execution-events:batch`, { events });
        assert.equal(dup.body.summary.duplicate, 1000);
        sent += 1000;
      }
    }
    const st = (await call<TmsState>(`${sim.url}/_sim/state`)).body;
    assert.equal(st.eventsAccepted, distinct);
    assert.equal(st.eventsDuplicate, sent - distinct);
    const picked = Object.values(st.loads).reduce((s, l) => s + (l.quantityByType.PICKED ?? 0), 0);
    assert.equal(picked, distinct);
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  });

  it("explicit loads, tender, milestones and project44 event history", async () => {
    const created = await post<LoadView>(`${sim.url}/api/v1/loads`, {
      loadId: "LD-DC1-0042",
      reference: "BOL-77",
      stops: [
        { type: "PICKUP", location: { name: "DC1", city: "Hamburg" } },
        { type: "DELIVERY", location: { name: "Customer", city: "Bremen" }, plannedArrival: "2026-11-23T08:00:00+01:00" },
      ],
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, "PLANNED");
    assert.equal((await post(`${sim.url}/api/v1/loads`, { loadId: "LD-DC1-0042" })).status, 409);
    const tendered = await post<LoadView>(`${sim.url}/api/v1/loads/LD-DC1-0042/tender`, { carrierScac: "FXFE" });
    assert.equal(tendered.body.status, "TENDERED");
    await post(`${sim.url}/api/v1/loads/LD-DC1-0042/milestones`, { type: "DEPARTURE_FROM_STOP", dateTime: "2026-11-22T14:00:00+01:00", stopId: "LD-DC1-0042-S1" });
    await post(`${sim.url}/api/v1/loads/LD-DC1-0042/milestones`, { type: "ARRIVAL_AT_STOP", dateTime: "2026-11-23T07:50:00+01:00" });
    const hist = await call<{ shipment: { id: string; identifiers: Array<{ type: string; value: string }> }; events: Array<{ type: string; dateTime: string }> }>(
      `${sim.url}/api/v4/shipments/LD-DC1-0042/eventhistory`,
    );
    assert.equal(hist.status, 200);
    assert.equal(hist.body.shipment.identifiers[0]?.value, "BOL-77");
    assert.deepEqual(hist.body.events.map((e) => e.type), ["DEPARTURE_FROM_STOP", "ARRIVAL_AT_STOP"]);
    assert.equal(hist.body.events[0]?.dateTime, "2026-11-22T13:00:00+0000", "p44 offsets have no colon");
    assert.equal((await call<LoadView>(`${sim.url}/api/v1/loads/LD-DC1-0042`)).body.status, "IN_TRANSIT");
    assert.equal((await call(`${sim.url}/api/v4/shipments/nope/eventhistory`)).status, 404);
  });

  it("implicitLoads: false rejects events for unknown loads", async () => {
    const strict = new TmsSimulator({ implicitLoads: false });
    await strict.listen(0);
    try {
      const r = await post<BatchReply>(`${strict.url}/api/v1/execution-events:batch`, { events: [{ eventId: "a", loadId: "LD-X", type: "PICKED", occurredAt: at }] });
      assert.equal(r.body.results[0]?.status, "rejected");
      assert.match(r.body.results[0]?.reason ?? "", /unknown load/);
    } finally {
      await strict.close();
    }
  });

  it("an implicit load the planner knows comes tendered with its stops; under npm start, the scanner's loads to their DC's carrier", async () => {
    const planned = new TmsSimulator({ planImplicitLoad: planScannerLoad });
    await planned.listen(0);
    try {
      await post<BatchReply>(`${planned.url}/api/v1/execution-events:batch`, {
        events: [
          { eventId: "p1", loadId: "LD-DC2-0007", type: "PICKED", occurredAt: at },
          { eventId: "p2", loadId: "OTHER-1", type: "PICKED", occurredAt: at },
        ],
      });
      const load = (await call<LoadView & { carrier?: { scac: string }; stops: Array<{ stopId: string; type: string; location: { zone?: string } }> }>(`${planned.url}/api/v1/loads/LD-DC2-0007`)).body;
      assert.deepEqual([load.status, load.carrier?.scac], ["LOADING", "XPOL"]);
      assert.deepEqual(load.stops.map((st) => [st.stopId, st.type]), [["LD-DC2-0007-S1", "PICKUP"], ["LD-DC2-0007-S2", "DELIVERY"]]);
      assert.match(load.stops[1]!.location.zone ?? "", /^Z[1-5]$/);
      const other = (await call<LoadView & { carrier?: unknown; stops: unknown[] }>(`${planned.url}/api/v1/loads/OTHER-1`)).body;
      assert.deepEqual([other.carrier, other.stops], [undefined, []], "a load the planner does not know stays bare");
    } finally {
      await planned.close();
    }
  });
});
