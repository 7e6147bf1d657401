/**
 * Master/reference data check (issue #6 scenario 1): the keys of a canonical object (customer,
 * item, location/plant, carrier SCAC — found by configurable JSONata paths) are looked up in
 * reference data: an inline table, a JSON file, or a system endpoint with a path template, with
 * a bounded cache. An unknown key becomes an ExceptionEvent naming the key and where it was looked
 * up. No Node-RED here: the endpoint call comes in as a function.
 */
import { readFileSync, statSync } from "node:fs";
import jsonata from "jsonata";
import type { ExceptionEvent, Reference } from "../canonical/types";
import { boundedId, clip, exceptionEvent, ruleError } from "./common";

export type SourceKind = "inline" | "file" | "endpoint";

export interface KeyCheck {
  /** What the key is, for people and exception codes: customer, item, plant, carrier, … */
  name: string;
  /** JSONata on the canonical object (msg.payload): one key or a list (`lines.sku`). */
  path: string;
  source: SourceKind;
  /** inline: the known keys (comma/newline separated, or JSON); file: its path; endpoint: a path template with {key}. */
  table: string;
  /** A missing key passes instead of being an error. */
  optional: boolean;
}

export const DEFAULT_KEY_CHECKS: readonly KeyCheck[] = [
  { name: "customer", path: 'parties[role = "SOLD_TO"].ids[scheme = "ERP_CUSTOMER"].value', source: "inline", table: "", optional: true },
  { name: "item", path: "lines.sku", source: "inline", table: "", optional: true },
];

export function parseKeyChecks(raw: unknown, field = "checks"): KeyCheck[] {
  if (!Array.isArray(raw) || raw.length === 0) throw ruleError(field, "array", "must be a non-empty array of key checks", raw);
  return raw.map((row: unknown, i): KeyCheck => {
    const r = (row ?? {}) as Record<string, unknown>;
    const at = `${field}[${i}]`;
    const name = String(r.name ?? "").trim();
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(name)) throw ruleError(`${at}.name`, "pattern", "must be a short name (customer, item, plant, carrier, …)", r.name);
    const path = String(r.path ?? "").trim();
    if (!path) throw ruleError(`${at}.path`, "required", "must be a JSONata path to the key", r.path);
    try {
      jsonata(path);
    } catch (err) {
      throw ruleError(`${at}.path`, "jsonata", `is not a JSONata expression: ${(err as Error).message}`, path);
    }
    const source = String(r.source ?? "inline");
    if (source !== "inline" && source !== "file" && source !== "endpoint") throw ruleError(`${at}.source`, "enum", "must be inline, file or endpoint", r.source);
    const table = String(r.table ?? "");
    if (source === "file" && !table.trim()) throw ruleError(`${at}.table`, "required", "a file source needs the JSON file's path", r.table);
    if (source === "endpoint" && !table.includes("{key}")) throw ruleError(`${at}.table`, "template", "an endpoint path template must contain {key}", r.table);
    if (source === "inline") parseInlineTable(table, `${at}.table`);
    return { name, path, source, table, optional: r.optional === true || r.optional === "true" };
  });
}

/** A reference table: key → its record (true when the source lists keys only). */
export type ReferenceTable = Map<string, unknown>;

/**
 * Inline or file content: a JSON array of keys, a JSON array of records with `key` or `id`, a JSON
 * object keyed by key, or (inline only) keys separated by commas or new lines.
 */
export function parseInlineTable(text: string, field: string, allowPlain = true): ReferenceTable {
  const trimmed = text.trim();
  const table: ReferenceTable = new Map();
  if (!trimmed) return table;
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      throw ruleError(field, "json", `is not valid JSON: ${(err as Error).message}`);
    }
    return tableFromJson(data, field);
  }
  if (!allowPlain) throw ruleError(field, "json", "must be a JSON array or object");
  for (const key of trimmed.split(/[\n,]/).map((k) => k.trim()).filter(Boolean)) table.set(key, true);
  return table;
}

export function tableFromJson(data: unknown, field: string): ReferenceTable {
  const table: ReferenceTable = new Map();
  if (Array.isArray(data)) {
    data.forEach((item, i) => {
      if (typeof item === "string" || typeof item === "number") table.set(String(item), true);
      else if (item && typeof item === "object" && ("key" in item || "id" in item)) table.set(String((item as { key?: unknown; id?: unknown }).key ?? (item as { id: unknown }).id), item);
      else throw ruleError(`${field}[${i}]`, "key", "must be a key or an object with key or id", item);
    });
  } else if (data && typeof data === "object") {
    for (const [k, v] of Object.entries(data)) table.set(k, v);
  } else {
    throw ruleError(field, "type", "must be a JSON array or object", data);
  }
  return table;
}

/** A JSON reference file, read again when its modification time changes (checked at most every `recheckMs`). */
export class FileTable {
  private table: ReferenceTable | null = null;
  private mtimeMs = -1;
  private checkedAt = -Infinity;

  constructor(
    readonly path: string,
    private readonly recheckMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): ReferenceTable {
    if (this.table && this.now() - this.checkedAt < this.recheckMs) return this.table;
    this.checkedAt = this.now();
    let mtime: number;
    try {
      mtime = statSync(this.path).mtimeMs;
    } catch (err) {
      throw ruleError(`reference file ${this.path}`, "readable", `cannot be read: ${(err as Error).message}`);
    }
    if (!this.table || mtime !== this.mtimeMs) {
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(this.path, "utf8"));
      } catch (err) {
        throw ruleError(`reference file ${this.path}`, "json", `is not valid JSON: ${(err as Error).message}`);
      }
      this.table = tableFromJson(data, `reference file ${this.path}`);
      this.mtimeMs = mtime;
    }
    return this.table;
  }
}

export interface CacheEntry {
  found: boolean;
  record: unknown;
  expiresAt: number;
}

/**
 * Endpoint answers by (check, key): found ones kept `ttlMs`, unknown ones at most a minute (new
 * master data shows up soon), at most `maxEntries` (least recently used go first).
 */
export class ReferenceCache {
  private readonly entries = new Map<string, CacheEntry>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(check: string, key: string): CacheEntry | undefined {
    const id = `${check}\u0000${key}`;
    const entry = this.entries.get(id);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(id);
      this.misses++;
      return undefined;
    }
    // Re-insert: Map order is the recency order the eviction reads.
    this.entries.delete(id);
    this.entries.set(id, entry);
    this.hits++;
    return entry;
  }

  set(check: string, key: string, found: boolean, record: unknown): void {
    const id = `${check}\u0000${key}`;
    this.entries.delete(id);
    this.entries.set(id, { found, record, expiresAt: this.now() + (found ? this.ttlMs : Math.min(this.ttlMs, 60_000)) });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** `/A_Customer('{key}')` → `/A_Customer('C%27%27D')`: OData quotes doubled, then URL-encoded. */
export function fillTemplate(template: string, key: string): string {
  return template.split("{key}").join(encodeURIComponent(key.replace(/'/g, "''")));
}

/** An OData/JSON answer that is an empty collection means "not found" too (a $filter query). */
export function isEmptyCollection(data: unknown): boolean {
  if (Array.isArray(data)) return data.length === 0;
  const d = data as { d?: { results?: unknown }; value?: unknown } | null;
  if (d && typeof d === "object") {
    if (Array.isArray(d.d?.results)) return d.d.results.length === 0;
    if (Array.isArray(d.value)) return d.value.length === 0;
  }
  return false;
}

/** Keys found at a check's path: strings and numbers, de-duplicated, in order. */
export async function keysAt(payload: unknown, check: KeyCheck, compiled: jsonata.Expression): Promise<string[]> {
  const value: unknown = await compiled.evaluate(payload);
  const flat = (Array.isArray(value) ? value.flat(Infinity) : value === undefined ? [] : [value]) as unknown[];
  const out: string[] = [];
  for (const v of flat) {
    if (v === null || v === undefined || v === "") continue;
    if (typeof v !== "string" && typeof v !== "number") throw ruleError(`payload ${check.name} key (${check.path})`, "type", "must be a string or number", v);
    if (!out.includes(String(v))) out.push(String(v));
  }
  return out;
}

export interface KeyResult {
  check: string;
  key: string;
  found: boolean;
  /** Where it was looked up: "inline table", "file /path", "ERP GET /sap/…('C999')". */
  where: string;
  record?: unknown;
  cached?: boolean;
}

/** One ExceptionEvent per unknown key; the id follows from object, check and key, so a replay raises the same one. */
export function unknownKeyException(payload: unknown, result: KeyResult, now: Date): ExceptionEvent {
  const p = (payload ?? {}) as { id?: string; correlationId?: string; orderId?: string; shipmentId?: string; schema?: string; source?: { system?: string } };
  const refs: Reference[] = [];
  if (p.orderId) refs.push({ type: "SO", value: clip(p.orderId, 64) });
  if (p.shipmentId) refs.push({ type: "SHIPMENT", value: clip(p.shipmentId, 64) });
  if (!refs.length && p.id) refs.push({ type: "OBJECT", value: clip(p.id, 64) });
  const code = `UNKNOWN_${result.check.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
  return exceptionEvent({
    exceptionId: `MASTER_DATA|${p.id ?? "?"}|${result.check}|${result.key}`,
    type: "OTHER",
    severity: "WARN",
    subjectRefs: refs,
    correlationId: p.correlationId ?? p.id ?? "unknown",
    ...(p.id ? { causationId: p.id } : {}),
    system: "LSYNC",
    format: "MASTER_DATA_CHECK",
    now,
    expected: { text: clip(`a ${result.check} known in ${result.where}`, 256) },
    actual: { text: clip(`${result.check} ${result.key}`, 256) },
    cause: { scheme: "LSYNC-MASTER-DATA", code: clip(code, 35), text: clip(`${result.check} "${result.key}" is not in the reference data (${result.where})`, 256) },
    ...(p.id ? { relatedIds: [boundedId(p.id)] } : {}),
  });
}

/** What the checker needs from a system endpoint (the lsync-endpoint client's call, narrowed). */
export type EndpointGet = (path: string) => Promise<{ ok: true; status: number; data: unknown } | { ok: false; status: number | null; error: string }>;

export interface CheckerOptions {
  checks: KeyCheck[];
  cacheTtlMs: number;
  cacheSize: number;
  /** The endpoint's GET and its name for messages ("ERP"); needed when a check uses the endpoint source. */
  endpoint?: { get: EndpointGet; name: string } | null;
  now?: () => number;
}

/**
 * Checks every configured key of one object. Inline tables are parsed once, files re-read when
 * they change, endpoint answers cached. An endpoint that fails (network, 5xx, auth) is an error,
 * never "unknown": the key may well exist.
 */
export class MasterDataChecker {
  readonly cache: ReferenceCache;
  private readonly compiled: jsonata.Expression[];
  private readonly inline = new Map<number, ReferenceTable>();
  private readonly files = new Map<number, FileTable>();

  constructor(private readonly options: CheckerOptions) {
    const now = options.now ?? Date.now;
    this.cache = new ReferenceCache(options.cacheTtlMs, options.cacheSize, now);
    this.compiled = options.checks.map((c) => jsonata(c.path));
    options.checks.forEach((c, i) => {
      if (c.source === "inline") this.inline.set(i, parseInlineTable(c.table, `checks[${i}].table`));
      if (c.source === "file") this.files.set(i, new FileTable(c.table.trim(), options.cacheTtlMs, now));
      if (c.source === "endpoint" && !options.endpoint) throw ruleError(`checks[${i}].source`, "endpoint", `${c.name} is looked up on an endpoint, but no endpoint is configured`);
    });
  }

  async check(payload: unknown): Promise<KeyResult[]> {
    const results: KeyResult[] = [];
    for (const [i, check] of this.options.checks.entries()) {
      const keys = await keysAt(payload, check, this.compiled[i]!);
      if (keys.length === 0) {
        if (check.optional) continue;
        throw ruleError(`payload ${check.name} key (${check.path})`, "required", "is missing");
      }
      for (const key of keys) results.push(await this.lookup(i, check, key));
    }
    return results;
  }

  private async lookup(i: number, check: KeyCheck, key: string): Promise<KeyResult> {
    if (check.source === "inline") {
      const table = this.inline.get(i)!;
      return { check: check.name, key, found: table.has(key), where: "the inline table", ...(table.has(key) ? { record: table.get(key) } : {}) };
    }
    if (check.source === "file") {
      const file = this.files.get(i)!;
      const table = file.get();
      return { check: check.name, key, found: table.has(key), where: `file ${file.path}`, ...(table.has(key) ? { record: table.get(key) } : {}) };
    }
    const endpoint = this.options.endpoint!;
    const path = fillTemplate(check.table.trim(), key);
    const where = `${endpoint.name} GET ${path}`;
    const hit = this.cache.get(check.name, key);
    if (hit) return { check: check.name, key, found: hit.found, where, cached: true, ...(hit.found ? { record: hit.record } : {}) };
    const outcome = await endpoint.get(path);
    if (outcome.ok && !isEmptyCollection(outcome.data)) {
      this.cache.set(check.name, key, true, outcome.data);
      return { check: check.name, key, found: true, where, record: outcome.data };
    }
    if (outcome.ok || outcome.status === 404) {
      this.cache.set(check.name, key, false, null);
      return { check: check.name, key, found: false, where };
    }
    throw new Error(`${check.name} ${key}: ${where} failed (${outcome.status ?? "no answer"}): ${outcome.error}; the key is neither known nor unknown, try again`);
  }
}
