import type { EndpointClient } from "../../http/endpoint-client";
import type { RowOutcome } from "../../outbox/dispatcher";
import type { OutboxBatch, OutboxRow } from "../../store";

/**
 * The Idempotency-Key of a document: the batch's key, except that a document of one row always
 * carries that row's own key. After a refused batch is split, a row left over on its own is
 * then sent under its own key and gets its own verdict, never the stored answer of the batch.
 */
export function documentKey(batch: OutboxBatch): string {
  const only = batch.rows.length === 1 ? batch.rows[0]! : null;
  return only ? `${only.target}:row:${only.id}@${batch.storeInstance}` : batch.batchKey;
}

/**
 * Sends the batch as one document; every row shares the outcome of that call. When the target
 * refuses a document of several rows (4xx), each row is sent on its own under its own key, so
 * one bad row is dead-lettered and the rest still go through.
 */
export async function sendWhole(
  client: EndpointClient,
  batch: OutboxBatch,
  path: string,
  document: (rows: OutboxRow[]) => unknown,
): Promise<RowOutcome[]> {
  const outcome = await client.call("POST", path, document(batch.rows), {
    idempotencyKey: documentKey(batch),
    correlationId: batch.rows.length === 1 ? batch.rows[0]!.correlationId : null,
  });
  if (!outcome.ok && !outcome.retryable && batch.rows.length > 1) {
    const outcomes: RowOutcome[] = [];
    for (const row of batch.rows) {
      outcomes.push(...(await sendWhole(client, { ...batch, rows: [row] }, path, document)));
    }
    return outcomes;
  }
  return batch.rows.map((row): RowOutcome => {
    if (outcome.ok) return { row, result: "sent" };
    if (outcome.retryable) return { row, result: "retry", error: outcome.error, retryAfterMs: outcome.retryAfterMs, notSent: outcome.circuitOpen === true };
    return { row, result: "dead", error: outcome.error };
  });
}
