/**
 * `npm run bench`: the scanner path measured three ways in one run on one machine, against a
 * private Mosquitto (or the embedded aedes broker when Mosquitto is missing):
 *   A  the limit: a bare mqtt.js subscriber (QoS 1) that only counts events;
 *   C  what users build today: the same pipeline from core Node-RED nodes (bench/core-baseline.flow.json)
 *      in a stock Node-RED, posting batches of 100 to the TMS simulator;
 *   P  the product's warehouse-to-transport flow, started as `npm start` starts it (built launcher).
 * plus the heap of a 1,000,000-key in-memory dedupe window and per-event store throughput on
 * SQLite and PostgreSQL. Prints a Markdown table with the targets; never fails on a miss.
 *
 * Run after `npm run build` (the product is started from dist/). Environment:
 *   BENCH_EVENTS          events per burst (default 100,000 rather than 200,000: P runs below
 *                         1,000 events/s and the whole run must stay within ~6 minutes on 2 cores)
 *   BENCH_PACED_SECONDS   length of the paced latency run (default 10)
 *   BENCH_RATE            paced target rate (default 5000 events/s)
 *   BENCH_ONLY            comma list of parts to run: A,C,P,dedupe,stores,mapping (default all); or as
 *                         arguments: `npm run bench -- mapping` (mapping alone needs no broker, no dist/)
 *   BENCH_MAPPING_MS      time per engine and mapping profile in the mapping row (default 400)
 *   BENCH_STORE_MS        time per store operation in the store rows (default 2000)
 *   BENCH_BROKER=aedes    use the aedes fallback even when Mosquitto is installed
 *   BENCH_CPU_PROF=1      afterwards, run P once more with --cpu-prof and print its top self-time functions
 *   LSYNC_TEST_PG_URL     PostgreSQL for the store benchmark (default postgres://postgres@127.0.0.1:5432/test)
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { startSimulators, stopSimulators, type Simulators } from "../simulators/index";
import { publishScannerEvents, type PublishReport } from "../simulators/scanner-publisher";
import type { EventResult } from "../simulators/tms";
import { mappingBench, mappingTable } from "./mapping";
import { productNodeArgs } from "../launcher/heap";
import { summarise } from "./profile-summary";
import { postgresThroughput, sqliteThroughput, type StoreResult } from "./stores";

const REPO = resolve(__dirname, "..");
const N = Math.max(1000, Math.trunc(Number(process.env.BENCH_EVENTS ?? 100_000)));
const PACED_SECONDS = Math.max(2, Number(process.env.BENCH_PACED_SECONDS ?? 10));
const TARGET_RATE = Math.max(100, Number(process.env.BENCH_RATE ?? 5000));
const ONLY = new Set(
  (process.argv.slice(2).join(",") || process.env.BENCH_ONLY || "A,C,P,dedupe,stores,mapping")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean),
);
const PG_URL = process.env.LSYNC_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const CPU_PROF = process.env.BENCH_CPU_PROF === "1";
const STORE_MS = Math.max(50, Number(process.env.BENCH_STORE_MS ?? 2000) || 2000);
const BURST_SEED = 1;
const PACED_SEED = 2;

const wall = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[bench] ${line}`);
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

// ---- processes ------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      ok(true);
    });
    socket.on("error", () => ok(false));
  });
}

/** CPU time (user + system) of a process so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Samples VmRSS every 100 ms; stop() returns the peak seen. */
function rssSampler(pid: number): { stop: () => number } {
  let peak = rssMB(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMB(pid));
    } catch {
      /* process gone */
    }
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssMB(pid));
      } catch {
        /* gone */
      }
      return peak;
    },
  };
}

interface Child {
  process: ChildProcess;
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

function startChild(args: string[], env: NodeJS.ProcessEnv, ipc = false): Child {
  const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ipc ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  return {
    process: child,
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      const done = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!done) child.kill("SIGKILL");
      await exited;
    },
  };
}

async function waitForOutput(child: Child, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(child.output())) {
    if (child.process.exitCode !== null) throw new Error(`${what} exited early (${child.process.exitCode}):\n${child.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready in ${timeoutMs / 1000} s:\n${child.output().slice(-3000)}`);
    await sleep(100);
  }
}

// ---- broker ---------------------------------------------------------------------------------

interface Broker {
  url: string;
  kind: string;
  protocol: 4 | 5;
  stop: () => Promise<void>;
}

function mosquittoBinary(): string | null {
  const found = spawnSync("sh", ["-c", "command -v mosquitto || ls /usr/sbin/mosquitto"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim().split("\n")[0]! : null;
}

async function startBroker(): Promise<Broker> {
  const port = await freePort();
  const binary = process.env.BENCH_BROKER === "aedes" ? null : mosquittoBinary();
  if (binary) {
    const dir = mkdtempSync(join(tmpdir(), "lsync-bench-mosquitto-"));
    const config = join(dir, "mosquitto.conf");
    // The configuration of test/helpers/mosquitto.ts: unlimited queue for the consumers' sessions.
    writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 100\nmax_queued_messages 0\n`);
    const child = spawn(binary, ["-c", config], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error("mosquitto did not listen within 10 s");
      await sleep(50);
    }
    const version = /version (\S+)/.exec(spawnSync(binary, ["-h"], { encoding: "utf8" }).stdout ?? "")?.[1] ?? "";
    return {
      url: `mqtt://127.0.0.1:${port}`,
      kind: `Mosquitto ${version}`.trim(),
      protocol: 5,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const forced = process.env.BENCH_BROKER === "aedes";
  log(
    forced
      ? "BENCH_BROKER=aedes: using the embedded aedes broker (MQTT 3.1.1) instead of Mosquitto"
      : "mosquitto is not installed: FALLING BACK to the embedded aedes broker (MQTT 3.1.1); numbers are not comparable with Mosquitto runs",
  );
  const child = startChild(["--import", "tsx", join(REPO, "bench", "aedes-broker.ts"), String(port)], process.env);
  await waitForOutput(child, /listening/, "aedes broker", 20_000);
  return { url: `mqtt://127.0.0.1:${port}`, kind: forced ? "aedes (BENCH_BROKER=aedes)" : "aedes (embedded fallback: Mosquitto is missing)", protocol: 4, stop: child.stop };
}

// ---- measurements ---------------------------------------------------------------------------

interface Burst {
  events: number;
  counted: number;
  complete: boolean;
  seconds: number;
  eventsPerSec: number;
  cpuUsPerEvent: number;
  peakRssMB: number;
  batches?: number;
  outboundPerEvent?: number;
  extraCalls?: number;
}

interface Paced {
  rate: number;
  reduced: boolean;
  events: number;
  counted: number;
  p50: number;
  p99: number;
  max: number;
}

interface SystemResult {
  name: string;
  burst?: Burst;
  paced?: Paced;
  error?: string;
}

/** Counts what the TMS simulator accepts (and when), in this process. */
interface TmsRecorder {
  accepted: number;
  lastAt: number;
  latencies: number[] | null;
}

function recordTms(sims: Simulators): TmsRecorder {
  const rec: TmsRecorder = { accepted: 0, lastAt: 0, latencies: null };
  // Wraps the simulator's per-event handler: the receive time of every accepted event.
  const tms = sims.tms as unknown as { applyEvent: (input: unknown) => EventResult };
  const original = tms.applyEvent.bind(sims.tms);
  tms.applyEvent = (input: unknown): EventResult => {
    const result = original(input);
    if (result.status === "accepted") {
      const now = wall();
      rec.accepted++;
      rec.lastAt = now;
      const at = (input as { occurredAt?: string }).occurredAt;
      if (rec.latencies && at) rec.latencies.push(now - Date.parse(at));
    }
    return result;
  };
  return rec;
}

function resetTms(sims: Simulators, rec: TmsRecorder, latencies: boolean): void {
  sims.tms.reset();
  sims.erp.reset();
  rec.accepted = 0;
  rec.lastAt = 0;
  rec.latencies = latencies ? [] : null;
}

/** Resolves with the wall time of the last expected event, or of the last one seen when progress stalls. */
async function waitTms(rec: TmsRecorder, expect: number, stallMs: number): Promise<{ endAt: number; counted: number; complete: boolean }> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    if (rec.accepted >= expect) return { endAt: rec.lastAt, counted: rec.accepted, complete: true };
    if (rec.accepted !== last) {
      last = rec.accepted;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      return { endAt: rec.lastAt, counted: rec.accepted, complete: false };
    }
    await sleep(20);
  }
}

function publish(broker: Broker, count: number, rate: number, seed: number, sites: string[], devicesPerSite: number, onFirst: (t: number) => void): Promise<PublishReport> {
  let first = false;
  return publishScannerEvents({
    url: broker.url,
    count,
    rate,
    resubmitShare: 0,
    rawShare: 0, // C parses JSON only
    seed,
    sites,
    devicesPerSite,
    protocolVersion: broker.protocol,
    now: () => {
      if (!first) {
        first = true;
        onFirst(wall());
      }
      return Date.now();
    },
  });
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function pacedRateFor(burst: Burst | undefined): { rate: number; reduced: boolean } {
  if (!burst || burst.eventsPerSec * 0.8 >= TARGET_RATE) return { rate: TARGET_RATE, reduced: false };
  // Below the target the system cannot keep up: pace at 80 % of what it sustained in the burst.
  return { rate: Math.max(100, Math.floor((burst.eventsPerSec * 0.8) / 50) * 50), reduced: true };
}

/** A burst against a consumer whose last event is seen at the TMS simulator (C and P). */
async function tmsBurst(broker: Broker, sims: Simulators, rec: TmsRecorder, pid: number, stallMs: number): Promise<Burst> {
  resetTms(sims, rec, false);
  const rss = rssSampler(pid);
  const cpu0 = cpuMs(pid);
  let firstAt = 0;
  const report = publish(broker, N, 0, BURST_SEED, ["DC1", "DC2"], 3, (t) => (firstAt = t));
  const done = await waitTms(rec, N, stallMs);
  const cpu1 = cpuMs(pid);
  const peak = rss.stop();
  await report;
  const state = sims.tms.state() as { batches: number };
  const erp = sims.erp.state() as { stats: { received: number } };
  const seconds = (done.endAt - firstAt) / 1000;
  return {
    events: N,
    counted: done.counted,
    complete: done.complete,
    seconds,
    eventsPerSec: done.counted / seconds,
    cpuUsPerEvent: ((cpu1 - cpu0) * 1000) / Math.max(1, done.counted),
    peakRssMB: peak,
    batches: state.batches,
    outboundPerEvent: state.batches / Math.max(1, done.counted),
    extraCalls: erp.stats.received,
  };
}

async function tmsPaced(broker: Broker, sims: Simulators, rec: TmsRecorder, burst: Burst | undefined): Promise<Paced> {
  const { rate, reduced } = pacedRateFor(burst);
  const count = Math.round(rate * PACED_SECONDS);
  resetTms(sims, rec, true);
  await publish(broker, count, rate, PACED_SEED, ["DC3"], 6, () => undefined);
  const done = await waitTms(rec, count, 15_000);
  const sorted = [...(rec.latencies ?? [])].sort((a, b) => a - b);
  rec.latencies = null;
  return { rate, reduced, events: count, counted: done.counted, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
}

// ---- A: raw subscriber ----------------------------------------------------------------------

interface RawDone {
  at: number;
  count: number;
  latencies: number[];
}

/** The subscriber process; `phase()` arms it to count `expect` events and resolves when it has. */
async function rawSubscriber(broker: Broker): Promise<{ child: Child; phase: (expect: number, mode: "burst" | "paced") => Promise<{ done: Promise<RawDone> }> }> {
  const child = startChild(["--import", "tsx", join(REPO, "bench", "raw-subscriber.ts"), broker.url, String(broker.protocol)], process.env, true);
  let onDone: (v: RawDone) => void = () => undefined;
  let onArmed: () => void = () => undefined;
  const ready = new Promise<void>((ok, fail) => {
    child.process.on("message", (m: { type: string } & RawDone) => {
      if (m.type === "ready") ok();
      if (m.type === "armed") onArmed();
      if (m.type === "done") onDone(m);
    });
    child.process.once("exit", (code) => fail(new Error(`raw subscriber exited (${code}): ${child.output()}`)));
  });
  await ready;
  return {
    child,
    phase: async (expect, mode) => {
      const done = new Promise<RawDone>((r) => (onDone = r));
      await new Promise<void>((r) => {
        onArmed = r;
        child.process.send({ type: "phase", expect, mode });
      });
      return { done };
    },
  };
}

async function benchA(broker: Broker): Promise<SystemResult> {
  const result: SystemResult = { name: "A raw mqtt.js" };
  const { child, phase } = await rawSubscriber(broker);
  try {
    const { done } = await phase(N, "burst");
    const rss = rssSampler(child.pid);
    const cpu0 = cpuMs(child.pid);
    let firstAt = 0;
    const report = publish(broker, N, 0, BURST_SEED, ["DC1", "DC2"], 3, (t) => (firstAt = t));
    const end = await Promise.race([done, sleep(180_000).then(() => null)]);
    const cpu1 = cpuMs(child.pid);
    const peak = rss.stop();
    await report;
    if (!end) throw new Error("raw subscriber did not count every event within 180 s");
    const seconds = (end.at - firstAt) / 1000;
    result.burst = { events: N, counted: end.count, complete: true, seconds, eventsPerSec: end.count / seconds, cpuUsPerEvent: ((cpu1 - cpu0) * 1000) / end.count, peakRssMB: peak };

    const { rate, reduced } = pacedRateFor(result.burst);
    const count = Math.round(rate * PACED_SECONDS);
    const { done: pacedDone } = await phase(count, "paced");
    await publish(broker, count, rate, PACED_SEED, ["DC3"], 6, () => undefined);
    const paced = await Promise.race([pacedDone, sleep(30_000).then(() => null)]);
    if (!paced) throw new Error("raw subscriber did not count every paced event");
    const sorted = [...paced.latencies].sort((a, b) => a - b);
    result.paced = { rate, reduced, events: count, counted: paced.count, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
  } finally {
    await child.stop();
  }
  return result;
}

// ---- C: core Node-RED -----------------------------------------------------------------------

async function benchC(broker: Broker, sims: Simulators, rec: TmsRecorder): Promise<SystemResult> {
  const result: SystemResult = { name: "C core Node-RED" };
  const dir = mkdtempSync(join(tmpdir(), "lsync-bench-core-"));
  const port = await freePort();
  const settings = join(dir, "settings.js");
  writeFileSync(
    settings,
    `module.exports = ${JSON.stringify(
      {
        uiHost: "127.0.0.1",
        uiPort: port,
        flowFilePretty: false,
        credentialSecret: false,
        diagnostics: { enabled: false, ui: false },
        telemetry: { enabled: false, updateNotification: false },
        runtimeState: { enabled: false, ui: false },
        functionExternalModules: false,
        logging: { console: { level: "info", metrics: false, audit: false } },
        editorTheme: { palette: { catalogues: [] }, tours: false },
      },
      null,
      2,
    )};\n`,
  );
  const flowFile = join(dir, "flows.json");
  writeFileSync(flowFile, readFileSync(join(REPO, "bench", "core-baseline.flow.json")));
  const { port: brokerPort, hostname } = new URL(broker.url);
  const child = startChild([join(REPO, "node_modules", "node-red", "red.js"), "-u", dir, "-s", settings, flowFile], {
    ...process.env,
    BENCH_MQTT_HOST: hostname,
    BENCH_MQTT_PORT: brokerPort,
    BENCH_MQTT_PROTOCOL: String(broker.protocol),
    TMS_BATCH_URL: `${sims.tms.url}/api/v1/execution-events:batch`,
    NODE_RED_ENABLE_PROJECTS: "false",
  });
  try {
    await waitForOutput(child, /Connected to broker/, "core Node-RED");
    await sleep(1000); // the subscription follows the connection
    result.burst = await tmsBurst(broker, sims, rec, child.pid, 30_000);
    await sleep(1500); // the join's 1 s timeout flushes a partial batch
    result.paced = await tmsPaced(broker, sims, rec, result.burst);
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

// ---- P: the product -------------------------------------------------------------------------

async function startProduct(broker: Broker, sims: Simulators, nodeArgs: string[] = []): Promise<{ child: Child; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "lsync-bench-product-"));
  const child = startChild([...productNodeArgs(), ...nodeArgs, join(REPO, "dist", "launcher", "start.js")], {
    ...process.env,
    PORT: "0",
    MQTT_URL: broker.url,
    MQTT_PROTOCOL: String(broker.protocol),
    SIMULATORS: "off",
    SCANNER_RATE: "0",
    // The bench's scanners report picks by RF at every site (the paced run at DC3): no site picks in
    // the WMS, or the handoff would park DC3's RF picks (one pick channel per site).
    LSYNC_WMS_PICK_SITES: "none",
    TMS_URL: sims.tms.url,
    ERP_URL: sims.erp.url,
    LSYNC_DATA_DIR: dir,
    LSYNC_INSTANCE: "bench",
    LOG_LEVEL: "info",
  });
  await waitForOutput(child, /ready; Ctrl-C stops everything/, "product");
  await waitForOutput(child, /\[lsync-scanner-in:[^\]]*\] subscribed to/, "product intake");
  return { child, dir };
}

async function benchP(broker: Broker, sims: Simulators, rec: TmsRecorder): Promise<SystemResult> {
  const result: SystemResult = { name: "P product" };
  // BENCH_P_NODE_ARGS: V8 flags for the product only (e.g. "--max-old-space-size=192"), to see what memory is garbage.
  const { child, dir } = await startProduct(broker, sims, (process.env.BENCH_P_NODE_ARGS ?? "").split(/\s+/).filter(Boolean));
  try {
    result.burst = await tmsBurst(broker, sims, rec, child.pid, 60_000);
    await sleep(2000); // let the ERP leg of the burst settle before the paced run
    result.paced = await tmsPaced(broker, sims, rec, result.burst);
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

async function profileP(broker: Broker, sims: Simulators, rec: TmsRecorder): Promise<void> {
  const events = Math.min(N, 20_000);
  const profDir = mkdtempSync(join(tmpdir(), "lsync-bench-prof-"));
  const { child, dir } = await startProduct(broker, sims, ["--cpu-prof", `--cpu-prof-dir=${profDir}`]);
  try {
    resetTms(sims, rec, false);
    const report = publish(broker, events, 0, 3, ["DC1", "DC2"], 3, () => undefined);
    await waitTms(rec, events, 60_000);
    await report;
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) {
    log(`no .cpuprofile written in ${profDir}`);
    return;
  }
  const s = summarise(join(profDir, file), REPO, 20);
  console.log(`\n### P CPU profile (${events.toLocaleString("en-US")}-event burst, ${(s.totalMs / 1000).toFixed(1)} s of CPU samples, whole process incl. start-up)\n`);
  console.log("| self time | share | function | where |\n| ---: | ---: | --- | --- |");
  for (const r of s.functions) console.log(`| ${r.selfMs.toFixed(0)} ms | ${(r.share * 100).toFixed(1)} % | \`${r.name}\` | ${r.where} |`);
  console.log("\n| self time | share | area |\n| ---: | ---: | --- |");
  for (const r of s.areas) console.log(`| ${r.selfMs.toFixed(0)} ms | ${(r.share * 100).toFixed(1)} % | ${r.name} |`);
  console.log(`\nprofile: ${join(profDir, file)} (open in Chrome DevTools → Performance)`);
}

// ---- dedupe window --------------------------------------------------------------------------

interface DedupeMemory {
  keys: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  windowMB: number;
  rssMB: number;
  insertMs: number;
}

async function dedupeMemory(): Promise<DedupeMemory> {
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(REPO, "bench", "dedupe-memory.ts"), "1000000"], { cwd: REPO, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`dedupe memory child failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as DedupeMemory;
}

// ---- report ---------------------------------------------------------------------------------

const f0 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "–" : Math.round(n).toLocaleString("en-US"));
const f1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(1));
const f2 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(2));
const f4 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(4));
const verdict = (ok: boolean | undefined) => (ok === undefined ? "–" : ok ? "PASS" : "MISS");

function machine(): string {
  const model = /model name\s*:\s*(.+)/.exec(existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "")?.[1]?.trim() ?? cpus()[0]?.model ?? "?";
  return `${availableParallelism()} cores (nproc), ${model}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, Node ${process.version}, Linux`;
}

function report(broker: Broker, a: SystemResult, c: SystemResult, p: SystemResult, dedupe: DedupeMemory | undefined, stores: StoreResult[], seconds: number): void {
  const A = a.burst;
  const C = c.burst;
  const P = p.burst;
  const pa = P && A ? P.eventsPerSec / A.eventsPerSec : undefined;
  const pc = P && C ? P.eventsPerSec / C.eventsPerSec : undefined;
  const rates = (r: SystemResult) => (r.paced ? `${f0(r.paced.rate)}/s${r.paced.reduced ? "*" : ""}` : "–");
  const lines: string[] = [];
  lines.push(`Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · machine: ${machine()} · broker: ${broker.kind}, MQTT ${broker.protocol === 5 ? "5" : "3.1.1"}`);
  lines.push(`Burst: N = ${N.toLocaleString("en-US")} JSON scanner events (~290 bytes, QoS 1, no resubmissions, no raw GS1) published as fast as the broker acks; paced run: ${PACED_SECONDS} s.`);
  lines.push("");
  lines.push("| metric | A raw mqtt.js | C core Node-RED | P product | P/A | P/C | target (P) | P |");
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  lines.push(
    `| events/s (burst, end to end) | ${f0(A?.eventsPerSec)} | ${f0(C?.eventsPerSec)} | ${f0(P?.eventsPerSec)} | ${f2(pa)} | ${f2(pc)} | ≥ 3 × C and ≥ 0.6 × A | ${verdict(pc === undefined ? undefined : pc >= 3)} (×C) / ${verdict(pa === undefined ? undefined : pa >= 0.6)} (×A) |`,
  );
  lines.push(`| CPU µs per event (measured process) | ${f0(A?.cpuUsPerEvent)} | ${f0(C?.cpuUsPerEvent)} | ${f0(P?.cpuUsPerEvent)} | ${f1(P && A ? P.cpuUsPerEvent / A.cpuUsPerEvent : undefined)} | ${f1(P && C ? P.cpuUsPerEvent / C.cpuUsPerEvent : undefined)} | – | – |`);
  lines.push(`| paced rate | ${rates(a)} | ${rates(c)} | ${rates(p)} | | | ${f0(TARGET_RATE)}/s | |`);
  lines.push(`| latency p50, ms | ${f1(a.paced?.p50)} | ${f1(c.paced?.p50)} | ${f1(p.paced?.p50)} | | | – | – |`);
  const p99ok = p.paced ? !p.paced.reduced && p.paced.p99 <= 3 : undefined;
  lines.push(`| latency p99, ms | ${f1(a.paced?.p99)} | ${f1(c.paced?.p99)} | ${f1(p.paced?.p99)} | | | ≤ 3 ms at ${f0(TARGET_RATE)}/s | ${verdict(p99ok)}${p.paced?.reduced ? " (could not run at the target rate)" : ""} |`);
  lines.push(`| peak RSS through the burst, MB | ${f0(A?.peakRssMB)} | ${f0(C?.peakRssMB)} | ${f0(P?.peakRssMB)} | | | ≤ 250 MB | ${verdict(P ? P.peakRssMB <= 250 : undefined)} |`);
  lines.push(`| outbound calls per event (TMS batches / events) | – | ${f4(C?.outboundPerEvent)} | ${f4(P?.outboundPerEvent)} | | | ≤ 0.01 | ${verdict(P?.outboundPerEvent === undefined ? undefined : P.outboundPerEvent <= 0.01)} |`);
  lines.push(
    `| dedupe window, 1,000,000 keys (MemoryDedupe), heap + array buffers MB | | | ${f0(dedupe?.heapAfterMB)} | | | ≤ 150 MB | ${verdict(dedupe ? dedupe.heapAfterMB <= 150 : undefined)} |`,
  );
  lines.push("");
  if (stores.length > 0) {
    lines.push("| store (one operation at a time) | addToInbox + settle /s | claimDedupe /s | enqueueOutbox /s |");
    lines.push("| --- | ---: | ---: | ---: |");
    for (const s of stores) lines.push(`| ${s.store} | ${s.note ? s.note : f0(s.inboxPerSec ?? undefined)} | ${f0(s.dedupePerSec ?? undefined)} | ${f0(s.outboxPerSec ?? undefined)} |`);
    lines.push("");
  }
  const notes: string[] = [];
  for (const r of [a, c, p]) {
    if (r.error) notes.push(`${r.name}: did not run: ${r.error.split("\n")[0]}`);
    if (r.burst && !r.burst.complete) notes.push(`${r.name}: only ${r.burst.counted} of ${r.burst.events} events arrived (progress stalled); events/s counts those`);
    if (r.paced?.reduced) notes.push(`${r.name}: * cannot keep up with ${f0(TARGET_RATE)}/s: paced at ${f0(r.paced.rate)}/s (80 % of its burst rate)`);
    if (r.paced && r.paced.counted < r.paced.events) notes.push(`${r.name}: paced run: ${r.paced.counted} of ${r.paced.events} events arrived`);
  }
  if (P?.extraCalls !== undefined) notes.push(`P also made ${P.extraCalls} ERP calls for the ${f0(P.counted)}-event burst (${f4(P.extraCalls / Math.max(1, P.counted))} per event), not counted above.`);
  if (dedupe) notes.push(`Dedupe window: ${f0(dedupe.windowMB)} MB of it is the 1,000,000 entries (heap before ${f0(dedupe.heapBeforeMB)} MB; RSS ${f0(dedupe.rssMB)} MB).`);
  notes.push("Latency = TMS receive time − scannedAt (A: subscriber receive time − scannedAt, set at publish); scannedAt has millisecond resolution.");
  notes.push(`Whole run: ${f0(seconds)} s.`);
  for (const n of notes) lines.push(`- ${n}`);
  console.log(`\n## Benchmark results\n\n${lines.join("\n")}\n`);
}

// ---- main -----------------------------------------------------------------------------------

async function part<T>(name: string, wanted: boolean, fn: () => Promise<T>): Promise<T | { error: string } | undefined> {
  if (!wanted) return undefined;
  const started = Date.now();
  log(`${name} …`);
  try {
    const r = await fn();
    log(`${name} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return r;
  } catch (err) {
    log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
    return { error: (err as Error).message };
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  if (ONLY.has("mapping")) {
    // in-process and first, before the broker and the product compete for the 2 cores
    const rows = await part("mapping: jsonata vs the fast path", true, () => mappingBench());
    if (Array.isArray(rows)) console.log(`\n## Mapping: JSONata vs the compiled fast path\n\n${mappingTable(rows)}\n`);
    if ([...ONLY].every((x) => x === "mapping")) return;
  }
  if (!existsSync(join(REPO, "dist", "launcher", "start.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  log(`N = ${N.toLocaleString("en-US")} events per burst (BENCH_EVENTS), paced runs ${PACED_SECONDS} s at up to ${TARGET_RATE}/s`);
  const broker = await startBroker();
  log(`broker: ${broker.kind} at ${broker.url}`);
  const sims = await startSimulators({ host: "127.0.0.1", basePort: 0, seed: 7 });
  const rec = recordTms(sims);
  const asResult = (name: string, r: SystemResult | { error: string } | undefined): SystemResult =>
    r === undefined ? { name, error: "not run (BENCH_ONLY)" } : "name" in r ? r : { name, error: r.error };
  try {
    const a = asResult("A raw mqtt.js", await part("A: raw mqtt.js subscriber", ONLY.has("a"), () => benchA(broker)));
    const c = asResult("C core Node-RED", await part("C: core Node-RED flow", ONLY.has("c"), () => benchC(broker, sims, rec)));
    const p = asResult("P product", await part("P: product flow", ONLY.has("p"), () => benchP(broker, sims, rec)));
    const dedupe = await part("dedupe window memory", ONLY.has("dedupe"), dedupeMemory);
    const stores: StoreResult[] = [];
    if (ONLY.has("stores")) {
      const s = await part("store throughput", true, async () => [await sqliteThroughput(STORE_MS), await postgresThroughput(STORE_MS, PG_URL)]);
      if (Array.isArray(s)) stores.push(...s);
    }
    report(broker, a, c, p, dedupe && "keys" in dedupe ? dedupe : undefined, stores, (Date.now() - started) / 1000);
    if (CPU_PROF) await part("P with --cpu-prof", true, () => profileP(broker, sims, rec));
  } finally {
    await stopSimulators(sims);
    await broker.stop();
  }
  log(`finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[bench] harness failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
