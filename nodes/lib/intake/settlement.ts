/**
 * How an intake learns that the messages it emitted have finished their journey.
 *
 * A message taken in carries `msg.intake = { source, id }`. The node that ends the journey (an
 * egress that has put the outbound call in the outbox, the dedupe node's duplicate branch, the
 * dead-letter node) settles the inbox row in the intake's store and the intake releases one slot
 * of its in-flight window. Intakes register here with their store, so a settling node needs
 * nothing but the message.
 */
import type { LsyncStore, SettleOutcome } from "../store";

export interface IntakeRef {
  /** The intake node id that stored the item. */
  source: string;
  /** The inbox row id. */
  id: number;
  /** True when this is a resumed item after a restart. */
  resumed?: boolean;
}

interface RegisteredIntake {
  store: LsyncStore;
  onSettled: (id: number) => void;
}

const intakes = new Map<string, RegisteredIntake>();

export function registerIntake(source: string, store: LsyncStore, onSettled: (id: number) => void): () => void {
  const entry = { store, onSettled };
  intakes.set(source, entry);
  return () => {
    if (intakes.get(source) === entry) intakes.delete(source);
  };
}

/** The store holding this intake row (null when its intake is gone, e.g. after a redeploy). */
export function intakeStore(ref: IntakeRef): LsyncStore | null {
  return intakes.get(ref.source)?.store ?? null;
}

/** Tells the intakes that rows were settled by the caller (inside its own store transaction). */
export function notifySettled(refs: IntakeRef | IntakeRef[]): void {
  for (const ref of Array.isArray(refs) ? refs : [refs]) intakes.get(ref.source)?.onSettled(ref.id);
}

/** Settles rows in their intake's store, then releases their in-flight slots. */
export async function settleIntake(refs: IntakeRef[], outcome: SettleOutcome): Promise<void> {
  const bySource = new Map<string, IntakeRef[]>();
  for (const ref of refs) bySource.set(ref.source, [...(bySource.get(ref.source) ?? []), ref]);
  for (const [source, group] of bySource) {
    const intake = intakes.get(source);
    // An intake that is gone resumes its unsettled rows when it starts again: nothing to do now.
    if (!intake) continue;
    await intake.store.settleInbox(
      group.map((r) => r.id),
      outcome,
    );
    for (const ref of group) intake.onSettled(ref.id);
  }
}

/** Reads `msg.intake` if it is a well-formed reference (messages from elsewhere have none). */
export function intakeRefOf(msg: object): IntakeRef | null {
  const ref = (msg as { intake?: unknown }).intake as Partial<IntakeRef> | undefined;
  if (!ref || typeof ref.source !== "string" || typeof ref.id !== "number") return null;
  return { source: ref.source, id: ref.id, resumed: ref.resumed === true };
}
