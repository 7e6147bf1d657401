import Database from "better-sqlite3";
import { GroupCommit } from "./group-commit";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type {
  DeadLetter,
  DeadLetterFilter,
  DeadLetterState,
  DedupeClaim,
  FileRecord,
  FileTakeIn,
  InboxItem,
  LsyncStore,
  NewDeadLetter,
  NewFileRecord,
  NewInboxItem,
  NewOutboxRow,
  OutboxBatch,
  OutboxState,
  RuleState,
  SettleOutcome,
  StoreCounts,
  PurgeCounts,
  RetentionCutoffs,
  EventLogEntry,
  EventLogFilter,
  NewEventLogEntry,
} from "./types";
import { eventLimit } from "./types";
import {
  eventLogColumns,
  toDeadLetter,
  toEventLogEntry,
  toOutboxBatch,
  toRuleState,
  type DeadLetterRecord,
  type EventLogRecord,
  type OutboxRecord,
  type RuleStateRecord,
} from "./records";
import type { AuditEntry, AuditFilter, NewAuditEntry } from "./types";
import { WalCheckpointer } from "./wal-checkpointer";
import { auditLimit, auditValues, auditWhere, toAuditEntry, type AuditRecord } from "./audit-records";

export interface SqliteStoreOptions {
  /** File path, or ":memory:" for tests. */
  path: string;
  /**
   * "process": WAL with synchronous=NORMAL survives a killed process (the OS holds the pages).
   * "power": synchronous=FULL also survives power loss, at one fsync per commit.
   */
  durability?: "process" | "power";
  /**
   * "background": a thread of its own copies the WAL into the database (wal-checkpointer.ts), so
   * the checkpoint's fsync does not stop the event loop; what the product's store node uses.
   * "inline" (default): SQLite does it in the commit that crosses 1,000 pages.
   */
  checkpoint?: "inline" | "background";
  /** Told when background checkpoints fail (the store falls back to inline ones). */
  onError?: (err: Error) => void;
}

/** SQLite's own default for wal_autocheckpoint. */
const INLINE_CHECKPOINT_PAGES = 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  source      TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  topic       TEXT    NOT NULL,
  payload     TEXT    NOT NULL,
  props       TEXT,
  received_at INTEGER NOT NULL,
  state       TEXT    NOT NULL DEFAULT 'pending',
  settled_at  INTEGER
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (source, id) WHERE state = 'pending';

CREATE TABLE IF NOT EXISTS dedupe (
  scope      TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  ref        TEXT    NOT NULL,
  first_seen INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedupe_expiry ON dedupe (expires_at);

CREATE TABLE IF NOT EXISTS outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  target          TEXT    NOT NULL,
  idempotency_key TEXT    NOT NULL,
  correlation_id  TEXT,
  body            TEXT    NOT NULL,
  state           TEXT    NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  done_at         INTEGER,
  batch_id        INTEGER,
  UNIQUE (target, idempotency_key)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (target, next_attempt_at, id) WHERE state = 'pending';

CREATE TABLE IF NOT EXISTS dead_letters (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  at              INTEGER NOT NULL,
  node_id         TEXT    NOT NULL,
  node_type       TEXT    NOT NULL,
  node_name       TEXT,
  flow_id         TEXT,
  reason          TEXT    NOT NULL,
  correlation_id  TEXT,
  idempotency_key TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  payload         TEXT    NOT NULL,
  inbox_id        INTEGER,
  state           TEXT    NOT NULL DEFAULT 'parked',
  resolution      TEXT,
  origin          TEXT
);
CREATE INDEX IF NOT EXISTS dead_letters_state ON dead_letters (state, id);

-- Polling intake: where each source left off, and every item key it has taken in.
CREATE TABLE IF NOT EXISTS poll_cursor (
  source     TEXT    PRIMARY KEY,
  cursor     TEXT    NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS poll_seen (
  source   TEXT    NOT NULL,
  key      TEXT    NOT NULL,
  inbox_id INTEGER NOT NULL,
  taken_at INTEGER NOT NULL,
  PRIMARY KEY (source, key)
) WITHOUT ROWID;

-- SFTP file ledger: one row per file content taken in (lsync-sftp-in).
CREATE TABLE IF NOT EXISTS sftp_files (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  scope     TEXT    NOT NULL,
  sha256    TEXT    NOT NULL,
  name      TEXT    NOT NULL,
  taken_at  INTEGER NOT NULL,
  records   INTEGER NOT NULL,
  UNIQUE (scope, sha256)
);
`;

/** Event log (visibility): entries, and one row per business key for search by any of them. */
const EVENT_LOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS event_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  kind           TEXT    NOT NULL,
  name           TEXT    NOT NULL,
  correlation_id TEXT,
  node_id        TEXT,
  system         TEXT,
  status         TEXT,
  duration_ms    INTEGER,
  keys           TEXT    NOT NULL,
  detail         TEXT
);
CREATE INDEX IF NOT EXISTS event_log_at ON event_log (at, id);
CREATE INDEX IF NOT EXISTS event_log_correlation ON event_log (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS event_keys (
  value    TEXT    NOT NULL,
  event_id INTEGER NOT NULL,
  type     TEXT    NOT NULL,
  PRIMARY KEY (value, event_id, type)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_keys_event ON event_keys (event_id);

-- Rule state (business-rule nodes): one JSON value per (scope, key), versioned for compare-and-set.
CREATE TABLE IF NOT EXISTS rule_state (
  scope      TEXT    NOT NULL,
  key        TEXT    NOT NULL,
  value      TEXT    NOT NULL,
  due_at     INTEGER,
  version    INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rule_state_due ON rule_state (scope, due_at) WHERE due_at IS NOT NULL;
`;

/** Binds `?` placeholders for an id list; SQLite caps variables at 32766, far above our batches. */
function placeholders(n: number): string {
  return new Array<string>(n).fill("?").join(",");
}

export class SqliteStore implements LsyncStore {
  readonly kind = "sqlite" as const;
  readonly location: string;
  /**
   * Made once when the store file is created. It is part of every batch key: row ids start again
   * in a new file, and a key that a system has seen before must never name new content.
   */
  readonly instanceId: string;
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly statements = new Map<string, Database.Statement>();
  /** The hot writes (intake, dedupe, outbox, event log) commit together, one transaction per event-loop turn. */
  private readonly group: GroupCommit;
  private checkpointer: WalCheckpointer | null = null;

  constructor(options: SqliteStoreOptions) {
    this.location = options.path;
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma(`synchronous = ${options.durability === "power" ? "FULL" : "NORMAL"}`);
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(SCHEMA);
    this.db.exec(EVENT_LOG_SCHEMA);
    // Files made before dead letters recorded their origin (the replay's dedupe ref) gain the column.
    const deadLetterColumns = this.db.prepare("PRAGMA table_info(dead_letters)").all() as Array<{ name: string }>;
    if (!deadLetterColumns.some((c) => c.name === "origin")) this.db.exec("ALTER TABLE dead_letters ADD COLUMN origin TEXT");
    this.db.prepare("INSERT OR IGNORE INTO meta (name, value) VALUES ('instance', ?)").run(randomUUID().slice(0, 8));
    this.instanceId = (this.db.prepare("SELECT value FROM meta WHERE name = 'instance'").get() as { value: string }).value;
    if (options.checkpoint === "background" && options.path !== ":memory:") this.checkpointInBackground(options);
    const db = this.db;
    this.group = new GroupCommit(db);
    this.stmt = {
      addInbox: db.prepare(
        "INSERT INTO inbox (source, key, topic, payload, props, received_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      pendingInbox: db.prepare(
        "SELECT id, source, key, topic, payload, props, received_at FROM inbox WHERE source = ? AND state = 'pending' AND id > ? ORDER BY id LIMIT ?",
      ),
      dedupeGet: db.prepare("SELECT ref, first_seen, expires_at FROM dedupe WHERE scope = ? AND key = ?"),
      dedupeUpsert: db.prepare(
        "INSERT INTO dedupe (scope, key, ref, first_seen, expires_at) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (scope, key) DO UPDATE SET ref = excluded.ref, first_seen = excluded.first_seen, expires_at = excluded.expires_at",
      ),
      dedupePurge: db.prepare("DELETE FROM dedupe WHERE expires_at <= ?"),
      addOutbox: db.prepare(
        "INSERT INTO outbox (target, idempotency_key, correlation_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (target, idempotency_key) DO NOTHING",
      ),
      openBatch: db.prepare(
        "SELECT batch_id, min(next_attempt_at) AS due FROM outbox WHERE target = ? AND state = 'pending' AND batch_id IS NOT NULL " +
          "GROUP BY batch_id ORDER BY batch_id LIMIT 1",
      ),
      batchRows: db.prepare(
        "SELECT id, target, idempotency_key, correlation_id, body, attempts, created_at, batch_id FROM outbox " +
          "WHERE target = ? AND state = 'pending' AND batch_id = ? ORDER BY id",
      ),
      dueUnbatched: db.prepare(
        "SELECT id FROM outbox WHERE target = ? AND state = 'pending' AND batch_id IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?",
      ),
      outboxByKey: db.prepare("SELECT state, attempts FROM outbox WHERE target = ? AND idempotency_key = ?"),
      addDeadLetter: db.prepare(
        "INSERT INTO dead_letters (at, node_id, node_type, node_name, flow_id, reason, correlation_id, idempotency_key, attempts, payload, inbox_id, origin) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      getDeadLetter: db.prepare("SELECT * FROM dead_letters WHERE id = ?"),
      resolveDeadLetter: db.prepare(
        "UPDATE dead_letters SET state = ?, resolution = ? WHERE id = ? AND state = 'parked'",
      ),
      counts: db.prepare(`SELECT
        (SELECT count(*) FROM inbox WHERE state = 'pending') AS inboxPending,
        (SELECT count(*) FROM outbox WHERE state = 'pending') AS outboxPending,
        (SELECT count(*) FROM outbox WHERE state = 'sent') AS outboxSent,
        (SELECT count(*) FROM outbox WHERE state = 'dead') AS outboxDead,
        (SELECT count(*) FROM dead_letters WHERE state = 'parked') AS deadLettersParked,
        (SELECT count(*) FROM dedupe) AS dedupeKeys`),
    };
  }

  /**
   * A statement over a list of ids (`IN (?, ?, …)`), prepared once per list length (through
   * prepared()): preparing per call cost more than running the update on the scanner path.
   */
  private forIds(sql: (list: string) => string, count: number): Database.Statement {
    return this.prepared(sql(placeholders(count)));
  }

  /**
   * A statement prepared once per SQL text. Preparing costs about as much as running a small query,
   * and the rule-state and polling calls ran a prepare each time (8 s of the 5,000-order month's
   * profile). Most texts are constants; id lists and a trace's correlation ids vary in length, so
   * the map is bounded (batches come in a handful of sizes).
   */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async addToInbox(items: NewInboxItem[]): Promise<number[]> {
    const now = Date.now();
    // Group writes run inside the group's transaction already (and alone in their own when the
    // group fails), so no transaction of their own: a nested one is a SAVEPOINT and a RELEASE, and
    // building the wrapper per call cost more than the inserts on the scanner path.
    return this.group.run(() =>
      items.map(
        (item) =>
          Number(
            this.stmt.addInbox.run(
              item.source,
              item.key,
              item.topic,
              item.payload,
              item.props ? JSON.stringify(item.props) : null,
              now,
            ).lastInsertRowid,
          ),
      ),
    );
  }

  async pendingInbox(source: string, limit: number, afterId = 0): Promise<InboxItem[]> {
    const rows = this.stmt.pendingInbox.all(source, afterId, limit) as Array<{
      id: number;
      source: string;
      key: string;
      topic: string;
      payload: string;
      props: string | null;
      received_at: number;
    }>;
    return rows.map((r) => ({
      id: r.id,
      source: r.source,
      key: r.key,
      topic: r.topic,
      payload: r.payload,
      props: r.props ? (JSON.parse(r.props) as Record<string, string>) : null,
      receivedAt: r.received_at,
    }));
  }

  async settleInbox(ids: number[], outcome: SettleOutcome): Promise<void> {
    if (ids.length === 0) return;
    return this.group.run(() => this.settleSync(ids, outcome));
  }

  private settleSync(ids: number[], outcome: SettleOutcome): void {
    if (ids.length === 0) return;
    this.forIds((list) => `UPDATE inbox SET state = ?, settled_at = ? WHERE state = 'pending' AND id IN (${list})`, ids.length)
      .run(outcome, Date.now(), ...ids);
  }

  async claimDedupe(scope: string, key: string, ttlMs: number, ref: string): Promise<DedupeClaim> {
    // Read and upsert in one transaction (the group's, begun IMMEDIATE): SQLite serialises
    // writers, so two claimants (threads or processes sharing the file) cannot both see "first".
    return this.group.run((): DedupeClaim => {
      const now = Date.now();
      const row = this.stmt.dedupeGet.get(scope, key) as
        | { ref: string; first_seen: number; expires_at: number }
        | undefined;
      if (row && row.expires_at > now) return { first: row.ref === ref, firstSeenAt: row.first_seen };
      this.stmt.dedupeUpsert.run(scope, key, ref, now, now + ttlMs);
      return { first: true, firstSeenAt: now };
    });
  }

  async purgeDedupe(now = Date.now()): Promise<number> {
    return this.stmt.dedupePurge.run(now).changes;
  }

  async purgeSettled(cutoffs: RetentionCutoffs): Promise<PurgeCounts> {
    return this.db.transaction((): PurgeCounts => ({
      inbox: this.prepared("DELETE FROM inbox WHERE state <> 'pending' AND settled_at < ?").run(cutoffs.settledBefore).changes,
      outbox: this.prepared("DELETE FROM outbox WHERE state IN ('sent', 'dead') AND done_at < ?").run(cutoffs.settledBefore).changes,
      fileLedger: this.prepared("DELETE FROM sftp_files WHERE taken_at < ?").run(cutoffs.ledgerBefore).changes,
      pollSeen: this.prepared("DELETE FROM poll_seen WHERE taken_at < ?").run(cutoffs.ledgerBefore).changes,
    }))();
  }

  async enqueueOutbox(rows: NewOutboxRow[], settle: number[] = []): Promise<void> {
    const now = Date.now();
    return this.group.run(() => {
      for (const row of rows) {
        this.stmt.addOutbox.run(
          row.target,
          row.idempotencyKey,
          row.correlationId ?? null,
          JSON.stringify(row.body),
          now,
          now,
        );
      }
      this.settleSync(settle, "done");
    });
  }

  async claimOutboxBatch(target: string, limit: number, now = Date.now()): Promise<OutboxBatch | null> {
    return this.db.transaction((): OutboxBatch | null => {
      const open = this.stmt.openBatch.get(target) as { batch_id: number; due: number } | undefined;
      let batchId: number;
      if (open) {
        // A batch once sent keeps its rows: a retry must carry the same rows under the same key.
        if (open.due > now) return null;
        batchId = open.batch_id;
      } else {
        const ids = (this.stmt.dueUnbatched.all(target, now, limit) as Array<{ id: number }>).map((r) => r.id);
        if (ids.length === 0) return null;
        batchId = ids[0]!;
        this.forIds((list) => `UPDATE outbox SET batch_id = ? WHERE id IN (${list})`, ids.length)
          .run(batchId, ...ids);
      }
      const rows = this.stmt.batchRows.all(target, batchId) as OutboxRecord[];
      return toOutboxBatch(target, batchId, this.instanceId, rows);
    }).immediate();
  }

  async markOutboxSent(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    return this.group.run(() => {
      this.forIds((list) => `UPDATE outbox SET state = 'sent', attempts = attempts + 1, done_at = ?, last_error = NULL WHERE id IN (${list})`, ids.length)
        .run(Date.now(), ...ids);
    });
  }

  async markOutboxRetry(ids: number[], nextAttemptAt: number, error: string, options: { countAttempt?: boolean } = {}): Promise<void> {
    if (ids.length === 0) return;
    return this.group.run(() => {
      this.forIds((list) => `UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = ? WHERE id IN (${list})`, ids.length)
        .run(options.countAttempt === false ? 0 : 1, nextAttemptAt, error, ...ids);
    });
  }

  async markOutboxDead(ids: number[], error: string): Promise<void> {
    if (ids.length === 0) return;
    return this.group.run(() => {
      this.forIds((list) => `UPDATE outbox SET state = 'dead', attempts = attempts + 1, done_at = ?, last_error = ? WHERE id IN (${list})`, ids.length)
        .run(Date.now(), error, ...ids);
    });
  }

  async outboxByKey(target: string, idempotencyKey: string): Promise<{ state: OutboxState; attempts: number } | null> {
    const row = this.stmt.outboxByKey.get(target, idempotencyKey) as { state: OutboxState; attempts: number } | undefined;
    return row ?? null;
  }

  async parkDeadLetter(letter: NewDeadLetter): Promise<number> {
    return this.db.transaction(() => {
      const id = Number(
        this.stmt.addDeadLetter.run(
          Date.now(),
          letter.nodeId,
          letter.nodeType,
          letter.nodeName ?? null,
          letter.flowId ?? null,
          letter.reason,
          letter.correlationId ?? null,
          letter.idempotencyKey ?? null,
          letter.attempts ?? 0,
          JSON.stringify(letter.payload ?? null),
          letter.inboxId ?? null,
          letter.origin ? JSON.stringify(letter.origin) : null,
        ).lastInsertRowid,
      );
      if (letter.inboxId != null) this.settleSync([letter.inboxId], "dead");
      return id;
    })();
  }

  async listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100) || 100, 1), 1000);
    const where: string[] = [];
    const args: Array<string | number> = [];
    const narrow = (clause: string, value: string | number | undefined) => {
      if (value === undefined || value === "") return;
      where.push(clause);
      args.push(value);
    };
    narrow("state = ?", filter.state);
    narrow("node_id = ?", filter.nodeId);
    narrow("correlation_id = ?", filter.correlationId);
    narrow("id < ?", filter.beforeId);
    const rows = this.prepared(`SELECT * FROM dead_letters ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`)
      .all(...args, limit);
    return (rows as DeadLetterRecord[]).map(toDeadLetter);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const row = this.stmt.getDeadLetter.get(id) as DeadLetterRecord | undefined;
    return row ? toDeadLetter(row) : null;
  }

  async resolveDeadLetter(
    id: number,
    state: Exclude<DeadLetterState, "parked">,
    by: string,
    note: string,
  ): Promise<boolean> {
    const resolution = JSON.stringify({ by, at: Date.now(), note });
    return this.stmt.resolveDeadLetter.run(state, resolution, id).changes === 1;
  }

  async counts(): Promise<StoreCounts> {
    return this.stmt.counts.get() as StoreCounts;
  }

  // ---- Event log (visibility) -----------------------------------------------------------------

  async appendEvents(entries: NewEventLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const add = this.prepared(
      "INSERT INTO event_log (at, kind, name, correlation_id, node_id, system, status, duration_ms, keys, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const addKey = this.prepared("INSERT OR IGNORE INTO event_keys (value, event_id, type) VALUES (?, ?, ?)");
    return this.group.run(() => {
      for (const entry of entries) {
        const id = Number(add.run(...eventLogColumns(entry)).lastInsertRowid);
        for (const key of entry.keys) addKey.run(key.value, id, key.type);
      }
    });
  }

  async findEvents(filter: EventLogFilter = {}): Promise<EventLogEntry[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    // key and correlationIds select together (a trace wants both); the rest narrows.
    const either: string[] = [];
    if (filter.key) {
      either.push("id IN (SELECT event_id FROM event_keys WHERE value = ?)");
      args.push(filter.key);
    }
    if (filter.correlationIds?.length) {
      const list = placeholders(filter.correlationIds.length);
      either.push(`correlation_id IN (${list})`, `id IN (SELECT event_id FROM event_keys WHERE type = 'correlation' AND value IN (${list}))`);
      args.push(...filter.correlationIds, ...filter.correlationIds);
    }
    if (either.length) where.push(`(${either.join(" OR ")})`);
    if (filter.since !== undefined) (where.push("at >= ?"), args.push(filter.since));
    if (filter.until !== undefined) (where.push("at < ?"), args.push(filter.until));
    if (filter.afterId !== undefined) (where.push("id > ?"), args.push(filter.afterId));
    const rows = this.prepared(`SELECT * FROM event_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${filter.order === "written" ? "id" : "at, id"} LIMIT ?`)
      .all(...args, eventLimit(filter.limit));
    return (rows as EventLogRecord[]).map(toEventLogEntry);
  }

  async purgeEvents(before: number): Promise<number> {
    return this.db.transaction(() => {
      this.prepared("DELETE FROM event_keys WHERE event_id IN (SELECT id FROM event_log WHERE at < ?)").run(before);
      return this.prepared("DELETE FROM event_log WHERE at < ?").run(before).changes;
    })();
  }

  // ---- Audit (security, issue #9) ----
  private auditReady = false;
  private ensureAudit(): void {
    if (this.auditReady) return;
    this.db.exec(`CREATE TABLE IF NOT EXISTS audit (
      id       INTEGER PRIMARY KEY AUTOINCREMENT,
      at       INTEGER NOT NULL,
      username TEXT    NOT NULL,
      action   TEXT    NOT NULL,
      target   TEXT,
      detail   TEXT
    )`);
    this.auditReady = true;
  }

  async recordAudit(entry: NewAuditEntry): Promise<number> {
    this.ensureAudit();
    const values = auditValues(entry);
    return Number(this.prepared("INSERT INTO audit (at, username, action, target, detail) VALUES (?, ?, ?, ?, ?)").run(...values).lastInsertRowid);
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    this.ensureAudit();
    const { sql, args } = auditWhere(filter, () => "?");
    const rows = this.prepared(`SELECT * FROM audit ${sql} ORDER BY id DESC LIMIT ?`).all(...args, auditLimit(filter));
    return (rows as AuditRecord[]).map(toAuditEntry);
  }
  // ---- end audit ----

  // ---- polling intake (lsync-poll-in) ------------------------------------------------------

  async takeInPolled(source: string, items: NewInboxItem[], cursor: string): Promise<InboxItem[]> {
    const now = Date.now();
    const seen = this.prepared("INSERT INTO poll_seen (source, key, inbox_id, taken_at) VALUES (?, ?, 0, ?) ON CONFLICT (source, key) DO NOTHING");
    const link = this.prepared("UPDATE poll_seen SET inbox_id = ? WHERE source = ? AND key = ?");
    const moveCursor = this.prepared(
      "INSERT INTO poll_cursor (source, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
    );
    return this.db.transaction((): InboxItem[] => {
      const taken: InboxItem[] = [];
      for (const item of items) {
        // The key claim decides: an item on two pages, or fetched again after a crash, goes in once.
        if (seen.run(source, item.key, now).changes === 0) continue;
        const props = item.props ?? null;
        const id = Number(this.stmt.addInbox.run(source, item.key, item.topic, item.payload, props ? JSON.stringify(props) : null, now).lastInsertRowid);
        link.run(id, source, item.key);
        taken.push({ ...item, source, props, id, receivedAt: now });
      }
      moveCursor.run(source, cursor, now);
      return taken;
    })();
  }

  async pollCursor(source: string): Promise<string | null> {
    const row = this.prepared("SELECT cursor FROM poll_cursor WHERE source = ?").get(source) as { cursor: string } | undefined;
    return row?.cursor ?? null;
  }

  private checkpointInBackground(options: SqliteStoreOptions): void {
    this.db.pragma("wal_autocheckpoint = 0");
    this.checkpointer = new WalCheckpointer({
      path: options.path,
      onError: options.onError,
      onFailed: (err) => {
        if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
        options.onError?.(new Error(`${err.message}; checkpointing in the commits again`));
      },
    });
  }

  /** How the WAL is copied back into the database file now (background falls back to inline when its thread fails). */
  checkpointMode(): "inline" | "background" {
    return this.checkpointer?.running ? "background" : "inline";
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.group.flush();
    // The thread's connection first: the last one to close checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    this.checkpointer = null;
    if (!this.db.open) return;
    this.group.flush();
    this.db.close();
  }

  // --- SFTP file ledger (lsync-sftp-in) ---------------------------------------------------------

  async takeInFile(file: NewFileRecord, items: NewInboxItem[]): Promise<FileTakeIn> {
    return this.db.transaction((): FileTakeIn => {
      const known = this.fileByHashSync(file.scope, file.sha256);
      if (known) return { duplicate: true, file: known, ids: [] };
      const now = Date.now();
      const id = Number(
        this.prepared("INSERT INTO sftp_files (scope, sha256, name, taken_at, records) VALUES (?, ?, ?, ?, ?)")
          .run(file.scope, file.sha256, file.name, now, items.length).lastInsertRowid,
      );
      const ids = items.map((item) =>
        Number(
          this.stmt.addInbox.run(item.source, item.key, item.topic, item.payload, item.props ? JSON.stringify(item.props) : null, now)
            .lastInsertRowid,
        ),
      );
      return { duplicate: false, file: { ...file, id, takenAt: now, records: items.length }, ids };
    }).immediate();
  }

  async fileByHash(scope: string, sha256: string): Promise<FileRecord | null> {
    return this.fileByHashSync(scope, sha256);
  }

  private fileByHashSync(scope: string, sha256: string): FileRecord | null {
    const row = this.prepared("SELECT id, scope, sha256, name, taken_at, records FROM sftp_files WHERE scope = ? AND sha256 = ?")
      .get(scope, sha256) as { id: number; scope: string; sha256: string; name: string; taken_at: number; records: number } | undefined;
    return row ? { id: row.id, scope: row.scope, sha256: row.sha256, name: row.name, takenAt: row.taken_at, records: row.records } : null;
  }

  // ---- Rule state (business-rule nodes) ---------------------------------------------------

  async getRuleState(scope: string, key: string): Promise<RuleState | null> {
    const row = this.prepared("SELECT * FROM rule_state WHERE scope = ? AND key = ?").get(scope, key) as RuleStateRecord | undefined;
    return row ? toRuleState(row) : null;
  }

  async putRuleState(scope: string, key: string, value: unknown, dueAt: number | null, expectedVersion: number): Promise<number | null> {
    const now = Date.now();
    const json = JSON.stringify(value ?? null);
    const changes =
      expectedVersion === 0
        ? this.prepared("INSERT INTO rule_state (scope, key, value, due_at, version, updated_at) VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (scope, key) DO NOTHING")
            .run(scope, key, json, dueAt, now).changes
        : this.prepared("UPDATE rule_state SET value = ?, due_at = ?, version = version + 1, updated_at = ? WHERE scope = ? AND key = ? AND version = ?")
            .run(json, dueAt, now, scope, key, expectedVersion).changes;
    return changes === 1 ? expectedVersion + 1 : null;
  }

  async deleteRuleState(scope: string, key: string, expectedVersion: number): Promise<boolean> {
    return this.prepared("DELETE FROM rule_state WHERE scope = ? AND key = ? AND version = ?").run(scope, key, expectedVersion).changes === 1;
  }

  async dueRuleStates(scope: string, now: number, limit: number): Promise<RuleState[]> {
    const rows = this.prepared("SELECT * FROM rule_state WHERE scope = ? AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, key LIMIT ?")
      .all(scope, now, Math.min(Math.max(Math.trunc(limit) || 1, 1), 1000)) as RuleStateRecord[];
    return rows.map(toRuleState);
  }

  async countRuleStates(scope: string): Promise<number> {
    return (this.prepared("SELECT count(*) AS n FROM rule_state WHERE scope = ?").get(scope) as { n: number }).n;
  }
}
