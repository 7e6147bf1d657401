/**
 * Scenario 3 end to end, as `npm start` runs it: proof of delivery and final carrier events
 * (TMS delivery milestones) trigger the ERP's billing eligibility check (a billing document per
 * delivered delivery, refused until goods issue), the freight accrual adjustment to finance
 * (detention beyond the free time at the delivery stop, the executed cost known only at delivery)
 * and, through the billing rules tab, invoice-ready to finance. The accrual at shipment belongs
 * to the freight reconciliation tab: the test posts it through finance's API. Expected amounts are
 * computed here from the times the test reports and the contract (free time 2 h, 60.00 EUR per
 * started hour) and the catalog's prices.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CATALOG } from "../../simulators/lib/catalog";
import { startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { accrualsOf, billingDocumentsOf, createDelivery, deadLetters, invoiceReadyOf, postAccrual, postGoodsIssue, quiet } from "./billing-drivers";
import { enterOrder, loadsOf, milestone, pickingsOf, received } from "./scenario-drivers";

const price = (sku: string) => CATALOG.find((c) => c.sku === sku)!.unitPriceMinor;
const HOUR = 3_600_000;

describe("delivery to finance, end to end", { timeout: 240_000 }, () => {
  let product: RunningProduct;
  let erp: string, wms: string, tms: string, finance: string;
  let order: string, late: string;
  let delivery: string, lateDelivery: string;
  const settled = () => waitFor(() => quiet(product.editorUrl), (q) => q, 60_000, "the flows to settle");

  before(async () => {
    product = await startProduct();
    ({ erp, wms, tms, finance } = product.simulators as Record<"erp" | "wms" | "tms" | "finance", string>);
    // Two retail orders (billed on delivery); order-to-ship plans their loads.
    order = await enterOrder(erp, "17100002", [["SKU-10023", 10]], true);
    late = await enterOrder(erp, "17100002", [["SKU-10031", 3]], true);
    for (const o of [order, late]) await waitFor(() => loadsOf(tms, o), (l) => l.length === 1, 60_000, `the load of ${o}`);
    // The shipping clerk ships the first order (goods issue posted); the second is on its truck
    // before anyone posted its goods issue in the ERP.
    delivery = await createDelivery(erp, order, [["10", 10]], `SO-${order}`);
    await postGoodsIssue(erp, delivery);
    lateDelivery = await createDelivery(erp, late, [["10", 3]], `SO-${late}`);
    // The accrual the freight reconciliation tab posts at shipment: linehaul and fuel, 450.00 EUR.
    await postAccrual(finance, delivery, 45_000);
    await postAccrual(finance, lateDelivery, 30_000);
  });

  after(async () => {
    const code = await product?.stop("SIGINT");
    assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product?.output().slice(-2000)}`);
  });

  it("a POD after a long wait at the stop: ERP billing document, detention onto the accrual, invoice-ready once", async () => {
    const arrived = Date.now() - 4 * HOUR;
    const stop = `SO-${order}-S2`;
    await milestone(tms, `SO-${order}`, { type: "ARRIVAL_AT_STOP", stopId: stop, dateTime: new Date(arrived).toISOString() });
    await settled();
    assert.deepEqual(await billingDocumentsOf(erp, delivery), [], "an arrival decides nothing");
    assert.deepEqual(await invoiceReadyOf(finance, order), []);
    // Unloaded 3 h 10 min after arrival: 70 min beyond the 2 h free time = 2 started hours.
    await milestone(tms, `SO-${order}`, { type: "DELIVERY", stopId: stop, dateTime: new Date(arrived + 3 * HOUR + 10 * 60_000).toISOString(), signedBy: "J. Weber", podDocumentRef: "POD-4711" });

    const [doc] = await waitFor(() => billingDocumentsOf(erp, delivery), (d) => d.length === 1, 60_000, "the ERP billing document");
    assert.equal(doc!.SoldToParty, "17100002");
    assert.equal(doc!.TotalNetAmount, ((10 * price("SKU-10023")) / 100).toFixed(2));

    const [accrual] = await waitFor(() => accrualsOf(finance, delivery), (a) => a[0]?.adjustments.length === 1, 60_000, "the accrual adjustment");
    assert.deepEqual(accrual!.adjustments.map((a) => [a.adjustmentId, a.amount]), [[`ADJ|${delivery}|DETENTION`, { currency: "EUR", amountMinor: 2 * 6000 }]]);
    assert.match(accrual!.adjustments[0]!.reason, /DETENTION/);
    assert.deepEqual(accrual!.balance, { currency: "EUR", amountMinor: 45_000 + 12_000 });

    const ready = await waitFor(() => invoiceReadyOf(finance, order), (l) => l.length === 1, 60_000, "invoice-ready from the billing rules tab");
    assert.equal(ready[0]!.shipmentId, delivery);
    assert.deepEqual(ready[0]!.amount, { currency: "EUR", amountMinor: 10 * price("SKU-10023") });
  });

  it("a delivery not goods-issued: the ERP refuses to bill it (parked with SAP's reason), nothing goes to finance", async () => {
    await milestone(tms, `SO-${late}`, { type: "DELIVERY", stopId: `SO-${late}-S2` });
    const letters = await waitFor(() => deadLetters(product.editorUrl), (l) => l.some((d) => /VF\/GI/.test(d.reason)), 60_000, "the refusal parked");
    const refusal = letters.find((d) => /VF\/GI/.test(d.reason))!;
    assert.match(refusal.reason, new RegExp(`${lateDelivery} is not goods-issued`));
    assert.equal(refusal.nodeName, "ERP: billing document");
    await settled();
    assert.deepEqual(await billingDocumentsOf(erp, lateDelivery), []);
    assert.deepEqual(await invoiceReadyOf(finance, late), [], "the billing rules never saw a delivered fact the ERP cannot bill");
    assert.deepEqual((await accrualsOf(finance, lateDelivery))[0]!.adjustments, [], "delivered on time: nothing to adjust");
  });

  it("once goods issue is posted, the POD bills it: one billing document, one invoice-ready", async () => {
    await postGoodsIssue(erp, lateDelivery);
    await milestone(tms, `SO-${late}`, { type: "DELIVERY", stopId: `SO-${late}-S2`, signedBy: "K. Braun" });
    await waitFor(() => billingDocumentsOf(erp, lateDelivery), (d) => d.length === 1, 60_000, "the billing document after goods issue");
    const [ready] = await waitFor(() => invoiceReadyOf(finance, late), (l) => l.length === 1, 60_000, "invoice-ready after goods issue");
    assert.deepEqual(ready!.amount, { currency: "EUR", amountMinor: 3 * price("SKU-10031") });
  });

  it("a repeated POD posts nothing twice", async () => {
    await milestone(tms, `SO-${order}`, { type: "DELIVERY", stopId: `SO-${order}-S2`, dateTime: new Date(Date.now()).toISOString(), signedBy: "J. Weber" });
    await milestone(tms, `SO-${late}`, { type: "DELIVERY", stopId: `SO-${late}-S2`, signedBy: "K. Braun" });
    // Both repeats reached the ERP check (it reads the document it has instead of billing again).
    const billingCalls = async () => (await received(erp)).filter((r) => r.path.includes("A_BillingDocument") && r.method === "GET").length;
    await waitFor(billingCalls, (n) => n >= 2, 60_000, "the ERP asked about both repeats");
    await settled();
    assert.equal((await billingDocumentsOf(erp, delivery)).length, 1);
    assert.equal((await billingDocumentsOf(erp, lateDelivery)).length, 1);
    assert.equal((await invoiceReadyOf(finance, order)).length, 1);
    assert.equal((await invoiceReadyOf(finance, late)).length, 1);
    assert.equal((await accrualsOf(finance, delivery))[0]!.adjustments.length, 1);
  });

  it("the WMS and TMS keep their own state; finance holds no other documents", async () => {
    for (const o of [order, late]) {
      const [pick] = await pickingsOf(wms, o);
      assert.equal(pick!.state, "assigned", "the pick untouched by this tab");
      const loads = await loadsOf(tms, o);
      assert.equal(loads.length, 1);
      assert.equal(loads[0]!.status, "DELIVERED", "the TMS's own status from its milestones");
    }
    const state = await (await fetch(`${finance}/_sim/state`)).json() as { counts: { accruals: number; invoiceReady: number; apInvoices: number } };
    assert.deepEqual(state.counts, { accruals: 2, invoiceReady: 2, apInvoices: 0, journalEntries: 3 });
  });
});
