import { randomUUID } from "node:crypto";
import type { QueryOperation, QueryOutcome } from "./types";

const TRACK = "/track/v1/trackingnumbers";
/** FedEx takes at most 30 tracking numbers per request. */
const PER_CALL = 30;

interface TrackRequest {
  includeDetailedScans?: boolean;
  trackingInfo: unknown[];
}

/**
 * Tracking is a question, not a change: asked directly while the message waits (no outbox row,
 * nothing to lose: asking again is always safe), in calls of the node's batch size (at most 30
 * numbers, FedEx's limit), and the answers
 * joined into one FedEx-shaped response for the fedex-track-v1 profile.
 */
export const carrierTracking: QueryOperation = {
  id: "tracking",
  kind: "query",
  system: "CARRIER",
  title: "Tracking",
  profile: "carrier-track-request",
  answerProfile: "fedex-track-v1",
  maxBatch: PER_CALL,
  defaultBatch: PER_CALL,
  async ask({ client }, body, call, perCall): Promise<QueryOutcome> {
    const size = Math.max(1, Math.min(PER_CALL, perCall));
    const request = body as TrackRequest;
    const results: unknown[] = [];
    // A fresh key per question: it makes the POST safe to repeat for the endpoint's in-call retries
    // (it is a read), and a later question about the same shipment is not served a stored answer.
    const askId = randomUUID();
    for (let i = 0; i < request.trackingInfo.length; i += size) {
      const chunk = { ...request, trackingInfo: request.trackingInfo.slice(i, i + size) };
      const outcome = await client.call("POST", TRACK, chunk, { idempotencyKey: `track:${askId}:${i / size}`, correlationId: call.correlationId });
      if (!outcome.ok) return { ok: false, retryable: outcome.retryable, error: outcome.error, retryAfterMs: outcome.retryable ? outcome.retryAfterMs : null };
      const data = outcome.data as { output?: { completeTrackResults?: unknown[] } } | null;
      results.push(...(data?.output?.completeTrackResults ?? []));
    }
    return { ok: true, answer: { output: { completeTrackResults: results } } };
  },
};

export const CARRIER_OPERATIONS: QueryOperation[] = [carrierTracking];
