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
  /**
   * Set when the item was split into several messages (a mapping that makes several objects of one
   * document): which piece this is (`"2"`, or `"2.0"` when a piece was split again) and its share of
   * the item as a fraction [numerator, denominator]. The item is settled once all shares finished.
   */
  part?: string;
  share?: [number, number];
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
    if (intakes.get(source) !== entry) return;
    intakes.delete(source);
    // Its unfinished split items resume whole when it starts again.
    for (const key of openItems.keys()) if (key.startsWith(`${source}:`)) openItems.delete(key);
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

const RANK: Record<SettleOutcome, number> = { duplicate: 0, done: 1, dead: 2 };
/** Items split into parts, some of which have finished: finished share so far, worst outcome, parts seen. */
const openItems = new Map<string, { num: number; den: number; outcome: SettleOutcome; parts: Set<string> }>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The references for the `count` messages one message is split into: each carries its part path
 * and an equal share of the parent's share, so nested splits of any shape still add up to one.
 */
export function splitIntake(ref: IntakeRef, count: number): IntakeRef[] {
  if (count <= 1) return [ref];
  const [num, den] = ref.share ?? [1, 1];
  return Array.from({ length: count }, (_, i) => {
    const g = gcd(num, den * count);
    return { ...ref, part: ref.part === undefined ? String(i) : `${ref.part}.${i}`, share: [num / g, (den * count) / g] as [number, number] };
  });
}

/**
 * A message has finished its journey with `outcome`. Returns the outcome to settle its intake item
 * with now, or null while other parts of a split item are still on their way (the item then stays
 * in the inbox: after a crash it runs again whole, and dedupe and outbox keys absorb the parts that
 * had finished). The settled outcome of a split item is its worst part's (dead > done > duplicate).
 */
export function finishPart(ref: IntakeRef, outcome: SettleOutcome): SettleOutcome | null {
  if (!ref.share || ref.part === undefined) return outcome;
  const key = `${ref.source}:${ref.id}`;
  const open = openItems.get(key) ?? { num: 0, den: 1, outcome: "duplicate" as SettleOutcome, parts: new Set<string>() };
  // A part settled twice (two settling nodes in one chain) counts once.
  if (open.parts.has(ref.part)) return null;
  open.parts.add(ref.part);
  const [n, d] = ref.share;
  const num = open.num * d + n * open.den;
  const den = open.den * d;
  const g = gcd(num, den);
  open.num = num / g;
  open.den = den / g;
  if (RANK[outcome] > RANK[open.outcome]) open.outcome = outcome;
  if (open.num < open.den) {
    openItems.set(key, open);
    return null;
  }
  openItems.delete(key);
  return open.outcome;
}

/** True for a message that is one part of a split intake item. */
export function isSplit(ref: IntakeRef): boolean {
  return ref.share !== undefined;
}

/**
 * Call once a message's journey has ended (its outbound call or dead letter is stored): settles the
 * intake item, or for a part of a split item, only when it was the last part to finish.
 */
export async function settleFinished(ref: IntakeRef, outcome: SettleOutcome): Promise<void> {
  const settled = finishPart(ref, outcome);
  if (settled) await settleIntake([ref], settled);
}

/** Reads `msg.intake` if it is a well-formed reference (messages from elsewhere have none). */
export function intakeRefOf(msg: object): IntakeRef | null {
  const ref = (msg as { intake?: unknown }).intake as Partial<IntakeRef> | undefined;
  if (!ref || typeof ref.source !== "string" || typeof ref.id !== "number") return null;
  const out: IntakeRef = { source: ref.source, id: ref.id, resumed: ref.resumed === true };
  // A replayed part keeps its part (the dedupe ref) but no share: it is not waiting for siblings.
  if (typeof ref.part === "string") out.part = ref.part;
  const share = ref.share;
  if (out.part !== undefined && Array.isArray(share) && share.length === 2 && share.every((n) => Number.isSafeInteger(n) && n > 0)) {
    out.share = [share[0]!, share[1]!];
  }
  return out;
}
