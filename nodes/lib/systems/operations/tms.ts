import type { RowOutcome } from "../../outbox/dispatcher";
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

/** Every TMS operation, the editor's default first. */
export const TMS_OPERATIONS: Operation[] = [tmsLoadExecutionUpdate];
