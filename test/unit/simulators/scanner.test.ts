import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { connectAsync, type IPublishPacket } from "mqtt";
import { isValidGln, isValidGtin, isValidSscc, GS } from "../../../simulators/lib/gs1";
import { mulberry32 } from "../../../simulators/lib/rng";
import { gs1ElementString, isoWithOffset, makeScannerEvent, publishScannerEvents, ScannerEventSource, toMqttMessage, type ScannerEvent } from "../../../simulators/scanner-publisher";

const T0 = Date.UTC(2026, 10, 22, 8, 14, 5, 123);

describe("scanner event generator", () => {
  const events: ScannerEvent[] = [];
  before(() => {
    const src = new ScannerEventSource({ seed: 11, sites: ["DC1", "DC2", "DC3"], devicesPerSite: 4 });
    for (let i = 0; i < 3000; i++) events.push(src.next(T0 + i * 250));
  });

  it("every GTIN, SSCC and GLN has a valid GS1 check digit", () => {
    for (const e of events) {
      assert.ok(isValidGln(e.siteGln), e.siteGln);
      if (e.gtin) assert.ok(isValidGtin(e.gtin), e.gtin);
      if (e.sscc) assert.ok(isValidSscc(e.sscc), e.sscc);
      for (const c of e.contents ?? []) assert.ok(isValidGtin(c.gtin));
    }
    assert.ok(events.some((e) => e.gtin) && events.some((e) => e.sscc));
  });

  it("covers every event type with the fields that event needs", () => {
    const by = new Map<string, ScannerEvent[]>();
    for (const e of events) by.set(e.event, [...(by.get(e.event) ?? []), e]);
    assert.deepEqual([...by.keys()].sort(), ["cube", "pack", "pick", "ship", "weight"]);
    for (const e of by.get("pick") ?? []) assert.ok(e.gtin && e.sku && e.batch && e.binId && (e.quantity ?? 0) > 0);
    for (const e of by.get("pack") ?? []) assert.ok(e.sscc && e.contents?.length);
    for (const e of by.get("weight") ?? []) assert.ok(e.sscc && (e.grossWeightKg ?? 0) > 0);
    for (const e of by.get("cube") ?? []) assert.ok(e.sscc && e.dims && e.dims.heightCm > 0);
    for (const e of by.get("ship") ?? []) assert.ok(e.sscc && e.loadId);
    assert.ok(events.every((e) => /^LD-DC\d-\d{4}$/.test(e.loadId ?? "")));
  });

  it("raw element strings are GS1-128 with GS after variable-length fields", () => {
    const pick = events.find((e) => e.event === "pick") as ScannerEvent;
    assert.equal(pick.raw, `]C101${pick.gtin}10${pick.batch}${GS}30${pick.quantity}`);
    const ship = events.find((e) => e.event === "ship") as ScannerEvent;
    assert.equal(ship.raw, `]C100${ship.sscc}`);
    const pack = events.find((e) => e.event === "pack") as ScannerEvent;
    assert.match(pack.raw, new RegExp(`^\\]C100${pack.sscc}02\\d{14}37\\d+\\x1d10[A-Z0-9]+$`));
    const w = gs1ElementString({ event: "weight", sscc: "340123450000000017", grossWeightKg: 412.5 });
    assert.equal(w, "]C1003401234500000000173301004125");
    const cube = gs1ElementString({ event: "cube", sscc: "340123450000000017", dims: { lengthCm: 120, widthCm: 80, heightCm: 145 } });
    assert.equal(cube, "]C100340123450000000017331200012033220000803332000145");
  });

  it("a device's cycle reuses one SSCC from pack to ship, and the packed count is the picked sum", () => {
    const byDevice = new Map<string, ScannerEvent[]>();
    for (const e of events) byDevice.set(e.deviceId, [...(byDevice.get(e.deviceId) ?? []), e]);
    let cycles = 0;
    for (const list of byDevice.values()) {
      let picked = 0;
      let sscc = "";
      for (const e of list) {
        if (e.event === "pick") picked += e.quantity ?? 0;
        if (e.event === "pack") {
          assert.equal(e.contents?.[0]?.quantity, picked);
          sscc = e.sscc ?? "";
        }
        if (e.event === "weight" || e.event === "cube") assert.equal(e.sscc, sscc);
        if (e.event === "ship") {
          assert.equal(e.sscc, sscc);
          picked = 0;
          cycles++;
        }
      }
      // seq strictly increases per device
      for (let i = 1; i < list.length; i++) assert.ok((list[i]?.seq ?? 0) > (list[i - 1]?.seq ?? 0));
    }
    assert.ok(cycles > 50);
  });

  it("is deterministic for a seed and pure for makeScannerEvent", () => {
    const a = new ScannerEventSource({ seed: 5 });
    const b = new ScannerEventSource({ seed: 5 });
    const c = new ScannerEventSource({ seed: 6 });
    const seqA = Array.from({ length: 50 }, (_, i) => JSON.stringify(a.next(T0 + i)));
    assert.deepEqual(Array.from({ length: 50 }, (_, i) => JSON.stringify(b.next(T0 + i))), seqA);
    assert.notDeepEqual(Array.from({ length: 50 }, (_, i) => JSON.stringify(c.next(T0 + i))), seqA);
    const ctx = { event: "pick" as const, site: "DC1", deviceId: "RF-017", seq: 48213, at: T0 };
    assert.deepEqual(makeScannerEvent(mulberry32(9), ctx), makeScannerEvent(mulberry32(9), ctx));
    const e = makeScannerEvent(mulberry32(9), ctx);
    assert.equal(e.scannedAt, "2026-11-22T09:14:05.123+01:00", "DC1 is UTC+01:00 in November");
    const size = JSON.stringify(e).length;
    assert.ok(size > 200 && size < 450, `payload ${size} bytes`);
  });

  it("timestamps carry the site's offset", () => {
    assert.equal(isoWithOffset(T0, -300), "2026-11-22T03:14:05.123-05:00");
    assert.equal(isoWithOffset(T0, 0), "2026-11-22T08:14:05.123+00:00");
  });

  it("MQTT messages: QoS 1, not retained, topic per event; v5 user properties carry seq/deviceId/scannedAt and the session's load and work order", () => {
    const e = makeScannerEvent(mulberry32(1), { event: "ship", site: "DC2", deviceId: "RF-004", seq: 7, at: T0, loadId: "LD-DC2-0001" });
    const raw = toMqttMessage(e, true, 5);
    assert.equal(raw.topic, "wms/DC2/scanner/RF-004/ship");
    assert.equal(raw.payload, e.raw);
    assert.equal(raw.options.qos, 1);
    assert.equal(raw.options.retain, false);
    assert.deepEqual(raw.options.properties?.userProperties, {
      seq: "7",
      deviceId: "RF-004",
      scannedAt: e.scannedAt,
      loadId: "LD-DC2-0001",
      workOrderRef: e.workOrderRef,
    });
    const v4 = toMqttMessage(e, false, 4);
    assert.equal(v4.options.properties, undefined);
    assert.deepEqual(JSON.parse(v4.payload), e);
  });
});

describe("scanner publisher against an embedded broker (aedes, MQTT 3.1.1)", () => {
  let server: Server;
  let url = "";
  let close: () => Promise<void> = async () => undefined;
  const arrived: Array<{ topic: string; payload: string; qos: number; retain: boolean }> = [];

  before(async () => {
    const { Aedes } = await import("aedes");
    const broker = await Aedes.createBroker();
    broker.on("publish", (packet, client) => {
      if (client && packet.topic.startsWith("wms/")) arrived.push({ topic: packet.topic, payload: packet.payload.toString(), qos: packet.qos, retain: packet.retain });
    });
    server = createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise<void>((r) => broker.close(() => server.close(() => r())));
  });
  after(() => close());

  it("a burst of N arrives complete, with the resubmission share roughly as asked", async () => {
    arrived.length = 0;
    const report = await publishScannerEvents({ url, count: 2000, rate: 0, resubmitShare: 0.2, rawShare: 0, seed: 7, protocolVersion: 4, sites: ["DC1", "DC2"], devicesPerSite: 3 });
    assert.equal(report.published, 2000);
    assert.equal(arrived.length, 2000, "every publish reached the broker");
    assert.equal(report.distinct + report.resubmitted, report.published);
    assert.ok(report.resubmitted > 320 && report.resubmitted < 480, `~20% resubmitted: ${report.resubmitted}`);
    const keys = new Set(arrived.map((m) => {
      const e = JSON.parse(m.payload) as ScannerEvent;
      return `${e.deviceId}:${e.seq}`;
    }));
    assert.equal(keys.size, report.distinct, "distinct (deviceId, seq) at the broker = report.distinct");
    assert.deepEqual(new Set(report.distinctKeys), keys);
    assert.ok(arrived.every((m) => m.qos === 1 && m.retain === false));
    assert.ok(arrived.every((m) => /^wms\/DC[12]\/scanner\/RF-\d{3}\/(pick|pack|weight|cube|ship)$/.test(m.topic)));
    const sum = Object.values(report.byEvent).reduce((s, n) => s + n, 0);
    assert.equal(sum, report.distinct);
    // Resubmissions are byte-identical copies.
    const payloadsByKey = new Map<string, Set<string>>();
    for (const m of arrived) {
      const e = JSON.parse(m.payload) as ScannerEvent;
      const k = `${e.deviceId}:${e.seq}`;
      payloadsByKey.set(k, (payloadsByKey.get(k) ?? new Set()).add(m.payload));
    }
    assert.ok([...payloadsByKey.values()].every((s) => s.size === 1));
  });

  it("paces to the rate asked", async () => {
    const t0 = Date.now();
    const report = await publishScannerEvents({ url, count: 40, rate: 100, seed: 2, protocolVersion: 4 });
    const took = Date.now() - t0;
    assert.equal(report.published, 40);
    assert.ok(took >= 350, `40 at 100/s took ${took} ms`);
  });

  it("stops on durationMs and on abort, resolving with what was published", async () => {
    const r = await publishScannerEvents({ url, durationMs: 300, rate: 50, protocolVersion: 4 });
    assert.ok(r.published >= 10 && r.published <= 20, `${r.published} in 300 ms at 50/s`);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const aborted = await publishScannerEvents({ url, rate: 20, protocolVersion: 4, signal: ac.signal });
    assert.ok(aborted.published >= 3 && aborted.published <= 6, `${aborted.published} before abort`);
  });

  it("refuses raw scans on MQTT 3.1.1 (no user properties to carry seq)", async () => {
    await assert.rejects(publishScannerEvents({ url, count: 1, rawShare: 0.5, protocolVersion: 4 }), /protocolVersion 5/);
  });
});

const mosquitto = spawnSync("mosquitto", ["-h"], { encoding: "utf8" });
const haveMosquitto = mosquitto.error === undefined;

describe("scanner publisher over MQTT 5 (raw GS1 + user properties, needs mosquitto on PATH)", { skip: haveMosquitto ? false : "mosquitto not installed" }, () => {
  let proc: ChildProcess;
  let url = "";

  before(async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    proc = spawn("mosquitto", ["-p", String(port)], { stdio: "ignore" });
    url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      try {
        const c = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 500 });
        await c.endAsync();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error("mosquitto did not start");
  });
  after(() => {
    proc?.kill("SIGTERM");
  });

  it("raw scans arrive as bare element strings with seq/deviceId/scannedAt user properties", async () => {
    const sub = await connectAsync(url, { protocolVersion: 5 });
    const got: IPublishPacket[] = [];
    sub.on("message", (_t, _p, packet) => got.push(packet));
    await sub.subscribeAsync("wms/+/scanner/+/+", { qos: 1 });
    const report = await publishScannerEvents({ url, count: 500, rate: 0, resubmitShare: 0.1, rawShare: 0.5, seed: 3, protocolVersion: 5 });
    const start = Date.now();
    while (got.length < 500 && Date.now() - start < 5000) await new Promise((r) => setTimeout(r, 20));
    await sub.endAsync();
    assert.equal(got.length, 500);
    assert.ok(report.raw > 180 && report.raw < 320, `~50% raw: ${report.raw}`);
    const keys = new Set<string>();
    let raws = 0;
    for (const p of got) {
      const up = p.properties?.userProperties ?? {};
      const payload = p.payload.toString();
      assert.ok(typeof up.seq === "string" && typeof up.deviceId === "string" && typeof up.scannedAt === "string");
      keys.add(`${String(up.deviceId)}:${String(up.seq)}`);
      if (payload.startsWith("]C1")) {
        raws++;
        assert.match(payload, /^\]C10[01]\d{16}/);
      } else {
        const e = JSON.parse(payload) as ScannerEvent;
        assert.equal(String(e.seq), up.seq);
      }
    }
    assert.ok(raws > 0);
    assert.equal(keys.size, report.distinct, "dedupe key from user properties gives the ground truth");
  });
});
