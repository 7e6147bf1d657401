import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Pool, types as pgTypes, type PoolClient, type PoolConfig, type QueryResultRow } from "pg";
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
import { auditLimit, auditValues, auditWhere, toAuditEntry, type AuditRecord } from "./audit-records";

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/database`; the password rather in `password` than in the URL. */
  url: string;
  /** Used when the URL carries none (the store node's credentials). PGPASSWORD works as well. */
  password?: string | null;
  /** Schema holding the tables, created if missing: `lsync` by default. Instances sharing state name the same one. */
  schema?: string;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
  /**
   * How long an outbox batch handed to one instance stays its own (default 120000 ms). Another
   * instance takes an open batch over only when its lease has run out: so a crashed instance's
   * batch is delivered by another one after at most this long, with the same rows and key.
   */
  leaseMs?: number;
  /**
   * This Node-RED instance's name (default LSYNC_INSTANCE, else the host name): distinct for every
   * instance sharing the schema. Outbox leases are held as `<name>/<random>`; when an instance
   * starts again it releases the leases of its previous run at once instead of waiting them out.
   */
  instanceName?: string;
  /** Connect timeout in ms (default 10000). */
  connectTimeoutMs?: number;
  /** Errors of idle connections (server restart, network): logged, the pool reconnects on next use. */
  onError?: (err: Error) => void;
}

const DEFAULT_SCHEMA = "lsync";
const DEFAULT_LEASE_MS = 120_000;

/** Lower-case SQL identifiers only, so the schema can be interpolated (quoted) into statements. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`PostgreSQL schema "${schema}" is not allowed: use lower-case letters, digits and _ (at most 63)`);
  }
  return schema;
}

/** The URL with any password replaced by `***`: what logs and `location` show. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

function withPassword(url: string, password: string | null | undefined): string {
  if (!password) return url;
  try {
    const u = new URL(url);
    if (u.password || !u.host) return url;
    u.password = password;
    return u.toString();
  } catch {
    return url;
  }
}

/** int8 (ids, epoch milliseconds, counts) as JS numbers: all of them stay far below 2^53. */
const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pgTypes.getTypeParser(oid, format ?? "text")) as typeof pgTypes.getTypeParser,
};

function schemaSql(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS "${s}";
CREATE TABLE IF NOT EXISTS "${s}".meta (
  name  text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE IF NOT EXISTS "${s}".inbox (
  id          bigserial PRIMARY KEY,
  source      text   NOT NULL,
  key         text   NOT NULL,
  topic       text   NOT NULL,
  payload     text   NOT NULL,
  props       text,
  received_at bigint NOT NULL,
  state       text   NOT NULL DEFAULT 'pending',
  settled_at  bigint
);
CREATE INDEX IF NOT EXISTS inbox_pending ON "${s}".inbox (source, id) WHERE state = 'pending';

CREATE TABLE IF NOT EXISTS "${s}".dedupe (
  scope      text   NOT NULL,
  key        text   NOT NULL,
  ref        text   NOT NULL,
  first_seen bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS dedupe_expiry ON "${s}".dedupe (expires_at);

CREATE TABLE IF NOT EXISTS "${s}".outbox (
  id              bigserial PRIMARY KEY,
  target          text    NOT NULL,
  idempotency_key text    NOT NULL,
  correlation_id  text,
  body            text    NOT NULL,
  state           text    NOT NULL DEFAULT 'pending',
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at bigint  NOT NULL,
  last_error      text,
  created_at      bigint  NOT NULL,
  done_at         bigint,
  batch_id        bigint,
  lease_owner     text,
  lease_until     bigint,
  UNIQUE (target, idempotency_key)
);
CREATE INDEX IF NOT EXISTS outbox_due ON "${s}".outbox (target, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_open_batches ON "${s}".outbox (target, batch_id) WHERE state = 'pending' AND batch_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS "${s}".dead_letters (
  id              bigserial PRIMARY KEY,
  at              bigint  NOT NULL,
  node_id         text    NOT NULL,
  node_type       text    NOT NULL,
  node_name       text,
  flow_id         text,
  reason          text    NOT NULL,
  correlation_id  text,
  idempotency_key text,
  attempts        integer NOT NULL DEFAULT 0,
  payload         text    NOT NULL,
  inbox_id        bigint,
  state           text    NOT NULL DEFAULT 'parked',
  resolution      text,
  origin          text
);
CREATE INDEX IF NOT EXISTS dead_letters_state ON "${s}".dead_letters (state, id);

-- Polling intake: where each source left off, and every item key it has taken in.
CREATE TABLE IF NOT EXISTS "${s}".poll_cursor (
  source     text   PRIMARY KEY,
  cursor     text   NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS "${s}".poll_seen (
  source   text   NOT NULL,
  key      text   NOT NULL,
  inbox_id bigint NOT NULL,
  taken_at bigint NOT NULL,
  PRIMARY KEY (source, key)
);

-- SFTP file ledger: one row per file content taken in (lsync-sftp-in).
CREATE TABLE IF NOT EXISTS "${s}".sftp_files (
  id        bigserial PRIMARY KEY,
  scope     text   NOT NULL,
  sha256    text   NOT NULL,
  name      text   NOT NULL,
  taken_at  bigint NOT NULL,
  records   integer NOT NULL,
  UNIQUE (scope, sha256)
);
${eventLogSchemaSql(s)}`;
}

/** Event log (visibility): entries, and one row per business key for search by any of them. */
function eventLogSchemaSql(s: string): string {
  return `
CREATE TABLE IF NOT EXISTS "${s}".event_log (
  id             bigserial PRIMARY KEY,
  at             bigint  NOT NULL,
  kind           text    NOT NULL,
  name           text    NOT NULL,
  correlation_id text,
  node_id        text,
  system         text,
  status         text,
  duration_ms    integer,
  keys           text    NOT NULL,
  detail         text
);
CREATE INDEX IF NOT EXISTS event_log_at ON "${s}".event_log (at, id);
CREATE INDEX IF NOT EXISTS event_log_correlation ON "${s}".event_log (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS "${s}".event_keys (
  value    text   NOT NULL,
  event_id bigint NOT NULL,
  type     text   NOT NULL,
  PRIMARY KEY (value, event_id, type)
);
CREATE INDEX IF NOT EXISTS event_keys_event ON "${s}".event_keys (event_id);

-- Rule state (business-rule nodes): one JSON value per (scope, key), versioned for compare-and-set.
CREATE TABLE IF NOT EXISTS "${s}".rule_state (
  scope      text    NOT NULL,
  key        text    NOT NULL,
  value      text    NOT NULL,
  due_at     bigint,
  version    integer NOT NULL,
  updated_at bigint  NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS rule_state_due ON "${s}".rule_state (scope, due_at) WHERE due_at IS NOT NULL;
`;
}

interface BatchedOutboxRecord extends OutboxRecord {
  batch_id: number;
}

type Queryable = Pick<PoolClient, "query">;

/**
 * The store on a PostgreSQL server, for several Node-RED instances sharing one state: same
 * semantics as SqliteStore, safe under concurrency across processes.
 *
 * - Dedupe: one `INSERT … ON CONFLICT DO UPDATE … WHERE expired` decides the claim atomically;
 *   exactly one claimant of a live key wins, whichever instance it runs in.
 * - Outbox: claims for one target are serialised across instances by a transaction-scoped
 *   advisory lock, new batches take their rows `FOR UPDATE SKIP LOCKED`, and every row of a batch
 *   carries a lease (`lease_owner`, `lease_until`). An open batch leased by another live instance is
 *   left alone; the owner gets its own batch back (same rows, same key) on every claim, which renews
 *   the lease; `markOutboxRetry` gives the lease up, so whichever instance is up when the retry is
 *   due sends it; a crashed instance's batch is taken over by another once its lease (`leaseMs`)
 *   has run out, or at once by the same instance (same `instanceName`) when it starts again.
 *   Keep the lease longer than one delivery attempt (request timeout included): an instance that
 *   is merely slow past its lease may see its batch sent a second time, under the same
 *   Idempotency-Key.
 * - Times are the instances' clocks (epoch ms), like SQLite's: keep hosts NTP-synchronised.
 *
 * The tables are created on first use. Every method waits for that; a server that is down makes
 * the call reject, and the next call tries again.
 */
export class PostgresStore implements LsyncStore {
  readonly kind = "postgres" as const;
  /** The URL without password, and the schema. */
  readonly location: string;
  readonly schema: string;
  /** This instance's name (see PostgresStoreOptions.instanceName). */
  readonly instanceName: string;
  /** Who holds an outbox lease: `<instance name>/<random>`, one per store object (so per process, as acquireStore shares one). */
  readonly owner: string;
  private readonly pool: Pool;
  private readonly leaseMs: number;
  private readonly t: Record<"meta" | "inbox" | "dedupe" | "outbox" | "deadLetters" | "eventLog" | "eventKeys" | "ruleState" | "pollCursor" | "pollSeen", string>;
  private init: Promise<string> | null = null;
  private instance: string | null = null;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.schema = checkSchemaName(options.schema?.trim() || DEFAULT_SCHEMA);
    this.location = `${redactUrl(options.url)} (schema ${this.schema})`;
    this.leaseMs = Math.max(1_000, options.leaseMs ?? DEFAULT_LEASE_MS);
    this.instanceName = options.instanceName?.trim() || process.env.LSYNC_INSTANCE?.trim() || hostname();
    this.owner = `${this.instanceName}/${randomUUID().slice(0, 8)}`;
    const config: PoolConfig = {
      connectionString: withPassword(options.url, options.password),
      max: Math.max(1, Math.trunc(options.poolSize ?? 10) || 10),
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      application_name: "node-red-logistics-sync",
      types: typeParsers,
    };
    this.pool = new Pool(config);
    // An idle connection's error (server restart) must not become an uncaught 'error' event.
    this.pool.on("error", (err) => options.onError?.(err));
    const s = `"${this.schema}"`;
    this.t = { meta: `${s}.meta`, inbox: `${s}.inbox`, dedupe: `${s}.dedupe`, outbox: `${s}.outbox`, deadLetters: `${s}.dead_letters`, eventLog: `${s}.event_log`, eventKeys: `${s}.event_keys`, ruleState: `${s}.rule_state`, pollCursor: `${s}.poll_cursor`, pollSeen: `${s}.poll_seen` };
  }

  /**
   * Made once when the schema is created and shared by every instance using it. It is part of
   * every batch key: row ids start again in a new schema, and a key that a system has seen before
   * must never name new content.
   */
  get instanceId(): string {
    if (this.instance === null) throw new Error("PostgresStore: instanceId is known once the store is ready (await ready())");
    return this.instance;
  }

  /** Creates the schema and tables if missing; resolves with the instance id. Retried after a failure. */
  ready(): Promise<string> {
    if (this.closed) return Promise.reject(new Error(`store ${this.location} is closed`));
    this.init ??= this.setUp().catch((err: unknown) => {
      this.init = null;
      throw err;
    });
    return this.init;
  }

  private async setUp(): Promise<string> {
    const instance = await this.tx(async (c) => {
      // Two instances starting together must not both run CREATE … IF NOT EXISTS (it can race).
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`lsync-schema:${this.schema}`]);
      await c.query(schemaSql(this.schema));
      await c.query(`INSERT INTO ${this.t.meta} (name, value) VALUES ('instance', $1) ON CONFLICT (name) DO NOTHING`, [
        randomUUID().slice(0, 8),
      ]);
      const { rows } = await c.query<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE name = 'instance'`);
      // This instance's previous run (a restart, a crash) cannot still be sending: its batches are ours again.
      await c.query(
        `UPDATE ${this.t.outbox} SET lease_owner = NULL, lease_until = NULL
         WHERE state = 'pending' AND starts_with(lease_owner, $1) AND lease_owner <> $2`,
        [`${this.instanceName}/`, this.owner],
      );
      return rows[0]!.value;
    }, false);
    this.instance = instance;
    return instance;
  }

  private async q<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; rowCount: number }> {
    await this.ready();
    const result = await this.pool.query<R>(sql, params);
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }

  /** Runs `fn` in one transaction on one connection; a connection that failed is not reused. */
  private async tx<T>(fn: (c: Queryable) => Promise<T>, waitReady = true): Promise<T> {
    if (waitReady) await this.ready();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async addToInbox(items: NewInboxItem[]): Promise<number[]> {
    if (items.length === 0) return [];
    const now = Date.now();
    // One statement: the rows go in in order, so their serial ids ascend in the items' order.
    const { rows } = await this.q<{ id: number }>(
      `INSERT INTO ${this.t.inbox} (source, key, topic, payload, props, received_at)
       SELECT source, key, topic, payload, props, $6::bigint
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS i(source, key, topic, payload, props, ord)
       ORDER BY ord
       RETURNING id`,
      [
        items.map((i) => i.source),
        items.map((i) => i.key),
        items.map((i) => i.topic),
        items.map((i) => i.payload),
        items.map((i) => (i.props ? JSON.stringify(i.props) : null)),
        now,
      ],
    );
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  async pendingInbox(source: string, limit: number, afterId = 0): Promise<InboxItem[]> {
    const { rows } = await this.q<{
      id: number;
      source: string;
      key: string;
      topic: string;
      payload: string;
      props: string | null;
      received_at: number;
    }>(
      `SELECT id, source, key, topic, payload, props, received_at FROM ${this.t.inbox}
       WHERE source = $1 AND state = 'pending' AND id > $2 ORDER BY id LIMIT $3`,
      [source, afterId, limit],
    );
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
    await this.ready();
    await this.settleOn(this.pool, ids, outcome);
  }

  private async settleOn(c: Queryable, ids: number[], outcome: SettleOutcome): Promise<void> {
    if (ids.length === 0) return;
    await c.query(`UPDATE ${this.t.inbox} SET state = $1, settled_at = $2 WHERE state = 'pending' AND id = ANY($3::bigint[])`, [
      outcome,
      Date.now(),
      ids,
    ]);
  }

  async claimDedupe(scope: string, key: string, ttlMs: number, ref: string): Promise<DedupeClaim> {
    await this.ready();
    // The upsert decides: it writes only when the key is new or expired, and a row lock makes two
    // claimants of one key (in any instance) take turns. Its RETURNING says whether we won; if
    // not, the holder is read back (same ref = a redelivery, which counts as first).
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      const { rows } = await this.pool.query<{ ref: string; first_seen: number; claimed: boolean }>(
        `WITH claimed AS (
           INSERT INTO ${this.t.dedupe} AS d (scope, key, ref, first_seen, expires_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (scope, key) DO UPDATE SET ref = excluded.ref, first_seen = excluded.first_seen, expires_at = excluded.expires_at
           WHERE d.expires_at <= $4
           RETURNING d.ref, d.first_seen
         )
         SELECT ref, first_seen, true AS claimed FROM claimed
         UNION ALL
         SELECT ref, first_seen, false FROM ${this.t.dedupe} WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
        [scope, key, ref, now, now + ttlMs],
      );
      const row = rows[0];
      if (row?.claimed) return { first: true, firstSeenAt: row.first_seen };
      // Not claimed and not visible: another claimant committed after this statement's snapshot.
      // Reading again (a new snapshot) finds it; an empty read means it expired and was purged.
      const holder =
        row ??
        (
          await this.pool.query<{ ref: string; first_seen: number }>(
            `SELECT ref, first_seen FROM ${this.t.dedupe} WHERE scope = $1 AND key = $2 AND expires_at > $3`,
            [scope, key, now],
          )
        ).rows[0];
      if (holder) return { first: holder.ref === ref, firstSeenAt: holder.first_seen };
      if (attempt >= 5) throw new Error(`dedupe claim of ${scope}/${key} did not settle after ${attempt + 1} attempts`);
    }
  }

  async purgeDedupe(now = Date.now()): Promise<number> {
    return (await this.q(`DELETE FROM ${this.t.dedupe} WHERE expires_at <= $1`, [now])).rowCount;
  }

  async purgeSettled(cutoffs: RetentionCutoffs): Promise<PurgeCounts> {
    return this.tx(async (c) => ({
      inbox: (await c.query(`DELETE FROM ${this.t.inbox} WHERE state <> 'pending' AND settled_at < $1`, [cutoffs.settledBefore])).rowCount ?? 0,
      outbox: (await c.query(`DELETE FROM ${this.t.outbox} WHERE state IN ('sent', 'dead') AND done_at < $1`, [cutoffs.settledBefore])).rowCount ?? 0,
      fileLedger: (await c.query(`DELETE FROM ${this.sftpFiles} WHERE taken_at < $1`, [cutoffs.ledgerBefore])).rowCount ?? 0,
      pollSeen: (await c.query(`DELETE FROM ${this.t.pollSeen} WHERE taken_at < $1`, [cutoffs.ledgerBefore])).rowCount ?? 0,
    }));
  }

  async enqueueOutbox(rows: NewOutboxRow[], settle: number[] = []): Promise<void> {
    const now = Date.now();
    await this.tx(async (c) => {
      if (rows.length > 0) {
        await c.query(
          `INSERT INTO ${this.t.outbox} (target, idempotency_key, correlation_id, body, next_attempt_at, created_at)
           SELECT target, idempotency_key, correlation_id, body, $5::bigint, $5::bigint
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS r(target, idempotency_key, correlation_id, body, ord)
           ORDER BY ord
           ON CONFLICT (target, idempotency_key) DO NOTHING`,
          [
            rows.map((r) => r.target),
            rows.map((r) => r.idempotencyKey),
            rows.map((r) => r.correlationId ?? null),
            rows.map((r) => JSON.stringify(r.body)),
            now,
          ],
        );
      }
      await this.settleOn(c, settle, "done");
    });
  }

  async claimOutboxBatch(target: string, limit: number, now = Date.now()): Promise<OutboxBatch | null> {
    const instance = await this.ready();
    const leaseUntil = now + this.leaseMs;
    const records = await this.tx(async (c): Promise<BatchedOutboxRecord[] | null> => {
      // One claimer per target at a time, across every instance on this schema.
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`lsync-outbox:${this.schema}:${target}`]);
      const open = await c.query<{ batch_id: number; due: number }>(
        `SELECT batch_id, min(next_attempt_at) AS due FROM ${this.t.outbox}
         WHERE target = $1 AND state = 'pending' AND batch_id IS NOT NULL
         GROUP BY batch_id
         HAVING bool_and(lease_owner IS NULL OR lease_owner = $2 OR lease_until <= $3)
         ORDER BY batch_id LIMIT 1`,
        [target, this.owner, now],
      );
      const batch = open.rows[0];
      if (batch) {
        // A batch once sent keeps its rows: a retry must carry the same rows under the same key.
        if (batch.due > now) return null;
        const taken = await c.query<BatchedOutboxRecord>(
          `UPDATE ${this.t.outbox} SET lease_owner = $3, lease_until = $4
           WHERE target = $1 AND state = 'pending' AND batch_id = $2
           RETURNING id, target, idempotency_key, correlation_id, body, attempts, created_at, batch_id`,
          [target, batch.batch_id, this.owner, leaseUntil],
        );
        return taken.rows;
      }
      const fresh = await c.query<BatchedOutboxRecord>(
        `WITH picked AS (
           SELECT id FROM ${this.t.outbox}
           WHERE target = $1 AND state = 'pending' AND batch_id IS NULL AND next_attempt_at <= $2
           ORDER BY id LIMIT $3
           FOR UPDATE SKIP LOCKED
         )
         UPDATE ${this.t.outbox} o SET batch_id = (SELECT min(id) FROM picked), lease_owner = $4, lease_until = $5
         FROM picked WHERE o.id = picked.id
         RETURNING o.id, o.target, o.idempotency_key, o.correlation_id, o.body, o.attempts, o.created_at, o.batch_id`,
        [target, now, Math.max(1, Math.trunc(limit)), this.owner, leaseUntil],
      );
      return fresh.rows.length ? fresh.rows : null;
    });
    if (!records || records.length === 0) return null;
    records.sort((a, b) => a.id - b.id);
    return toOutboxBatch(target, records[0]!.batch_id, instance, records);
  }

  async markOutboxSent(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.q(
      `UPDATE ${this.t.outbox} SET state = 'sent', attempts = attempts + 1, done_at = $1, last_error = NULL, lease_owner = NULL, lease_until = NULL
       WHERE id = ANY($2::bigint[])`,
      [Date.now(), ids],
    );
  }

  async markOutboxRetry(ids: number[], nextAttemptAt: number, error: string, options: { countAttempt?: boolean } = {}): Promise<void> {
    if (ids.length === 0) return;
    // The lease is given up: whichever instance is up when the retry is due sends the batch.
    await this.q(
      `UPDATE ${this.t.outbox} SET attempts = attempts + $4, next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
       WHERE id = ANY($3::bigint[])`,
      [nextAttemptAt, error, ids, options.countAttempt === false ? 0 : 1],
    );
  }

  async markOutboxDead(ids: number[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.q(
      `UPDATE ${this.t.outbox} SET state = 'dead', attempts = attempts + 1, done_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL
       WHERE id = ANY($3::bigint[])`,
      [Date.now(), error, ids],
    );
  }

  async outboxByKey(target: string, idempotencyKey: string): Promise<{ state: OutboxState; attempts: number } | null> {
    const { rows } = await this.q<{ state: OutboxState; attempts: number }>(
      `SELECT state, attempts FROM ${this.t.outbox} WHERE target = $1 AND idempotency_key = $2`,
      [target, idempotencyKey],
    );
    return rows[0] ?? null;
  }

  async parkDeadLetter(letter: NewDeadLetter): Promise<number> {
    return this.tx(async (c) => {
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO ${this.t.deadLetters}
           (at, node_id, node_type, node_name, flow_id, reason, correlation_id, idempotency_key, attempts, payload, inbox_id, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
        [
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
        ],
      );
      if (letter.inboxId != null) await this.settleOn(c, [letter.inboxId], "dead");
      return rows[0]!.id;
    });
  }

  async listDeadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100) || 100, 1), 1000);
    const where: string[] = [];
    const args: Array<string | number> = [];
    const narrow = (column: string, op: string, value: string | number | undefined) => {
      if (value === undefined || value === "") return;
      args.push(value);
      where.push(`${column} ${op} $${args.length}`);
    };
    narrow("state", "=", filter.state);
    narrow("node_id", "=", filter.nodeId);
    narrow("correlation_id", "=", filter.correlationId);
    narrow("id", "<", filter.beforeId);
    args.push(limit);
    const { rows } = await this.q<DeadLetterRecord>(
      `SELECT * FROM ${this.t.deadLetters} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map(toDeadLetter);
  }

  async getDeadLetter(id: number): Promise<DeadLetter | null> {
    const { rows } = await this.q<DeadLetterRecord>(`SELECT * FROM ${this.t.deadLetters} WHERE id = $1`, [id]);
    return rows[0] ? toDeadLetter(rows[0]) : null;
  }

  async resolveDeadLetter(
    id: number,
    state: Exclude<DeadLetterState, "parked">,
    by: string,
    note: string,
  ): Promise<boolean> {
    const resolution = JSON.stringify({ by, at: Date.now(), note });
    const { rowCount } = await this.q(
      `UPDATE ${this.t.deadLetters} SET state = $1, resolution = $2 WHERE id = $3 AND state = 'parked'`,
      [state, resolution, id],
    );
    return rowCount === 1;
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.q<StoreCounts & QueryResultRow>(`SELECT
      (SELECT count(*) FROM ${this.t.inbox} WHERE state = 'pending') AS "inboxPending",
      (SELECT count(*) FROM ${this.t.outbox} WHERE state = 'pending') AS "outboxPending",
      (SELECT count(*) FROM ${this.t.outbox} WHERE state = 'sent') AS "outboxSent",
      (SELECT count(*) FROM ${this.t.outbox} WHERE state = 'dead') AS "outboxDead",
      (SELECT count(*) FROM ${this.t.deadLetters} WHERE state = 'parked') AS "deadLettersParked",
      (SELECT count(*) FROM ${this.t.dedupe}) AS "dedupeKeys"`);
    return { ...rows[0]! };
  }

  // ---- Event log (visibility) -----------------------------------------------------------------

  async appendEvents(entries: NewEventLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const columns = entries.map(eventLogColumns);
    const column = (i: number) => columns.map((c) => c[i]);
    await this.tx(async (c) => {
      // One statement per batch: ids ascend in the entries' order (as in addToInbox).
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO ${this.t.eventLog} (at, kind, name, correlation_id, node_id, system, status, duration_ms, keys, detail)
         SELECT at, kind, name, correlation_id, node_id, system, status, duration_ms, keys, detail
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[], $9::text[], $10::text[])
           WITH ORDINALITY AS e(at, kind, name, correlation_id, node_id, system, status, duration_ms, keys, detail, ord)
         ORDER BY ord
         RETURNING id`,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(column),
      );
      const ids = rows.map((r) => r.id).sort((a, b) => a - b);
      const keyRows = entries.flatMap((e, i) => e.keys.map((k) => [k.value, ids[i]!, k.type] as const));
      if (keyRows.length === 0) return;
      await c.query(
        `INSERT INTO ${this.t.eventKeys} (value, event_id, type)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING`,
        [keyRows.map((k) => k[0]), keyRows.map((k) => k[1]), keyRows.map((k) => k[2])],
      );
    });
  }

  async findEvents(filter: EventLogFilter = {}): Promise<EventLogEntry[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (value: unknown) => `$${args.push(value)}`;
    // key and correlationIds select together (a trace wants both); the rest narrows.
    const either: string[] = [];
    if (filter.key) either.push(`id IN (SELECT event_id FROM ${this.t.eventKeys} WHERE value = ${arg(filter.key)})`);
    if (filter.correlationIds?.length) {
      const ids = arg(filter.correlationIds);
      either.push(`correlation_id = ANY(${ids}::text[])`, `id IN (SELECT event_id FROM ${this.t.eventKeys} WHERE type = 'correlation' AND value = ANY(${ids}::text[]))`);
    }
    if (either.length) where.push(`(${either.join(" OR ")})`);
    if (filter.since !== undefined) where.push(`at >= ${arg(filter.since)}`);
    if (filter.until !== undefined) where.push(`at < ${arg(filter.until)}`);
    if (filter.afterId !== undefined) where.push(`id > ${arg(filter.afterId)}`);
    const limit = arg(eventLimit(filter.limit));
    const { rows } = await this.q<EventLogRecord>(
      `SELECT * FROM ${this.t.eventLog} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${filter.order === "written" ? "id" : "at, id"} LIMIT ${limit}`,
      args,
    );
    return rows.map(toEventLogEntry);
  }

  async purgeEvents(before: number): Promise<number> {
    return this.tx(async (c) => {
      await c.query(`DELETE FROM ${this.t.eventKeys} WHERE event_id IN (SELECT id FROM ${this.t.eventLog} WHERE at < $1)`, [before]);
      return (await c.query(`DELETE FROM ${this.t.eventLog} WHERE at < $1`, [before])).rowCount ?? 0;
    });
  }

  // ---- Rule state (business-rule nodes) ---------------------------------------------------

  async getRuleState(scope: string, key: string): Promise<RuleState | null> {
    const { rows } = await this.q<RuleStateRecord & QueryResultRow>(`SELECT * FROM ${this.t.ruleState} WHERE scope = $1 AND key = $2`, [scope, key]);
    return rows[0] ? toRuleState(rows[0]) : null;
  }

  async putRuleState(scope: string, key: string, value: unknown, dueAt: number | null, expectedVersion: number): Promise<number | null> {
    const now = Date.now();
    const json = JSON.stringify(value ?? null);
    // The row lock of INSERT … ON CONFLICT / UPDATE … WHERE version makes concurrent writers take turns: one wins.
    const { rowCount } =
      expectedVersion === 0
        ? await this.q(
            `INSERT INTO ${this.t.ruleState} (scope, key, value, due_at, version, updated_at) VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (scope, key) DO NOTHING`,
            [scope, key, json, dueAt, now],
          )
        : await this.q(
            `UPDATE ${this.t.ruleState} SET value = $3, due_at = $4, version = version + 1, updated_at = $5 WHERE scope = $1 AND key = $2 AND version = $6`,
            [scope, key, json, dueAt, now, expectedVersion],
          );
    return rowCount === 1 ? expectedVersion + 1 : null;
  }

  async deleteRuleState(scope: string, key: string, expectedVersion: number): Promise<boolean> {
    const { rowCount } = await this.q(`DELETE FROM ${this.t.ruleState} WHERE scope = $1 AND key = $2 AND version = $3`, [scope, key, expectedVersion]);
    return rowCount === 1;
  }

  async dueRuleStates(scope: string, now: number, limit: number): Promise<RuleState[]> {
    const { rows } = await this.q<RuleStateRecord & QueryResultRow>(
      `SELECT * FROM ${this.t.ruleState} WHERE scope = $1 AND due_at IS NOT NULL AND due_at <= $2 ORDER BY due_at, key LIMIT $3`,
      [scope, now, Math.min(Math.max(Math.trunc(limit) || 1, 1), 1000)],
    );
    return rows.map(toRuleState);
  }

  async countRuleStates(scope: string): Promise<number> {
    const { rows } = await this.q<{ n: number }>(`SELECT count(*) AS n FROM ${this.t.ruleState} WHERE scope = $1`, [scope]);
    return Number(rows[0]?.n ?? 0);
  }

  // ---- Audit (security, issue #9) ----
  private auditReady: Promise<void> | null = null;
  /** The audit table, made on first use (under the schema lock: instances may start together). */
  private ensureAudit(): Promise<void> {
    this.auditReady ??= this.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`lsync-schema:${this.schema}`]);
      await c.query(`CREATE TABLE IF NOT EXISTS "${this.schema}".audit (
        id       BIGSERIAL PRIMARY KEY,
        at       BIGINT NOT NULL,
        username TEXT   NOT NULL,
        action   TEXT   NOT NULL,
        target   TEXT,
        detail   TEXT
      )`);
    }).catch((err: unknown) => {
      this.auditReady = null;
      throw err;
    });
    return this.auditReady;
  }

  async recordAudit(entry: NewAuditEntry): Promise<number> {
    const values = auditValues(entry);
    await this.ensureAudit();
    const { rows } = await this.q<{ id: string }>(
      `INSERT INTO "${this.schema}".audit (at, username, action, target, detail) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      values,
    );
    return Number(rows[0]!.id);
  }

  async listAudit(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    await this.ensureAudit();
    const { sql, args } = auditWhere(filter, (n) => `$${n}`);
    const { rows } = await this.q<AuditRecord & QueryResultRow>(
      `SELECT * FROM "${this.schema}".audit ${sql} ORDER BY id DESC LIMIT $${args.length + 1}`,
      [...args, auditLimit(filter)],
    );
    return rows.map(toAuditEntry);
  }
  // ---- end audit ----

  // ---- polling intake (lsync-poll-in) ------------------------------------------------------

  async takeInPolled(source: string, items: NewInboxItem[], cursor: string): Promise<InboxItem[]> {
    const now = Date.now();
    return this.tx(async (c) => {
      // Two instances polling the same source serialise here, so a page is taken in once.
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`lsync-poll:${this.schema}:${source}`]);
      const taken: InboxItem[] = [];
      for (const item of items) {
        const claimed = await c.query(`INSERT INTO ${this.t.pollSeen} (source, key, inbox_id, taken_at) VALUES ($1, $2, 0, $3) ON CONFLICT (source, key) DO NOTHING`, [source, item.key, now]);
        if ((claimed.rowCount ?? 0) === 0) continue;
        const props = item.props ?? null;
        const { rows } = await c.query<{ id: string | number }>(
          `INSERT INTO ${this.t.inbox} (source, key, topic, payload, props, received_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [source, item.key, item.topic, item.payload, props ? JSON.stringify(props) : null, now],
        );
        const id = Number(rows[0]!.id);
        await c.query(`UPDATE ${this.t.pollSeen} SET inbox_id = $1 WHERE source = $2 AND key = $3`, [id, source, item.key]);
        taken.push({ ...item, source, props, id, receivedAt: now });
      }
      await c.query(
        `INSERT INTO ${this.t.pollCursor} (source, cursor, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
        [source, cursor, now],
      );
      return taken;
    });
  }

  async pollCursor(source: string): Promise<string | null> {
    const { rows } = await this.q<{ cursor: string }>(`SELECT cursor FROM ${this.t.pollCursor} WHERE source = $1`, [source]);
    return rows[0]?.cursor ?? null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.init?.catch(() => undefined);
    await this.pool.end();
  }

  // --- SFTP file ledger (lsync-sftp-in) ---------------------------------------------------------

  private get sftpFiles(): string {
    return `"${this.schema}".sftp_files`;
  }

  async takeInFile(file: NewFileRecord, items: NewInboxItem[]): Promise<FileTakeIn> {
    return this.tx(async (c) => {
      const now = Date.now();
      // A concurrent taker of the same content waits on the unique key here and then finds its row.
      const inserted = await c.query<{ id: number }>(
        `INSERT INTO ${this.sftpFiles} (scope, sha256, name, taken_at, records) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (scope, sha256) DO NOTHING RETURNING id`,
        [file.scope, file.sha256, file.name, now, items.length],
      );
      if (inserted.rows.length === 0) {
        const known = await this.fileByHashOn(c, file.scope, file.sha256);
        return { duplicate: true, file: known!, ids: [] } as FileTakeIn;
      }
      // The same insert as addToInbox, on this transaction's connection.
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO ${this.t.inbox} (source, key, topic, payload, props, received_at)
         SELECT source, key, topic, payload, props, $6::bigint
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS i(source, key, topic, payload, props, ord)
         ORDER BY ord
         RETURNING id`,
        [
          items.map((i) => i.source),
          items.map((i) => i.key),
          items.map((i) => i.topic),
          items.map((i) => i.payload),
          items.map((i) => (i.props ? JSON.stringify(i.props) : null)),
          now,
        ],
      );
      const ids = rows.map((r) => r.id).sort((a, b) => a - b);
      return { duplicate: false, file: { ...file, id: inserted.rows[0]!.id, takenAt: now, records: items.length }, ids };
    });
  }

  async fileByHash(scope: string, sha256: string): Promise<FileRecord | null> {
    await this.ready();
    return this.fileByHashOn(this.pool, scope, sha256);
  }

  private async fileByHashOn(c: Queryable, scope: string, sha256: string): Promise<FileRecord | null> {
    const { rows } = await c.query<{ id: number; scope: string; sha256: string; name: string; taken_at: number; records: number }>(
      `SELECT id, scope, sha256, name, taken_at, records FROM ${this.sftpFiles} WHERE scope = $1 AND sha256 = $2`,
      [scope, sha256],
    );
    const row = rows[0];
    return row ? { id: row.id, scope: row.scope, sha256: row.sha256, name: row.name, takenAt: row.taken_at, records: row.records } : null;
  }
}
