/**
 * Warehouse scanner stand-in: publishes pick / pack / weight / cube / ship scans to MQTT the way
 * RF guns behind a WMS gateway do (domain.md §3.1, §3.2):
 *
 *   topic    wms/<site>/scanner/<deviceId>/<event>      QoS 1, never retained
 *   payload  JSON event (below) or, for a share of scans, the bare GS1 element string as scanned
 *            ("]C1" symbology id, GS = \u001d between variable-length elements); raw scans carry
 *            `seq`, `deviceId`, `scannedAt` as MQTT 5 user properties (so raw needs protocol 5).
 *   resubmissions: a share of publishes re-send an earlier message unchanged (same payload, same
 *            seq), as a gun does after a reconnect. The product must dedupe on (deviceId, seq).
 *
 * Each device works in cycles bound to one outbound load: 1–3 picks of one SKU/batch, then pack
 * onto a new SSCC, weigh, cube and ship it. So every event carries `loadId` and the SSCC of a
 * cycle is the one later weighed, cubed and shipped.
 *
 * Library: `publishScannerEvents(options)` → report with the ground truth (distinct keys).
 * Pure generator: `makeScannerEvent(rng, context)`; stateful cycles: `ScannerEventSource`.
 * CLI: node dist/simulators/scanner-publisher.js --url mqtt://127.0.0.1:1883 --rate 50 --resubmit 0.1 --raw 0.2
 */
import { connectAsync, type IClientOptions, type IClientPublishOptions } from "mqtt";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CATALOG, COMPANY_PREFIX, siteInfo, type CatalogItem } from "./lib/catalog";
import { GS, withCheckDigit } from "./lib/gs1";
import { mulberry32, pickOne, randomInt, type Rng } from "./lib/rng";

export const SCAN_EVENTS = ["pick", "pack", "weight", "cube", "ship"] as const;
export type ScanEventType = (typeof SCAN_EVENTS)[number];

export interface PackedContent {
  gtin: string;
  sku: string;
  batch: string;
  quantity: number;
}

export interface ScannerEvent {
  deviceId: string;
  seq: number;
  scannedAt: string;
  event: ScanEventType;
  symbologyId: string;
  raw: string;
  operatorId: string;
  siteGln: string;
  site: string;
  workOrderRef: string;
  loadId?: string;
  binId?: string;
  sku?: string;
  gtin?: string;
  batch?: string;
  quantity?: number;
  uom?: string;
  sscc?: string;
  contents?: PackedContent[];
  grossWeightKg?: number;
  dims?: { lengthCm: number; widthCm: number; heightCm: number };
}

/** What one scan is about; anything left out is drawn from `rng`. */
export interface ScanContext {
  event: ScanEventType;
  site: string;
  deviceId: string;
  seq: number;
  /** Epoch ms of the scan. */
  at: number;
  operatorId?: string;
  workOrderRef?: string;
  loadId?: string;
  item?: CatalogItem;
  batch?: string;
  quantity?: number;
  sscc?: string;
  contents?: PackedContent[];
  grossWeightKg?: number;
  dims?: { lengthCm: number; widthCm: number; heightCm: number };
}

/** ISO 8601 with the site's fixed offset, milliseconds included: 2026-11-22T09:14:05.123+01:00. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** SSCC = extension digit + company prefix + 9-digit serial + check digit (18 digits). */
export function makeSscc(serial: number, extension = 3): string {
  return withCheckDigit(`${extension}${COMPANY_PREFIX}${String(serial % 1_000_000_000).padStart(9, "0")}`);
}

const pad6 = (n: number) => String(Math.round(n)).padStart(6, "0");

/** The GS1-128 element string a scanner transmits for this event (symbology id first, GS after variable-length AIs that are not last). */
export function gs1ElementString(e: Pick<ScannerEvent, "event" | "gtin" | "batch" | "quantity" | "sscc" | "contents" | "grossWeightKg" | "dims">): string {
  switch (e.event) {
    case "pick":
      // (01) GTIN (10) batch <GS> (30) count — 30 requires 01, satisfied.
      return `]C101${e.gtin ?? ""}10${e.batch ?? ""}${GS}30${e.quantity ?? 1}`;
    case "pack": {
      // Pallet label of a homogeneous pallet: (00) SSCC (02) content GTIN (37) count <GS> (10) batch.
      const c = e.contents?.[0];
      if (!c) return `]C100${e.sscc ?? ""}`;
      return `]C100${e.sscc ?? ""}02${c.gtin}37${c.quantity}${GS}10${c.batch}`;
    }
    case "weight":
      // (3301) gross weight, kg with one decimal.
      return `]C100${e.sscc ?? ""}3301${pad6((e.grossWeightKg ?? 0) * 10)}`;
    case "cube": {
      // (3312)/(3322)/(3332) logistic length/width/height in metres with two decimals = centimetres.
      const d = e.dims ?? { lengthCm: 0, widthCm: 0, heightCm: 0 };
      return `]C100${e.sscc ?? ""}3312${pad6(d.lengthCm)}3322${pad6(d.widthCm)}3332${pad6(d.heightCm)}`;
    }
    case "ship":
      return `]C100${e.sscc ?? ""}`;
  }
}

/**
 * One scanner event. Pure: the result depends only on `rng`'s sequence and `ctx`, so the
 * product's tests can regenerate the exact events a run published.
 */
export function makeScannerEvent(rng: Rng, ctx: ScanContext): ScannerEvent {
  const site = siteInfo(ctx.site);
  const item = ctx.item ?? pickOne(rng, CATALOG);
  const batch = ctx.batch ?? pickOne(rng, item.batches);
  const base: ScannerEvent = {
    deviceId: ctx.deviceId,
    seq: ctx.seq,
    scannedAt: isoWithOffset(ctx.at, site.utcOffsetMinutes),
    event: ctx.event,
    symbologyId: "]C1",
    raw: "",
    operatorId: ctx.operatorId ?? `OP-${randomInt(rng, 100, 399)}`,
    siteGln: site.gln,
    site: site.site,
    workOrderRef: ctx.workOrderRef ?? `WO-2026-${String(randomInt(rng, 1, 999_999)).padStart(6, "0")}`,
  };
  if (ctx.loadId !== undefined) base.loadId = ctx.loadId;
  const sscc = ctx.sscc ?? makeSscc(randomInt(rng, 1, 999_999_999));
  switch (ctx.event) {
    case "pick": {
      const quantity = ctx.quantity ?? randomInt(rng, 1, 12);
      Object.assign(base, {
        binId: `${pickOne(rng, ["A", "B", "C", "D"])}-${String(randomInt(rng, 1, 40)).padStart(2, "0")}-${String(randomInt(rng, 1, 6)).padStart(2, "0")}`,
        sku: item.sku,
        gtin: item.gtin,
        batch,
        quantity,
        uom: item.baseUnit,
      });
      break;
    }
    case "pack": {
      const contents = ctx.contents ?? [{ gtin: item.gtin, sku: item.sku, batch, quantity: ctx.quantity ?? randomInt(rng, 1, 36) }];
      Object.assign(base, { sscc, contents });
      break;
    }
    case "weight": {
      const kg = ctx.grossWeightKg ?? randomInt(rng, 300, 9000) / 10;
      Object.assign(base, { sscc, grossWeightKg: Math.round(kg * 10) / 10 });
      break;
    }
    case "cube": {
      const dims = ctx.dims ?? { lengthCm: 120, widthCm: 80, heightCm: randomInt(rng, 40, 180) };
      Object.assign(base, { sscc, dims });
      break;
    }
    case "ship":
      Object.assign(base, { sscc });
      break;
  }
  base.raw = gs1ElementString(base);
  return base;
}

interface DeviceCycle {
  site: string;
  deviceId: string;
  operatorId: string;
  seq: number;
  plan: ScanEventType[];
  step: number;
  item: CatalogItem;
  batch: string;
  picked: number;
  sscc: string;
  workOrderRef: string;
  loadId: string;
  grossWeightKg: number;
}

export interface ScannerSourceOptions {
  sites?: string[];
  devicesPerSite?: number;
  seed?: number;
  /** Pallets per load before a site moves on to the next load (default 8). */
  palletsPerLoad?: number;
}

/**
 * The stateful side: devices round a work cycle each, sites fill loads pallet by pallet.
 * Deterministic for a seed (apart from the clock passed to next()).
 */
export class ScannerEventSource {
  readonly rng: Rng;
  private readonly devices: DeviceCycle[] = [];
  private readonly sscc = new Map<string, number>();
  private readonly load = new Map<string, { n: number; pallets: number }>();
  private workOrder: number;
  private readonly palletsPerLoad: number;

  constructor(opts: ScannerSourceOptions = {}) {
    this.rng = mulberry32(opts.seed ?? 1);
    this.palletsPerLoad = opts.palletsPerLoad ?? 8;
    this.workOrder = randomInt(this.rng, 1, 90_000);
    const sites = opts.sites?.length ? opts.sites : ["DC1", "DC2"];
    const perSite = Math.max(1, opts.devicesPerSite ?? 3);
    let device = 0;
    sites.forEach((site, si) => {
      // SSCC serials: one range per site (site index in the top digit) so sites never collide.
      this.sscc.set(site, (si % 10) * 100_000_000 + randomInt(this.rng, 1, 50_000_000));
      this.load.set(site, { n: randomInt(this.rng, 1, 900), pallets: 0 });
      for (let d = 0; d < perSite; d++) {
        device++;
        const cycle = this.newCycle(site, `RF-${String(device).padStart(3, "0")}`, `OP-${String(200 + device).padStart(3, "0")}`, randomInt(this.rng, 1_000, 90_000));
        this.devices.push(cycle);
      }
    });
  }

  private newCycle(site: string, deviceId: string, operatorId: string, seq: number): DeviceCycle {
    const picks = randomInt(this.rng, 1, 3);
    const item = pickOne(this.rng, CATALOG);
    const serial = (this.sscc.get(site) ?? 0) + 1;
    this.sscc.set(site, serial);
    const load = this.load.get(site) ?? { n: 1, pallets: 0 };
    if (load.pallets >= this.palletsPerLoad) {
      load.n++;
      load.pallets = 0;
    }
    load.pallets++;
    this.load.set(site, load);
    return {
      site,
      deviceId,
      operatorId,
      seq,
      plan: [...Array<ScanEventType>(picks).fill("pick"), "pack", "weight", "cube", "ship"],
      step: 0,
      item,
      batch: pickOne(this.rng, item.batches),
      picked: 0,
      sscc: makeSscc(serial),
      workOrderRef: `WO-2026-${String(++this.workOrder).padStart(6, "0")}`,
      loadId: `LD-${site}-${String(load.n).padStart(4, "0")}`,
      grossWeightKg: 0,
    };
  }

  /** Device ids, site by site. */
  get deviceIds(): string[] {
    return this.devices.map((d) => d.deviceId);
  }

  /** The next scan of a randomly chosen device, stamped `at`. */
  next(at: number): ScannerEvent {
    const idx = Math.floor(this.rng() * this.devices.length);
    let d = this.devices[idx] as DeviceCycle;
    if (d.step >= d.plan.length) {
      d = this.newCycle(d.site, d.deviceId, d.operatorId, d.seq);
      this.devices[idx] = d;
    }
    const event = d.plan[d.step] as ScanEventType;
    d.step++;
    d.seq++;
    const ctx: ScanContext = { event, site: d.site, deviceId: d.deviceId, seq: d.seq, at, operatorId: d.operatorId, workOrderRef: d.workOrderRef, loadId: d.loadId, item: d.item, batch: d.batch, sscc: d.sscc };
    if (event === "pack") ctx.contents = [{ gtin: d.item.gtin, sku: d.item.sku, batch: d.batch, quantity: d.picked }];
    if (event === "weight") {
      d.grossWeightKg = Math.round((25 + d.picked * d.item.unitWeightKg + this.rng() * 2) * 10) / 10;
      ctx.grossWeightKg = d.grossWeightKg;
    }
    if (event === "cube") ctx.dims = { lengthCm: 120, widthCm: 80, heightCm: 15 + Math.min(180, Math.ceil(d.picked * 4)) };
    const e = makeScannerEvent(this.rng, ctx);
    if (event === "pick") d.picked += e.quantity ?? 0;
    return e;
  }
}

export interface ScannerMessage {
  topic: string;
  payload: string;
  options: IClientPublishOptions;
  key: string;
}

/** The MQTT message for an event: JSON, or the bare element string when `raw`. */
export function toMqttMessage(e: ScannerEvent, raw: boolean, protocolVersion: 4 | 5 = 5): ScannerMessage {
  const options: IClientPublishOptions = { qos: 1, retain: false };
  if (protocolVersion === 5) {
    options.properties = {
      contentType: raw ? "text/plain; charset=utf-8" : "application/json",
      // A scanner app knows its session context (the load being loaded, the work order); a raw
      // scan carries it beside the element string, which holds only what the label says.
      userProperties: {
        seq: String(e.seq),
        deviceId: e.deviceId,
        scannedAt: e.scannedAt,
        ...(e.loadId ? { loadId: e.loadId } : {}),
        ...(e.workOrderRef ? { workOrderRef: e.workOrderRef } : {}),
      },
    };
  }
  return {
    topic: `wms/${e.site}/scanner/${e.deviceId}/${e.event}`,
    payload: raw ? e.raw : JSON.stringify(e),
    options,
    key: `${e.deviceId}:${e.seq}`,
  };
}

export interface PublishOptions {
  url: string;
  /** Publishes per second, resubmissions included; 0 or absent: as fast as acks allow. */
  rate?: number;
  /** Stop after this many publishes (resubmissions included). */
  count?: number;
  /** Stop after this long. */
  durationMs?: number;
  /** Share (0..1) of publishes that re-send an earlier message unchanged. Default 0. */
  resubmitShare?: number;
  /** Share (0..1) of distinct events sent as raw GS1 strings. Default 0. Needs protocol 5. */
  rawShare?: number;
  sites?: string[];
  devicesPerSite?: number;
  seed?: number;
  protocolVersion?: 4 | 5;
  clientId?: string;
  username?: string;
  password?: string;
  /** Unacknowledged QoS 1 publishes allowed at once (default 100). */
  maxInFlight?: number;
  /** Stop early (the promise still resolves with what was published). */
  signal?: AbortSignal;
  /** Include every distinct event in the report (memory grows with count). */
  collectEvents?: boolean;
  /** Clock for scannedAt (default Date.now). */
  now?: () => number;
}

export interface PublishReport {
  /** Messages handed to the broker, resubmissions included. */
  published: number;
  /** Distinct events (distinct (deviceId, seq)). */
  distinct: number;
  resubmitted: number;
  /** Distinct events sent raw / as JSON. */
  raw: number;
  json: number;
  /** Distinct events per event type. */
  byEvent: Record<ScanEventType, number>;
  /** "deviceId:seq" of every distinct event, in publish order. */
  distinctKeys: string[];
  /** Distinct events that carried a loadId (all of them today). */
  withLoadId: number;
  /** Publishes the client reported as failed. */
  failed: number;
  durationMs: number;
  events?: ScannerEvent[];
}

/** Publishes scanner events; resolves when the count/duration is reached or the signal aborts. */
export async function publishScannerEvents(opts: PublishOptions): Promise<PublishReport> {
  const protocolVersion = opts.protocolVersion ?? 5;
  const rawShare = opts.rawShare ?? 0;
  const resubmitShare = opts.resubmitShare ?? 0;
  if (rawShare > 0 && protocolVersion !== 5) throw new Error("raw GS1 scans carry their seq in MQTT 5 user properties: use protocolVersion 5 or rawShare 0");
  if (!(rawShare >= 0 && rawShare <= 1) || !(resubmitShare >= 0 && resubmitShare < 1)) throw new Error("rawShare must be in [0,1] and resubmitShare in [0,1)");
  const seed = opts.seed ?? 1;
  const source = new ScannerEventSource({ sites: opts.sites ?? ["DC1", "DC2"], devicesPerSite: opts.devicesPerSite ?? 3, seed });
  // A separate stream for publish decisions, so changing the shares does not change the events.
  const decide = mulberry32(seed ^ 0x5eed);
  const now = opts.now ?? Date.now;
  const clientOptions: IClientOptions = {
    protocolVersion,
    clientId: opts.clientId ?? `scanner-sim-${seed}-${process.pid}-${Math.floor(Math.random() * 1e6)}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  };
  if (opts.username !== undefined) clientOptions.username = opts.username;
  if (opts.password !== undefined) clientOptions.password = opts.password;
  const client = await connectAsync(opts.url, clientOptions);

  const report: PublishReport = {
    published: 0,
    distinct: 0,
    resubmitted: 0,
    raw: 0,
    json: 0,
    byEvent: { pick: 0, pack: 0, weight: 0, cube: 0, ship: 0 },
    distinctKeys: [],
    withLoadId: 0,
    failed: 0,
    durationMs: 0,
  };
  if (opts.collectEvents) report.events = [];
  const recent: ScannerMessage[] = [];
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 100);
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const rate = opts.rate ?? 0;
  const done = () =>
    opts.signal?.aborted === true ||
    (opts.count !== undefined && report.published >= opts.count) ||
    (opts.durationMs !== undefined && performance.now() - started >= opts.durationMs);

  try {
    while (!done()) {
      if (rate > 0) {
        const wait = started + (report.published * 1000) / rate - performance.now();
        if (wait > 0) {
          try {
            await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : {});
          } catch {
            break; // aborted
          }
          if (done()) break;
        }
      }
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      let msg: ScannerMessage;
      const r = decide();
      if (recent.length > 0 && r < resubmitShare) {
        msg = recent[Math.floor(decide() * recent.length)] as ScannerMessage;
        report.resubmitted++;
      } else {
        decide(); // keep the decision stream aligned whichever branch is taken
        const e = source.next(now());
        const raw = decide() < rawShare;
        msg = toMqttMessage(e, raw, protocolVersion);
        report.distinct++;
        report.distinctKeys.push(msg.key);
        report.byEvent[e.event]++;
        if (raw) report.raw++;
        else report.json++;
        if (e.loadId) report.withLoadId++;
        report.events?.push(e);
        recent.push(msg);
        if (recent.length > 32) recent.shift();
      }
      report.published++;
      const p: Promise<void> = client
        .publishAsync(msg.topic, msg.payload, msg.options)
        .then(() => undefined)
        .catch(() => {
          report.failed++;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  } finally {
    await client.endAsync().catch(() => undefined);
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

// ---- CLI ------------------------------------------------------------------------------------

const HELP = `Usage: node dist/simulators/scanner-publisher.js [options]
  --url <mqtt url>        broker (default mqtt://127.0.0.1:1883)
  --rate <n>              publishes per second (0 = as fast as possible; default 10)
  --count <n>             stop after n publishes
  --duration <seconds>    stop after this long
  --resubmit <share>      share of publishes that are resubmissions (default 0.1)
  --raw <share>           share of events sent as raw GS1 strings (default 0.2)
  --sites DC1,DC2         sites (default DC1,DC2)
  --devices <n>           devices per site (default 3)
  --seed <n>              PRNG seed (default 1)
  --protocol 4|5          MQTT protocol version (default 5)
  --username, --password  broker credentials
  --quiet                 print only the final report`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string", default: "mqtt://127.0.0.1:1883" },
      rate: { type: "string", default: "10" },
      count: { type: "string" },
      duration: { type: "string" },
      resubmit: { type: "string", default: "0.1" },
      raw: { type: "string", default: "0.2" },
      sites: { type: "string", default: "DC1,DC2" },
      devices: { type: "string", default: "3" },
      seed: { type: "string", default: "1" },
      protocol: { type: "string", default: "5" },
      username: { type: "string" },
      password: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${v}"`);
    return n;
  };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const opts: PublishOptions = {
    url: values.url ?? "mqtt://127.0.0.1:1883",
    rate: num("rate", values.rate) ?? 10,
    resubmitShare: num("resubmit", values.resubmit) ?? 0.1,
    rawShare: num("raw", values.raw) ?? 0.2,
    sites: (values.sites ?? "DC1,DC2").split(",").map((s) => s.trim()).filter(Boolean),
    devicesPerSite: num("devices", values.devices) ?? 3,
    seed: num("seed", values.seed) ?? 1,
    protocolVersion: values.protocol === "4" ? 4 : 5,
    signal: controller.signal,
  };
  const count = num("count", values.count);
  if (count !== undefined) opts.count = count;
  const duration = num("duration", values.duration);
  if (duration !== undefined) opts.durationMs = duration * 1000;
  if (values.username !== undefined) opts.username = values.username;
  if (values.password !== undefined) opts.password = values.password;
  if (!values.quiet) console.error(`publishing to ${opts.url} at ${opts.rate || "max"}/s (resubmit ${opts.resubmitShare}, raw ${opts.rawShare}); Ctrl-C stops`);
  const report = await publishScannerEvents(opts);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  const { distinctKeys, events, ...summary } = report;
  void distinctKeys;
  void events;
  console.log(JSON.stringify(summary, null, 2));
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
