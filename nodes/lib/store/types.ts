/**
 * The durable store every reliable step writes to before it acknowledges anything.
 * SQLite is the embedded default; PostgreSQL shares the same interface for several instances.
 * All methods are async so both back ends fit; SQLite answers synchronously underneath.
 */

/** How an intake item's journey ended. */
export type SettleOutcome = "done" | "duplicate" | "dead";

export interface NewInboxItem {
  /** Which intake took it in (the intake node id): resume picks up only its own items. */
  source: string;
  /** Dedupe/idempotency key as known at intake (e.g. `DC1|RF-017|48213`). */
  key: string;
  topic: string;
  /** The message body exactly as received (UTF-8 text). */
  payload: string;
  /** Transport metadata kept for replay (MQTT v5 user properties, headers). */
  props?: Record<string, string> | null;
}

export interface InboxItem extends NewInboxItem {
  id: number;
  receivedAt: number;
  props: Record<string, string> | null;
}

export interface NewOutboxRow {
  /** The egress that owns delivery (its node id): one dispatcher per target. */
  target: string;
  idempotencyKey: string;
  correlationId?: string | null;
  /** Vendor-shaped body, serialised once at enqueue. */
  body: unknown;
}

export interface OutboxRow {
  id: number;
  target: string;
  idempotencyKey: string;
  correlationId: string | null;
  body: unknown;
  attempts: number;
  createdAt: number;
}

export interface OutboxBatch {
  /**
   * Stable across retries and restarts, unique to this store file: the Idempotency-Key of a
   * batched call (`<target>:<first row id>@<store instance>`).
   */
  batchKey: string;
  /** The store file's instance id, for keys derived from row ids. */
  storeInstance: string;
  rows: OutboxRow[];
}

export type OutboxState = "pending" | "sent" | "dead";

export interface NewDeadLetter {
  nodeId: string;
  nodeType: string;
  nodeName?: string | null;
  flowId?: string | null;
  reason: string;
  correlationId?: string | null;
  idempotencyKey?: string | null;
  attempts?: number;
  /** The original payload (or the outbound body when delivery failed). */
  payload: unknown;
  /** The intake item this message came from, settled as dead in the same transaction. */
  inboxId?: number | null;
  /**
   * Who the failed message was (its `_msgid` and intake reference), so a replay carries the same
   * dedupe claim ref as the failed attempt and the dedupe node sees a redelivery, not a duplicate.
   */
  origin?: DeadLetterOrigin | null;
}

/** The identity of the message that failed, as the dedupe node derives its claim ref from it. */
export interface DeadLetterOrigin {
  /** `msg._msgid` of the failed message (the dedupe ref of messages without an intake). */
  msgId: string | null;
  /** `msg.intake` of the failed message (the dedupe ref is `<source>:<id>[#<part>]`). */
  intake: { source: string; id: number; part?: string } | null;
}

/** What `listDeadLetters` selects; every field narrows the list. Newest first. */
export interface DeadLetterFilter {
  state?: DeadLetterState;
  /** 1–1000, default 100. */
  limit?: number;
  /** The failing node's id. */
  nodeId?: string;
  correlationId?: string;
  /** Only letters with a smaller id (paging on from the last one seen). */
  beforeId?: number;
}

export type DeadLetterState = "parked" | "replayed" | "discarded";

export interface DeadLetter extends Required<Omit<NewDeadLetter, "inboxId">> {
  id: number;
  at: number;
  state: DeadLetterState;
  inboxId: number | null;
  /** Who replayed or discarded it, when and why (empty while parked). */
  resolution: { by: string; at: number; note: string } | null;
}

export interface DedupeClaim {
  /** True when this key was not seen inside the window, or was claimed by the same ref (a redelivery). */
  first: boolean;
  firstSeenAt: number;
}

export interface StoreCounts {
  inboxPending: number;
  outboxPending: number;
  outboxSent: number;
  outboxDead: number;
  deadLettersParked: number;
  dedupeKeys: number;
}

export interface LsyncStore {
  readonly kind: "sqlite" | "postgres";
  readonly location: string;

  /** Stores intake items in one transaction and returns their ids in order. Ack only after this resolves. */
  addToInbox(items: NewInboxItem[]): Promise<number[]>;
  /** Items of `source` taken in but not settled, oldest first (what a restart resumes). */
  pendingInbox(source: string, limit: number, afterId?: number): Promise<InboxItem[]>;
  settleInbox(ids: number[], outcome: SettleOutcome): Promise<void>;

  /**
   * Atomically records `key` in `scope` for `ttlMs`. `ref` identifies the claimant (an intake id):
   * the same ref claiming again is a redelivery after a crash, not a duplicate.
   */
  claimDedupe(scope: string, key: string, ttlMs: number, ref: string): Promise<DedupeClaim>;
  purgeDedupe(now?: number): Promise<number>;

  /**
   * Records outbound calls and, in the same transaction, settles the intake items they came from,
   * so a crash between the two can neither lose the call nor leave the intake to run twice.
   * A row whose (target, idempotencyKey) exists already is not added again.
   */
  enqueueOutbox(rows: NewOutboxRow[], settle?: number[]): Promise<void>;
  /**
   * The next batch to send for `target`: an earlier batch not yet delivered (same rows, same key,
   * once its retry time has come), or up to `limit` due rows bound into a new batch. Null when
   * nothing is due.
   */
  claimOutboxBatch(target: string, limit: number, now?: number): Promise<OutboxBatch | null>;
  markOutboxSent(ids: number[]): Promise<void>;
  /** `countAttempt: false` when nothing was sent (e.g. a circuit breaker refused the call). */
  markOutboxRetry(ids: number[], nextAttemptAt: number, error: string, options?: { countAttempt?: boolean }): Promise<void>;
  markOutboxDead(ids: number[], error: string): Promise<void>;
  outboxByKey(target: string, idempotencyKey: string): Promise<{ state: OutboxState; attempts: number } | null>;

  parkDeadLetter(letter: NewDeadLetter): Promise<number>;
  /** Newest first; see DeadLetterFilter. */
  listDeadLetters(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  getDeadLetter(id: number): Promise<DeadLetter | null>;
  /**
   * Parked → replayed/discarded with who, when (now) and why, atomically: false when the letter is
   * unknown or not parked any more, so two operators cannot both resolve it.
   */
  resolveDeadLetter(id: number, state: Exclude<DeadLetterState, "parked">, by: string, note: string): Promise<boolean>;

  counts(): Promise<StoreCounts>;
  close(): Promise<void>;

  // ---- polling intake (lsync-poll-in) ------------------------------------------------------

  /**
   * Takes in one page fetched from a "list since" API: stores the items whose (source, key) was
   * never taken in before and moves the source's cursor to `cursor`, in one transaction, so a
   * crash either keeps both or neither (the page is then fetched again). Returns the new items
   * with their inbox ids, in the order given; an item seen before is left out.
   */
  takeInPolled(source: string, items: NewInboxItem[], cursor: string): Promise<InboxItem[]>;
  /** Where the polling intake `source` left off; null before its first page. */
  pollCursor(source: string): Promise<string | null>;
}
