/**
 * Scenario 1 end to end, as `npm start` runs it: a sales order entered and released in the ERP
 * simulator becomes one pick in the WMS and one planned, tendered load in the TMS with the
 * service level and routing constraints; an order still blocked, and orders from before the
 * product started, go nowhere; an order changed after its release is not handed over twice.
 * The expectations come from what the test entered, not from the product.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CATALOG } from "../../simulators/lib/catalog";
import { CONTRACTS } from "../../simulators/month/generate";
import { makeSscc } from "../../simulators/scanner-publisher";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { accrualsOf, deadLetters } from "./billing-drivers";
import { confirmScans, enterOrder, loadsOf, pickingsOf, readOrder, received, releaseOrder, SO_PATH } from "./scenario-drivers";

describe("order-to-ship, end to end", { timeout: 180_000 }, () => {
  let product: RunningProduct;
  let erp: string, wms: string, tms: string;
  let express: string, standard: string, blocked: string, stranger: string;

  before(async () => {
    product = await startProduct();
    ({ erp, wms, tms } = product.simulators as Record<"erp" | "wms" | "tms", string>);
    // Entered blocked and released later (the usual way), released at entry, and never released.
    express = await enterOrder(erp, "17100002", [["SKU-10023", 4], ["SKU-10045", 2]]);
    standard = await enterOrder(erp, "17100001", [["SKU-10031", 12]], true);
    blocked = await enterOrder(erp, "17100003", [["SKU-10102", 1]]);
    // A customer the master data does not know.
    stranger = await enterOrder(erp, "C999", [["SKU-10023", 1]], true);
    await releaseOrder(erp, express);
  });

  after(async () => {
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("gives the WMS one confirmed, reserved pick per released order, with the order's lines", async () => {
    for (const [order, lines] of [[express, [["SKU-10023", 4], ["SKU-10045", 2]]], [standard, [["SKU-10031", 12]]]] as const) {
      const [picking] = await waitFor(() => pickingsOf(wms, order), (p) => p.length > 0 && p[0]!.state === "assigned", 60_000, `the WMS pick of order ${order}`);
      assert.equal(picking!.picking_type_id[0], 1, "a pick operation");
      assert.deepEqual(
        picking!.moves.map((m) => [/\[(.+?)\]/.exec(m.product_id[1])![1], m.product_uom_qty]),
        lines.map(([sku, qty]) => [sku, qty]),
      );
    }
  });

  it("gives the TMS one load per order with service level, routing constraints and stops, tendered to the carrier", async () => {
    const [load] = await waitFor(() => loadsOf(tms, express), (l) => l.length > 0 && l[0]!.status === "TENDERED", 60_000, `the TMS load of ${express}`);
    assert.equal(load!.loadId, `SO-${express}`);
    assert.equal(load!.serviceLevel, "EXPRESS", "customer 17100002 ships express");
    assert.equal(load!.carrier?.scac, "DHLF", "DC1's contracted carrier");
    assert.deepEqual(
      { incoterms: load!.constraints?.incoterms, requestedDeliveryDate: load!.constraints?.requestedDeliveryDate, shipFromPlant: load!.constraints?.shipFromPlant, maxTransitDays: load!.constraints?.maxTransitDays },
      { incoterms: "FCA", requestedDeliveryDate: "2026-12-04", shipFromPlant: "1010", maxTransitDays: 5 },
    );
    assert.deepEqual(
      load!.stops.map((s) => [s.type, s.location.city ?? s.location.customer, s.location.siteId ?? s.location.zone]),
      [["PICKUP", "Hamburg", "DC1"], ["DELIVERY", "17100002", "Z2"]],
      "the plant's dock with its WMS site; the customer with its rating zone",
    );
    const [other] = await waitFor(() => loadsOf(tms, standard), (l) => l.length > 0, 60_000, `the TMS load of ${standard}`);
    assert.equal(other!.serviceLevel, "STANDARD");
  });

  it("hands nothing over for a blocked order or the orders from before the product started", async () => {
    const seeded = ["1000001", "1000002", "1000003"];
    for (const order of [blocked, ...seeded]) {
      assert.deepEqual(await pickingsOf(wms, order), [], `no pick for ${order}`);
      assert.deepEqual(await loadsOf(tms, order), [], `no load for ${order}`);
    }
  });

  it("stops an order of an unknown customer with a clear reason, parked as a dead letter", async () => {
    type Letter = { reason: string; correlationId: string | null; nodeType: string };
    const letters = await waitFor(
      async () => (await getJson<{ deadLetters: Letter[] }>(`${product.editorUrl}/lsync/dead-letters`)).deadLetters,
      (list) => list.some((d) => d.reason.includes("C999")),
      60_000,
      "the dead letter of the unknown customer",
    );
    const letter = letters.find((d) => d.reason.includes("C999"))!;
    assert.equal(letter.nodeType, "lsync-master-data");
    assert.match(letter.reason, /customer/);
    assert.equal(letter.correlationId, `SO|${stranger}`);
    assert.deepEqual(await pickingsOf(wms, stranger), []);
    assert.deepEqual(await loadsOf(tms, stranger), []);
  });

  it("does not hand an order over twice when it changes after its release", async () => {
    await fetch(`${erp}${SO_PATH}('${express}')`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ YY1_LogisticsStatus_SDH: "NOTE" }) });
    assert.equal((await readOrder(erp, express)).YY1_LogisticsStatus_SDH, "NOTE", "the order changed after its release");
    // Wait until the product has polled the ERP again after the change: then it has seen it.
    const before = (await received(erp)).length;
    await waitFor(async () => (await received(erp)).slice(before).filter((e) => e.method === "GET" && e.path.endsWith("/A_SalesOrder")).length, (n) => n >= 2, 60_000, "two more polls of the ERP");
    assert.equal((await pickingsOf(wms, express)).length, 1, "one pick");
    assert.equal((await loadsOf(tms, express)).length, 1, "one load");
    const creates = (await received(tms)).filter((e) => e.method === "POST" && e.path === "/api/v1/loads");
    assert.equal(creates.length, 2, "one load planned per released order");
  });

  // Runs last: it ships the express order's load.
  it("the load it plans can be rated once it ships: picked, packed, weighed and shipped by RF at DC1, it is accrued at its carrier's price for the customer's zone", async () => {
    const { finance } = product.simulators as Record<"finance", string>;
    const loadId = `SO-${express}`;
    const [shirts, lamps] = ["SKU-10023", "SKU-10045"].map((sku) => CATALOG.find((c) => c.sku === sku)!) as [(typeof CATALOG)[number], (typeof CATALOG)[number]];
    const sscc = makeSscc(4712);
    const kg = 540;
    await confirmScans(
      product.mqttUrl,
      [
        { event: "pick", loadId, item: shirts, quantity: 4 },
        { event: "pick", loadId, item: lamps, quantity: 2 },
        { event: "pack", loadId, item: shirts, quantity: 4, sscc },
        { event: "weight", loadId, sscc, grossWeightKg: kg },
        { event: "ship", loadId, sscc },
      ],
      { site: "DC1", deviceId: "RF-301" },
    );
    const [accrual, ...more] = await waitFor(() => accrualsOf(finance, loadId), (a) => a.length > 0, 60_000, `the accrual of ${loadId}`);
    assert.equal(more.length, 0, "accrued once");
    // DHLF's contract (DC1), lane Z2 (customer 17100002): per started 100 kg over the minimum, plus fuel.
    const contract = CONTRACTS.find((c) => c.scac === "DHLF")!;
    const lane = contract.lanes.Z2!;
    const linehaul = Math.max(lane.minimumMinor, Math.ceil(kg / 100) * lane.perHundredKgMinor);
    const fuel = Math.round((linehaul * contract.fuelBasisPoints) / 10_000);
    assert.deepEqual(accrual!.amount, { currency: "EUR", amountMinor: linehaul + fuel });
    assert.equal(accrual!.externalId, `ACCRUAL|DHLF|${loadId}`);
    const parked = (await deadLetters(product.editorUrl)).filter((d) => JSON.stringify(d).includes(loadId));
    assert.deepEqual(parked, [], "nothing of the load parked on the way");
  });
});
