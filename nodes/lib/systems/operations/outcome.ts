import type { CallOutcome } from "../../http/endpoint-client";
import type { RowOutcome } from "../../outbox/dispatcher";
import type { OutboxRow } from "../../store";

/** The verdict for one row from one call: sent, retry later (with the server's wait) or dead. */
export function rowOutcome(row: OutboxRow, outcome: CallOutcome): RowOutcome {
  if (outcome.ok) return { row, result: "sent" };
  if (outcome.retryable) return { row, result: "retry", error: outcome.error, retryAfterMs: outcome.retryAfterMs, notSent: outcome.circuitOpen === true };
  return { row, result: "dead", error: outcome.error };
}

/** True for a refusal that says "already there" (a create repeated after its answer was lost). */
export function isConflict(outcome: CallOutcome): boolean {
  return !outcome.ok && !outcome.retryable && outcome.status === 409;
}
