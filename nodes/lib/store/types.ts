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

// --- SFTP file ledger (lsync-sftp-in) ---------------------------------------------------------

/** A file an SFTP pickup has taken in, known by the SHA-256 of its content within one scope. */
export interface NewFileRecord {
  /** Whose ledger (the sftp-in node id): the same content dropped for another node is another file. */
  scope: string;
  name: string;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface FileRecord extends NewFileRecord {
  /** Serial id of the ledger row (stable: the file's 997 control number is derived from it). */
  id: number;
  takenAt: number;
  records: number;
}

/** `duplicate`: the content was taken in before (`file` is that earlier record) and nothing was added. */
export type FileTakeIn = { duplicate: false; file: FileRecord; ids: number[] } | { duplicate: true; file: FileRecord; ids: [] };

// ---- Rule state (business-rule nodes: billing eligibility, exception routing) ------------------

/**
 * One piece of state a business-rule node keeps across messages and restarts (lines shipped so far
 * for an order; an open exception and its SLA clock). `value` is JSON; `dueAt` (epoch ms) marks
 * rows a timer must look at (an SLA running out), null for none.
 */
export interface RuleState {
  scope: string;
  key: string;
  value: unknown;
  dueAt: number | null;
  /** 1 on the first write, +1 on every write: the compare-and-set token of putRuleState. */
  version: number;
  updatedAt: number;
}

// ---- Audit (security, issue #9): who deployed, replayed, discarded or changed settings, and when ----

export interface NewAuditEntry {
  /** Milliseconds since the epoch; now when absent. */
  at?: number;
  /** The editor user ("anonymous" with adminAuth off, "system" for the runtime itself). */
  user: string;
  /** What happened: `flows.set` (deploy), `settings.update`, `nodes.install`, `dead-letter.replay`, … */
  action: string;
  /** What it happened to: a dead letter id, a module name, the deployment type. */
  target?: string | null;
  /** Further facts (reason, flow revision, client address); JSON. */
  detail?: Record<string, unknown> | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  user: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown> | null;
}

/** Newest first; every field narrows the list. */
export interface AuditFilter {
  /** 1–1000, default 100. */
  limit?: number;
  /** Only entries with a smaller id (paging on). */
  beforeId?: number;
  user?: string;
  /** An exact action, or a prefix ending in `.` (`dead-letter.`). */
  action?: string;
  /** Only entries at or after this time (ms). */
  since?: number;
}

// ---- end audit ----

export interface RetentionCutoffs {
  /** Epoch ms: settled inbox items and finished outbox rows older than this go. */
  settledBefore: number;
  /** Epoch ms: file-ledger entries older than this go. */
  ledgerBefore: number;
}

export interface PurgeCounts {
  inbox: number;
  outbox: number;
  fileLedger: number;
  /** Item keys a polling intake took in (lsync-poll-in): a ledger too, on the ledger's cutoff. */
  pollSeen: number;
}

export interface LsyncStore extends EventLogStore {
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
   * Retention: removes what no restart or resend needs any more — inbox items settled before
   * `settledBefore`, outbox rows delivered or dead before it, and file-ledger entries and polled
   * item keys taken in before `ledgerBefore` (after that, the same file content or item would be
   * taken in again). Pending
   * items and rows are never touched. See nodes/lib/store/retention.ts for who calls it.
   */
  purgeSettled(cutoffs: RetentionCutoffs): Promise<PurgeCounts>;

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

  // --- SFTP file ledger (lsync-sftp-in) ---
  /**
   * Records a file as taken in and stores its records in the inbox in one transaction: either both
   * are there or neither. A file whose (scope, sha256) is in the ledger already adds nothing and
   * comes back as a duplicate, so two instances (or a restart) racing on one file take it in once.
   */
  takeInFile(file: NewFileRecord, items: NewInboxItem[]): Promise<FileTakeIn>;
  /** The ledger entry for this content, or null when it was never taken in. */
  fileByHash(scope: string, sha256: string): Promise<FileRecord | null>;

  // ---- Rule state (added for the business-rule nodes; see RuleState) ----
  getRuleState(scope: string, key: string): Promise<RuleState | null>;
  /**
   * Writes the row only when its current version is `expectedVersion` (0: the row must not exist):
   * two instances (or two messages) updating the same order cannot both win. Returns the new
   * version, or null when the row changed meanwhile (read it again and retry).
   */
  putRuleState(scope: string, key: string, value: unknown, dueAt: number | null, expectedVersion: number): Promise<number | null>;
  /** Deletes the row when its version is `expectedVersion`; false when it changed or is gone. */
  deleteRuleState(scope: string, key: string, expectedVersion: number): Promise<boolean>;
  /** Rows of `scope` with dueAt <= now, soonest first, at most `limit` (1–1000). */
  dueRuleStates(scope: string, now: number, limit: number): Promise<RuleState[]>;
  countRuleStates(scope: string): Promise<number>;

  // ---- Audit (security, issue #9) ----
  /** Appends one audit entry; resolves with its id once it is stored. */
  recordAudit(entry: NewAuditEntry): Promise<number>;
  /** Newest first; see AuditFilter. */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;

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

// ---------------------------------------------------------------------------------------------
// Event log (visibility, issue #7). Every canonical event and every system call, with the
// business keys it touches, so a trace can be found from any of them. Written in batches by
// nodes/lib/events/event-log.ts, never inside a message's own transaction.
// ---------------------------------------------------------------------------------------------

/** What kind of step an event-log entry records. */
export type EventLogKind = "event" | "call" | "dead-letter" | "exception";

/**
 * The business numbers the product traces by (see nodes/lib/events/business-keys.ts), and
 * "correlation": the threads an entry serves besides its own (a batched call carries many).
 */
/** "po": the customer's purchase order number, which several sales orders may share. */
export type BusinessKeyType = "order" | "po" | "shipment" | "delivery" | "bol" | "pro" | "sscc" | "invoice" | "tracking" | "load" | "correlation";

export interface BusinessKey {
  type: BusinessKeyType;
  value: string;
}

export interface NewEventLogEntry {
  /** When the step happened in this product (epoch ms). */
  at: number;
  kind: EventLogKind;
  /** What happened, e.g. `shipment-status-event/1 DELIVERED`, `tms Create shipment`. */
  name: string;
  correlationId?: string | null;
  /** The node that did it: what the trace sidebar reveals. */
  nodeId?: string | null;
  /** erp | wms | tms | finance | carrier, when a system is involved. */
  system?: string | null;
  /** e.g. valid/invalid for events; queued/sent/retry/dead for calls. */
  status?: string | null;
  durationMs?: number | null;
  keys: BusinessKey[];
  /** A small JSON summary (the canonical object, the call's error): masked on the way out, not here. */
  detail?: unknown;
  /**
   * `detail` serialised already, taken instead of it: the event-log writer snapshots an object when
   * it is recorded, so what a later node does to the message does not change the log.
   */
  detailJson?: string | null;
}

export interface EventLogEntry extends Required<Omit<NewEventLogEntry, "detail" | "detailJson">> {
  id: number;
  detail: unknown;
}

/** What `findEvents` selects; every field narrows. Oldest first (by time, then id), or in the order written. */
export interface EventLogFilter {
  /** Entries touching this business key value (any key type). */
  key?: string;
  /** Entries of any of these correlation ids (their own, or one of their "correlation" keys). */
  correlationIds?: string[];
  /** Only entries at or after / before these times (epoch ms). */
  since?: number;
  until?: number;
  /** Only entries with a larger id (paging on from the last one seen). */
  afterId?: number;
  /**
   * "written": by id, the order entries were added in, whatever their time: a reader that keeps
   * the last id it saw then misses no entry written since, however late it was flushed.
   */
  order?: "time" | "written";
  /** 1–10000, default 1000. */
  limit?: number;
}

export interface EventLogStore {
  /** Adds the entries and their business keys in one transaction. */
  appendEvents(entries: NewEventLogEntry[]): Promise<void>;
  findEvents(filter?: EventLogFilter): Promise<EventLogEntry[]>;
  /** Removes entries older than `before` (epoch ms) with their keys; returns how many. */
  purgeEvents(before: number): Promise<number>;
}

/** The limit findEvents applies: 1–10000, default 1000. */
export function eventLimit(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? 1000) || 1000, 1), 10_000);

}
