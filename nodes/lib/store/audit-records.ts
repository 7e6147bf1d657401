/** Audit rows as both stores keep them, and the filter both apply the same way (issue #9). */
import type { AuditEntry, AuditFilter, NewAuditEntry } from "./types";

export interface AuditRecord {
  id: number | string;
  at: number | string;
  username: string;
  action: string;
  target: string | null;
  detail: string | null;
}

export function toAuditEntry(r: AuditRecord): AuditEntry {
  return {
    id: Number(r.id),
    at: Number(r.at),
    user: r.username,
    action: r.action,
    target: r.target,
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  };
}

export function auditValues(e: NewAuditEntry): [number, string, string, string | null, string | null] {
  if (!e.user || !e.action) throw new Error("an audit entry needs a user and an action");
  return [e.at ?? Date.now(), e.user, e.action, e.target ?? null, e.detail ? JSON.stringify(e.detail) : null];
}

export function auditLimit(filter: AuditFilter): number {
  return Math.min(Math.max(Math.trunc(filter.limit ?? 100) || 100, 1), 1000);
}

/**
 * WHERE clauses and arguments for a filter; `p(n)` writes the n-th placeholder (`?` or `$n`).
 * An action ending in `.` is a prefix (`dead-letter.` matches replay and discard).
 */
export function auditWhere(filter: AuditFilter, p: (n: number) => string): { sql: string; args: Array<string | number> } {
  const clauses: string[] = [];
  const args: Array<string | number> = [];
  const add = (clause: (ph: string) => string, value: string | number) => {
    args.push(value);
    clauses.push(clause(p(args.length)));
  };
  if (filter.user) add((ph) => `username = ${ph}`, filter.user);
  if (filter.action) {
    if (filter.action.endsWith(".")) add((ph) => `substr(action, 1, ${filter.action!.length}) = ${ph}`, filter.action);
    else add((ph) => `action = ${ph}`, filter.action);
  }
  if (filter.beforeId !== undefined) add((ph) => `id < ${ph}`, filter.beforeId);
  if (filter.since !== undefined) add((ph) => `at >= ${ph}`, filter.since);
  return { sql: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", args };
}
