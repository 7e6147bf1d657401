/**
 * Two product instances share one MQTT 5 shared subscription on Mosquitto and one PostgreSQL
 * store: the broker splits the scans between them, and every distinct event is processed once
 * (one TMS application per event, no duplicates reaching the TMS) — with the shipped flows,
 * configured only through the environment.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { startSimulators, stopSimulators, type Simulators } from "../../simulators/index";
import { publishScannerEvents } from "../../simulators/scanner-publisher";
import { skipUnlessMosquitto, startMosquitto, type PrivateBroker } from "../helpers/mosquitto";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { pgUrl, probePostgres, serviceSkip } from "../helpers/services";

/** The scanner intake node of flows/warehouse-to-transport.json. */
const SCANNER_INTAKE = "w2t0000000000001";

describe("two instances", { timeout: 300_000 }, async () => {
  const skip = skipUnlessMosquitto() || (await serviceSkip("PostgreSQL", probePostgres));
  describe("shared subscription and PostgreSQL store", { skip }, () => {
  const schema = `lsync_two_${randomBytes(4).toString("hex")}`;
  let broker: PrivateBroker;
  let sims: Simulators;
  const instances: RunningProduct[] = [];

  before(async () => {
    broker = await startMosquitto();
    sims = await startSimulators({ host: "127.0.0.1", basePort: 0, seed: 9 });
    // The store node's schema comes from the flows; a throwaway schema keeps runs apart.
    for (const name of ["a", "b"]) {
      instances.push(
        await startProduct({
          MQTT_URL: broker.url,
          MQTT_PROTOCOL: "5",
          MQTT_SHARED_GROUP: "scanners",
          LSYNC_STORE: "postgres",
          LSYNC_PG_URL: pgUrl(),
          LSYNC_PG_SCHEMA: schema,
          LSYNC_INSTANCE: `two-${name}`,
          SIMULATORS: "off",
          TMS_URL: sims.tms.url,
          ERP_URL: sims.erp.url,
        }),
      );
    }
  });

  after(async () => {
    for (const p of instances) await p.stop();
    await stopSimulators(sims);
    await broker?.stop();
    const client = new pg.Client({ connectionString: pgUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it("splits the scans between the instances and processes every event once", async () => {
    const report = await publishScannerEvents({ url: broker.url, count: 4000, rate: 0, resubmitShare: 0.1, rawShare: 0.2, seed: 31, protocolVersion: 5 });
    const state = await waitFor(
      () => getJson<{ eventsAccepted: number; eventsDuplicate: number; distinctEventIds: number }>(`${sims.tms.url}/_sim/state`),
      (s) => s.distinctEventIds >= report.distinct,
      180_000,
      `${report.distinct} distinct events at the TMS`,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const final = await getJson<{ eventsAccepted: number; eventsDuplicate: number; distinctEventIds: number }>(`${sims.tms.url}/_sim/state`);
    assert.equal(final.distinctEventIds, report.distinct);
    assert.equal(final.eventsAccepted, report.distinct, "each event applied once");
    assert.ok(state.eventsAccepted <= report.distinct);

    const client = new pg.Client({ connectionString: pgUrl() });
    await client.connect();
    try {
      // The scanner intake's rows (the other tabs' polling and webhook intakes take in their own).
      const bySource = await client.query<{ source: string; n: string }>(`SELECT source, count(*) AS n FROM ${schema}.inbox WHERE topic LIKE 'wms/%/scanner/%' GROUP BY source`);
      assert.deepEqual(bySource.rows.map((r) => r.source), [SCANNER_INTAKE], "one intake node id (the same flow in both instances)");
      const taken = Number(bySource.rows[0]!.n);
      assert.equal(taken, report.published, "the broker delivered each publish to exactly one instance");
      const dup = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.inbox WHERE state = 'duplicate' AND source = '${SCANNER_INTAKE}'`);
      assert.equal(Number(dup.rows[0]!.n), report.published - report.distinct, "resubmissions dropped once each");
    } finally {
      await client.end();
    }
    // Both instances did work: the shared subscription split the load.
    for (const p of instances) assert.match(p.output(), /subscribed to \$share\/scanners\//);
  });
  });
});
