import type { RowOutcome } from "../../outbox/dispatcher";
import type { OutboxRow } from "../../store";
import type { EndpointClient } from "../../http/endpoint-client";
import { isConflict, rowOutcome } from "./outcome";
import { documentKey } from "./send";
import type { Operation } from "./types";

export const tmsLoadExecutionUpdate: Operation = {
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

/** The body the tms-shipment-plan profile makes. */
interface PlanBody {
  load: { loadId: string } & Record<string, unknown>;
  tender?: { carrierScac: string };
}

/**
 * Plans one load and tenders it when a carrier is known. A load that exists already (409, the
 * answer to an earlier attempt was lost) and a tender the TMS has moved past (409) both count as
 * done, so a retry after a crash never plans twice.
 */
async function sendPlan(client: EndpointClient, row: OutboxRow, key: string): Promise<RowOutcome> {
  const body = row.body as PlanBody;
  const planned = await client.call("POST", "/api/v1/loads", body.load, { idempotencyKey: key, correlationId: row.correlationId });
  if (!planned.ok && !isConflict(planned)) return rowOutcome(row, planned);
  if (!body.tender) return { row, result: "sent" };
  const path = `/api/v1/loads/${encodeURIComponent(body.load.loadId)}/tender`;
  const tendered = await client.call("POST", path, body.tender, { idempotencyKey: `${key}:tender`, correlationId: row.correlationId });
  return isConflict(tendered) ? { row, result: "sent" } : rowOutcome(row, tendered);
}

export const tmsShipmentPlan: Operation = {
  id: "shipment-plan",
  system: "TMS",
  title: "Shipment plan and tender",
  profile: "tms-shipment-plan",
  maxBatch: 1,
  defaultBatch: 1,
  async send(client, batch) {
    return Promise.all(batch.rows.map((row) => sendPlan(client, row, documentKey({ ...batch, rows: [row] }))));
  },
};

/** Every TMS operation, the editor's default first. */
export const TMS_OPERATIONS: Operation[] = [tmsLoadExecutionUpdate, tmsShipmentPlan];
