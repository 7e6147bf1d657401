/**
 * Scenario 5 end to end, as `npm start` runs it, with the carrier's SFTP drop on a real OpenSSH
 * server: loads leave the three DCs (re-weighed at the dock, with accessorials), each is accrued in
 * finance once at its executed cost; carrier invoices come as X12 210 files over SFTP and from the
 * carrier's billing API; within tolerance they are posted to AP once, beyond it finance's queue gets
 * an INVOICE_VARIANCE, and a resubmitted invoice or file is caught before finance. The expected
 * amounts are computed here from the month's contracts by plain arithmetic.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { after, before, describe, it } from "node:test";
import { CONTRACTS, TOLERANCES } from "../../simulators/month/generate";
import { getJson, startProduct, waitFor, type RunningProduct } from "../helpers/product";
import { sshdSkip, startSshd, type RunningSshd } from "../helpers/sshd";
import { received } from "./scenario-drivers";

interface Accrual { externalId: string; shipmentId: string; amount: { currency: string; amountMinor: number }; glAccount: string }
interface ApInvoice { invoiceNumber: string; carrierId: string; shipmentId?: string; amount: { currency: string; amountMinor: number }; lines: Array<{ chargeType: string; amount: { amountMinor: number } }> }
interface Queued { topic: string; type: string; exceptionId: string; cause?: { code: string; text: string }; impact?: { costImpact?: { amountMinor: number } } }

type Flat = "LIFTGATE" | "RESIDENTIAL" | "APPOINTMENT";
interface Load { loadId: string; site: "DC1" | "DC2" | "DC3"; zone: string; bol: string; weighs: Array<[string, number]>; accessorials: Flat[] }

/** Loads as the DCs ship them: [SSCC, kg] in weighing order (an SSCC weighed twice was re-weighed at the dock). */
const LOADS: Load[] = [
  // 300 kg re-weighed to 385 kg: 420.4 kg (5 started 100 kg) becomes 505.4 kg (6).
  { loadId: "LD-DC1-0001", site: "DC1", zone: "Z3", bol: "00401234560000011", weighs: [["340123450000000017", 300], ["340123450000000024", 120.4], ["340123450000000017", 385]], accessorials: ["LIFTGATE"] },
  // 80 kg: below the lane minimum.
  { loadId: "LD-DC2-0001", site: "DC2", zone: "Z1", bol: "00401234560000028", weighs: [["340123450000000031", 80]], accessorials: ["RESIDENTIAL", "APPOINTMENT"] },
  // 950 kg re-weighed to 1010.2 kg: 10 → 11 started 100 kg.
  { loadId: "LD-DC3-0001", site: "DC3", zone: "Z5", bol: "00401234560000035", weighs: [["340123450000000048", 950], ["340123450000000048", 1010.2]], accessorials: [] },
  { loadId: "LD-DC3-0002", site: "DC3", zone: "Z2", bol: "00401234560000042", weighs: [["340123450000000055", 640]], accessorials: ["LIFTGATE"] },
];
const contractOf = (site: Load["site"]) => CONTRACTS.find((c) => c.site === site)!;

/** The executed cost, by plain arithmetic from the contract: what finance must have accrued. */
function expectedCharges(load: Load): Array<[string, number]> {
  const c = contractOf(load.site);
  const lastWeight = new Map<string, number>();
  for (const [sscc, kg] of load.weighs) lastWeight.set(sscc, kg);
  const kg = [...lastWeight.values()].reduce((a, b) => a + b, 0);
  const lane = c.lanes[load.zone]!;
  const linehaul = Math.max(lane.minimumMinor, Math.ceil(kg / 100) * lane.perHundredKgMinor);
  const fuel = Math.round((linehaul * c.fuelBasisPoints) / 10000);
  return [["LINEHAUL", linehaul], ["FUEL", fuel], ...load.accessorials.map((a): [string, number] => [a, c.accessorials[a]])];
}
const total = (charges: Array<[string, number]>) => charges.reduce((s, [, a]) => s + a, 0);
const code: Record<string, string> = { LINEHAUL: "400", FUEL: "405", LIFTGATE: "LFT", RESIDENTIAL: "RES", APPOINTMENT: "APT" };
const decimal = (minor: number) => (minor / 100).toFixed(2);

/** An X12 210 as the carrier's EDI system writes it: B3-02 invoice number, B3-03 the shipper's shipment id, N9*BM the BOL. */
function x12Invoice(scac: string, control: number, invoiceNumber: string, load: Load, charges: Array<[string, number]>, currency: string): string {
  const pad = (s: string, n: number) => s.padEnd(n, " ");
  const ctl = String(control).padStart(9, "0");
  const net = total(charges);
  const body = [
    `ST*210*0001`,
    `B3**${invoiceNumber}*${load.loadId}*PP**20261204*${net}**20261202*035*${scac}`,
    `C3*${currency}`,
    `N9*BM*${load.bol}`,
    ...charges.flatMap(([type, amount], i) => [`LX*${i + 1}`, `L1*${i + 1}***${amount}****${code[type]}`]),
    `L3*****${net}`,
  ];
  const segments = [...body, `SE*${body.length + 1}*0001`];
  return [
    `ISA*00*${pad("", 10)}*00*${pad("", 10)}*02*${pad(scac, 15)}*ZZ*${pad("LSYNCDEMO", 15)}*261204*0900*U*00401*${ctl}*0*P*>`,
    `GS*IM*${scac}*LSYNCDEMO*20261204*0900*${control}*X*004010`,
    ...segments,
    `GE*1*${control}`,
    `IEA*1*${ctl}`,
    "",
  ].join("~\n");
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}

describe("freight cost reconciliation, end to end", { timeout: 300_000 }, async () => {
  const skip = sshdSkip();
  let product: RunningProduct;
  let sshd: RunningSshd;
  let tms: string, finance: string, carrier: string;
  let inbound = "";
  const queued: Queued[] = [];
  let watcher: mqtt.MqttClient;
  const secret = randomBytes(18).toString("base64url");
  const accruals = () => getJson<{ items: Accrual[] }>(`${finance}/api/v1/accruals`).then((r) => r.items);
  const apInvoices = () => getJson<{ items: ApInvoice[] }>(`${finance}/api/v1/ap-invoices`).then((r) => r.items);
  const ours = (l: Load) => l.loadId;

  /** The staff at a DC: plan the load, the carrier takes the tender, pallets are weighed (and re-weighed), the load ships. */
  async function ship(load: Load): Promise<void> {
    const c = contractOf(load.site);
    const stops = [
      { type: "PICKUP", location: { name: `${load.site} dock`, siteId: load.site } },
      { type: "DELIVERY", location: { name: `customer in ${load.zone}`, zone: load.zone } },
    ];
    assert.equal(await post(`${tms}/api/v1/loads`, { loadId: load.loadId, reference: load.bol, stops, accessorials: load.accessorials }), 201);
    assert.equal(await post(`${tms}/api/v1/loads/${load.loadId}/tender`, { carrierScac: c.scac }), 200);
    const event = (eventId: string, type: string, extra: Record<string, unknown>) =>
      post(`${tms}/api/v1/loads/${load.loadId}/execution-events`, { eventId, type, occurredAt: new Date().toISOString(), site: load.site, ...extra });
    for (const [i, [sscc, kg]] of load.weighs.entries()) assert.equal(await event(`${load.loadId}-W${i}`, "WEIGHED", { sscc, weight: { value: kg, unit: "KG" } }), 201);
    for (const sscc of new Set(load.weighs.map(([s]) => s))) assert.equal(await event(`${load.loadId}-S-${sscc}`, "SHIPPED", { sscc }), 201);
  }

  /** The carrier's billing API: {invoice} pushed (signed) by the carrier simulator to the product's webhook. */
  const apiInvoice = (invoiceNumber: string, load: Load | { loadId: string; bol: string; site: Load["site"] }, charges: Array<[string, number]>) => {
    const c = contractOf(load.site);
    return post(`${carrier}/_sim/invoices`, {
      invoiceNumber,
      scac: c.scac,
      invoiceDate: "2026-12-04",
      currency: c.currency,
      shipment: { proNumber: invoiceNumber, bolNumber: load.bol, shipmentId: load.loadId },
      charges: charges.map(([type, amount], i) => ({ lineNo: i + 1, code: code[type], description: type, amount: decimal(amount) })),
      totalAmount: decimal(total(charges)),
    });
  };

  before(async () => {
    if (skip) return;
    sshd = await startSshd();
    inbound = sshd.path("carrier", "inbound");
    mkdirSync(inbound, { recursive: true });
    product = await startProduct({
      CARRIER_SFTP_HOST: sshd.host,
      CARRIER_SFTP_PORT: String(sshd.port),
      CARRIER_SFTP_USER: sshd.username,
      CARRIER_SFTP_HOST_KEY: sshd.fingerprint,
      CARRIER_SFTP_KEY: sshd.privateKey,
      CARRIER_SFTP_FOLDER: inbound,
      CARRIER_WEBHOOK_SECRET: secret,
    });
    ({ tms, finance, carrier } = product.simulators as Record<"tms" | "finance" | "carrier", string>);
    watcher = await mqtt.connectAsync(product.mqttUrl, { protocolVersion: 4 });
    await watcher.subscribeAsync("exceptions/#", { qos: 1 });
    watcher.on("message", (topic, payload) => {
      const msg = JSON.parse(payload.toString()) as Omit<Queued, "topic">;
      queued.push({ topic, ...msg });
    });
    assert.equal(await post(`${carrier}/_sim/webhooks`, { url: `${product.editorUrl.replace("//localhost:", "//127.0.0.1:")}/api/lsync/webhooks/carrier-invoices`, secret, events: ["invoice"] }), 201);
  });

  after(async () => {
    await watcher?.endAsync();
    if (product) {
      const code = await product.stop("SIGINT");
      assert.equal(code, 0, `Ctrl-C stops the product cleanly:\n${product.output().slice(-2000)}`);
    }
    await sshd?.stop();
  });

  it("each load shipped at the three DCs is accrued once at its executed cost (final weights, lane, accessorials)", { skip }, async () => {
    for (const load of LOADS) await ship(load);
    const list = await waitFor(accruals, (a) => a.length >= LOADS.length, 60_000, "an accrual per load");
    assert.equal(list.length, LOADS.length, "one accrual per load");
    for (const load of LOADS) {
      const c = contractOf(load.site);
      const mine = list.filter((a) => a.shipmentId === ours(load));
      assert.equal(mine.length, 1, `${load.loadId} accrued once`);
      assert.deepEqual(mine[0]!.amount, { currency: c.currency, amountMinor: total(expectedCharges(load)) }, `${load.loadId} at its executed cost`);
      assert.equal(mine[0]!.externalId, `ACCRUAL|${c.scac}|${load.loadId}`);
      assert.equal(mine[0]!.glAccount, "5410");
    }
    // The re-weighs counted: on the first weights DC1 and DC3 would have been one started 100 kg cheaper.
    const dc1 = LOADS[0]!;
    const firstKg = 300 + 120.4;
    const lane = contractOf("DC1").lanes[dc1.zone]!;
    assert.ok(Math.ceil(firstKg / 100) * lane.perHundredKgMinor < expectedCharges(dc1)[0]![1]);
    const loads = await getJson<{ loads: Array<{ loadId: string; status: string }> }>(`${tms}/api/v1/loads`);
    for (const load of LOADS) assert.equal(loads.loads.find((l) => l.loadId === load.loadId)?.status, "DISPATCHED");
  });

  it("invoices within tolerance, by 210 file and by API, are posted to AP once each; a 997 goes back for each file", { skip }, async () => {
    const [dc1, dc2, dc3] = LOADS as [Load, Load, Load, Load];
    // DHLF bills a linehaul 1.00 EUR above the executed cost: well inside 3 % and 25.00.
    const dc1Charges = expectedCharges(dc1).map(([t, a]): [string, number] => [t, t === "LINEHAUL" ? a + 100 : a]);
    writeFileSync(join(inbound, "DHLF_210_000000501.edi"), x12Invoice("DHLF", 501, "DHLF-900501", dc1, dc1Charges, "EUR"));
    assert.equal(await apiInvoice("XPOL-900502", dc2, expectedCharges(dc2)), 202);
    // ODFL's fuel 0.03 USD over: inside 3 % and 5.00.
    assert.equal(await apiInvoice("ODFL-900503", dc3, expectedCharges(dc3).map(([t, a]): [string, number] => [t, t === "FUEL" ? a + 3 : a])), 202);
    const posted = await waitFor(apInvoices, (l) => l.length >= 3, 60_000, "three AP invoices");
    assert.deepEqual(posted.map((i) => i.invoiceNumber).sort(), ["DHLF-900501", "ODFL-900503", "XPOL-900502"]);
    assert.deepEqual(posted.map((i) => i.shipmentId).sort(), [dc1.loadId, dc2.loadId, dc3.loadId], "each filed against its shipment");
    const one = posted.find((i) => i.invoiceNumber === "DHLF-900501")!;
    assert.deepEqual(one.amount, { currency: "EUR", amountMinor: total(dc1Charges) });
    assert.equal(one.carrierId, "DHLF");
    assert.deepEqual(one.lines.map((l) => [l.chargeType, l.amount.amountMinor]), dc1Charges);
    await waitFor(async () => existsSync(join(inbound, "997", "DHLF_210_000000501.edi.997")), (x) => x, 30_000, "the 997 of the 210 file");
    assert.match(readFileSync(join(inbound, "997", "DHLF_210_000000501.edi.997"), "utf8"), /AK9\*A\*1\*1\*1/);
  });

  it("an overbilled invoice is not posted: finance's queue gets an INVOICE_VARIANCE for the charge type beyond tolerance", { skip }, async () => {
    const dc3b = LOADS[3]!;
    const expected = expectedCharges(dc3b);
    const linehaul = expected[0]![1];
    const over = Math.max(5000, Math.floor(linehaul * 0.15));
    const billed = expected.map(([t, a]): [string, number] => [t, t === "LINEHAUL" ? a + over : a]);
    writeFileSync(join(inbound, "ODFL_210_000000504.edi"), x12Invoice("ODFL", 504, "ODFL-900504", dc3b, billed, "USD"));
    // An invoice for a shipment nobody accrued goes to finance too, for review.
    assert.equal(await apiInvoice("XPOL-900599", { loadId: "LD-DC2-9999", bol: "00401234560009999", site: "DC2" }, [["LINEHAUL", 12_345]]), 202);
    const variance = await waitFor(async () => queued.filter((q) => q.type === "INVOICE_VARIANCE"), (q) => q.length >= 1, 60_000, "the variance");
    const unmatched = await waitFor(async () => queued.filter((q) => q.type === "UNMATCHED_EVENT"), (q) => q.length >= 1, 30_000, "the unmatched invoice");
    assert.equal(variance.length, 1, "only the linehaul is beyond tolerance");
    assert.equal(variance[0]!.topic, "exceptions/finance");
    assert.match(variance[0]!.exceptionId, /^INVOICE_VARIANCE\|.*ODFL-900504.*\|LINEHAUL$/);
    assert.equal(variance[0]!.cause?.code, "BEYOND_TOLERANCE");
    assert.match(variance[0]!.cause!.text, /LINEHAUL invoiced .* beyond tolerance/);
    assert.equal(variance[0]!.impact?.costImpact?.amountMinor, over);
    // The limit the test expects is the month's: 3 % and 25.00.
    assert.ok(over > TOLERANCES.LINEHAUL.overAbsMinor && over * 100 > linehaul * TOLERANCES.LINEHAUL.overPct);
    assert.equal(unmatched[0]!.topic, "exceptions/finance");
    assert.equal(unmatched[0]!.cause?.code, "NO_ACCRUAL");
    assert.deepEqual((await apInvoices()).map((i) => i.invoiceNumber).sort(), ["DHLF-900501", "ODFL-900503", "XPOL-900502"], "neither is posted");
  });

  it("a resubmitted API invoice and the same 210 file again are caught: nothing reaches finance twice", { skip }, async () => {
    const dc2 = LOADS[1]!;
    assert.equal(await apiInvoice("XPOL-900502", dc2, expectedCharges(dc2)), 202);
    const file = readdirSync(join(inbound, "archive")).find((f) => f.startsWith("DHLF_210"))!;
    writeFileSync(join(inbound, "DHLF_210_000000501-resent.edi"), readFileSync(join(inbound, "archive", file)));
    const dup = await waitFor(async () => queued.filter((q) => q.type === "DUPLICATE_INVOICE"), (q) => q.length >= 1, 60_000, "the duplicate at finance's queue");
    assert.equal(dup[0]!.topic, "exceptions/finance");
    assert.match(dup[0]!.cause!.text, /XPOL invoice XPOL-900502 was received before/);
    await waitFor(async () => readdirSync(join(inbound, "archive")), (a) => a.includes("DHLF_210_000000501-resent.edi"), 30_000, "the resent file archived");
    // The resent file's content was taken in before: no second 997, nothing parsed again.
    assert.equal(existsSync(join(inbound, "997", "DHLF_210_000000501-resent.edi.997")), false);
    // Quiet for two polls of every intake, then finance's books: each invoice once, each accrual once, no refused duplicate.
    await new Promise((r) => setTimeout(r, 12_000));
    const posted = await apInvoices();
    assert.deepEqual(posted.map((i) => i.invoiceNumber).sort(), ["DHLF-900501", "ODFL-900503", "XPOL-900502"]);
    const calls = (await received(finance)).filter((r) => r.method === "POST");
    assert.equal(calls.filter((r) => r.path === "/api/v1/ap-invoices").length, 3, "finance was asked to post each invoice once (no 409 duplicate)");
    assert.equal(calls.filter((r) => r.path === "/api/v1/accruals").length, LOADS.length);
    assert.equal((await accruals()).length, LOADS.length);
    assert.equal(queued.filter((q) => q.type === "DUPLICATE_INVOICE").length, 1, "the resent file never reached the audit");
    assert.equal(queued.filter((q) => q.type === "INVOICE_VARIANCE").length, 1);
    assert.ok(queued.every((q) => q.topic === "exceptions/finance"), JSON.stringify(queued.map((q) => q.topic)));
    // Every push of the carrier's billing API was taken (202), including the resubmission.
    const deliveries = (await getJson<{ webhookDeliveries: Array<{ status: number }> }>(`${carrier}/_sim/state`)).webhookDeliveries;
    assert.deepEqual(deliveries.map((d) => d.status), [202, 202, 202, 202]);
  });
});
