import type { CallOutcome } from "../../http/endpoint-client";
import type { OutboxBatch, OutboxRow } from "../../store";
import type { OperationContext, OperationOutcome } from "./types";

/**
 * The Idempotency-Key of a document: the batch's key, except that a document of one row always
 * carries that row's own key. After a refused batch is split, a row left over on its own is
 * then sent under its own key and gets its own verdict, never the stored answer of the batch.
 */
export function documentKey(batch: OutboxBatch): string {
  const only = batch.rows.length === 1 ? batch.rows[0]! : null;
  return only ? `${only.target}:row:${only.id}@${batch.storeInstance}` : batch.batchKey;
}

/** Every row of a call shares its failure: retry later, or dead with the vendor's reason. */
export function failed(rows: OutboxRow[], outcome: Exclude<CallOutcome, { ok: true }>): OperationOutcome[] {
  return rows.map((row): OperationOutcome =>
    outcome.retryable
      ? { row, result: "retry", error: outcome.error, retryAfterMs: outcome.retryAfterMs, notSent: outcome.circuitOpen === true }
      : { row, result: "dead", error: outcome.error },
  );
}

/** A body field as a path segment: encoded, so a hostile id cannot reach another resource. */
export function segment(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") throw new Error(`${what} is missing from the mapped body`);
  return encodeURIComponent(value);
}

/**
 * Sends the batch as one document; every row shares the outcome of that call. When the target
 * refuses a document of several rows (4xx), each row is sent on its own under its own key, so
 * one bad row is dead-lettered and the rest still go through.
 */
export async function sendWhole(
  client: OperationContext["client"],
  batch: OutboxBatch,
  path: string,
  document: (rows: OutboxRow[]) => unknown,
): Promise<OperationOutcome[]> {
  const outcome = await client.call("POST", path, document(batch.rows), {
    idempotencyKey: documentKey(batch),
    correlationId: batch.rows.length === 1 ? batch.rows[0]!.correlationId : null,
  });
  if (!outcome.ok && !outcome.retryable && batch.rows.length > 1) {
    const outcomes: OperationOutcome[] = [];
    for (const row of batch.rows) {
      outcomes.push(...(await sendWhole(client, { ...batch, rows: [row] }, path, document)));
    }
    return outcomes;
  }
  if (!outcome.ok) return failed(batch.rows, outcome);
  return batch.rows.map((row): OperationOutcome => ({ row, result: "sent" }));
}

/**
 * One call per row (APIs that take one document per request): each row under its own key, its
 * answer kept for the flow. `accept` may turn a refusal into success when the refusal says the
 * system already has it (e.g. 409 "exists"), so a resend under a new key is not a dead letter.
 */
export async function sendEach(
  ctx: OperationContext,
  batch: OutboxBatch,
  call: (row: OutboxRow) => { method?: "POST" | "PUT" | "PATCH"; path: string; body: unknown },
  accept?: (outcome: Extract<CallOutcome, { ok: false; retryable: false }>, row: OutboxRow) => boolean,
): Promise<OperationOutcome[]> {
  const outcomes: OperationOutcome[] = [];
  for (const row of batch.rows) {
    let request: ReturnType<typeof call>;
    try {
      request = call(row);
    } catch (err) {
      outcomes.push({ row, result: "dead", error: (err as Error).message });
      continue;
    }
    const outcome = await ctx.client.call(request.method ?? "POST", request.path, request.body, {
      idempotencyKey: documentKey({ ...batch, rows: [row] }),
      correlationId: row.correlationId,
    });
    if (outcome.ok) outcomes.push({ row, result: "sent", answer: outcome.data });
    else if (!outcome.retryable && accept?.(outcome, row)) outcomes.push({ row, result: "sent", answer: outcome.data });
    else outcomes.push(...failed([row], outcome));
  }
  return outcomes;
}

/** The vendor's error code in common envelopes ({error:{code}}, OData, FedEx {errors:[{code}]}). */
export function errorCode(data: unknown): string | null {
  const d = data as { error?: { code?: unknown }; errors?: Array<{ code?: unknown }> } | null;
  const code = d?.error?.code ?? d?.errors?.[0]?.code;
  return typeof code === "string" ? code : null;
}
