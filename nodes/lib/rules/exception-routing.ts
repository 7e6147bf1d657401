/**
 * Exception routing (issue #6 scenario 4): an ExceptionEvent goes to a team's queue by its type
 * and severity, with an SLA clock; a resolving event closes the clock, and a clock that runs out
 * first escalates. Plain functions over the stored open exception; the lsync-exception-route
 * node keeps the open exceptions in the store and checks their clocks on a timer.
 */
import type { ExceptionEvent } from "../canonical/types";
import { ruleError } from "./common";

export type ExceptionType = ExceptionEvent["type"];
export type Severity = ExceptionEvent["severity"];

export const EXCEPTION_TYPES: readonly ExceptionType[] = [
  "SHORT_PICK", "OVER_PICK", "SHORT_SHIPMENT", "DAMAGE", "DELAY", "MISSED_PICKUP", "MISSED_DELIVERY", "DELIVERY_ATTEMPTED",
  "REFUSED", "REROUTE", "ADDRESS_CORRECTION", "INVOICE_VARIANCE", "DUPLICATE_INVOICE", "UNMATCHED_EVENT", "MISSING_ACK", "OTHER",
];

export interface RouteRule {
  /** Exception types this row covers, or ["*"] for any. */
  types: string[];
  /** Only this severity, or ANY. */
  severity: Severity | "ANY";
  /** The team queue: logistics, finance, customer-service, … (free text, becomes msg.topic). */
  team: string;
  /** Minutes from detection until the exception must be resolved; 0 = no clock. */
  slaMinutes: number;
}

/**
 * Operational issues to logistics, posting issues to finance, delivery issues the customer notices
 * to customer service; critical ones on a shorter clock. First matching row wins.
 */
export const DEFAULT_ROUTE_RULES: readonly RouteRule[] = [
  { types: ["INVOICE_VARIANCE", "DUPLICATE_INVOICE"], severity: "CRITICAL", team: "finance", slaMinutes: 240 },
  { types: ["INVOICE_VARIANCE", "DUPLICATE_INVOICE"], severity: "ANY", team: "finance", slaMinutes: 1440 },
  { types: ["DELAY", "MISSED_DELIVERY", "DELIVERY_ATTEMPTED", "REFUSED", "REROUTE", "ADDRESS_CORRECTION"], severity: "ANY", team: "customer-service", slaMinutes: 120 },
  { types: ["*"], severity: "CRITICAL", team: "logistics", slaMinutes: 60 },
  { types: ["*"], severity: "ANY", team: "logistics", slaMinutes: 240 },
];

const SEVERITIES = ["ANY", "INFO", "WARN", "CRITICAL"];

/** Checks a routing table; types may be a comma-separated string (the dialog). Errors name the row and field. */
export function parseRouteRules(raw: unknown, field = "rules"): RouteRule[] {
  if (!Array.isArray(raw) || raw.length === 0) throw ruleError(field, "array", "must be a non-empty array of routing rules", raw);
  return raw.map((row: unknown, i): RouteRule => {
    const r = (row ?? {}) as Record<string, unknown>;
    const at = `${field}[${i}]`;
    const types = (Array.isArray(r.types) ? r.types : String(r.types ?? "").split(",")).map((t) => String(t).trim().toUpperCase()).filter(Boolean);
    if (types.length === 0) throw ruleError(`${at}.types`, "required", 'must list exception types or "*"', r.types);
    const bad = types.find((t) => t !== "*" && !EXCEPTION_TYPES.includes(t as ExceptionType));
    if (bad) throw ruleError(`${at}.types`, "enum", `${bad} is not an ExceptionEvent type`, r.types);
    const severity = String(r.severity ?? "ANY").toUpperCase();
    if (!SEVERITIES.includes(severity)) throw ruleError(`${at}.severity`, "enum", "must be ANY, INFO, WARN or CRITICAL", r.severity);
    const team = String(r.team ?? "").trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(team)) throw ruleError(`${at}.team`, "pattern", "must be a queue name of letters, digits, _ . - (at most 64)", r.team);
    const sla = Number(r.slaMinutes);
    if (!Number.isFinite(sla) || sla < 0) throw ruleError(`${at}.slaMinutes`, "minimum", "must be a number of minutes ≥ 0", r.slaMinutes);
    return { types, severity: severity as RouteRule["severity"], team, slaMinutes: sla };
  });
}

export function routeFor(rules: readonly RouteRule[], event: Pick<ExceptionEvent, "type" | "severity">): RouteRule | null {
  return rules.find((r) => (r.types.includes("*") || r.types.includes(event.type)) && (r.severity === "ANY" || r.severity === event.severity)) ?? null;
}

/** What the store keeps per open exception. */
export interface OpenException {
  exceptionId: string;
  team: string;
  slaMinutes: number;
  /** Epoch ms: when the clock started (the event's detectedAt, or receipt when that is missing or in the future). */
  openedAt: number;
  /** Epoch ms when the SLA runs out; null when there is no clock. */
  dueAt: number | null;
  escalatedAt: number | null;
  event: ExceptionEvent;
}

export function isClosing(event: ExceptionEvent): boolean {
  return event.status === "RESOLVED" || event.status === "DISMISSED";
}

/** Checks the parts of an ExceptionEvent routing relies on; errors name the field and rule. */
export function checkException(payload: unknown): ExceptionEvent {
  const e = payload as ExceptionEvent | null;
  if (!e || typeof e !== "object" || e.schema !== "exception-event/1") throw ruleError("payload.schema", "schema", 'must be "exception-event/1" (a canonical ExceptionEvent)', (e as { schema?: unknown } | null)?.schema);
  if (typeof e.exceptionId !== "string" || !e.exceptionId) throw ruleError("payload.exceptionId", "required", "must be a non-empty string", e.exceptionId);
  if (!EXCEPTION_TYPES.includes(e.type)) throw ruleError("payload.type", "enum", "is not an ExceptionEvent type", e.type);
  if (!["INFO", "WARN", "CRITICAL"].includes(e.severity)) throw ruleError("payload.severity", "enum", "must be INFO, WARN or CRITICAL", e.severity);
  if (!["OPEN", "ACKNOWLEDGED", "RESOLVED", "DISMISSED"].includes(e.status)) throw ruleError("payload.status", "enum", "must be OPEN, ACKNOWLEDGED, RESOLVED or DISMISSED", e.status);
  return e;
}

/** Opens the clock for a new exception. */
export function openException(event: ExceptionEvent, rule: RouteRule, now: number): OpenException {
  const detected = Date.parse(event.detectedAt);
  const openedAt = Number.isFinite(detected) && detected <= now ? detected : now;
  return {
    exceptionId: event.exceptionId,
    team: rule.team,
    slaMinutes: rule.slaMinutes,
    openedAt,
    dueAt: rule.slaMinutes > 0 ? openedAt + Math.round(rule.slaMinutes * 60_000) : null,
    escalatedAt: null,
    event,
  };
}

export interface Closure {
  team: string;
  openedAt: string;
  resolvedAt: string;
  minutesOpen: number;
  /** Resolved before the SLA ran out (true when there was no clock). */
  withinSla: boolean;
  escalated: boolean;
}

export function closeException(open: OpenException, now: number): Closure {
  return {
    team: open.team,
    openedAt: new Date(open.openedAt).toISOString(),
    resolvedAt: new Date(now).toISOString(),
    minutesOpen: Math.round(((now - open.openedAt) / 60_000) * 100) / 100,
    withinSla: open.escalatedAt === null && (open.dueAt === null || now <= open.dueAt),
    escalated: open.escalatedAt !== null,
  };
}

export interface Escalation {
  team: string;
  openedAt: string;
  dueAt: string;
  slaMinutes: number;
  overdueMinutes: number;
}

/** The escalated state to store (no clock left) and what the escalation message says. */
export function escalate(open: OpenException, now: number): { state: OpenException; escalation: Escalation } {
  const due = open.dueAt ?? now;
  return {
    state: { ...open, dueAt: null, escalatedAt: now },
    escalation: {
      team: open.team,
      openedAt: new Date(open.openedAt).toISOString(),
      dueAt: new Date(due).toISOString(),
      slaMinutes: open.slaMinutes,
      overdueMinutes: Math.round(((now - due) / 60_000) * 100) / 100,
    },
  };
}
