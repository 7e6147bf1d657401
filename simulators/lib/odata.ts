/**
 * OData V2 (SAP Gateway) wire details the ERP simulator needs: `{"d":…}` envelopes,
 * `/Date(ms)/`, Edm.Decimal as strings, Edm.Time durations, key predicates and a deliberately
 * tiny `$filter` (only `Field eq 'value'` joined by `and`, which is what our adapters send, plus
 * `Field ge|gt datetimeoffset'2026-11-20T10:00:00Z'` for "changed since" polling) and a one-field
 * `$orderby`.
 */
import { SimHttpError } from "./validate";

export const odataDate = (ms: number): string => `/Date(${Math.trunc(ms)})/`;

/** Midnight UTC of the day of `ms`, which is how SAP sends Edm.DateTime date-only fields. */
export const odataDay = (ms: number): string => odataDate(Math.floor(ms / 86_400_000) * 86_400_000);

/** Accepts "/Date(1700000000000)/", "/Date(1700000000000+0000)/" or an ISO date; null if unreadable. */
export function parseODataDate(v: unknown): number | null {
  if (typeof v !== "string") return null;
  const m = /^\/Date\((-?\d{1,15})([+-]\d{4})?\)\/$/.exec(v);
  if (m?.[1]) return Number(m[1]);
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** Edm.Time as SAP sends it: PT14H05M00S. */
export function odataTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `PT${p(d.getUTCHours())}H${p(d.getUTCMinutes())}M${p(d.getUTCSeconds())}S`;
}

/** Edm.Decimal → string with a fixed scale. */
export const decimal = (n: number, scale = 3): string => n.toFixed(scale);

/** Parses an Edm.Decimal given as string (canonical) or number (lenient); null if not a number. */
export function parseDecimal(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^-?\d{1,15}(\.\d{1,6})?$/.test(v.trim())) return Number(v);
  return null;
}

export interface FilterTerm {
  field: string;
  value: string;
  /** eq compares text; ge/gt compare instants (a datetimeoffset literal against /Date(ms…)/). */
  op?: "eq" | "ge" | "gt";
}

/** `$filter=Material eq 'X' and Plant eq '1010'` → terms. Anything else is a 400, as documented. */
export function parseFilter(filter: string | null): FilterTerm[] {
  if (filter === null || filter.trim() === "") return [];
  const terms: FilterTerm[] = [];
  for (const part of filter.trim().split(/\s+and\s+/i)) {
    const since = /^\(?\s*([A-Za-z_][A-Za-z0-9_]*)\s+(ge|gt)\s+datetimeoffset'([^']+)'\s*\)?$/i.exec(part.trim());
    if (since?.[1] && since[2] && since[3] && !Number.isNaN(Date.parse(since[3]))) {
      terms.push({ field: since[1], value: since[3], op: since[2].toLowerCase() as "ge" | "gt" });
      continue;
    }
    const m = /^\(?\s*([A-Za-z_][A-Za-z0-9_]*)\s+eq\s+'((?:[^']|'')*)'\s*\)?$/.exec(part.trim());
    if (!m?.[1] || m[2] === undefined) {
      throw new SimHttpError(400, "FILTER_NOT_SUPPORTED", `$filter "${filter}" is not supported by the simulator: use Field eq 'value' terms joined by and`);
    }
    terms.push({ field: m[1], value: m[2].replace(/''/g, "'") });
  }
  return terms;
}

/** Applies $filter, $skip, $top and $inlinecount to rows; returns the V2 collection envelope. */
export function collection<T extends Record<string, unknown>>(rows: T[], query: URLSearchParams, view: (row: T) => Record<string, unknown>): { d: Record<string, unknown> } {
  const terms = parseFilter(query.get("$filter"));
  const matches = (r: T, t: FilterTerm): boolean => {
    if (!t.op || t.op === "eq") return String(r[t.field] ?? "") === t.value;
    const at = parseODataDate(r[t.field]);
    const bound = Date.parse(t.value);
    return at !== null && (t.op === "ge" ? at >= bound : at > bound);
  };
  const filtered = rows.filter((r) => terms.every((t) => matches(r, t)));
  const orderBy = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(query.get("$orderby") ?? "");
  if (query.get("$orderby") !== null && !orderBy) throw new SimHttpError(400, "ORDERBY_NOT_SUPPORTED", "$orderby takes one field, asc or desc");
  if (orderBy?.[1]) {
    const field = orderBy[1];
    const sign = orderBy[2]?.toLowerCase() === "desc" ? -1 : 1;
    const keyOf = (r: T): number | string => parseODataDate(r[field]) ?? String(r[field] ?? "");
    filtered.sort((a, b) => {
      const x = keyOf(a);
      const y = keyOf(b);
      return (x < y ? -1 : x > y ? 1 : 0) * sign;
    });
  }
  const skip = intParam(query, "$skip") ?? 0;
  const top = intParam(query, "$top");
  const page = filtered.slice(skip, top === undefined ? undefined : skip + top);
  const d: Record<string, unknown> = { results: page.map(view) };
  if (query.get("$inlinecount") === "allpages") d.__count = String(filtered.length);
  return { d };
}

function intParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new SimHttpError(400, "INVALID_QUERY", `${key} must be a non-negative integer`);
  return Number(v);
}

/** `(MaterialDocumentYear='2026',MaterialDocument='4900000001')` or `('123')` → map; null if malformed. */
export function parseKeyPredicate(inner: string): Map<string, string> | null {
  const out = new Map<string, string>();
  const single = /^'((?:[^']|'')*)'$/.exec(inner);
  if (single?.[1] !== undefined) {
    out.set("", single[1].replace(/''/g, "'"));
    return out;
  }
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'((?:[^']|'')*)'\s*(,|$)/y;
  let pos = 0;
  while (pos < inner.length) {
    re.lastIndex = pos;
    const m = re.exec(inner);
    if (!m?.[1] || m[2] === undefined) return null;
    out.set(m[1], m[2].replace(/''/g, "'"));
    pos = re.lastIndex;
  }
  return out.size ? out : null;
}

/** SAP Gateway's error envelope. */
export function odataError(code: string, message: string, details?: Record<string, unknown>): unknown {
  return {
    error: {
      code,
      message: { lang: "en", value: message },
      innererror: { application: { component_id: "SIM", service_namespace: "/SAP/", service_version: "0001" }, transactionid: "SIMULATOR", ...(details ? { errordetails: [details] } : {}) },
    },
  };
}

/** Navigation property given inline, either `{results:[…]}` or a bare array (both occur in deep inserts). */
export function inlineResults(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v !== null && typeof v === "object" && Array.isArray((v as { results?: unknown }).results)) return (v as { results: unknown[] }).results;
  return undefined;
}
