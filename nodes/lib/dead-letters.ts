import { errorMessage } from "./errors";
import { recordDeadLetter } from "./events/record";
import { intakeRefOf, intakeStore, isSplit, notifySettled, settleFinished } from "./intake/settlement";
import type { LsyncStore } from "./store";

/** What the dead-letter store needs from a failing message. */
export interface FailedMessage {
  _msgid?: unknown;
  payload?: unknown;
  intake?: unknown;
  correlationId?: unknown;
  idempotencyKey?: unknown;
  error?: { message?: string; source?: { id?: string; type?: string; name?: string } };
}

/**
 * Parks a failed message with its reason and settles the intake row it came from (in the same
 * transaction when both live in one store): the message leaves the live path, nothing is lost.
 */
export async function parkFailedMessage(
  store: LsyncStore,
  msg: FailedMessage,
  failedAt: { nodeId: string; nodeType: string; nodeName?: string | null; flowId?: string | null },
  reason: unknown,
  attempts = 1,
): Promise<number> {
  const intake = intakeRefOf(msg);
  // A part of a split item cannot end the item on its own (see settleFinished).
  const sameStore = intake !== null && !isSplit(intake) && intakeStore(intake) === store;
  const payload = msg.payload as { idempotencyKey?: unknown; correlationId?: unknown } | undefined;
  const id = await store.parkDeadLetter({
    ...failedAt,
    reason: errorMessage(reason),
    correlationId: stringOrNull(msg.correlationId) ?? stringOrNull(payload?.correlationId),
    idempotencyKey: stringOrNull(msg.idempotencyKey) ?? stringOrNull(payload?.idempotencyKey),
    attempts,
    payload: msg.payload ?? null,
    inboxId: sameStore ? intake.id : null,
    // What the dedupe node took as this message's claim ref: a replay carries it again.
    origin: {
      msgId: stringOrNull(msg._msgid),
      intake: intake ? { source: intake.source, id: intake.id, ...(intake.part === undefined ? {} : { part: intake.part }) } : null,
    },
  });
  recordDeadLetter({
    id,
    nodeId: failedAt.nodeId,
    nodeType: failedAt.nodeType,
    reason: errorMessage(reason),
    correlationId: stringOrNull(msg.correlationId) ?? stringOrNull(payload?.correlationId),
    idempotencyKey: stringOrNull(msg.idempotencyKey) ?? stringOrNull(payload?.idempotencyKey),
    payload: msg.payload,
  });
  if (intake && sameStore) notifySettled(intake);
  else if (intake) await settleFinished(intake, "dead");
  return id;
}

function stringOrNull(v: unknown): string | null {
  return typeof v === "string" && v !== "" ? v : null;
}
