/** Finance, customer portal, carrier (FedEx-like) and WMS (Odoo-like) simulators. */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CarrierSimulator } from "../../../simulators/carrier";
import { FinanceSimulator } from "../../../simulators/finance";
import { PortalSimulator } from "../../../simulators/portal";
import { WmsSimulator } from "../../../simulators/wms";
import { call, post } from "./_http";

interface ErrorBody {
  error: { code: string; message: string };
}

describe("finance", () => {
  const sim = new FinanceSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());

  it("accruals are idempotent on externalId and adjust by signed minor units", async () => {
    const body = { externalId: "acc-SH1", shipmentId: "SH-1", amount: { currency: "EUR", amountMinor: 125_000 }, glAccount: "520000" };
    const a = await post<{ id: string; journalEntryId: string }>(`${sim.url}/api/v1/accruals`, body);
    const b = await post<{ id: string }>(`${sim.url}/api/v1/accruals`, body);
    assert.equal(a.status, 201);
    assert.equal(b.status, 200);
    assert.equal(b.body.id, a.body.id);
    const adj = { adjustmentId: "adj-1", amount: { currency: "EUR", amountMinor: -25_000 }, reason: "carrier invoice lower" };
    const r1 = await post<{ accrual: { balance: { amountMinor: number }; status: string } }>(`${sim.url}/api/v1/accruals/${a.body.id}/adjustments`, adj);
    const r2 = await post<{ accrual: { balance: { amountMinor: number } } }>(`${sim.url}/api/v1/accruals/${a.body.id}/adjustments`, adj);
    assert.equal(r1.status, 201);
    assert.equal(r2.status, 200);
    assert.equal(r2.body.accrual.balance.amountMinor, 100_000);
    assert.equal(r1.body.accrual.status, "ADJUSTED");
    const wrongCcy = await post<ErrorBody>(`${sim.url}/api/v1/accruals/${a.body.id}/adjustments`, { amount: { currency: "USD", amountMinor: 1 }, reason: "x" });
    assert.equal(wrongCcy.status, 422);
    const list = await call<{ count: number }>(`${sim.url}/api/v1/accruals?shipmentId=SH-1`);
    assert.equal(list.body.count, 1);
  });

  it("validates money: floats and lower-case currencies are refused", async () => {
    const float = await post<ErrorBody>(`${sim.url}/api/v1/accruals`, { shipmentId: "S", glAccount: "520000", amount: { currency: "EUR", amountMinor: 12.5 } });
    assert.equal(float.status, 400);
    assert.match(float.body.error.message, /amountMinor/);
    assert.equal((await post(`${sim.url}/api/v1/accruals`, { shipmentId: "S", glAccount: "520000", amount: { currency: "eur", amountMinor: 1 } })).status, 400);
  });

  it("invoice-ready and AP invoices (a duplicate carrier invoice is a 409)", async () => {
    assert.equal((await post(`${sim.url}/api/v1/invoice-ready`, { orderId: "SO-1", customerId: "C-1" })).status, 201);
    assert.equal((await post(`${sim.url}/api/v1/invoice-ready`, { customerId: "C-1" })).status, 400);
    const inv = { invoiceNumber: "INV-9", carrierId: "FXFE", shipmentId: "SH-1", amount: { currency: "EUR", amountMinor: 99_000 } };
    assert.equal((await post(`${sim.url}/api/v1/ap-invoices`, inv)).status, 201);
    const dup = await post<ErrorBody>(`${sim.url}/api/v1/ap-invoices`, inv);
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, "DUPLICATE_INVOICE");
    const st = sim.state() as { counts: { apInvoices: number; invoiceReady: number } };
    assert.deepEqual([st.counts.apInvoices, st.counts.invoiceReady], [1, 1]);
  });
});

describe("customer portal", () => {
  const sim = new PortalSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());

  it("stores alerts, dedupes on alertId, filters by order and checks newEta", async () => {
    const a = { alertId: "al-1", orderId: "SO-1", type: "ETA_CHANGE", message: "new ETA", newEta: "2026-11-24T10:00:00+01:00" };
    assert.equal((await post(`${sim.url}/api/v1/alerts`, a)).status, 201);
    assert.equal((await post(`${sim.url}/api/v1/alerts`, a)).status, 200);
    assert.equal((await post(`${sim.url}/api/v1/alerts`, { ...a, alertId: "al-2", newEta: "2026-11-24 10:00" })).status, 400, "ETA without zone refused");
    assert.equal((await post(`${sim.url}/api/v1/alerts`, { orderId: "SO-2", type: "DELAY", message: "late" })).status, 201);
    const list = await call<{ count: number; items: Array<{ severity: string }> }>(`${sim.url}/api/v1/alerts?orderId=SO-1`);
    assert.equal(list.body.count, 1);
    assert.equal((sim.state() as { count: number }).count, 2);
  });
});

describe("carrier (FedEx Track v1)", () => {
  const sim = new CarrierSimulator();
  let hookUrl = "";
  const pushed: unknown[] = [];
  const hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      pushed.push(JSON.parse(body));
      res.end();
    });
  });
  before(async () => {
    await sim.listen(0, "127.0.0.1");
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await sim.close();
    await new Promise((r) => hook.close(r));
  });

  interface TrackReply {
    output: {
      completeTrackResults: Array<{
        trackingNumber: string;
        trackResults: Array<{
          latestStatusDetail?: { code: string };
          error?: { code: string };
          scanEvents?: Array<{ eventType: string; date: string; derivedStatusCode: string; scanLocation: { city: string; countryCode: string } }>;
        }>;
      }>;
    };
  }

  it("tracks shipments created and scanned through the control API, newest scan first", async () => {
    await call(`${sim.url}/_sim/webhooks`, { method: "POST", body: { url: hookUrl } });
    const created = await call<{ trackingNumberInfo: { trackingNumber: string } }>(`${sim.url}/_sim/shipments`, {
      method: "POST",
      body: { trackingNumber: "794600000123", scans: [{ eventType: "OC", date: "2026-11-21T18:00:00-05:00" }] },
    });
    assert.equal(created.status, 201);
    await call(`${sim.url}/_sim/shipments/794600000123/scans`, { method: "POST", body: { eventType: "PU", date: "2026-11-22T09:00:00-05:00", scanLocation: { city: "MEMPHIS", stateOrProvinceCode: "TN", postalCode: "38118", countryCode: "US" } } });
    await call(`${sim.url}/_sim/shipments/794600000123/scans`, { method: "POST", body: { eventType: "AR", date: "2026-11-22T15:30:00-05:00" } });
    const bad = await call(`${sim.url}/_sim/shipments/794600000123/scans`, { method: "POST", body: { eventType: "ZZ" } });
    assert.equal(bad.status, 400);
    const r = await post<TrackReply>(`${sim.url}/track/v1/trackingnumbers`, { includeDetailedScans: true, trackingInfo: [{ trackingNumberInfo: { trackingNumber: "794600000123" } }, { trackingNumberInfo: { trackingNumber: "000" } }] });
    assert.equal(r.status, 200);
    const [found, missing] = r.body.output.completeTrackResults;
    const tr = found?.trackResults[0];
    assert.deepEqual(tr?.scanEvents?.map((e) => e.eventType), ["AR", "PU", "OC"]);
    assert.equal(tr?.scanEvents?.[0]?.derivedStatusCode, "IT");
    assert.equal(tr?.scanEvents?.[2]?.derivedStatusCode, "IN");
    assert.equal(tr?.latestStatusDetail?.code, "IT");
    assert.equal(tr?.scanEvents?.[1]?.scanLocation.city, "MEMPHIS");
    assert.equal(missing?.trackResults[0]?.error?.code, "TRACKING.TRACKINGNUMBER.NOTFOUND");
    const start = Date.now();
    while (pushed.length < 3 && Date.now() - start < 3000) await new Promise((res) => setTimeout(res, 20));
    assert.equal(pushed.length, 3, "one push per scan");
  });

  it("more than 30 tracking numbers → 400 in FedEx error shape", async () => {
    const info = Array.from({ length: 31 }, (_, i) => ({ trackingNumberInfo: { trackingNumber: String(i) } }));
    const r = await post<{ errors: Array<{ code: string }> }>(`${sim.url}/track/v1/trackingnumbers`, { trackingInfo: info });
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0]?.code, "TRACKING.TRACKINGNUMBER.LIMIT");
  });
});

describe("WMS (Odoo JSON-RPC)", () => {
  const sim = new WmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  let id = 0;
  const rpc = async <T>(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, password = "admin") =>
    post<{ result?: T; error?: { message: string; data: { name: string; message: string } } }>(`${sim.url}/jsonrpc`, {
      jsonrpc: "2.0",
      method: "call",
      id: ++id,
      params: { service: "object", method: "execute_kw", args: ["logistics", 2, password, model, method, args, kwargs] },
    });

  it("login returns the uid; wrong password is AccessDenied in a 200", async () => {
    const r = await post<{ result: number }>(`${sim.url}/jsonrpc`, { jsonrpc: "2.0", method: "call", id: 1, params: { service: "common", method: "login", args: ["logistics", "admin", "admin"] } });
    assert.equal(r.body.result, 2);
    const denied = await rpc("stock.picking", "search", [[]], {}, "wrong");
    assert.equal(denied.status, 200);
    assert.equal(denied.body.error?.data.name, "odoo.exceptions.AccessDenied");
  });

  it("create → confirm → assign → validate, read as Odoo shapes, confirmations generated", async () => {
    const created = await rpc<number>("stock.picking", "create", [{ picking_type_id: 1, origin: "SO-1000001", partner_id: 7, move_ids: [[0, 0, { product_id: 1, product_uom_qty: 6 }]] }]);
    const pid = created.body.result as number;
    assert.ok(pid > 0);
    for (const m of ["action_confirm", "action_assign", "button_validate"]) assert.equal((await rpc<boolean>("stock.picking", m, [[pid]])).body.result, true, m);
    const again = await rpc("stock.picking", "button_validate", [[pid]]);
    assert.equal(again.body.error?.data.name, "odoo.exceptions.UserError");
    const rows = await rpc<Array<{ state: string; partner_id: [number, string]; date_done: string; name: string }>>("stock.picking", "search_read", [[["state", "=", "done"], ["origin", "=", "SO-1000001"]]], { fields: ["state", "partner_id", "date_done", "name"] });
    const row = rows.body.result?.[0];
    assert.equal(row?.state, "done");
    assert.deepEqual(row?.partner_id, [7, "Azure Interior"]);
    assert.match(row?.date_done ?? "", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.match(row?.name ?? "", /^WH\/PICK\/\d{5}$/);
    const conf = await call<{ confirmations: Array<{ type: string; pickingId: number; lines: Array<{ sku: string; quantity: number }> }> }>(`${sim.url}/api/confirmations`);
    assert.equal(conf.body.confirmations.length, 1);
    assert.equal(conf.body.confirmations[0]?.type, "pick");
    assert.deepEqual(conf.body.confirmations[0]?.lines, [{ sku: "SKU-10023", gtin: "04012345123456", lot: "L2611A", quantity: 6, ordered: 6 }]);
  });

  it("a search on fields copied from the picking (judged before records are built) answers as one on the record's own fields", async () => {
    for (const origin of ["SO-2000001", "SO-2000002"]) await rpc<number>("stock.picking", "create", [{ picking_type_id: 1, origin, partner_id: 7, move_ids: [[0, 0, { product_id: 1, product_uom_qty: 1 }]] }]);
    const origins = async (domain: unknown[]) =>
      ((await rpc<Array<{ origin: string }>>("stock.picking", "search_read", [domain], { fields: ["origin"] })).body.result ?? []).map((r) => r.origin).sort();
    assert.deepEqual(await origins([["origin", "in", ["SO-2000001", "SO-2000002", "SO-9"]]]), ["SO-2000001", "SO-2000002"]);
    assert.deepEqual(await origins(["&", ["origin", "in", ["SO-2000001", "SO-2000002"]], ["state", "=", "draft"]]), ["SO-2000001", "SO-2000002"]);
    // partner_id is a many2one on the record ([id, name]): not pre-judged, same answer.
    assert.deepEqual(await origins([["origin", "in", ["SO-2000001", "SO-2000002"]], ["partner_id", "=", 7]]), ["SO-2000001", "SO-2000002"]);
    assert.equal((await rpc<number>("stock.picking", "search_count", [[["origin", "=", "SO-2000002"]]])).body.result, 1);
    // read by ids builds those records only, in the order asked; an unknown id is Odoo's MissingError.
    const [picking] = (await rpc<Array<{ id: number; move_ids: number[] }>>("stock.picking", "search_read", [[["origin", "=", "SO-2000001"]]], { fields: ["move_ids"] })).body.result ?? [];
    const moves = (await rpc<Array<{ id: number; picking_id: [number, string] }>>("stock.move", "read", [[...picking!.move_ids].reverse(), ["picking_id"]])).body.result ?? [];
    assert.deepEqual(moves.map((m) => m.id), [...picking!.move_ids].reverse());
    assert.ok(moves.every((m) => m.picking_id[0] === picking!.id));
    assert.equal((await rpc("stock.move", "search_count", [[["picking_id", "=", picking!.id]]])).body.result, picking!.move_ids.length);
    const missing = await rpc("stock.picking", "read", [[picking!.id, 987654]]);
    assert.equal(missing.body.error?.data.name, "odoo.exceptions.MissingError");
  });

  it("searches by origin and by picking (answered from an index) follow writes, and origin = false still finds pickings without one", async () => {
    const create = async (vals: Record<string, unknown>) =>
      (await rpc<number>("stock.picking", "create", [{ picking_type_id: 1, partner_id: 7, move_ids: [[0, 0, { product_id: 1, product_uom_qty: 2 }], [0, 0, { product_id: 2, product_uom_qty: 1 }]], ...vals }])).body.result!;
    const moved = await create({ origin: "SO-3000001" });
    const bare = await create({});
    assert.equal((await rpc<boolean>("stock.picking", "write", [[moved], { origin: "SO-3000002" }])).body.result, true);
    const ids = async (model: string, domain: unknown[]) => ((await rpc<number[]>(model, "search", [domain])).body.result ?? []).sort((a, b) => a - b);
    assert.deepEqual(await ids("stock.picking", [["origin", "=", "SO-3000001"]]), [], "not under the origin it had");
    assert.deepEqual(await ids("stock.picking", [["origin", "in", ["SO-3000002"]]]), [moved]);
    assert.ok((await ids("stock.picking", [["origin", "=", false]])).includes(bare), "a picking without origin");
    const [a, b] = await Promise.all([moved, bare].map(async (pid) => ((await rpc<Array<{ move_ids: number[] }>>("stock.picking", "read", [[pid], ["move_ids"]])).body.result ?? [])[0]!.move_ids));
    assert.deepEqual(await ids("stock.move", [["picking_id", "in", [moved, bare]]]), [...a!, ...b!].sort((x, y) => x - y));
    assert.deepEqual(await ids("stock.move", [["picking_id", "=", moved], ["product_id", "=", 2]]), [a![1]], "the other terms still apply");
  });

  it("unsupported domain operators and bad product ids are Odoo errors, not crashes", async () => {
    const or = await rpc("stock.picking", "search_read", [["|", ["state", "=", "done"], ["state", "=", "draft"]]]);
    assert.match(or.body.error?.data.message ?? "", /not supported/);
    const badProduct = await rpc("stock.picking", "create", [{ move_ids: [[0, 0, { product_id: 999, product_uom_qty: 1 }]] }]);
    assert.equal(badProduct.body.error?.data.name, "odoo.exceptions.ValidationError");
    const notRpc = await post<{ error: { data: { name: string } } }>(`${sim.url}/jsonrpc`, { hello: 1 });
    assert.equal(notRpc.status, 200);
    assert.ok(notRpc.body.error);
  });
});
