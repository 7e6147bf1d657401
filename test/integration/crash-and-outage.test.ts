/**
 * The reliability promise, tested as it would be broken in production:
 * - the product is killed with SIGKILL in the middle of a 50,000-event scanner burst with 10%
 *   resubmitted events; after a restart every distinct event reaches the TMS exactly once;
 * - the TMS answers 503 for 60 seconds; afterwards every event is delivered, none twice.
 * The simulators run in this test process so they outlive the product; the broker is a private
 * Mosquitto that keeps the product's persistent session while it is down.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulators, stopSimulators, type Simulators } from "../../simulators/index";
import { publishScannerEvents } from "../../simulators/scanner-publisher";
import { skipUnlessMosquitto, startMosquitto, type PrivateBroker } from "../helpers/mosquitto";
import { getJson, startProduct, waitFor } from "../helpers/product";

interface TmsState {
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  distinctEventIds: number;
}

const BURST = Number(process.env.LSYNC_CRASH_BURST ?? 50_000);
const OUTAGE_SECONDS = Number(process.env.LSYNC_OUTAGE_SECONDS ?? 60);

describe("reliability: crash mid-burst and a TMS outage", { skip: skipUnlessMosquitto(), timeout: 600_000 }, () => {
  let broker: PrivateBroker;
  let sims: Simulators;
  let dataDir: string;

  before(async () => {
    broker = await startMosquitto();
    sims = await startSimulators({ host: "127.0.0.1", basePort: 0, seed: 5 });
    dataDir = mkdtempSync(join(tmpdir(), "lsync-crash-"));
  });

  after(async () => {
    await stopSimulators(sims);
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const productEnv = () => ({
    MQTT_URL: broker.url,
    MQTT_PROTOCOL: "5",
    SIMULATORS: "off",
    TMS_URL: sims.tms.url,
    ERP_URL: sims.erp.url,
    LSYNC_INSTANCE: "crash-test",
  });
  const tmsState = async (): Promise<TmsState> => {
    const s = await getJson<TmsState>(`${sims.tms.url}/_sim/state`);
    return { eventsAccepted: s.eventsAccepted, eventsDuplicate: s.eventsDuplicate, eventsRejected: s.eventsRejected, distinctEventIds: s.distinctEventIds };
  };

  it(`SIGKILL in the middle of a ${BURST}-event burst loses nothing and posts nothing twice`, async () => {
    sims.tms.reset();
    let product = await startProduct(productEnv(), dataDir);
    const burst = publishScannerEvents({ url: broker.url, count: BURST, rate: 0, resubmitShare: 0.1, rawShare: 0.2, seed: 21, protocolVersion: 5 });
    // Kill once a good part of the burst is through the product, with more still coming.
    await waitFor(tmsState, (s) => s.eventsAccepted >= BURST * 0.2, 300_000, "a fifth of the burst at the TMS");
    product.process.kill("SIGKILL");
    await product.stop();
    const atKill = (await tmsState()).eventsAccepted;
    const report = await burst;
    assert.ok(atKill < report.distinct, `killed mid-burst (${atKill} of ${report.distinct} delivered)`);

    product = await startProduct(productEnv(), dataDir);
    try {
      const state = await waitFor(tmsState, (s) => s.distinctEventIds >= report.distinct, 300_000, `${report.distinct} distinct events at the TMS`);
      // Give stragglers (a replayed batch after the restart) a moment to show up if they existed.
      await new Promise((r) => setTimeout(r, 2000));
      const final = await tmsState();
      assert.equal(final.distinctEventIds, report.distinct, "every distinct event arrived");
      assert.equal(final.eventsAccepted, report.distinct, "each was applied once");
      assert.equal(final.eventsRejected, 0);
      assert.ok(state.eventsAccepted <= report.distinct);
    } finally {
      await product.stop();
    }
  });

  it(`a ${OUTAGE_SECONDS} s TMS outage (503) delays delivery but loses and doubles nothing`, async () => {
    sims.tms.reset();
    sims.tms.setFaults({ outageSeconds: OUTAGE_SECONDS, errorStatus: 503 });
    // A data folder of its own: the scanners of this burst reuse (device, seq) pairs of the
    // first one, which the first run's dedupe window would rightly drop as resubmissions.
    const outageDir = mkdtempSync(join(tmpdir(), "lsync-outage-"));
    const product = await startProduct({ ...productEnv(), LSYNC_INSTANCE: "outage-test" }, outageDir);
    try {
      const report = await publishScannerEvents({ url: broker.url, count: 2000, rate: 0, resubmitShare: 0.1, rawShare: 0.2, seed: 22, protocolVersion: 5 });
      await new Promise((r) => setTimeout(r, Math.min(5000, OUTAGE_SECONDS * 500)));
      assert.equal((await tmsState()).eventsAccepted, 0, "nothing gets through while the TMS is down");
      const final = await waitFor(tmsState, (s) => s.distinctEventIds >= report.distinct, (OUTAGE_SECONDS + 90) * 1000, "delivery after the outage");
      await new Promise((r) => setTimeout(r, 2000));
      const settled = await tmsState();
      assert.equal(settled.distinctEventIds, report.distinct);
      assert.equal(settled.eventsAccepted, report.distinct, "none twice");
      assert.equal(final.eventsRejected, 0);
    } finally {
      await product.stop();
      rmSync(outageDir, { recursive: true, force: true });
    }
  });
});
