/**
 * The business dashboard (flows/business-dashboard.json, Dashboard 2.0) in Debian's Chromium,
 * against the product as `npm start` runs it. The event log is seeded through the store API before
 * the product starts (two shipments through two warehouses, a third order, calls, a duplicate
 * scan, dead letters); the expected KPI figures and state counts are worked out below from the
 * same seed, by plain arithmetic (not by kpis.ts), and compared with what the page shows.
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { SqliteStore, type NewEventLogEntry } from "../../nodes/lib/store";
import { canonicalEntry, duplicateEntry } from "../../nodes/lib/events/record";
import { getJson, REPO, startProduct, waitFor, type RunningProduct } from "../helpers/product";

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM)
  ? false
  : process.env.REQUIRE_SERVICES === "1"
    ? false
    : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

const S = 1000;
const H = 3600 * S;
const iso = (ms: number) => new Date(ms).toISOString();
// Business times 20 h back, so every entry is inside the kpi node's 24 h window.
const B = Math.floor(Date.now() / H) * H - 20 * H;
const site = (id: string) => ({ ids: [{ scheme: "WMS_SITE", value: id }] });
const usd = (amountMinor: number) => ({ currency: "USD", amountMinor });

/** One canonical object as the seed knows it: when it happened, when it was received, what it is. */
interface Seeded {
  schema: string;
  source: string;
  occurred: number;
  recorded: number;
  corr: string;
  fields: Record<string, unknown>;
}
const seeds: Seeded[] = [
  // Shipment A through DC1: released, picked, loaded, shipped 3 h after release, delivered, accrued 1,000.00, invoiced 1,100.00.
  { schema: "order/1", source: "SAP_S4", occurred: B, recorded: B + 30 * S, corr: "CA", fields: { orderId: "ORD-A", status: "RELEASED", releasedAt: iso(B) } },
  { schema: "inventory-movement/1", source: "SCANNER", occurred: B + H, recorded: B + H + 10 * S, corr: "CA", fields: { movementId: "mA1", type: "PICK", site: site("DC1") } },
  { schema: "inventory-movement/1", source: "SCANNER", occurred: B + 2 * H, recorded: B + 2 * H + 20 * S, corr: "CA", fields: { movementId: "mA2", type: "LOAD", site: site("DC1") } },
  {
    schema: "shipment/1", source: "WMS_DC1", occurred: B + 3 * H, recorded: B + 3 * H + 60 * S, corr: "CA",
    fields: { shipmentId: "SHP-A", status: "SHIPPED", shippedAt: iso(B + 3 * H), orderRefs: [{ orderId: "ORD-A" }], references: [{ type: "BOL", value: "BOL-A" }] },
  },
  { schema: "shipment-status-event/1", source: "CARRIER", occurred: B + 10 * H, recorded: B + 10 * H + 120 * S, corr: "CA", fields: { status: "DELIVERED", classifier: "ACTUAL", shipmentRefs: [{ type: "BOL", value: "BOL-A" }] } },
  { schema: "freight-charge/1", source: "TMS", occurred: B + 11 * H, recorded: B + 11 * H, corr: "CA", fields: { chargeId: "acc-A", stage: "ACCRUED", chargeType: "LINEHAUL", amount: usd(100000), shipmentRefs: [{ type: "BOL", value: "BOL-A" }] } },
  {
    schema: "invoice-event/1", source: "CARRIER", occurred: B + 14 * H, recorded: B + 14 * H, corr: "CA",
    fields: { invoiceId: "inv-A", invoiceNumber: "INV-A", status: "RECEIVED", receivedAt: iso(B + 14 * H), totals: { net: usd(110000) }, shipmentRefs: [{ type: "BOL", value: "BOL-A" }], lines: [] },
  },
  // Shipment B through DC2: released, picked, shipped 5 h after release (a 945 ship advice); an exception.
  { schema: "order/1", source: "SAP_S4", occurred: B + H, recorded: B + H + 90 * S, corr: "CB", fields: { orderId: "ORD-B", status: "RELEASED", releasedAt: iso(B + H) } },
  { schema: "inventory-movement/1", source: "SCANNER", occurred: B + 2 * H, recorded: B + 2 * H + 30 * S, corr: "CB", fields: { movementId: "mB1", type: "PICK", site: site("DC2") } },
  {
    schema: "shipment/1", source: "WMS_DC2", occurred: B + 6 * H, recorded: B + 6 * H, corr: "CB",
    fields: { shipmentId: "SHP-B", status: "SHIPPED", shippedAt: iso(B + 6 * H), orderRefs: [{ orderId: "ORD-B" }], references: [{ type: "BOL", value: "BOL-B" }] },
  },
  // An order not yet released.
  { schema: "order/1", source: "SAP_S4", occurred: B + 4 * H, recorded: B + 4 * H, corr: "CC", fields: { orderId: "ORD-C", status: "OPEN" } },
];
const exception = { occurred: B + 7 * H, corr: "CB" };
/** Outbound calls that ended: system, the thread's correlation id, outcome. */
const calls: Array<{ system: string; corr: string; status: "sent" | "dead" }> = [
  { system: "tms", corr: "CA", status: "sent" },
  { system: "tms", corr: "CB", status: "dead" },
  { system: "erp", corr: "CA", status: "sent" },
];
const touches = ["replayed", "discarded"] as const;

let objectIds = 0;
function entries(): NewEventLogEntry[] {
  const out: NewEventLogEntry[] = [];
  const objects = seeds.map((s) => ({
    schema: s.schema,
    id: `obj-${++objectIds}`,
    occurredAt: iso(s.occurred),
    recordedAt: iso(s.recorded),
    correlationId: s.corr,
    source: { system: s.source, format: s.schema === "shipment/1" ? "X12_945" : "TEST" },
    ...s.fields,
  }));
  // Logged as the product logs them: mapped, then valid.
  objects.forEach((o, i) => out.push(canonicalEntry(o, "map", "mapped", seeds[i]!.recorded), canonicalEntry(o, "validate", "valid", seeds[i]!.recorded)));
  // The first scan resubmitted: mapped again, then dropped by the dedupe node.
  const scan = objects[1]!;
  out.push(canonicalEntry(scan, "map", "mapped", B + 3 * H), { ...duplicateEntry(scan, "SCAN|mA1", "dedupe", "CA"), at: B + 3 * H });
  out.push(
    canonicalEntry(
      { schema: "exception-event/1", id: "exc-B", type: "UNMATCHED_EVENT", status: "OPEN", occurredAt: iso(exception.occurred), correlationId: exception.corr, source: { system: "LSYNC" }, subjectRefs: [{ type: "SHIPMENT", value: "SHP-B" }] },
      "drift",
      "raised",
      exception.occurred,
    ),
  );
  for (const c of calls) out.push({ at: B + 8 * H, kind: "call", name: `${c.system} call`, correlationId: c.corr, nodeId: c.system, system: c.system, status: c.status, keys: [] });
  for (const t of touches) out.push({ at: B + 9 * H, kind: "dead-letter", name: `dead letter ${t} by ann`, nodeId: "dl", status: t, keys: [] });
  return out;
}

// ---- the expected figures, worked out from the seed above -------------------------------------

const round2 = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const of = (schema: string) => seeds.filter((s) => s.schema === schema);
const byCorr = (schema: string, corr: string) => of(schema).find((s) => s.corr === corr);

function expectedKpis(): Record<string, string> {
  // Latency: received − occurred, every object once (the ExceptionEvent is raised here, not received).
  const latency = mean(seeds.map((s) => (s.recorded - s.occurred) / S));
  // Order-to-ship: shippedAt − releasedAt of the orders that shipped, in hours.
  const orderToShip = mean(of("shipment/1").map((sh) => (Date.parse(sh.fields.shippedAt as string) - Date.parse(byCorr("order/1", sh.corr)!.fields.releasedAt as string)) / H));
  // Delivered shipment A: invoice received 14 h − delivered 10 h; first finance event (accrual at 11 h) − delivered.
  const delivered = byCorr("shipment-status-event/1", "CA")!.occurred;
  const dwell = (Date.parse(byCorr("invoice-event/1", "CA")!.fields.receivedAt as string) - delivered) / H;
  const readiness = (byCorr("freight-charge/1", "CA")!.occurred - delivered) / H;
  // Accrual accuracy: 1 − |accrued − invoiced| ÷ invoiced.
  const accrued = (byCorr("freight-charge/1", "CA")!.fields.amount as { amountMinor: number }).amountMinor;
  const invoiced = (byCorr("invoice-event/1", "CA")!.fields.totals as { net: { amountMinor: number } }).net.amountMinor;
  const accuracy = (1 - Math.abs(accrued - invoiced) / invoiced) * 100;
  // Inventory sync: threads with a movement whose call was sent ÷ those whose call ended, pooled over systems.
  const moved = new Set(of("inventory-movement/1").map((s) => s.corr));
  const syncCalls = calls.filter((c) => moved.has(c.corr));
  const sync = (syncCalls.filter((c) => c.status === "sent").length / syncCalls.length) * 100;
  // Duplicates: 1 dropped ÷ every mapping (each object once, plus the resubmitted scan mapped again).
  const duplicate = (1 / (seeds.length + 1)) * 100;
  const failed = (calls.filter((c) => c.status === "dead").length / calls.length) * 100;
  // Backlog: invoices still RECEIVED. Exceptions: warehouses' threads with an exception ÷ all (DC1: A, DC2: B).
  const backlog = of("invoice-event/1").filter((s) => s.fields.status === "RECEIVED").length;
  const exceptionRate = (1 / 2) * 100;
  const t = (value: number, unit: string) => `${round2(value)} ${unit}`;
  return {
    "Milestone latency": t(latency, "s"),
    "Order-to-ship cycle time": t(orderToShip, "h"),
    "Shipment-to-invoice dwell": t(dwell, "h"),
    "Inventory sync accuracy": t(sync, "%"),
    "Freight accrual accuracy": t(accuracy, "%"),
    "Invoice readiness time": t(readiness, "h"),
    "Duplicate event rate": t(duplicate, "%"),
    "Failed transaction rate": t(failed, "%"),
    "Reconciliation backlog": t(backlog, "invoices"),
    "Exception rate per warehouse": t(exceptionRate, "%"),
    "Manual touches": t(touches.length, "touches"),
  };
}

/** Table rows as the page shows them (cell texts), sorted. */
function expectedTables(): Record<string, string[][]> {
  const count = (keys: string[][]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(JSON.stringify(k), (m.get(JSON.stringify(k)) ?? 0) + 1);
    return [...m].map(([k, n]) => [...(JSON.parse(k) as string[]), String(n)]).sort();
  };
  return {
    orders: count(of("order/1").map((s) => [s.fields.status as string])),
    // A's last milestone is its invoice (finance), B's the WMS ship advice.
    shipments: [["FINANCE", "INVOICED", "1"], ["WMS", "SHIPPED", "1"]],
    inventory: count(of("inventory-movement/1").map((s) => [(s.fields.site as { ids: Array<{ value: string }> }).ids[0]!.value, s.fields.type as string])),
    invoices: count(of("invoice-event/1").map((s) => [s.fields.status as string])),
  };
}

// ---- the page ------------------------------------------------------------------------------------

interface FlowNode {
  id: string;
  type: string;
  name?: string;
  label?: string;
  group?: string;
}
const dashboardFlow = JSON.parse(readFileSync(join(REPO, "flows", "business-dashboard.json"), "utf8")) as FlowNode[];
const tiles = dashboardFlow.filter((n) => n.type === "ui-text");
const tableIds: Record<string, string> = Object.fromEntries(
  ["Orders by state", "Shipments by latest milestone", "Inventory movements by site", "Invoices by status"].map((label, i) => [
    ["orders", "shipments", "inventory", "invoices"][i]!,
    dashboardFlow.find((n) => n.type === "ui-table" && n.label === label)!.id,
  ]),
);

describe("business dashboard in Chromium", { skip, timeout: 240_000 }, () => {
  let product: RunningProduct;
  let browser: Browser;
  let page: Page;
  const dataDir = mkdtempSync(join(tmpdir(), "lsync-dashboard-"));
  const consoleErrors: string[] = [];

  before(async () => {
    const db = join(dataDir, "lsync.db");
    const store = new SqliteStore({ path: db });
    await store.appendEvents(entries());
    await store.close();
    product = await startProduct({ LSYNC_DB: db }, dataDir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(err.message));
  });

  after(async () => {
    await browser?.close();
    await product?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("deploys the dashboard tab with every node type installed", async () => {
    const deployed = await getJson<Array<{ type: string; z?: string }>>(`${product.editorUrl}/flows`);
    const installed = new Set((await getJson<Array<{ types: string[]; enabled: boolean }>>(`${product.editorUrl}/nodes`)).filter((s) => s.enabled).flatMap((s) => s.types));
    const used = [...new Set(deployed.map((n) => n.type))].filter((t) => t !== "tab" && t !== "group" && !t.startsWith("subflow"));
    assert.ok(used.includes("ui-table") && used.includes("lsync-kpi"), `deployed types: ${used.join(", ")}`);
    assert.deepEqual(used.filter((t) => !installed.has(t)), [], "node types the runtime lacks");
    assert.doesNotMatch(product.output(), /Waiting for missing types|missing types/i);
    assert.match(product.output(), /Dashboard 2\.0 \(v[\d.]+\) started at \/dashboard/);
    // The launcher linked it into the user dir, where Node-RED looks for installed modules.
    assert.ok(lstatSync(join(dataDir, "node_modules", "@flowfuse", "node-red-dashboard")).isSymbolicLink(), "Dashboard 2.0 linked into the user dir");
  });

  it("shows every KPI with its unit, equal to the figures worked out from the seeded events", async () => {
    // /dashboard leads to the dashboard under the HTTP node root.
    await page.goto(`${product.editorUrl}/dashboard`, { waitUntil: "domcontentloaded" });
    const expected = expectedKpis();
    assert.equal(tiles.length, Object.keys(expected).length, "one tile per KPI");
    const read = () =>
      page.evaluate(
        (ids) => ids.map((id) => document.querySelector(`#nrdb-ui-widget-${id} .nrdb-ui-text-value`)?.textContent?.trim() ?? ""),
        tiles.map((t) => t.id),
      );
    const shown = await waitFor(read, (texts) => texts.every((t) => t !== ""), 60_000, "the KPI tiles to fill");
    const byName = Object.fromEntries(tiles.map((t, i) => [t.label!, shown[i]!]));
    assert.deepEqual(byName, expected);
    for (const [name, text] of Object.entries(byName)) assert.match(text, /^-?[\d.]+ (s|h|%|invoices|touches)$/, `${name} shows a number and its unit`);
  });

  it("shows order, shipment, inventory and invoice states equal to the counts of the seeded events", async () => {
    const expected = expectedTables();
    const read = () =>
      page.evaluate((ids) => {
        const out: Record<string, string[][]> = {};
        for (const [name, id] of Object.entries(ids)) {
          const rows = [...document.querySelectorAll(`#nrdb-ui-widget-${id} tbody tr`)];
          out[name] = rows
            .map((r) => [...r.querySelectorAll("td")].map((td) => (td.textContent ?? "").trim()))
            .filter((cells) => cells.length > 1)
            .sort();
        }
        return out;
      }, tableIds);
    const shown = await waitFor(read, (t) => Object.values(t).every((rows) => rows.length > 0), 30_000, "the state tables to fill");
    assert.deepEqual(shown, expected);
    // The page's headings name what the tables hold.
    const text = await page.evaluate(() => document.body.innerText);
    for (const heading of ["Orders", "Shipments", "Inventory", "Invoices", "KPI detail", "Rates over time"]) assert.ok(text.includes(heading), `page shows "${heading}"`);
    assert.deepEqual(consoleErrors, [], "no console errors on the dashboard");
  });
});
