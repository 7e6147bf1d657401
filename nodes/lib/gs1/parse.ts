/**
 * GS1 element string decoder for GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar and GS1 DotCode
 * scans, and for the human-readable bracketed form `(01)…(10)…`.
 *
 * Design notes (why it is built this way):
 * - It never throws, whatever the input: a scanner path must turn bad data into a message, not a
 *   crash. Errors carry position, AI, rule and a message naming the offending value.
 * - A variable-length field ends at GS (FNC1, or a configured substitute) or at the end of the data.
 *   A field longer than its maximum is an error, never truncated or run on into the next AI: that is
 *   what a scanner stripping GS produces (domain.md §3.1).
 * - Ambiguity policy: when NO separator occurs anywhere in a raw scan, the last variable-length field
 *   may have swallowed further elements (`10LOT117261231` = batch "LOT117261231", or batch "LOT1" +
 *   expiry 2026-12-31). We flag it only when the alternative reading is itself fully valid (formats,
 *   check digits, dates, no conflicting duplicates, pairing rules), which keeps false alarms rare.
 *   Default is a warning (`ambiguous: true`), because a correctly configured scanner legitimately
 *   sends no GS when the only variable-length field is last, and rejecting would refuse good labels;
 *   set `onAmbiguous: "error"` for devices known to strip GS.
 * - Dates are calendar strings, measures decimal strings: no `Date`, no binary floating point.
 * - Hot path: tables are precomputed at module load, characters are classified with lookup tables,
 *   no regular expressions run per scan.
 */
import { AI_LENGTH_BY_PREFIX, lookupAi, matchesPattern, type AiDefinition, type Component } from "./ai-table";
import { checkDigitOfRange, gmnCheckCharacters, isValidIban, CSET82 } from "./check-digit";
import { parseHhmm, parseTwoDigits, parseYymmdd } from "./dates";
import type {
  Gs1Element,
  Gs1FieldName,
  Gs1Fields,
  Gs1Issue,
  Gs1MeasureField,
  Gs1NumberField,
  Gs1StringField,
  Gs1Symbology,
  ParseOptions,
  ParseResult,
} from "./types";

const GS = 0x1d;
const DEFAULT_MAX_INPUT = 4096;
/** Enough to explain any real label; stops pathological input from building huge error lists. */
const MAX_ISSUES = 20;

const SYMBOLOGIES: ReadonlyMap<string, Gs1Symbology> = new Map([
  ["]C1", "GS1-128"],
  ["]d2", "GS1 DataMatrix"],
  ["]Q3", "GS1 QR Code"],
  ["]e0", "GS1 DataBar"],
  ["]J1", "GS1 DotCode"],
]);

// Character classes for ASCII, one bit per set: 1 = CSET 82, 2 = CSET 39, 4 = base64url.
const CLASS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (let i = 0; i < CSET82.length; i++) t[CSET82.charCodeAt(i)]! |= 1;
  const cset39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (let i = 0; i < cset39.length; i++) t[cset39.charCodeAt(i)]! |= 2;
  const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < b64.length; i++) t[b64.charCodeAt(i)]! |= 4;
  return t;
})();

const CHARSET_NAME = { N: "digits", X: "GS1 character set 82", Y: "GS1 character set 39", Z: "base64url" } as const;
const CHARSET_BIT = { N: 0, X: 1, Y: 2, Z: 4 } as const;

interface Config {
  readonly substitutes: readonly string[];
  /** Bit set of the first char codes (mod 128) of the substitutes, to skip `startsWith` mostly. */
  readonly substituteFirst: Uint8Array;
  readonly now: Date | undefined;
  readonly checkAssociations: boolean;
  readonly onAmbiguous: "warn" | "error" | "ignore";
  readonly maxInputLength: number;
}

interface Ctx {
  readonly input: string;
  readonly cfg: Config;
  readonly currentYear: number;
  readonly issues: Gs1Issue[];
}

/** An element plus what the parser needs to re-examine it. */
interface Parsed {
  readonly el: Gs1Element;
  readonly def: AiDefinition;
  readonly valueStart: number;
}

function makeConfig(options: ParseOptions | undefined): Config {
  const o = options ?? {};
  const subs = Array.isArray(o.gsSubstitutes)
    ? o.gsSubstitutes.filter((s): s is string => typeof s === "string" && s.length > 0)
    : [];
  // Longest first, so "<GS>" wins over a configured "<".
  subs.sort((a, b) => b.length - a.length);
  const first = new Uint8Array(128);
  for (const s of subs) first[s.charCodeAt(0) & 127] = 1;
  const max = o.maxInputLength;
  return {
    substitutes: subs,
    substituteFirst: first,
    now: o.now instanceof Date && !Number.isNaN(o.now.getTime()) ? o.now : undefined,
    checkAssociations: o.checkAssociations !== false,
    onAmbiguous: o.onAmbiguous === "error" || o.onAmbiguous === "ignore" ? o.onAmbiguous : "warn",
    maxInputLength: typeof max === "number" && max > 0 ? max : DEFAULT_MAX_INPUT,
  };
}

/**
 * Decodes one GS1 element string. Never throws.
 *
 * @example
 * parseElementString("]C10010614141123456789702106141410004153712\u001d10LOT42A")
 */
export function parseElementString(input: string, options?: ParseOptions): ParseResult {
  try {
    return run(input, makeConfig(options));
  } catch (err) {
    // Not expected to happen; the guarantee "never throws" is worth this belt and braces.
    return {
      ok: false,
      symbology: null,
      errors: [{ position: 0, rule: "internal", message: `internal parser error: ${String(err)}` }],
    };
  }
}

/**
 * A parser bound to one device's options (GS substitutes etc.), prepared once: the form to use on a
 * scanner path.
 */
export function createElementStringParser(options?: ParseOptions): (input: string) => ParseResult {
  const cfg = makeConfig(options);
  return (input: string): ParseResult => {
    try {
      return run(input, cfg);
    } catch (err) {
      return {
        ok: false,
        symbology: null,
        errors: [{ position: 0, rule: "internal", message: `internal parser error: ${String(err)}` }],
      };
    }
  };
}

function run(input: unknown, cfg: Config): ParseResult {
  if (typeof input !== "string") {
    return fail(null, [{ position: 0, rule: "input", message: `input must be a string, got ${typeof input}` }]);
  }
  if (input.length > cfg.maxInputLength) {
    return fail(null, [
      {
        position: cfg.maxInputLength,
        rule: "input-too-long",
        message: `input is ${input.length} characters long, the maximum is ${cfg.maxInputLength}`,
      },
    ]);
  }
  // Keyboard-wedge scanners usually end a scan with Enter: not part of the data.
  let end = input.length;
  while (end > 0 && (input.charCodeAt(end - 1) === 0x0a || input.charCodeAt(end - 1) === 0x0d)) end--;
  if (end === 0) return fail(null, [{ position: 0, rule: "empty", message: "input is empty" }]);

  let pos = 0;
  let symbology: Gs1Symbology | null = null;
  if (input.charCodeAt(0) === 0x5d /* ] */) {
    const id = input.slice(0, 3);
    const sym = SYMBOLOGIES.get(id);
    if (sym === undefined) {
      return fail(null, [
        {
          position: 0,
          rule: "symbology",
          message: `symbology identifier "${show(id)}" is not a GS1 element string symbology (expected ]C1, ]d2, ]Q3, ]e0 or ]J1)`,
        },
      ]);
    }
    symbology = sym;
    pos = 3;
  }

  const ctx: Ctx = {
    input,
    cfg,
    currentYear: (cfg.now ?? new Date()).getUTCFullYear(),
    issues: [],
  };

  // A leading FNC1 sent as GS (devices configured without symbology identifier do this).
  let sawSeparator = false;
  const lead = sepLen(ctx, pos, end);
  if (lead > 0) {
    pos += lead;
    sawSeparator = true;
  }
  if (pos >= end) {
    return fail(symbology, [
      { position: pos, rule: "empty", message: "no element string after the symbology identifier" },
    ]);
  }

  let parsed: Parsed[];
  let form: "raw" | "bracketed";
  if (input.charCodeAt(pos) === 0x28 /* ( */) {
    form = "bracketed";
    parsed = scanBracketed(ctx, pos, end);
  } else {
    form = "raw";
    const r = scanRaw(ctx, pos, end);
    parsed = r.parsed;
    sawSeparator ||= r.sawSeparator;
  }

  const warnings: Gs1Issue[] = [];
  const elements: Gs1Element[] = [];
  const byAi: Record<string, Gs1Element> = {};
  for (const p of parsed) {
    const prev = byAi[p.el.ai];
    if (prev === undefined) {
      byAi[p.el.ai] = p.el;
      elements.push(p.el);
    } else if (prev.raw === p.el.raw) {
      warnings.push({
        position: p.el.position,
        ai: p.el.ai,
        rule: "duplicate",
        message: `${label(p.def, p.el.raw)}: repeated with the same value; the repeat is ignored`,
      });
    } else {
      addIssue(
        ctx,
        p.el.position,
        p.el.ai,
        "duplicate",
        `${label(p.def, p.el.raw)}: AI (${p.el.ai}) already occurred with a different value "${show(prev.raw)}"`,
      );
    }
  }

  if (ctx.issues.length === 0 && cfg.checkAssociations) {
    for (const issue of checkAssociations(elements)) addIssue(ctx, issue.position, issue.ai, issue.rule, issue.message);
  }

  let ambiguous = false;
  if (ctx.issues.length === 0 && form === "raw" && !sawSeparator && cfg.onAmbiguous !== "ignore") {
    const issue = findAmbiguity(ctx, parsed, end);
    if (issue !== null) {
      ambiguous = true;
      if (cfg.onAmbiguous === "error") ctx.issues.push(issue);
      else warnings.push(issue);
    }
  }

  if (ctx.issues.length > 0) return fail(symbology, ctx.issues);
  return { ok: true, symbology, form, elements, byAi, fields: buildFields(parsed), ambiguous, warnings };
}

function fail(symbology: Gs1Symbology | null, errors: Gs1Issue[]): ParseResult {
  return { ok: false, symbology, errors };
}

function addIssue(ctx: Ctx, position: number, ai: string | undefined, rule: string, message: string): void {
  if (ctx.issues.length >= MAX_ISSUES) return;
  ctx.issues.push(ai === undefined ? { position, rule, message } : { position, ai, rule, message });
}

/** Length of the separator (GS or a configured substitute) at `i`, 0 if none. */
function sepLen(ctx: Ctx, i: number, end: number): number {
  if (i >= end) return 0;
  const c = ctx.input.charCodeAt(i);
  if (c === GS) return 1;
  const subs = ctx.cfg.substitutes;
  if (subs.length === 0 || ctx.cfg.substituteFirst[c & 127] === 0) return 0;
  for (const s of subs) {
    if (i + s.length <= end && ctx.input.startsWith(s, i)) return s.length;
  }
  return 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// ---------------------------------------------------------------------------------------------
// Raw (scanned) form

function scanRaw(ctx: Ctx, start: number, end: number): { parsed: Parsed[]; sawSeparator: boolean } {
  const { input } = ctx;
  const parsed: Parsed[] = [];
  let sawSeparator = false;
  let pos = start;
  while (pos < end && ctx.issues.length < MAX_ISSUES) {
    const sl = sepLen(ctx, pos, end);
    if (sl > 0) {
      // A GS after a pre-defined-length field, or a trailing one, is allowed and harmless.
      sawSeparator = true;
      pos += sl;
      continue;
    }
    const c0 = input.charCodeAt(pos);
    const c1 = pos + 1 < end ? input.charCodeAt(pos + 1) : -1;
    if (!isDigit(c0) || !isDigit(c1)) {
      const found = isDigit(c0) ? input.slice(pos, pos + 2) : charAt(input, pos);
      addIssue(
        ctx,
        pos,
        undefined,
        "ai-syntax",
        `expected an AI (2 to 4 digits) at position ${pos}, found "${show(found)}"`,
      );
      break;
    }
    const aiLen = AI_LENGTH_BY_PREFIX[(c0 - 48) * 10 + (c1 - 48)]!;
    if (aiLen === 0) {
      addIssue(
        ctx,
        pos,
        undefined,
        "unknown-ai",
        `unknown AI at position ${pos}: no GS1 Application Identifier starts with "${input.slice(pos, pos + 2)}"`,
      );
      break;
    }
    if (pos + aiLen > end) {
      addIssue(
        ctx,
        pos,
        undefined,
        "truncated",
        `data ends inside an AI at position ${pos}: "${show(input.slice(pos, end))}"`,
      );
      break;
    }
    let aiOk = true;
    for (let i = pos + 2; i < pos + aiLen; i++) if (!isDigit(input.charCodeAt(i))) aiOk = false;
    const ai = input.slice(pos, pos + aiLen);
    if (!aiOk) {
      addIssue(
        ctx,
        pos,
        undefined,
        "ai-syntax",
        `expected a ${aiLen}-digit AI at position ${pos}, found "${show(ai)}"`,
      );
      break;
    }
    const def = lookupAi(ai);
    if (def === undefined) {
      addIssue(ctx, pos, ai, "unknown-ai", `AI (${ai}) at position ${pos} is not a known GS1 Application Identifier`);
      break;
    }
    const valueStart = pos + aiLen;
    let valueEnd: number;
    if (def.predefinedLength) {
      // Pre-defined length: exactly maxLength characters, no separator needed or allowed inside.
      valueEnd = valueStart + def.maxLength;
      let cut = -1;
      for (let i = valueStart; i < Math.min(valueEnd, end); i++) {
        if (sepLen(ctx, i, end) > 0) {
          cut = i;
          break;
        }
      }
      if (valueEnd > end || cut >= 0) {
        const got = input.slice(valueStart, cut >= 0 ? cut : end);
        addIssue(
          ctx,
          pos,
          ai,
          "truncated",
          `${label(def, got)}: truncated, has ${got.length} of ${def.maxLength} characters`,
        );
        break;
      }
    } else {
      valueEnd = valueStart;
      while (valueEnd < end && sepLen(ctx, valueEnd, end) === 0) valueEnd++;
    }
    const el = decodeValue(ctx, def, input.slice(valueStart, valueEnd), valueStart, pos, "raw");
    if (el !== null) parsed.push({ el, def, valueStart });
    pos = valueEnd;
  }
  return { parsed, sawSeparator };
}

// ---------------------------------------------------------------------------------------------
// Bracketed (human-readable) form: "(01)09506000134352(17)261231(10)ABC".
// A "(" starts the next AI only when followed by 2-4 digits and ")"; "\(" is a literal "(" (the
// GS1 Syntax Engine convention), since CSET 82 allows parentheses inside values.

function aiOpeningAt(input: string, i: number, end: number): number {
  if (input.charCodeAt(i) !== 0x28) return 0;
  let j = i + 1;
  while (j < end && j - i - 1 < 4 && isDigit(input.charCodeAt(j))) j++;
  const n = j - i - 1;
  return n >= 2 && j < end && input.charCodeAt(j) === 0x29 ? n : 0;
}

function scanBracketed(ctx: Ctx, start: number, end: number): Parsed[] {
  const { input } = ctx;
  const parsed: Parsed[] = [];
  let pos = start;
  while (pos < end && ctx.issues.length < MAX_ISSUES) {
    const n = aiOpeningAt(input, pos, end);
    if (n === 0) {
      addIssue(
        ctx,
        pos,
        undefined,
        "ai-syntax",
        `expected "(AI)" with 2 to 4 digits at position ${pos}, found "${show(input.slice(pos, pos + 6))}"`,
      );
      break;
    }
    const ai = input.slice(pos + 1, pos + 1 + n);
    let valueStart = pos + n + 2;
    // Find the next AI opening that is not escaped.
    let next = valueStart;
    let escaped = false;
    while (next < end) {
      const c = input.charCodeAt(next);
      if (c === 0x5c /* \ */ && input.charCodeAt(next + 1) === 0x28) {
        escaped = true;
        next += 2;
        continue;
      }
      if (c === 0x28 && aiOpeningAt(input, next, end) > 0) break;
      next++;
    }
    // Spaces and separators between elements are layout, not data (CSET 82 has neither).
    let valueEnd = next;
    while (valueStart < valueEnd && input.charCodeAt(valueStart) === 0x20) valueStart++;
    while (
      valueEnd > valueStart &&
      (input.charCodeAt(valueEnd - 1) === 0x20 || sepLen(ctx, valueEnd - 1, valueEnd) > 0)
    )
      valueEnd--;
    let value = input.slice(valueStart, valueEnd);
    if (escaped) value = value.split("\\(").join("(");
    const def = lookupAi(ai);
    if (def === undefined) {
      addIssue(ctx, pos, ai, "unknown-ai", `AI (${ai}) at position ${pos} is not a known GS1 Application Identifier`);
    } else {
      const el = decodeValue(ctx, def, value, valueStart, pos, "bracketed");
      if (el !== null) parsed.push({ el, def, valueStart });
    }
    pos = next;
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Field validation and typing

/** `AI (00) SSCC "106141411234567890"`: the start of every message about an element. */
function label(def: AiDefinition, value: string): string {
  return `AI (${def.ai}) ${def.title} "${show(value)}"`;
}

interface Slice {
  readonly comp: Component;
  readonly start: number; // offset in value
  readonly end: number;
}

/**
 * Validates `value` against `def` and returns the typed element, or null after recording issues.
 * `valueStart` is the input index of the value, for error positions.
 */
function decodeValue(
  ctx: Ctx,
  def: AiDefinition,
  value: string,
  valueStart: number,
  aiPos: number,
  form: "raw" | "bracketed",
): Gs1Element | null {
  const ai = def.ai;
  const len = value.length;
  if (len > def.maxLength) {
    const hint = form === "raw" && !def.predefinedLength ? " (is a GS separator missing?)" : "";
    addIssue(
      ctx,
      valueStart + def.maxLength,
      ai,
      "too-long",
      `${label(def, value)}: ${len} characters, the maximum is ${def.maxLength}${hint}`,
    );
    return null;
  }
  if (len < def.minLength) {
    const what = len === 0 ? "is empty" : `${len} characters, the minimum is ${def.minLength}`;
    addIssue(ctx, aiPos, ai, "too-short", `${label(def, value)}: ${what}`);
    return null;
  }

  // Split into components. Only the last component can be variable-length, and optional ones come
  // last, so a single left-to-right pass is enough.
  const slices: Slice[] = [];
  let off = 0;
  for (let ci = 0; ci < def.components.length; ci++) {
    const comp = def.components[ci]!;
    const remaining = len - off;
    if (remaining === 0 && comp.optional) break;
    const take = comp.min === comp.max ? comp.max : Math.min(remaining, comp.max);
    if (remaining < comp.min || take > remaining) {
      const need = comp.min === comp.max ? `${comp.min}` : `at least ${comp.min}`;
      addIssue(
        ctx,
        valueStart + off,
        ai,
        "too-short",
        `${label(def, value)}: part ${ci + 1} needs ${need} characters at offset ${off}, only ${remaining} left`,
      );
      return null;
    }
    slices.push({ comp, start: off, end: off + take });
    off += take;
  }
  if (off < len) {
    addIssue(
      ctx,
      valueStart + off,
      ai,
      "too-long",
      `${label(def, value)}: ${len - off} unexpected characters after offset ${off}`,
    );
    return null;
  }

  // Character sets.
  for (const s of slices) {
    const cs = s.comp.charset;
    for (let i = s.start; i < s.end; i++) {
      const c = value.charCodeAt(i);
      const ok = cs === "N" ? isDigit(c) : c < 128 && (CLASS[c]! & CHARSET_BIT[cs]) !== 0;
      if (!ok) {
        const what = cs === "N" ? "must be digits only" : `must use ${CHARSET_NAME[cs]}`;
        addIssue(
          ctx,
          valueStart + i,
          ai,
          "charset",
          `${label(def, value)}: ${what}, found "${show(charAt(value, i))}" at offset ${i}`,
        );
        return null;
      }
    }
  }

  // Content rules ("linters"). They also collect the pieces the typing step needs.
  let date: string | undefined;
  let dayOmitted = false;
  let date2: string | undefined;
  let time: string | undefined;
  const timeParts: string[] = [];
  for (const s of slices) {
    for (const lint of s.comp.lints) {
      const err = runLint(
        ctx,
        lint,
        value,
        s,
        (d, omitted) => {
          if (date === undefined) {
            date = d;
            dayOmitted = omitted;
          } else {
            date2 = d;
          }
        },
        (t) => {
          if (lint === "hhmm") time = t;
          else timeParts.push(t);
        },
      );
      if (err !== null) {
        const at = err.at ?? s.start;
        addIssue(ctx, valueStart + at, ai, err.rule, `${label(def, value)}: ${err.message}`);
        return null;
      }
    }
  }

  const el: Gs1Element = { ai, title: def.title, raw: value, value, position: aiPos };
  const first = slices[0]!;
  switch (def.kind) {
    case "integer":
      el.value = Number(value);
      break;
    case "date":
      el.value = date ?? value;
      if (dayOmitted) el.dayOmitted = true;
      break;
    case "dateRange":
      el.value = date2 === undefined ? (date ?? value) : `${date}/${date2}`;
      break;
    case "dateTime": {
      if (time === undefined && timeParts.length > 0) {
        // 8008: HH [MM [SS]]; missing minutes/seconds are written as 00 so consumers get a time.
        time = `${timeParts[0]}:${timeParts[1] ?? "00"}${timeParts[2] === undefined ? "" : ":" + timeParts[2]}`;
      }
      el.value = time === undefined ? (date ?? value) : `${date}T${time}`;
      if (dayOmitted) el.dayOmitted = true;
      break;
    }
    case "decimal":
      el.value = decimalString(value, def.decimals);
      break;
    case "signedDecimal": {
      const magnitude = decimalString(value.slice(first.start, first.end), def.decimals);
      el.value = slices.length > 1 ? "-" + magnitude : magnitude;
      break;
    }
    case "currencyDecimal": {
      const amount = slices[1]!;
      el.currency = value.slice(first.start, first.end);
      el.value = decimalString(value.slice(amount.start, amount.end), def.decimals);
      break;
    }
    case "countryText": {
      const rest = slices[1]!;
      el.country = value.slice(first.start, first.end);
      el.value = value.slice(rest.start, rest.end);
      break;
    }
    case "country":
      el.country = value;
      break;
    case "text":
      break;
  }
  if (def.unit !== undefined) el.unit = def.unit;
  if (slices.length > 1) el.components = slices.map((s) => value.slice(s.start, s.end));
  return el;
}

interface LintError {
  rule: string;
  message: string;
  /** Offset in the value the error points at; default the component start. */
  at?: number;
}

function runLint(
  ctx: Ctx,
  lint: Component["lints"][number],
  v: string,
  s: Slice,
  onDate: (date: string, dayOmitted: boolean) => void,
  onTime: (part: string) => void,
): LintError | null {
  switch (lint) {
    case "csum": {
      const expected = checkDigitOfRange(v, s.start, s.end - 1);
      const actual = v.charCodeAt(s.end - 1) - 48;
      if (expected !== actual) {
        return { rule: "check-digit", message: `check digit ${actual} is wrong, expected ${expected}`, at: s.end - 1 };
      }
      return null;
    }
    case "csumalpha": {
      if (s.end - s.start < 3) return { rule: "check-digit", message: "too short to carry its two check characters" };
      const expected = gmnCheckCharacters(v, s.start, s.end - 2);
      const actual = v.slice(s.end - 2, s.end);
      if (expected !== actual) {
        return {
          rule: "check-digit",
          message:
            expected === null
              ? "cannot compute the check characters"
              : `check characters "${show(actual)}" are wrong, expected "${expected}"`,
          at: s.end - 2,
        };
      }
      return null;
    }
    case "yymmd0":
    case "yymmdd": {
      const r = parseYymmdd(v, s.start, lint === "yymmd0", ctx.currentYear);
      if (!r.ok) return { rule: "date", message: r.reason };
      onDate(r.date, r.dayOmitted);
      return null;
    }
    case "hhmm": {
      const t = parseHhmm(v, s.start);
      if (t === null) return { rule: "date", message: `time ${v.slice(s.start, s.end)} is not a valid HHMM` };
      onTime(t);
      return null;
    }
    case "hh":
    case "mi":
    case "ss": {
      const max = lint === "hh" ? 23 : 59;
      const n = parseTwoDigits(v, s.start, max);
      if (n < 0)
        return {
          rule: "date",
          message: `${lint === "hh" ? "hour" : lint === "mi" ? "minute" : "second"} ${v.slice(s.start, s.end)} is out of range`,
        };
      onTime(v.slice(s.start, s.end));
      return null;
    }
    case "yesno": {
      const c = v.charCodeAt(s.start);
      return c === 48 || c === 49 ? null : { rule: "format", message: "must be 0 or 1" };
    }
    case "zero":
      return v.charCodeAt(s.start) === 48 ? null : { rule: "format", message: "first digit must be 0" };
    case "nonzero": {
      for (let i = s.start; i < s.end; i++) if (v.charCodeAt(i) !== 48) return null;
      return { rule: "format", message: `part "${v.slice(s.start, s.end)}" must not be zero` };
    }
    case "nozeroprefix":
      return s.end - s.start > 1 && v.charCodeAt(s.start) === 48
        ? { rule: "format", message: "must not start with 0" }
        : null;
    case "pieceoftotal": {
      const piece = parseTwoDigits(v, s.start, 99);
      const total = parseTwoDigits(v, s.start + 2, 99);
      return piece >= 1 && total >= 1 && piece <= total
        ? null
        : {
            rule: "format",
            message: `piece ${v.slice(s.start, s.start + 2)} of total ${v.slice(s.start + 2, s.end)} is not valid`,
          };
    }
    case "winding": {
      const c = v.charCodeAt(s.start);
      return c === 48 || c === 49 || c === 57
        ? null
        : { rule: "format", message: "winding direction must be 0, 1 or 9" };
    }
    case "hyphen":
      return v.charCodeAt(s.start) === 0x2d ? null : { rule: "format", message: 'sign must be "-"' };
    case "latitude":
    case "longitude": {
      const max = lint === "latitude" ? 1800000000 : 3600000000;
      return Number(v.slice(s.start, s.end)) <= max ? null : { rule: "format", message: `${lint} is out of range` };
    }
    case "iban":
      return isValidIban(v, s.start, s.end) ? null : { rule: "check-digit", message: "is not a valid IBAN" };
    case "pcenc": {
      for (let i = s.start; i < s.end; i++) {
        if (v.charCodeAt(i) !== 0x25) continue;
        if (i + 2 >= s.end || !isHex(v.charCodeAt(i + 1)) || !isHex(v.charCodeAt(i + 2))) {
          return { rule: "format", message: "has a % not followed by two hex digits", at: i };
        }
      }
      return null;
    }
  }
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** `"001250"`, 2 → `"12.50"`; `"5"`, 2 → `"0.05"`; `"0042"`, 0 → `"42"`. Keeps trailing zeros. */
export function decimalString(digits: string, decimals: number): string {
  let s = digits;
  if (s.length <= decimals) s = "0".repeat(decimals - s.length + 1) + s;
  const cut = s.length - decimals;
  let i = 0;
  while (i < cut - 1 && s.charCodeAt(i) === 48) i++;
  const intPart = s.slice(i, cut);
  return decimals === 0 ? intPart : `${intPart}.${s.slice(cut)}`;
}

// ---------------------------------------------------------------------------------------------
// Pairing rules (GS1 General Specifications §4.14)

function patternText(p: { text: string }): string {
  return `(${p.text})`;
}

/**
 * Mandatory (`requires`) and invalid (`excludes`) AI pairings over a set of elements. GS1 evaluates
 * these over ALL barcodes on one item, so a caller that combines several scans of one label can call
 * this on the combined list (and parse each scan with `checkAssociations: false`).
 */
export function checkAssociations(elements: readonly Pick<Gs1Element, "ai" | "raw" | "position">[]): Gs1Issue[] {
  const issues: Gs1Issue[] = [];
  const reported = new Set<string>();
  for (const el of elements) {
    const def = lookupAi(el.ai);
    if (def === undefined) continue;
    if (def.requires.length > 0) {
      const satisfied = def.requires.some((group) =>
        group.every((p) => elements.some((other) => other !== el && matchesPattern(other.ai, p))),
      );
      if (!satisfied) {
        const alternatives = def.requires.map((g) => g.map(patternText).join(" + ")).join(" or ");
        issues.push({
          position: el.position,
          ai: el.ai,
          rule: "requires",
          message: `${label(def, el.raw)}: must be used together with ${alternatives}`,
        });
      }
    }
    for (const p of def.excludes) {
      for (const other of elements) {
        if (other.ai === el.ai || !matchesPattern(other.ai, p)) continue;
        const key = el.ai < other.ai ? `${el.ai}|${other.ai}` : `${other.ai}|${el.ai}`;
        if (reported.has(key)) continue;
        reported.add(key);
        issues.push({
          position: other.position,
          ai: other.ai,
          rule: "excludes",
          message: `${label(def, el.raw)}: must not be used together with AI (${other.ai}) "${show(other.raw)}"`,
        });
      }
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Ambiguity (see the design note at the top)

function findAmbiguity(ctx: Ctx, parsed: readonly Parsed[], end: number): Gs1Issue | null {
  const last = parsed[parsed.length - 1];
  if (last === undefined || last.def.predefinedLength) return null;
  const value = last.el.raw;
  for (let k = 1; k < value.length; k++) {
    const at = last.valueStart + k;
    if (!isDigit(ctx.input.charCodeAt(at))) continue;
    const sub: Ctx = { input: ctx.input, cfg: ctx.cfg, currentYear: ctx.currentYear, issues: [] };
    const head = decodeValue(sub, last.def, value.slice(0, k), last.valueStart, last.el.position, "raw");
    if (head === null) continue;
    const tail = scanRaw(sub, at, end).parsed;
    if (sub.issues.length > 0 || tail.length === 0) continue;
    const alt: Gs1Element[] = parsed.slice(0, -1).map((p) => p.el);
    alt.push(head);
    let conflict = false;
    for (const t of tail) {
      const same = alt.find((e) => e.ai === t.el.ai);
      if (same !== undefined && same.raw !== t.el.raw) conflict = true;
      alt.push(t.el);
    }
    if (conflict) continue;
    if (ctx.cfg.checkAssociations && checkAssociations(alt).length > 0) continue;
    const reading = [head, ...tail.map((t) => t.el)].map((e) => `(${e.ai})${show(e.raw)}`).join(" ");
    return {
      position: at,
      ai: last.el.ai,
      rule: "ambiguous",
      message: `${label(last.def, value)}: no GS separator in the data, and it also reads as ${reading}`,
    };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Convenience fields

const MEASURE_FIELDS: ReadonlySet<Gs1FieldName> = new Set<Gs1MeasureField>([
  "netWeight",
  "length",
  "width",
  "height",
  "area",
  "netVolume",
  "grossWeight",
  "logisticLength",
  "logisticWidth",
  "logisticHeight",
  "logisticArea",
  "logisticVolume",
]);
const NUMBER_FIELDS: ReadonlySet<Gs1FieldName> = new Set<Gs1NumberField>(["count", "variableCount"]);

function isMeasureField(f: Gs1FieldName): f is Gs1MeasureField {
  return MEASURE_FIELDS.has(f);
}
function isNumberField(f: Gs1FieldName): f is Gs1NumberField {
  return NUMBER_FIELDS.has(f);
}

/** First element wins when two AIs feed one field (e.g. 3102 kg and 3202 lb both → netWeight). */
function buildFields(parsed: readonly Parsed[]): Gs1Fields {
  const fields: Gs1Fields = {};
  for (const { el, def } of parsed) {
    const f = def.field;
    if (f === undefined || fields[f] !== undefined) continue;
    if (f === "shipToPostal") {
      fields.shipToPostal =
        el.country === undefined
          ? { postalCode: String(el.value) }
          : { country: el.country, postalCode: String(el.value) };
    } else if (isMeasureField(f)) {
      fields[f] = { value: String(el.value), unit: el.unit ?? "", ai: el.ai };
    } else if (isNumberField(f)) {
      if (typeof el.value === "number") fields[f] = el.value;
    } else {
      const sf: Gs1StringField = f;
      fields[sf] = String(el.value);
    }
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Message helpers

/** The character at `i`, keeping a surrogate pair together. */
function charAt(s: string, i: number): string {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return s.slice(i, i + 2);
  }
  return s.charAt(i);
}

/**
 * Value as it goes into a message: control characters, `"`, `\` and surrogates escaped (a lone
 * surrogate would make the message invalid UTF-8 in logs and JSON), long values shortened.
 */
function show(s: string): string {
  const max = 64;
  let out = "";
  const n = Math.min(s.length, max);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === GS) out += "<GS>";
    else if (
      c < 0x20 ||
      c === 0x7f ||
      (c >= 0x80 && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xdfff) ||
      c === 0x22 ||
      c === 0x5c
    ) {
      out += c === 0x22 ? '\\"' : c === 0x5c ? "\\\\" : "\\u" + c.toString(16).padStart(4, "0");
    } else out += s[i];
  }
  return s.length > max ? out + "…" : out;
}
