/**
 * Masking of financial and personal fields for people who may not see them: dead-letter views,
 * logs, trace and event-log reads check the reader's permission (`lsync-finance.read`) and, without
 * it, show `maskPayload(value, rules)` instead of the value. Plain functions, no Node-RED.
 *
 * Rules name what to mask in two ways (both case-insensitive on names):
 * - `fields`: a key name masked wherever it appears, at any depth (`amountMinor`, `email`);
 * - `paths`: a path from the value's root, `.`-separated, `*` or `[*]` for any key or item,
 *   `[2]` for an item, an optional leading `$.` (`$.parties[*].name`, `charges.*.rate`).
 * A masked value keeps its key (so the reader sees that something is there) and becomes `***`,
 * whatever it was: a number, a string, or a whole object such as a Money.
 */

export const MASK = "***";

export interface MaskingRules {
  fields: readonly string[];
  paths: readonly string[];
}

/** Money and personal fields of the canonical objects (canonical/schemas). */
export const DEFAULT_MASKING: MaskingRules = {
  fields: ["amount", "amountMinor", "netAmount", "totalAmount", "unitPrice", "price", "cost", "costImpact", "rate", "email", "phone", "address", "iban", "bankAccount", "taxId"],
  paths: ["$.parties[*].name", "$.contact", "$.payload.parties[*].name"],
};

/** A path as segments: `$.parties[*].name` → ["parties", "*", "name"]. */
export function parsePath(path: string): string[] {
  const body = path.trim().replace(/^\$\.?/, "");
  if (!body) throw new Error(`masking path "${path}" names nothing`);
  const segments = body
    .replace(/\[(\*|\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "");
  if (segments.length === 0) throw new Error(`masking path "${path}" names nothing`);
  return segments.map((s) => s.toLowerCase());
}

/**
 * Rules from a setting: `{ fields, paths }` (arrays or comma-separated strings). Missing parts take
 * the defaults; `false` or `"none"` turns masking off. Throws naming the bad entry.
 */
export function maskingRules(setting: unknown): MaskingRules {
  if (setting === false || setting === "none") return { fields: [], paths: [] };
  if (setting === undefined || setting === null || setting === "") return DEFAULT_MASKING;
  if (typeof setting !== "object" || Array.isArray(setting)) throw new Error("masking setting must be { fields, paths }");
  const s = setting as { fields?: unknown; paths?: unknown };
  const list = (v: unknown, name: string, fallback: readonly string[]): string[] => {
    if (v === undefined) return [...fallback];
    const items = typeof v === "string" ? v.split(",") : v;
    if (!Array.isArray(items) || !items.every((x) => typeof x === "string")) throw new Error(`masking ${name} must be a list of strings`);
    return items.map((x: string) => x.trim()).filter(Boolean);
  };
  const rules = { fields: list(s.fields, "fields", DEFAULT_MASKING.fields), paths: list(s.paths, "paths", DEFAULT_MASKING.paths) };
  rules.paths.forEach(parsePath); // fail early on a path that names nothing
  return rules;
}

/** Compiled once per rules object: lower-cased field names and parsed paths. */
interface Compiled {
  fields: Set<string>;
  paths: string[][];
}
const compiledCache = new WeakMap<MaskingRules, Compiled>();
function compile(rules: MaskingRules): Compiled {
  let c = compiledCache.get(rules);
  if (!c) {
    c = { fields: new Set(rules.fields.map((f) => f.toLowerCase())), paths: rules.paths.map(parsePath) };
    compiledCache.set(rules, c);
  }
  return c;
}

/** Whether the path from the root (lower-cased keys, array indexes as digits) is one the rules name. */
function pathMatches(paths: string[][], at: string[]): boolean {
  return paths.some((p) => p.length === at.length && p.every((seg, i) => seg === "*" || seg === at[i]));
}

const MAX_DEPTH = 100;

/**
 * A masked copy of a JSON-like value; the input is not changed. Values nested deeper than 100
 * levels, and cycles, are replaced by `***` too: what cannot be checked is not shown.
 * Keys like `__proto__` stay plain own properties of the copy.
 *
 * Payloads often arrive as text (a raw MQTT or webhook body, kept as received): a string that is
 * a JSON document is parsed, masked and written back as JSON; any other string gets `maskText`.
 */
export function maskPayload(value: unknown, rules: MaskingRules = DEFAULT_MASKING): unknown {
  const { fields, paths } = compile(rules);
  if (fields.size === 0 && paths.length === 0) return value;
  if (typeof value === "string") return maskJsonText(value, rules);
  const seen = new WeakSet<object>();
  const walk = (v: unknown, at: string[]): unknown => {
    if (typeof v === "string") return maskText(v, rules);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v) || at.length > MAX_DEPTH) return MASK;
    seen.add(v);
    const child = (key: string, x: unknown): unknown => {
      const here = [...at, key.toLowerCase()];
      if (fields.has(key.toLowerCase()) || pathMatches(paths, here)) return x === undefined ? x : MASK;
      return walk(x, here);
    };
    if (Array.isArray(v)) return v.map((x, i) => child(String(i), x));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, { value: child(k, x), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, []);
}

/** A JSON document as text, masked and written back; other text through `maskText`. */
function maskJsonText(text: string, rules: MaskingRules): string {
  const start = text.trimStart()[0];
  if (start === "{" || start === "[") {
    try {
      return JSON.stringify(maskPayload(JSON.parse(text) as unknown, rules));
    } catch {
      // truncated or not JSON after all: mask what the text pattern finds
    }
  }
  return maskText(text, rules);
}

/**
 * For text (log lines): masks `"field": value` pairs of the configured field names in JSON-ish
 * text. Paths need structure, so they apply to values, not to text.
 */
export function maskText(text: string, rules: MaskingRules = DEFAULT_MASKING): string {
  const { fields } = compile(rules);
  if (fields.size === 0) return text;
  const names = [...fields].map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const pair = new RegExp(`("(?:${names})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*|\\{[^{}]*\\}|\\[[^\\[\\]]*\\]|true|false|null)`, "gi");
  return text.replace(pair, `$1"${MASK}"`);
}

/** The permission that lets a user see what the rules above mask. */
export const FINANCE_READ = "lsync-finance.read";

/**
 * Whether a user may see masked fields, from the scope Node-RED's adminAuth gave them
 * (`req.authInfo.scope`): "*" or an explicit "lsync-finance.read". A plain "read" scope does NOT
 * count (Node-RED would let it read every `*.read` route): viewers see timelines, not money.
 * Without adminAuth (`authEnabled` false) everyone may.
 */
export function mayReadFinance(scope: unknown, authEnabled: boolean): boolean {
  if (!authEnabled) return true;
  const scopes = Array.isArray(scope) ? scope : [scope];
  return scopes.some((s) => s === "*" || s === FINANCE_READ);
}
