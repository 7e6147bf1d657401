/**
 * The audit trail: who deployed, replayed, discarded or changed settings, and when, kept in the
 * store (`audit` table). Two sources feed it:
 * - Node-RED's own audit log events (deploys, settings, palette changes, logins, refused
 *   permissions), through the log handler `settings.ts` installs (`logging.lsyncAudit`);
 * - our admin routes (dead-letter replay and discard), which write their entry before answering.
 *
 * Log events arrive before any store exists (at start) and without one to wait on, so they go to a
 * small queue drained into the first store the dead-letter registry knows. A replay or discard
 * awaits its own write instead: it is answered only once its entry is stored.
 */
import { findDeadLetterStore } from "../dead-letter-registry";
import type { LsyncStore, NewAuditEntry } from "../store";
import { redact, redactDeep } from "./redact";

/** Node-RED audit events that read and change nothing, or concern the editor's socket: not kept. */
const NOT_KEPT = /(\.get$|^comms\.|^debug\.)/;

/** A Node-RED audit log message (`log.audit({ event, … }, req)`). */
export interface NodeRedAuditMessage {
  event?: unknown;
  user?: { username?: unknown } | null;
  username?: unknown;
  timestamp?: unknown;
  level?: unknown;
  [key: string]: unknown;
}

/** The store entry for a Node-RED audit event, or null for events not kept. */
export function auditEntryFromLog(msg: NodeRedAuditMessage): NewAuditEntry | null {
  const action = typeof msg.event === "string" ? msg.event : "";
  if (!action || NOT_KEPT.test(action)) return null;
  const name = msg.user?.username ?? msg.username;
  const { event: _e, user: _u, username: _n, timestamp, level: _l, ...rest } = msg;
  const detail = redactDeep(rest) as Record<string, unknown>;
  const target = typeof rest.type === "string" ? rest.type : typeof rest.module === "string" ? rest.module : typeof rest.id === "string" ? rest.id : null;
  return {
    at: typeof timestamp === "number" ? timestamp : Date.now(),
    user: typeof name === "string" && name ? redact(name) : "anonymous",
    action,
    target,
    detail: Object.keys(detail).length ? detail : null,
  };
}

const MAX_QUEUED = 1000;
const queue: NewAuditEntry[] = [];
let dropped = 0;
let timer: NodeJS.Timeout | null = null;
let draining = false;

/** Where queued entries go; replaced in tests. */
let storeFinder: () => LsyncStore | null = () => findDeadLetterStore()?.store ?? null;

export function setAuditStoreFinder(find: () => LsyncStore | null): void {
  storeFinder = find;
}

/** Queues an entry for the store (oldest dropped, and counted, beyond 1000 waiting). */
export function queueAudit(entry: NewAuditEntry): void {
  if (queue.length >= MAX_QUEUED) {
    queue.shift();
    dropped++;
  }
  queue.push(entry);
  void drainAudit();
}

/** Writes queued entries to the store, if there is one; retries every second while some wait. */
export async function drainAudit(): Promise<number> {
  if (draining) return 0;
  const store = storeFinder();
  if (!store) {
    schedule();
    return 0;
  }
  draining = true;
  let written = 0;
  try {
    if (dropped) {
      const lost = dropped;
      dropped = 0;
      await store.recordAudit({ user: "system", action: "audit.dropped", detail: { entries: lost } });
    }
    while (queue.length) {
      await store.recordAudit(queue[0]!);
      queue.shift();
      written++;
    }
  } catch {
    schedule(); // the store is not reachable now: keep the entries and try again
  } finally {
    draining = false;
  }
  return written;
}

function schedule(): void {
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    void drainAudit();
  }, 1000);
  timer.unref();
}

export function queuedAuditCount(): number {
  return queue.length;
}

/** Node-RED log handler factory (`logging.lsyncAudit.handler`): Node-RED passes only audit events with `level: "off", audit: true`. */
export function auditLogHandler(): (msg: NodeRedAuditMessage) => void {
  return (msg) => {
    try {
      const entry = auditEntryFromLog(msg);
      if (entry) queueAudit(entry);
    } catch {
      // An audit event that cannot be read must not break the logging of the runtime.
    }
  };
}
