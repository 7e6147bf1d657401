/**
 * Small pieces the business-rule functions share: exact decimal arithmetic on the canonical
 * Decimal strings, deterministic ids, and the ExceptionEvent envelope. No Node-RED here.
 */
import { createHash } from "node:crypto";
import type { ExceptionEvent, Reference } from "../canonical/types";
import { InputError } from "../errors";

/** A rule input that cannot be judged as it is: names the field and the rule, like InputError. */
export function ruleError(field: string, rule: string, message: string, value?: unknown): InputError {
  const shown = value === undefined ? "" : ` (got ${JSON.stringify(value)?.slice(0, 120) ?? "undefined"})`;
  return new InputError(`${field}: ${message}${shown}`, { field, rule, value });
}

const SCALE = 9;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d{1,9}))?$/;

/** "12.5" → 12500000000n (9 decimals, the canonical Decimal's precision); throws on anything else. */
export function toScaled(value: string | number, field: string): bigint {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : String(value ?? "").trim();
  const m = DECIMAL.exec(text);
  if (!m) throw ruleError(field, "decimal", "is not a decimal number with at most 9 decimals", value);
  const scaled = BigInt(`${m[2]}${(m[3] ?? "").padEnd(SCALE, "0")}`);
  return m[1] === "-" ? -scaled : scaled;
}

/** 12500000000n → "12.5". */
export function fromScaled(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(SCALE + 1, "0");
  const fraction = digits.slice(-SCALE).replace(/0+$/, "");
  const text = `${digits.slice(0, -SCALE)}${fraction ? `.${fraction}` : ""}`;
  return negative ? `-${text}` : text;
}

/** A short, stable id part from any text (ids must stay within the schemas' 128 characters). */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Keeps an id readable when short and unique (hashed tail) when it would be too long. */
export function boundedId(text: string, max = 128): string {
  return text.length <= max ? text : `${text.slice(0, max - 17)}~${shortHash(text)}`;
}

export interface NewException {
  exceptionId: string;
  type: ExceptionEvent["type"];
  severity: ExceptionEvent["severity"];
  subjectRefs: Reference[];
  correlationId: string;
  system: string;
  format: string;
  now: Date;
  expected?: ExceptionEvent["expected"];
  actual?: ExceptionEvent["actual"];
  cause?: ExceptionEvent["cause"];
  impact?: ExceptionEvent["impact"];
  relatedIds?: string[];
  causationId?: string;
}

/** A canonical ExceptionEvent (OPEN); its id and idempotency key follow from `exceptionId`, so a replay raises the same one. */
export function exceptionEvent(e: NewException): ExceptionEvent {
  const at = e.now.toISOString();
  const id = boundedId(e.exceptionId);
  return {
    schema: "exception-event/1",
    id,
    source: { system: e.system, format: e.format },
    correlationId: boundedId(e.correlationId),
    ...(e.causationId ? { causationId: boundedId(e.causationId) } : {}),
    idempotencyKey: `exception|${e.exceptionId}`.slice(0, 256),
    occurredAt: at,
    recordedAt: at,
    exceptionId: id,
    type: e.type,
    severity: e.severity,
    detectedAt: at,
    subjectRefs: e.subjectRefs.length ? e.subjectRefs.slice(0, 50) : [{ type: "OTHER", value: "unknown" }],
    ...(e.expected ? { expected: e.expected } : {}),
    ...(e.actual ? { actual: e.actual } : {}),
    ...(e.cause ? { cause: e.cause } : {}),
    ...(e.impact ? { impact: e.impact } : {}),
    ...(e.relatedIds?.length ? { relatedIds: e.relatedIds.map((r) => boundedId(r)).slice(0, 50) } : {}),
    status: "OPEN",
  };
}

/** Trims text to a schema's maxLength. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
