/**
 * Small input checks for handlers. A simulator must answer hostile input with a 4xx naming the
 * problem, never crash: handlers throw SimHttpError and the server turns it into the reply.
 */

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "SimHttpError";
  }
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function asObject(v: unknown, what = "body"): Json {
  if (!isObject(v)) throw new SimHttpError(400, "INVALID_BODY", `${what} must be a JSON object`);
  return v;
}

interface StringRule {
  max?: number;
  pattern?: RegExp;
  what?: string;
}

export function optString(o: Json, key: string, rule: StringRule = {}): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const name = rule.what ?? key;
  if (typeof v !== "string") throw new SimHttpError(400, "INVALID_FIELD", `${name} must be a string`, { field: key });
  if (v.length > (rule.max ?? 256)) throw new SimHttpError(400, "INVALID_FIELD", `${name} is longer than ${rule.max ?? 256} characters`, { field: key });
  if (rule.pattern && !rule.pattern.test(v)) throw new SimHttpError(400, "INVALID_FIELD", `${name} does not match ${rule.pattern}`, { field: key });
  return v;
}

export function reqString(o: Json, key: string, rule: StringRule = {}): string {
  const v = optString(o, key, rule);
  if (v === undefined || v === "") throw new SimHttpError(400, "MISSING_FIELD", `${rule.what ?? key} is required`, { field: key });
  return v;
}

interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
  what?: string;
}

export function optNumber(o: Json, key: string, rule: NumberRule = {}): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  const name = rule.what ?? key;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new SimHttpError(400, "INVALID_FIELD", `${name} must be a finite number`, { field: key });
  if (rule.integer && !Number.isInteger(v)) throw new SimHttpError(400, "INVALID_FIELD", `${name} must be an integer`, { field: key });
  if (rule.min !== undefined && v < rule.min) throw new SimHttpError(400, "INVALID_FIELD", `${name} must be >= ${rule.min}`, { field: key });
  if (rule.max !== undefined && v > rule.max) throw new SimHttpError(400, "INVALID_FIELD", `${name} must be <= ${rule.max}`, { field: key });
  return v;
}

export function reqNumber(o: Json, key: string, rule: NumberRule = {}): number {
  const v = optNumber(o, key, rule);
  if (v === undefined) throw new SimHttpError(400, "MISSING_FIELD", `${rule.what ?? key} is required`, { field: key });
  return v;
}

/** ISO 8601 date-time that carries a zone (Z or ±hh:mm / ±hhmm): naive times are ambiguous. */
export const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function optIsoDateTime(o: Json, key: string): string | undefined {
  const v = optString(o, key, { max: 40 });
  if (v === undefined) return undefined;
  if (!ISO_WITH_ZONE.test(v) || Number.isNaN(Date.parse(v))) {
    throw new SimHttpError(400, "INVALID_FIELD", `${key} must be an ISO 8601 date-time with offset, got "${v}"`, { field: key });
  }
  return v;
}

/** Parses a positive integer query parameter; absent → undefined. */
export function queryInt(q: URLSearchParams, key: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) > max) throw new SimHttpError(400, "INVALID_QUERY", `${key} must be a non-negative integer <= ${max}`);
  return Number(v);
}
