/**
 * The first slice end to end, as `npm start` runs it: scanner events (with resubmissions) go to
 * the embedded broker, and every distinct event reaches the TMS simulator once and every pick
 * the ERP simulator once. Then a pick validated in the WMS itself (its API path) at a site that
 * reports picks there reaches the order's TMS load and the ERP once, however often the WMS is
 * polled after, and one at a site that reports picks by RF is left to the scanners; an RF pick at
 * a site that reports picks in the WMS is parked, not posted a second time. The expected outcome
 * is computed here from what was published or what the WMS confirmed, not from the product.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { after, before, describe, it } from "node:test";
import { publishScannerEvents } from "../../simulators/scanner-publisher";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { CATALOG } from "../../simulators/lib/catalog";
import { deadLetters, quiet } from "./billing-drivers";
import { confirmPick, confirmScans, enterOrder, loadsOf, pickingsOf, received, type Load } from "./scenario-drivers";

interface Scan {
  deviceId: string;
  seq: number;
  event: string;
  loadId?: string;
  sku?: string;
  gtin?: string;
  quantity?: number;
}

interface TmsState {
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  batches: number;
}

interface Received {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

describe("warehouse-to-transport handoff, end to end", { timeout: 180_000 }, () => {
  let product: RunningProduct;
  const published = new Map<string, Scan>();
  let copies = 0;

  before(async () => {
    // Polled intakes every second (npm start: 5 s), so the WMS path below takes little time.
    product = await startProduct({ LSYNC_POLL_SECONDS: "1" });
    // Our own subscriber sees exactly what the scanners sent: the ground truth.
    const watcher = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    await watcher.subscribeAsync("wms/+/scanner/+/+", { qos: 1 });
    watcher.on("message", (topic, payload) => {
      const scan = JSON.parse(payload.toString()) as Scan;
      copies++;
      published.set(`${topic.split("/")[1]}|${scan.deviceId}|${scan.seq}`, scan);
    });
    await publishScannerEvents({ url: product.mqttUrl, count: 400, rate: 0, resubmitShare: 0.1, rawShare: 0, seed: 7, protocolVersion: 4 });
    await waitFor(async () => copies, (n) => n >= 400, 20_000, "our subscriber to see every publish");
    await watcher.endAsync();
  });

  after(async () => {
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("resubmitted scans were published (the test exercises dedupe)", () => {
    assert.ok(published.size < copies, `${published.size} distinct of ${copies} published`);
  });

  it("delivers every distinct scan with a load to the TMS exactly once", async () => {
    const expected = [...published.values()].filter((s) => s.loadId).length;
    assert.ok(expected > 0);
    const state = await waitFor(
      () => getJson<TmsState>(`${product.simulators.tms}/_sim/state`),
      (s) => s.eventsAccepted + s.eventsRejected >= expected,
      60_000,
      `${expected} TMS events`,
    );
    assert.equal(state.eventsRejected, 0, "no event rejected by the TMS");
    assert.equal(state.eventsAccepted, expected);
    assert.equal(state.eventsDuplicate, 0, "dedupe kept resubmissions away from the TMS");
    // Batched: far fewer calls than events.
    assert.ok(state.batches < expected / 5, `${state.batches} calls for ${expected} events`);
    const calls = await getJson<{ entries?: Received[] } | Received[]>(`${product.simulators.tms}/_sim/received`);
    const entries = Array.isArray(calls) ? calls : (calls.entries ?? []);
    const batchCalls = entries.filter((e) => e.path.includes("execution-events:batch"));
    assert.ok(batchCalls.length > 0);
    for (const call of batchCalls) assert.ok(call.headers["idempotency-key"], "every call carries an Idempotency-Key");
  });

  it("posts every distinct pick to the ERP once, as goods movement items", async () => {
    const picks = [...published.values()].filter((s) => s.event === "pick" && s.quantity && (s.sku || s.gtin));
    assert.ok(picks.length > 0);
    const items = await waitFor(
      async () => {
        const log = await getJson<{ entries?: Received[] } | Received[]>(`${product.simulators.erp}/_sim/received`);
        const entries = Array.isArray(log) ? log : (log.entries ?? []);
        return entries
          .filter((e) => e.method === "POST" && e.path.includes("A_MaterialDocumentHeader"))
          .flatMap((e) => (e.body as { to_MaterialDocumentItem: { results: Array<{ MaterialDocumentItemText: string }> } }).to_MaterialDocumentItem.results);
      },
      (list) => list.length >= picks.length,
      60_000,
      `${picks.length} ERP goods movement items`,
    );
    const keys = items.map((i) => i.MaterialDocumentItemText);
    assert.equal(new Set(keys).size, keys.length, "no movement posted twice");
    assert.equal(keys.length, picks.length);
  });

  // Run last: the counts above are of the scanners' events only.
  // npm start's default LSYNC_WMS_PICK_SITES: DC3 (plant 1710) reports its picks in the WMS, DC1 by RF.
  it("a pick validated in the WMS at DC3 reaches the order's TMS load and the ERP once, however often the WMS is polled after", async () => {
    const { erp, wms, tms } = product.simulators as Record<"erp" | "wms" | "tms", string>;
    // Order-to-ship hands a released order to the WMS (the picking, in DC3's warehouse) and the TMS (load SO-<order>).
    const order = await enterOrder(erp, "17100001", [["SKU-10023", 5], ["SKU-10045", 3]], true, "1710");
    const [picking] = await waitFor(() => pickingsOf(wms, order), (p) => p[0]?.state === "assigned", 60_000, `the pick of ${order}`);
    assert.equal(picking!.picking_type_id[1], "DC3: Pick", "the picking is DC3's");
    const loadId = `SO-${order}`;
    await waitFor(() => loadsOf(tms, order), (l) => l.some((x) => x.loadId === loadId), 60_000, `the load ${loadId}`);

    // The picker validates the picking in the WMS: one line in full, one short.
    await confirmPick(wms, picking!, (m) => (m.product_id[1].includes("SKU-10045") ? 2 : m.product_uom_qty));
    const conf = await confirmationOf(wms, order);
    assert.deepEqual([conf.type, conf.warehouse], ["pick", "DC3"]);
    const lines = conf.lines.map((l, i) => ({ ...l, key: `WMS|PICK|${conf.id}|${i + 1}` })).filter((l) => l.quantity > 0);
    assert.equal(lines.length, 2);

    const loadOf = async () => (await getJson<{ loads: Record<string, TmsLoad> }>(`${tms}/_sim/state`)).loads[loadId];
    const picked = await waitFor(loadOf, (l) => (l?.countsByType.PICKED ?? 0) >= lines.length, 30_000, `PICKED events on ${loadId}`);
    const posted = await waitFor(() => erpPicksOf(erp, conf.id), (items) => items.length >= lines.length, 30_000, "the ERP inventory postings");

    // Polled again (at least twice more after both systems had it): nothing more reaches them.
    await twoMorePolls(wms);
    const load = (await loadOf())!;
    assert.equal(load.createdImplicitly, false, "the load order-to-ship planned, not one made up by the event");
    assert.equal(load.countsByType.PICKED, lines.length, "one PICKED event per line picked");
    assert.equal(load.quantityByType.PICKED, lines.reduce((sum, l) => sum + l.quantity, 0), "the quantities the WMS confirmed");
    assert.equal(load.eventsAccepted, picked!.eventsAccepted, "no event after the re-polls");
    assert.deepEqual([load.eventsDuplicate, load.eventsRejected], [0, 0]);

    const items = await erpPicksOf(erp, conf.id);
    assert.equal(items.length, posted.length, "no posting after the re-polls");
    const byKey = new Map(items.map((i) => [i.MaterialDocumentItemText, i]));
    assert.equal(byKey.size, items.length, "no line posted twice");
    for (const l of lines) {
      const item = byKey.get(l.key);
      assert.ok(item, `ERP posting of ${l.key}`);
      assert.deepEqual(
        [item.GoodsMovementType, item.Material, item.Batch, Number(item.QuantityInEntryUnit), item.Plant, item.StorageLocation, item.IssuingOrReceivingStorageLoc],
        ["311", l.sku, l.lot, l.quantity, "1710", "0001", "0002"],
        `${l.key}: picked from DC3's storage location to its staging location`,
      );
    }
  });

  it("a pick validated in the WMS at DC1, a site that reports picks by RF, is not taken from the WMS", async () => {
    const { erp, wms, tms } = product.simulators as Record<"erp" | "wms" | "tms", string>;
    const order = await enterOrder(erp, "17100001", [["SKU-10031", 4]], true, "1010");
    const [picking] = await waitFor(() => pickingsOf(wms, order), (p) => p[0]?.state === "assigned", 60_000, `the pick of ${order}`);
    assert.equal(picking!.picking_type_id[1], "DC1: Pick", "the picking is DC1's");
    await waitFor(() => loadsOf(tms, order), (l) => l.some((x) => x.loadId === `SO-${order}`), 60_000, `the load SO-${order}`);
    await confirmPick(wms, picking!, (m) => m.product_uom_qty);
    const conf = await confirmationOf(wms, order);
    assert.equal(conf.warehouse, "DC1");

    // Two polls after the confirmation: the handoff read it and moved on.
    await twoMorePolls(wms);
    const load = (await getJson<{ loads: Record<string, TmsLoad> }>(`${tms}/_sim/state`)).loads[`SO-${order}`]!;
    assert.equal(load.countsByType.PICKED ?? 0, 0, "no PICKED event from the WMS for a site that reports picks by RF");
    assert.deepEqual(await erpPicksOf(erp, conf.id), [], "no ERP posting from the WMS for it");
  });

  it("an RF pick at DC3, a site that reports picks in the WMS, is parked with the reason and reaches neither the TMS nor the ERP", async () => {
    const { erp, tms } = product.simulators as Record<"erp" | "tms", string>;
    const loadId = "LD-DC3-7777";
    const item = CATALOG.find((c) => c.sku === "SKU-10031")!;
    await confirmScans(product.mqttUrl, [{ event: "pick", loadId, item, quantity: 3 }], { site: "DC3", deviceId: "RF-901" });
    const letters = await waitFor(() => deadLetters(product.editorUrl), (l) => l.some((d) => d.reason.includes("RF pick at DC3")), 30_000, "the parked RF pick");
    const letter = letters.find((d) => d.reason.includes("RF pick at DC3"))!;
    assert.match(letter.reason, /reports its picks in the WMS \(LSYNC_WMS_PICK_SITES\): not posted/);
    assert.equal(letter.nodeName, "RF pick at a site that picks in the WMS?");
    await waitFor(() => quiet(product.editorUrl), (q) => q, 30_000, "the handoff to settle");
    const { loads } = await getJson<{ loads: Record<string, TmsLoad> }>(`${tms}/_sim/state`);
    assert.equal(loads[loadId]?.countsByType.PICKED ?? 0, 0, "no PICKED event in the TMS");
    const { materialDocuments } = await getJson<{ materialDocuments: MaterialDocument[] }>(`${erp}/_sim/state`);
    const posted = materialDocuments.flatMap((d) => d.to_MaterialDocumentItem.results).filter((i) => i.MaterialDocumentItemText === "SCAN|DC3|RF-901|1");
    assert.deepEqual(posted, [], "no ERP posting");
  });

});

/** The WMS's one confirmation of the order's picking. */
async function confirmationOf(wms: string, order: string): Promise<Confirmation> {
  const { confirmations } = await getJson<{ confirmations: Confirmation[] }>(`${wms}/api/confirmations?after=0&limit=1000`);
  const mine = confirmations.filter((c) => c.origin === order);
  assert.equal(mine.length, 1, `the WMS confirmed the picking of ${order} once`);
  return mine[0]!;
}

/** The ERP material document items posted for a WMS confirmation's lines. */
async function erpPicksOf(erp: string, confirmationId: number): Promise<MaterialDocumentItem[]> {
  const { materialDocuments } = await getJson<{ materialDocuments: MaterialDocument[] }>(`${erp}/_sim/state`);
  return materialDocuments.flatMap((d) => d.to_MaterialDocumentItem.results).filter((i) => i.MaterialDocumentItemText.startsWith(`WMS|PICK|${confirmationId}|`));
}

/** Waits until the handoff has polled the WMS's confirmations twice more from now. */
async function twoMorePolls(wms: string): Promise<void> {
  const polls = async () => (await received(wms)).filter((r) => r.path === "/api/confirmations" && r.query.includes("type=pick")).length;
  const then = await polls();
  await waitFor(polls, (n) => n >= then + 2, 15_000, "two more polls of the WMS");
}

interface Confirmation {
  id: number;
  type: string;
  warehouse: string;
  origin: string | false;
  lines: Array<{ sku: string; gtin: string; lot: string; quantity: number; ordered: number }>;
}

interface TmsLoad extends Load {
  createdImplicitly: boolean;
  countsByType: Record<string, number>;
  quantityByType: Record<string, number>;
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
}

interface MaterialDocumentItem {
  MaterialDocumentItemText: string;
  GoodsMovementType: string;
  Material: string;
  Batch: string;
  QuantityInEntryUnit: string;
  Plant: string;
  StorageLocation: string;
  IssuingOrReceivingStorageLoc: string;
}

interface MaterialDocument {
  to_MaterialDocumentItem: { results: MaterialDocumentItem[] };
}
