import type { EndpointClient } from "../http/endpoint-client";
import type { RowOutcome } from "../outbox/dispatcher";
import type { OutboxBatch, OutboxRow } from "../store";

/**
 * An outbound operation of a system node: which mapping turns the canonical object into the
 * vendor's shape, how many can share a call, and how a batch is sent and its answer read.
 */
export interface Operation {
  id: string;
  system: "ERP" | "WMS" | "TMS" | "FINANCE" | "CARRIER" | "PORTAL";
  title: string;
  /** Outbound mapping profile (canonical/profiles/profiles.json). */
  profile: string;
  /** Largest batch the vendor API takes in one call; 1 = one call per object. */
  maxBatch: number;
  defaultBatch: number;
  send(client: EndpointClient, batch: OutboxBatch): Promise<RowOutcome[]>;
}

/**
 * The Idempotency-Key of a document: the batch's key, except that a document of one row always
 * carries that row's own key. After a refused batch is split, a row left over on its own is
 * then sent under its own key and gets its own verdict, never the stored answer of the batch.
 */
function documentKey(batch: OutboxBatch): string {
  const only = batch.rows.length === 1 ? batch.rows[0]! : null;
  return only ? `${only.target}:row:${only.id}@${batch.storeInstance}` : batch.batchKey;
}

/**
 * Sends the batch as one document; every row shares the outcome of that call. When the target
 * refuses a document of several rows (4xx), each row is sent on its own under its own key, so
 * one bad row is dead-lettered and the rest still go through.
 */
async function sendWhole(
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

const tmsLoadExecutionUpdate: Operation = {
  id: "load-execution-update",
  system: "TMS",
  title: "Load execution update",
  profile: "tms-load-execution-event",
  maxBatch: 1000,
  defaultBatch: 200,
  async send(client, batch) {
    const outcome = await client.call(
      "POST",
      "/api/v1/execution-events:batch",
      { events: batch.rows.map((r) => r.body) },
      { idempotencyKey: batch.batchKey },
    );
    if (!outcome.ok) {
      return batch.rows.map((row): RowOutcome =>
        outcome.retryable
          ? { row, result: "retry", error: outcome.error, retryAfterMs: outcome.retryAfterMs, notSent: outcome.circuitOpen === true }
          : { row, result: "dead", error: outcome.error },
      );
    }
    // The TMS answers per event: accepted and duplicate both mean "it has it"; rejected is final.
    const results = new Map<string, { status?: string; reason?: string }>();
    const body = outcome.data as { results?: Array<{ eventId?: string; status?: string; reason?: string }> } | null;
    for (const r of body?.results ?? []) if (r.eventId) results.set(r.eventId, r);
    return batch.rows.map((row): RowOutcome => {
      const r = results.get((row.body as { eventId: string }).eventId);
      if (r?.status === "rejected") return { row, result: "dead", error: `TMS rejected event: ${r.reason ?? "no reason given"}` };
      return { row, result: "sent" };
    });
  },
};

function sapDate(ms: number): string {
  return `/Date(${ms})/`;
}

const erpInventoryStatus: Operation = {
  id: "inventory-status",
  system: "ERP",
  title: "Inventory status (goods movement)",
  profile: "erp-goods-movement-item",
  maxBatch: 999,
  defaultBatch: 100,
  send(client, batch) {
    // One material document carries many items: a batch is one document, one call.
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    return sendWhole(client, batch, "/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/A_MaterialDocumentHeader", (rows) => ({
      GoodsMovementCode: "04",
      PostingDate: sapDate(today),
      DocumentDate: sapDate(today),
      MaterialDocumentHeaderText: batch.batchKey.slice(-25),
      to_MaterialDocumentItem: { results: rows.map((r) => r.body) },
    }));
  },
};

const OPERATIONS: Operation[] = [tmsLoadExecutionUpdate, erpInventoryStatus];

export function findOperation(system: Operation["system"], id: string): Operation | undefined {
  return OPERATIONS.find((o) => o.system === system && o.id === id);
}
