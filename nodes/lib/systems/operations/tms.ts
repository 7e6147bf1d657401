import { documentKey, errorCode, failed, segment, sendEach } from "./send";
import type { CommandOperation, OperationOutcome } from "./types";

export const tmsLoadExecutionUpdate: CommandOperation = {
  id: "load-execution-update",
  system: "TMS",
  title: "Load execution update",
  profile: "tms-load-execution-event",
  maxBatch: 1000,
  defaultBatch: 200,
  async send({ client }, batch) {
    const outcome = await client.call(
      "POST",
      "/api/v1/execution-events:batch",
      { events: batch.rows.map((r) => r.body) },
      { idempotencyKey: batch.batchKey },
    );
    if (!outcome.ok) return failed(batch.rows, outcome);
    // The TMS answers per event: accepted and duplicate both mean "it has it"; rejected is final.
    const results = new Map<string, { status?: string; reason?: string }>();
    const body = outcome.data as { results?: Array<{ eventId?: string; status?: string; reason?: string }> } | null;
    for (const r of body?.results ?? []) if (r.eventId) results.set(r.eventId, r);
    return batch.rows.map((row): OperationOutcome => {
      const r = results.get((row.body as { eventId: string }).eventId);
      if (r?.status === "rejected") return { row, result: "dead", error: `TMS rejected event: ${r.reason ?? "no reason given"}` };
      return { row, result: "sent" };
    });
  },
};

/**
 * The TMS takes one load per call. A load id that exists already (409 LOAD_EXISTS) means the plan
 * reached the TMS before (a resend from another store or instance): delivered, not dead.
 */
export const tmsShipmentPlan: CommandOperation = {
  id: "shipment-plan",
  system: "TMS",
  title: "Shipment plan (load)",
  profile: "tms-shipment-plan",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => ({ path: "/api/v1/loads", body: row.body }), (outcome) => outcome.status === 409 && errorCode(outcome.data) === "LOAD_EXISTS");
  },
};

/** Tendering a load that is tendered already answers 200 at the TMS: a resend is harmless. */
export const tmsTender: CommandOperation = {
  id: "tender",
  system: "TMS",
  title: "Tender",
  profile: "tms-tender",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => {
      const body = row.body as { loadId?: unknown; carrierScac?: unknown };
      return { path: `/api/v1/loads/${segment(body.loadId, "loadId")}/tender`, body: { carrierScac: body.carrierScac } };
    });
  },
};

/** Milestones are one call each; the Idempotency-Key (stable per outbox row) stops a repeat. */
export const tmsMilestone: CommandOperation = {
  id: "milestone",
  system: "TMS",
  title: "Milestone",
  profile: "tms-milestone",
  maxBatch: 1,
  defaultBatch: 1,
  send(ctx, batch) {
    return sendEach(ctx, batch, (row) => {
      const { loadId, ...milestone } = row.body as { loadId?: unknown } & Record<string, unknown>;
      return { path: `/api/v1/loads/${segment(loadId, "loadId")}/milestones`, body: milestone };
    });
  },
};

/** The body the tms-planning-requirement profile makes. */
interface PlanningRequirement {
  load?: { loadId?: unknown } & Record<string, unknown>;
  tender?: { carrierScac?: unknown };
}

/**
 * An order-based planning requirement (what an ERP hands a TMS before any shipment exists): one
 * load per sales order with its service level and routing constraints, tendered when a carrier is
 * known. A load that exists (409 LOAD_EXISTS) and a tender the TMS has moved past (409) both mean
 * an earlier attempt got through, so a retry after a crash never plans or tenders twice.
 */
export const tmsPlanningRequirement: CommandOperation = {
  id: "planning-requirement",
  system: "TMS",
  title: "Planning requirement and tender (from a sales order)",
  profile: "tms-planning-requirement",
  maxBatch: 1,
  defaultBatch: 1,
  async send(ctx, batch) {
    const outcomes: OperationOutcome[] = [];
    for (const row of batch.rows) {
      const body = row.body as PlanningRequirement;
      const key = documentKey({ ...batch, rows: [row] });
      let loadId: string;
      try {
        loadId = segment(body.load?.loadId, "load.loadId");
      } catch (err) {
        outcomes.push({ row, result: "dead", error: (err as Error).message });
        continue;
      }
      const planned = await ctx.client.call("POST", "/api/v1/loads", body.load, { idempotencyKey: key, correlationId: row.correlationId });
      const exists = !planned.ok && !planned.retryable && planned.status === 409;
      if (!planned.ok && !exists) {
        outcomes.push(...failed([row], planned));
        continue;
      }
      if (!body.tender) {
        outcomes.push({ row, result: "sent" });
        continue;
      }
      const tendered = await ctx.client.call("POST", `/api/v1/loads/${loadId}/tender`, body.tender, { idempotencyKey: `${key}:tender`, correlationId: row.correlationId });
      if (tendered.ok || (!tendered.retryable && tendered.status === 409)) outcomes.push({ row, result: "sent" });
      else outcomes.push(...failed([row], tendered));
    }
    return outcomes;
  },
};

/** Every TMS operation, the editor's default first. */
export const TMS_OPERATIONS: CommandOperation[] = [tmsLoadExecutionUpdate, tmsPlanningRequirement, tmsShipmentPlan, tmsTender, tmsMilestone];
