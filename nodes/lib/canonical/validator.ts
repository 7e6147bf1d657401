import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gs1CheckDigit, hasValidCheckDigit } from "../gs1";
import { SCHEMAS_DIR } from "./paths";

/** `inventory-movement/1` → name and major version. */
export interface SchemaRef {
  name: string;
  major: number;
}

export function parseSchemaRef(value: unknown): SchemaRef | null {
  if (typeof value !== "string") return null;
  const m = /^([a-z][a-z0-9-]*)\/(\d{1,3})$/.exec(value);
  return m ? { name: m[1]!, major: Number(m[2]) } : null;
}

export function formatSchemaRef(ref: SchemaRef): string {
  return `${ref.name}/${ref.major}`;
}

export interface FieldError {
  /** JSON Pointer of the offending field ("" for the object itself). */
  path: string;
  /** The schema rule that failed: required, pattern, enum, type, schemaVersion, ... */
  rule: string;
  message: string;
  value?: unknown;
}

/**
 * Custom keyword on the Sscc/Gtin/Gln string definitions: the GS1 mod-10 check digit must be right.
 * It judges only all-digit keys of a GS1 length and leaves anything else to "pattern", so a value
 * that is plainly malformed is reported once, by the pattern. json-schema-to-typescript ignores it.
 */
export const GS1_CHECK = "x-gs1-check";

function gs1Check(enabled: boolean, value: unknown): boolean {
  if (!enabled || typeof value !== "string" || !/^(\d{8}|\d{12,14}|\d{17,18})$/.test(value)) return true;
  return hasValidCheckDigit(value);
}

export interface ValidatorOptions {
  /**
   * "enforce" (default): a GS1 key with a wrong check digit is refused (rule x-gs1-check).
   * "ignore": for partners whose "valid" files carry bad check digits (domain §1.6), the keyword passes.
   */
  gs1CheckDigits?: "enforce" | "ignore";
}

export type ValidationResult = { ok: true; schema: SchemaRef } | { ok: false; errors: FieldError[] };

const MAX_ERRORS = 10;

function preview(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toFieldError(e: ErrorObject, root: unknown): FieldError {
  let path = e.instancePath;
  let message = e.message ?? "is invalid";
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    path = `${path}/${missing}`;
    message = "is required";
  } else if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    path = `${path}/${extra}`;
    message = "is not a field of this schema";
  } else if (e.keyword === GS1_CHECK) {
    const text = String(valueAt(root, path));
    message = `has a wrong GS1 check digit (expected ${gs1CheckDigit(text.slice(0, -1))}, got ${text.slice(-1)})`;
  } else if (e.keyword === "enum") {
    message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  const value = valueAt(root, path);
  return { path: path || "/", rule: e.keyword, message, ...(value === undefined ? {} : { value }) };
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const part of pointer.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    cur = Object.prototype.hasOwnProperty.call(cur, key) ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

/** One line an analyst can act on: `InventoryMovement /handlingUnit/sscc: must match ... (rule pattern), got "123"`. */
export function describeErrors(title: string, errors: FieldError[]): string {
  return errors
    .map((e) => `${title} ${e.path}: ${e.message} (rule ${e.rule})${"value" in e ? `, got ${preview(e.value)}` : ""}`)
    .join("; ");
}

/**
 * Compiles every schema in canonical/schemas once and validates canonical objects against the
 * version they name. Each schema file is `<name>.v<major>.json`; `common.v1.json` holds shared
 * definitions and is not an object type of its own.
 */
export class CanonicalValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly titles = new Map<string, string>();
  readonly available: SchemaRef[] = [];

  constructor(schemasDir = SCHEMAS_DIR, options: ValidatorOptions = {}) {
    this.ajv = new Ajv2020({ strict: true, strictRequired: false, strictTypes: false, allErrors: true, allowUnionTypes: false });
    addFormats(this.ajv, ["date-time", "date"]);
    const enforce = options.gs1CheckDigits !== "ignore";
    this.ajv.addKeyword({
      keyword: GS1_CHECK,
      type: "string",
      schemaType: "boolean",
      errors: false,
      validate: (enabled: boolean, value: unknown) => gs1Check(enforce && enabled, value),
    });
    for (const file of readdirSync(schemasDir).sort()) {
      const m = /^([a-z][a-z0-9-]*)\.v(\d+)\.json$/.exec(file);
      if (!m) continue;
      const schema = JSON.parse(readFileSync(join(schemasDir, file), "utf8")) as { title?: string };
      this.ajv.addSchema(schema);
      if (m[1] === "common") continue;
      const ref = { name: m[1]!, major: Number(m[2]) };
      this.available.push(ref);
      this.titles.set(formatSchemaRef(ref), schema.title ?? ref.name);
    }
  }

  title(ref: SchemaRef): string {
    return this.titles.get(formatSchemaRef(ref)) ?? ref.name;
  }

  private validatorFor(ref: SchemaRef): ValidateFunction | null {
    const key = formatSchemaRef(ref);
    let fn = this.compiled.get(key);
    if (!fn) {
      if (!this.titles.has(key)) return null;
      fn = this.ajv.getSchema(`${ref.name}.v${ref.major}.json`) ?? undefined;
      if (!fn) return null;
      this.compiled.set(key, fn);
    }
    return fn;
  }

  /**
   * Validates `value` against the schema it names in its `schema` field. With `expected`, a
   * value naming another object or another major version is refused before field checks: a v1
   * consumer must not guess at a v2 object.
   */
  validate(value: unknown, expected?: SchemaRef): ValidationResult {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { ok: false, errors: [{ path: "/", rule: "type", message: "must be a canonical object (JSON object)", value }] };
    }
    const named = (value as { schema?: unknown }).schema;
    const ref = parseSchemaRef(named);
    if (!ref) {
      return {
        ok: false,
        errors: [{ path: "/schema", rule: "schemaVersion", message: 'must name a schema and major version such as "inventory-movement/1"', value: named }],
      };
    }
    if (expected && (ref.name !== expected.name || ref.major !== expected.major)) {
      const what = ref.name === expected.name ? `version ${ref.major}` : `a ${ref.name}`;
      return {
        ok: false,
        errors: [{ path: "/schema", rule: "schemaVersion", message: `is ${what}; this step accepts ${formatSchemaRef(expected)} only`, value: named }],
      };
    }
    const fn = this.validatorFor(ref);
    if (!fn) {
      const known = this.available.map(formatSchemaRef).join(", ");
      return { ok: false, errors: [{ path: "/schema", rule: "schemaVersion", message: `names no known schema (known: ${known})`, value: named }] };
    }
    if (fn(value)) return { ok: true, schema: ref };
    const seen = new Set<string>();
    const errors = (fn.errors ?? [])
      // if/then failures repeat what the "then" branch already reported.
      .filter((e) => e.keyword !== "if")
      .map((e) => toFieldError(e, value))
      // Several if/then rules can demand the same field: say it once.
      .filter((e) => {
        const id = `${e.path}|${e.rule}|${e.message}`;
        return seen.has(id) ? false : (seen.add(id), true);
      })
      .slice(0, MAX_ERRORS);
    return { ok: false, errors };
  }
}

let shared: CanonicalValidator | null = null;
/** The process-wide validator: schemas compile once, whatever number of nodes use them. */
export function canonicalValidator(): CanonicalValidator {
  shared ??= new CanonicalValidator();
  return shared;
}
