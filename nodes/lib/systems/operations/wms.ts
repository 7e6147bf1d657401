import type { CallOutcome, EndpointClient } from "../../http/endpoint-client";
import type { RowOutcome } from "../../outbox/dispatcher";
import type { OutboxRow } from "../../store";
import { documentKey } from "./send";
import { rowOutcome } from "./outcome";
import type { Operation } from "./types";

/** The body the wms-fulfillment-instruction profile makes. */
interface FulfillmentBody {
  db: string;
  origin: string;
  vals: Record<string, unknown> & { picking_type_id: number };
  lines: Array<{ sku: string; quantity: number; name: string }>;
}

/** An Odoo answer: HTTP 200 either way, the error inside (odoo.exceptions.*), which no retry mends. */
type RpcResult = { ok: true; result: unknown } | { ok: false; outcome: CallOutcome };

async function rpc(client: EndpointClient, service: string, method: string, args: unknown[], key: string, correlationId: string | null): Promise<RpcResult> {
  const outcome = await client.call("POST", "/jsonrpc", { jsonrpc: "2.0", method: "call", id: 1, params: { service, method, args } }, { idempotencyKey: key, correlationId });
  if (!outcome.ok) return { ok: false, outcome };
  const body = outcome.data as { result?: unknown; error?: { data?: { name?: string; message?: string } } } | null;
  if (body?.error) {
    const error = `Odoo ${body.error.data?.name ?? "error"}: ${body.error.data?.message ?? "no message"}`;
    return { ok: false, outcome: { ok: false, retryable: false, status: outcome.status, error, data: body } };
  }
  return { ok: true, result: body?.result };
}

/** Odoo's uid per endpoint and database, from authenticate with the endpoint's basic credentials. */
const uids = new WeakMap<EndpointClient, Map<string, number>>();

async function login(client: EndpointClient, db: string, key: string): Promise<{ ok: true; uid: number | false; password: string } | { ok: false; outcome: CallOutcome }> {
  const auth = client.options.auth;
  // Without credentials on the endpoint (the embedded simulator) calls go without a user.
  if (auth.type !== "basic") return { ok: true, uid: false, password: "" };
  const cached = uids.get(client)?.get(db);
  if (cached !== undefined) return { ok: true, uid: cached, password: auth.password };
  const answer = await rpc(client, "common", "authenticate", [db, auth.username, auth.password, {}], `${key}:login`, null);
  if (!answer.ok) return answer;
  if (typeof answer.result !== "number") {
    return { ok: false, outcome: { ok: false, retryable: false, status: 200, error: `Odoo refused the login of ${auth.username} to database ${db}`, data: answer.result } };
  }
  uids.set(client, (uids.get(client) ?? new Map<string, number>()).set(db, answer.result));
  return { ok: true, uid: answer.result, password: auth.password };
}

/**
 * Creates the pick for one order, once: a picking for this order and operation that exists
 * already (the answer to an earlier attempt was lost) counts as delivered. Each SKU is resolved
 * to its Odoo product by default_code; an unknown SKU is final (dead-lettered with its name).
 */
async function sendFulfillment(client: EndpointClient, row: OutboxRow, key: string): Promise<RowOutcome> {
  const body = row.body as FulfillmentBody;
  const who = await login(client, body.db, key);
  if (!who.ok) return rowOutcome(row, who.outcome);
  const exec = (model: string, method: string, args: unknown[], step: string, kwargs: Record<string, unknown> = {}) =>
    rpc(client, "object", "execute_kw", [body.db, who.uid, who.password, model, method, args, kwargs], `${key}:${step}`, row.correlationId);

  const existing = await exec("stock.picking", "search_read", [[["origin", "=", body.origin], ["picking_type_id", "=", body.vals.picking_type_id], ["state", "!=", "cancel"]], ["id"]], "find");
  if (!existing.ok) return rowOutcome(row, existing.outcome);
  if (Array.isArray(existing.result) && existing.result.length > 0) return { row, result: "sent" };

  const skus = [...new Set(body.lines.map((l) => l.sku))];
  const products = await exec("product.product", "search_read", [[["default_code", "in", skus]], ["id", "default_code"]], "products");
  if (!products.ok) return rowOutcome(row, products.outcome);
  const idOf = new Map((products.result as Array<{ id: number; default_code: string }>).map((p) => [p.default_code, p.id]));
  const unknown = skus.filter((s) => !idOf.has(s));
  if (unknown.length) return { row, result: "dead", error: `WMS has no product with default_code ${unknown.join(", ")} (order ${body.origin})` };

  const moves = body.lines.map((l) => [0, 0, { product_id: idOf.get(l.sku), product_uom_qty: l.quantity, name: l.name }]);
  const vals = Object.fromEntries(Object.entries({ ...body.vals, move_ids: moves }).filter(([, v]) => v !== undefined && v !== null));
  const created = await exec("stock.picking", "create", [vals], "create");
  if (!created.ok) return rowOutcome(row, created.outcome);
  // Confirm and reserve, so the pick is on the floor; a failure here is retried and the picking
  // found by its origin, so it is not created twice (it stays draft until a person confirms it).
  for (const step of ["action_confirm", "action_assign"]) {
    const done = await exec("stock.picking", step, [[created.result]], step);
    if (!done.ok) return rowOutcome(row, done.outcome);
  }
  return { row, result: "sent" };
}

export const wmsFulfillmentInstruction: Operation = {
  id: "fulfillment-instruction",
  system: "WMS",
  title: "Fulfillment instruction (pick)",
  profile: "wms-fulfillment-instruction",
  maxBatch: 1,
  defaultBatch: 1,
  async send(client, batch) {
    return Promise.all(batch.rows.map((row) => sendFulfillment(client, row, documentKey({ ...batch, rows: [row] }))));
  },
};

/** Every WMS operation, the editor's default first. */
export const WMS_OPERATIONS: Operation[] = [wmsFulfillmentInstruction];
