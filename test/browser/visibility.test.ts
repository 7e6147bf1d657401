/**
 * The trace sidebar in Debian's Chromium against the product as `npm start` runs it: a scan
 * published to the broker goes through the shipped flow, and typing its SSCC in the sidebar shows
 * the timeline (the scan, the TMS call queued and sent); clicking an entry reveals its node.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import mqtt from "mqtt";
import { chromium, type Browser, type Page } from "playwright-core";
import type { Trace } from "../../nodes/lib/events/trace";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";

const CHROMIUM = "/usr/bin/chromium";
const SSCC = "340123450000000093";

const skip = existsSync(CHROMIUM)
  ? false
  : process.env.REQUIRE_SERVICES === "1"
    ? false
    : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

describe("trace sidebar in Chromium", { skip, timeout: 180_000 }, () => {
  let product: RunningProduct;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    product = await startProduct();
    const client = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    const scan = { deviceId: "RF-093", seq: 1, scannedAt: "2025-03-04T10:15:00Z", loadId: "LD-2025-0093", sscc: SSCC };
    await client.publishAsync("wms/DC1/scanner/RF-093/pack", JSON.stringify(scan), { qos: 1 });
    await client.endAsync();
    // The timeline is complete once the TMS call has been delivered.
    await waitFor(
      () => getJson<Trace>(`${product.editorUrl.replace(/\/$/, "")}/lsync/trace?key=${SSCC}`),
      (t) => t.entries.some((e) => e.kind === "call" && e.status === "sent"),
      30_000,
      "the scan's TMS call in the trace",
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(err.message));
    await page.goto(product.editorUrl, { waitUntil: "domcontentloaded" });
    await page.waitForFunction(() => {
      const w = window as unknown as { RED?: { nodes?: { filterNodes?: (f: { type: string }) => unknown[] }; sidebar?: { containsTab?: (id: string) => boolean } } };
      try {
        return !!w.RED?.sidebar?.containsTab?.("lsync-trace") && (w.RED.nodes?.filterNodes?.({ type: "lsync-tms" }).length ?? 0) > 0;
      } catch {
        return false; // the sidebar is not set up yet
      }
    }, undefined, { timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await product?.stop();
  });

  it("shows the timeline of a typed SSCC and reveals an entry's node on click", async () => {
    await page.evaluate(() => {
      const w = window as unknown as { RED: { sidebar: { show(id: string): void }; view: { reveal(id: string): void } }; revealed: string[] };
      w.revealed = [];
      const reveal = w.RED.view.reveal.bind(w.RED.view);
      w.RED.view.reveal = (id: string) => {
        w.revealed.push(id);
        reveal(id);
      };
      w.RED.sidebar.show("lsync-trace");
    });
    await page.fill(".lsync-trace-key", SSCC);
    await page.press(".lsync-trace-key", "Enter");
    await page.waitForSelector(".lsync-trace-entry", { timeout: 10_000 });
    const rows = await page.$$eval(".lsync-trace-entry", (els) =>
      els.map((e) => ({
        kind: e.getAttribute("data-kind"),
        status: e.getAttribute("data-status"),
        node: e.getAttribute("data-node"),
        text: e.querySelector(".lsync-trace-head")?.textContent ?? "",
      })),
    );
    assert.equal(rows[0]!.kind, "event");
    assert.match(rows[0]!.text, /inventory-movement\/1 PACK/);
    const isTmsSent = (r: (typeof rows)[number]) => r.kind === "call" && r.status === "sent" && /tms Load execution update/.test(r.text);
    assert.ok(rows.some(isTmsSent), rows.map((r) => `${r.kind} ${r.status} ${r.text}`).join("\n"));

    const tmsRow = rows.findIndex(isTmsSent);
    await page.locator(".lsync-trace-entry").nth(tmsRow).click();
    const revealed = await page.evaluate(() => (window as unknown as { revealed: string[] }).revealed);
    assert.deepEqual(revealed, [rows[tmsRow]!.node]);
    const tmsNodeIds = await page.evaluate(() =>
      (window as unknown as { RED: { nodes: { filterNodes(f: { type: string }): Array<{ id: string }> } } }).RED.nodes.filterNodes({ type: "lsync-tms" }).map((n) => n.id),
    );
    assert.ok(tmsNodeIds.includes(rows[tmsRow]!.node!), "the entry names the flow's TMS node");
    assert.equal(await page.locator(".lsync-trace-entry .lsync-trace-detail").nth(tmsRow).isVisible(), true, "the click opens the entry's detail");
    assert.deepEqual(consoleErrors, []);
  });

  it("says so when nothing was recorded for a key", async () => {
    await page.fill(".lsync-trace-key", "NO-SUCH-KEY");
    await page.click(".lsync-trace-search");
    await page.waitForFunction(() => document.querySelector(".lsync-trace-note")?.textContent?.includes("Nothing recorded"), undefined, { timeout: 10_000 });
    assert.equal(await page.locator(".lsync-trace-entry").count(), 0);
  });
});
