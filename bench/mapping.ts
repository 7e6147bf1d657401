/**
 * `npm run bench -- mapping`: µs per evaluation of every shipped mapping profile through the
 * mapper, on the jsonata engine ({fast: false}) and as compiled (the fast path where the profile
 * compiles whole), on a realistic sample each. In-process, no broker or simulators needed.
 * The mapper is the tsc build in dist/ (what the product runs; `npm run bench` builds first) when it
 * is there and not older than the sources: through tsx, esbuild's keepNames wrappers and export
 * getters roughly double the fast path's time, which the product does not pay.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import * as sourceMapper from "../nodes/lib/mapping/mapper";
import type { MapContext, Mapper } from "../nodes/lib/mapping/mapper";
import { listProfiles, profileSource } from "../nodes/lib/mapping/profiles";
import { x12Segments } from "../test/unit/canonical/x12-segments";

const FIXTURES = resolve(__dirname, "..", "test", "fixtures", "vendor");
const REPO = resolve(__dirname, "..");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : entry.name.endsWith(".ts") ? statSync(path).mtimeMs : 0);
  }
  return newest;
}

/** The mapper module to measure, and where it came from. */
function loadMapper(): { mod: typeof sourceMapper; from: string } {
  const built = join(REPO, "dist", "nodes", "lib", "mapping", "mapper.js");
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(REPO, "nodes", "lib"))) {
    return { mod: createRequire(__filename)(built) as typeof sourceMapper, from: "dist/ (tsc build)" };
  }
  return { mod: sourceMapper, from: "the TypeScript sources through tsx (dist/ missing or older than nodes/lib: run npm run build)" };
}
const { mod: mapper, from: MAPPER_FROM } = loadMapper();
const compileMapping = mapper.compileMapping;
const RECEIVED = "2025-03-22T10:00:00.000Z";
const SCAN = { deviceId: "RF-017", seq: 48211, scannedAt: "2025-03-04T10:15:02.120Z", operatorId: "op-77", sku: "SKU-10042", gtin: "09506000134352", quantity: 12, uom: "EA", binId: "A01-02-03", loadId: "LD-2025-0042" };
const SITE_PLANTS = { DC1: { plant: "1010", storageLocation: "0001", stagingLocation: "0002" } };

const FIXTURE_OF: Record<string, string> = {
  "sap-outbound-delivery": "sap-outbound-delivery.json",
  "sap-sales-order": "sap-sales-order.json",
  "netsuite-sales-order": "netsuite-sales-order.json",
  "netsuite-item-fulfillment": "netsuite-item-fulfillment.json",
  "odoo-stock-picking": "odoo-stock-picking.json",
  "fedex-track-v1": "fedex-track-v1.json",
  "ups-track-v1": "ups-track-v1.json",
  "p44-event-history": "p44-ltl-event-history.json",
  "x12-214-status": "x12-214-ltl.edi",
  "x12-210-invoice": "x12-210-ltl.edi",
  "x12-945-ship-advice": "x12-945-ship-advice.edi",
};

export interface MappingRow {
  profile: string;
  engine: "fast" | "jsonata";
  jsonataUs: number;
  fastUs: number;
}

export async function sampleFor(id: string): Promise<{ payload: unknown; context: MapContext } | null> {
  const scanner: MapContext = { topic: "wms/DC1/scanner/RF-017/pick", receivedAt: RECEIVED };
  if (id === "scanner-json") return { payload: SCAN, context: scanner };
  if (id === "scanner-gs1") return { payload: "]C100340123450000000017", context: { ...scanner, props: { deviceId: "RF-017", seq: "7", loadId: "LD-1" } } };
  if (id === "tms-load-execution-event" || id === "erp-goods-movement-item") {
    const scan = compileMapping(profileSource(listProfiles().find((p) => p.id === "scanner-json")!), "json");
    const movement = JSON.parse(JSON.stringify(await scan.map(SCAN, scanner))) as unknown;
    return { payload: movement, context: { receivedAt: RECEIVED, bindings: { sitePlants: SITE_PLANTS } } };
  }
  const file = FIXTURE_OF[id];
  if (!file) return null; // the system operations' outbound profiles have no vendor sample here yet
  const text = readFileSync(join(FIXTURES, file), "utf8");
  return { payload: file.endsWith(".edi") ? x12Segments(text) : JSON.parse(text), context: { receivedAt: RECEIVED } };
}

/** µs per `map` call: warm up, then as many calls as fit in ~budgetMs (at least 200). */
async function usPerEval(mapper: Mapper, payload: unknown, context: MapContext, budgetMs: number): Promise<number> {
  for (let i = 0; i < 200; i++) await mapper.map(payload, context);
  let n = 0;
  const start = performance.now();
  while (n < 200 || performance.now() - start < budgetMs) {
    await mapper.map(payload, context);
    n++;
  }
  return ((performance.now() - start) * 1000) / n;
}

export async function mappingBench(budgetMs = Number(process.env.BENCH_MAPPING_MS ?? 400)): Promise<MappingRow[]> {
  const rows: MappingRow[] = [];
  for (const profile of listProfiles()) {
    const source = profileSource(profile);
    const sample = await sampleFor(profile.id);
    if (!sample) continue;
    const { payload, context } = sample;
    const slow = compileMapping(source, profile.input, { fast: false });
    const fast = compileMapping(source, profile.input);
    rows.push({
      profile: profile.id,
      engine: fast.engine,
      jsonataUs: await usPerEval(slow, payload, context, budgetMs),
      fastUs: await usPerEval(fast, payload, context, budgetMs),
    });
  }
  return rows;
}

export function mappingTable(rows: MappingRow[]): string {
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const lines = [
    "| mapping profile (µs per evaluation) | engine | plain jsonata | as compiled | ratio (jsonata / compiled) |",
    "| --- | --- | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.profile} | ${r.engine} | ${f(r.jsonataUs)} | ${f(r.fastUs)} | ${(r.jsonataUs / r.fastUs).toFixed(1)}× |`),
    "",
    `Mapper code measured: ${MAPPER_FROM}.`,
  ];
  return lines.join("\n");
}
