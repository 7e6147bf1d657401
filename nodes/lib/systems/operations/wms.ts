import type { CallOutcome } from "../../http/endpoint-client";
import type { OutboxRow } from "../../store";
import { documentKey, failed } from "./send";
import type { CommandOperation, OperationContext, OperationOutcome } from "./types";

/*
 * Odoo speaks JSON-RPC: one POST /jsonrpc per method, HTTP 200 even for errors (the error is in
 * the body), and the database, user id and password inside every call. The password comes from
 * the endpoint's credentials at call time, so it is never stored in the outbox.
 */

interface RpcError {
  message?: string;
  data?: { name?: string; message?: string };
}

type RpcResult = { ok: true; result: unknown } | { ok: false; outcome: Exclude<CallOutcome, { ok: true }> };

class OdooSession {
  private uid: number | null = null;
  constructor(
    private readonly ctx: OperationContext,
    private readonly db: string,
  ) {}

  private async rpc(service: string, method: string, args: unknown[], key: string | undefined, correlationId: string | null): Promise<RpcResult> {
    const outcome = await this.ctx.client.call("POST", "/jsonrpc", { jsonrpc: "2.0", method: "call", id: 1, params: { service, method, args } }, { idempotencyKey: key, correlationId });
    if (!outcome.ok) return { ok: false, outcome };
    const body = outcome.data as { result?: unknown; error?: RpcError } | null;
    if (body?.error) {
      const e = body.error;
      // An Odoo exception is a verdict on the request (validation, access), not a passing fault.
      const error = `Odoo ${e.data?.name ?? "error"}: ${e.data?.message ?? e.message ?? "no message"}`;
      return { ok: false, outcome: { ok: false, retryable: false, status: 200, error, data: body } };
    }
    return { ok: true, result: body?.result };
  }

  private async login(correlationId: string | null): Promise<RpcResult> {
    if (this.uid !== null) return { ok: true, result: this.uid };
    const user = this.ctx.login;
    if (!user?.username) return { ok: false, outcome: { ok: false, retryable: false, status: 0, error: "the WMS endpoint needs a user and password (basic auth credentials) for Odoo", data: null } };
    const r = await this.rpc("common", "login", [this.db, user.username, user.password], undefined, correlationId);
    if (!r.ok) return r;
    if (typeof r.result !== "number") return { ok: false, outcome: { ok: false, retryable: false, status: 200, error: `Odoo refused the login of ${user.username} to database ${this.db}`, data: null } };
    this.uid = r.result;
    return r;
  }

  /** execute_kw on a model; `key` makes a create safe to repeat (the WMS replays its answer). */
  async execute(model: string, method: string, positional: unknown[], kwargs: Record<string, unknown>, key: string | undefined, correlationId: string | null): Promise<RpcResult> {
    const l = await this.login(correlationId);
    if (!l.ok) return l;
    return this.rpc("object", "execute_kw", [this.db, this.uid, this.ctx.login?.password ?? "", model, method, positional, kwargs], key, correlationId);
  }
}

interface PickingVals {
  origin: string;
  picking_type_id: number;
  move_ids: Array<[0, 0, { product_code?: string; product_uom_qty: number; name?: string }]>;
  [field: string]: unknown;
}

/**
 * The fulfillment instruction: a stock.picking per order, created and confirmed (released to the
 * warehouse), then read back with its moves as the answer (mapped to a Shipment by the
 * odoo-stock-picking profile). Odoo knows no Idempotency-Key, so the node first looks for a
 * picking with the same origin and picking type and answers with that one instead of creating a
 * second; creates of one batch go in one call (Odoo's create takes a list).
 */
export const wmsFulfillmentInstruction: CommandOperation = {
  id: "fulfillment-instruction",
  system: "WMS",
  title: "Fulfillment instruction (stock.picking)",
  lifecycleState: "ALLOCATED",
  profile: "wms-fulfillment-instruction",
  answerProfile: "odoo-stock-picking",
  maxBatch: 50,
  defaultBatch: 10,
  async send(ctx, batch) {
    const db = typeof ctx.bindings.odooDb === "string" && ctx.bindings.odooDb ? ctx.bindings.odooDb : "logistics";
    const odoo = new OdooSession(ctx, db);
    const correlationId = batch.rows.length === 1 ? batch.rows[0]!.correlationId : null;
    const bodies = new Map(batch.rows.map((r) => [r, r.body as PickingVals]));
    const fail = (rows: OutboxRow[], r: Extract<RpcResult, { ok: false }>) => failed(rows, r.outcome);

    // 1. Pickings created before (a resend, a crash after create): found by origin + type.
    const origins = [...new Set([...bodies.values()].map((b) => b.origin))];
    const found = await odoo.execute("stock.picking", "search_read", [[["origin", "in", origins]], ["id", "origin", "picking_type_id", "state"]], {}, undefined, correlationId);
    if (!found.ok) return fail(batch.rows, found);
    const existing = new Map<string, number>();
    for (const p of found.result as Array<{ id: number; origin: string; picking_type_id: [number, string]; state: string }>) {
      if (p.state !== "cancel") existing.set(`${p.origin}|${p.picking_type_id[0]}`, p.id);
    }

    // 2. Product ids for the SKUs of the rows still to create (an unknown SKU kills its row only).
    const toCreate = batch.rows.filter((r) => !existing.has(`${bodies.get(r)!.origin}|${bodies.get(r)!.picking_type_id}`));
    const outcomes: OperationOutcome[] = [];
    const ids = new Map<OutboxRow, number>();
    for (const r of batch.rows) {
      const id = existing.get(`${bodies.get(r)!.origin}|${bodies.get(r)!.picking_type_id}`);
      if (id !== undefined) ids.set(r, id);
    }
    if (toCreate.length > 0) {
      const skus = [...new Set(toCreate.flatMap((r) => bodies.get(r)!.move_ids.map((m) => m[2].product_code ?? "")))];
      const products = await odoo.execute("product.product", "search_read", [[["default_code", "in", skus]], ["id", "default_code"]], {}, undefined, correlationId);
      if (!products.ok) return fail(batch.rows, products);
      const productId = new Map((products.result as Array<{ id: number; default_code: string }>).map((p) => [p.default_code, p.id]));
      const ready: Array<{ row: OutboxRow; vals: Record<string, unknown> }> = [];
      for (const row of toCreate) {
        const vals = bodies.get(row)!;
        const unknown = vals.move_ids.map((m) => m[2].product_code ?? "").filter((sku) => !productId.has(sku));
        if (unknown.length > 0) {
          outcomes.push({ row, result: "dead", error: `WMS has no product with internal reference ${unknown.join(", ")}` });
          continue;
        }
        const move_ids = vals.move_ids.map(([a, b, m]) => {
          const { product_code, ...rest } = m;
          return [a, b, { ...rest, product_id: productId.get(product_code ?? "") }];
        });
        ready.push({ row, vals: { ...vals, move_ids } });
      }
      // 3. Create (one call for the batch, a stable key so a retry is answered, not repeated) and confirm.
      if (ready.length > 0) {
        const readyBatch = { ...batch, rows: ready.map((r) => r.row) };
        const created = await odoo.execute("stock.picking", "create", [ready.map((r) => r.vals)], {}, documentKey(readyBatch), correlationId);
        if (!created.ok) {
          if (ready.length === 1 || created.outcome.retryable) return [...outcomes, ...fail(readyBatch.rows, created)];
          // Odoo creates all or nothing: try each alone so one bad instruction does not hold the rest.
          for (const r of ready) outcomes.push(...(await wmsFulfillmentInstruction.send(ctx, { ...batch, rows: [r.row] })));
          return outcomes.concat(await answers(odoo, batch.rows.filter((r) => ids.has(r)), ids, correlationId));
        }
        const newIds = created.result as number[];
        ready.forEach((r, i) => ids.set(r.row, newIds[i]!));
        const confirmed = await odoo.execute("stock.picking", "action_confirm", [newIds], {}, `${documentKey(readyBatch)}:confirm`, correlationId);
        if (!confirmed.ok && confirmed.outcome.retryable) return [...outcomes, ...fail(batch.rows.filter((r) => ids.has(r)), confirmed)];
        // Reserve the stock (Odoo "Check availability") so the pickers see a ready operation;
        // binding reserve: false leaves that to the warehouse. No stock is no failure: it stays confirmed.
        if (confirmed.ok && ctx.bindings.reserve !== false) {
          const reserved = await odoo.execute("stock.picking", "action_assign", [newIds], {}, `${documentKey(readyBatch)}:assign`, correlationId);
          if (!reserved.ok && reserved.outcome.retryable) return [...outcomes, ...fail(batch.rows.filter((r) => ids.has(r)), reserved)];
        }
      }
    }
    return outcomes.concat(await answers(odoo, batch.rows.filter((r) => ids.has(r)), ids, correlationId));
  },
};

/** Reads the pickings back with their moves: the answer the flow gets, one per row. */
async function answers(odoo: OdooSession, rows: OutboxRow[], ids: Map<OutboxRow, number>, correlationId: string | null): Promise<OperationOutcome[]> {
  if (rows.length === 0) return [];
  const pickingIds = rows.map((r) => ids.get(r)!);
  const pickings = await odoo.execute("stock.picking", "read", [pickingIds], {}, undefined, correlationId);
  const moves = pickings.ok ? await odoo.execute("stock.move", "search_read", [[["picking_id", "in", pickingIds]]], {}, undefined, correlationId) : pickings;
  return rows.map((row): OperationOutcome => {
    // The instruction is in the WMS either way; without the read-back the flow just gets no answer.
    if (!pickings.ok || !moves.ok) return { row, result: "sent" };
    const picking = (pickings.result as Array<{ id: number }>).find((p) => p.id === ids.get(row));
    return { row, result: "sent", answer: picking ? { picking, moves: moves.result } : undefined };
  });
}

export const WMS_OPERATIONS: CommandOperation[] = [wmsFulfillmentInstruction];
