/**
 * Freight audit tolerance check (domain §4.2): an invoiced charge against the accrual or contract
 * rate for the same shipment, per charge type, in integer minor units. Different currencies are an
 * exception, never converted. Plain functions: the lsync-tolerance-check node is a thin wrapper.
 */
import type { ExceptionEvent, FreightCharge, InvoiceEvent, Money, Reference } from "../canonical/types";
import { fromMinor } from "../canonical/money";
import { clip, exceptionEvent, fromScaled, ruleError, toScaled } from "./common";

export type ChargeType = FreightCharge["chargeType"];
/** A charge type, "*" (any type without its own row) or "TOTAL" (the invoice total). */
export type RuleKey = ChargeType | "*" | "TOTAL";

export const CHARGE_TYPES: readonly ChargeType[] = [
  "LINEHAUL", "FUEL", "DISCOUNT", "MINIMUM", "DETENTION", "LAYOVER", "STOP_OFF", "LIFTGATE", "RESIDENTIAL",
  "INSIDE_DELIVERY", "APPOINTMENT", "REDELIVERY", "REWEIGH_RECLASS", "HAZMAT", "TAX", "OTHER", "UNMAPPED",
];

export interface ToleranceRule {
  chargeType: RuleKey;
  /** Allowed |variance| in minor units of the charge's currency; null = no absolute limit. */
  absMinor: number | null;
  /** Allowed |variance| as a percentage of the expected amount (decimal string, "2.5"); null = none. */
  pct: string | null;
  /**
   * "both": the variance must be within the absolute AND the percentage limit (the stricter wins);
   * "either": within one of them is enough. With only one limit set, that one decides.
   */
  combine: "both" | "either";
  /** An invoice below the expected amount passes whatever its size (the carrier billed less). */
  underAlwaysOk: boolean;
}

/**
 * Defaults that make sense for LTL/TL audit: linehaul within 25.00 and 2 %; fuel moves with the
 * index, so 5 % or 10.00; accessorials billed exactly as accrued unless a row says otherwise;
 * the invoice total within 50.00 and 2 %. Undercharges pass.
 */
export const DEFAULT_TOLERANCE_RULES: readonly ToleranceRule[] = [
  { chargeType: "LINEHAUL", absMinor: 2500, pct: "2", combine: "both", underAlwaysOk: true },
  { chargeType: "FUEL", absMinor: 1000, pct: "5", combine: "either", underAlwaysOk: true },
  { chargeType: "DETENTION", absMinor: 0, pct: null, combine: "both", underAlwaysOk: true },
  { chargeType: "LIFTGATE", absMinor: 0, pct: null, combine: "both", underAlwaysOk: true },
  { chargeType: "*", absMinor: 500, pct: "1", combine: "both", underAlwaysOk: true },
  { chargeType: "TOTAL", absMinor: 5000, pct: "2", combine: "both", underAlwaysOk: true },
];

/** Checks a rule table (from the dialog, a message or a file); errors name the row and field. */
export function parseToleranceRules(raw: unknown, field = "rules"): ToleranceRule[] {
  if (!Array.isArray(raw)) throw ruleError(field, "array", "must be an array of tolerance rules", raw);
  const seen = new Set<string>();
  return raw.map((row: unknown, i) => {
    const at = `${field}[${i}]`;
    if (!row || typeof row !== "object") throw ruleError(at, "object", "must be an object", row);
    const r = row as Record<string, unknown>;
    const chargeType = String(r.chargeType ?? "").trim().toUpperCase();
    if (chargeType !== "*" && chargeType !== "TOTAL" && !CHARGE_TYPES.includes(chargeType as ChargeType)) {
      throw ruleError(`${at}.chargeType`, "enum", `must be a canonical charge type, "*" or "TOTAL"`, r.chargeType);
    }
    if (seen.has(chargeType)) throw ruleError(`${at}.chargeType`, "unique", `${chargeType} has two rows`, r.chargeType);
    seen.add(chargeType);
    const absText = r.absMinor === null || r.absMinor === undefined ? "" : String(r.absMinor).trim();
    if (absText !== "" && !/^\d{1,15}$/.test(absText)) throw ruleError(`${at}.absMinor`, "minorUnits", "must be a whole number of minor units ≥ 0", r.absMinor);
    const pctText = r.pct === null || r.pct === undefined ? "" : String(r.pct).trim();
    if (pctText !== "" && !/^\d{1,6}(\.\d{1,4})?$/.test(pctText)) throw ruleError(`${at}.pct`, "percentage", "must be a percentage ≥ 0 with at most 4 decimals", r.pct);
    const combine = r.combine === undefined || r.combine === "" ? "both" : r.combine;
    if (combine !== "both" && combine !== "either") throw ruleError(`${at}.combine`, "enum", 'must be "both" or "either"', r.combine);
    return {
      chargeType: chargeType as RuleKey,
      absMinor: absText === "" ? null : Number(absText),
      pct: pctText === "" ? null : pctText,
      combine,
      underAlwaysOk: r.underAlwaysOk === undefined ? true : r.underAlwaysOk === true || r.underAlwaysOk === "true",
    };
  });
}

/** "LINEHAUL: within 25.00 USD and 2 % (undercharges pass)". */
export function describeRule(rule: ToleranceRule, currency: string): string {
  const parts: string[] = [];
  if (rule.absMinor !== null) parts.push(`${safeMoney(rule.absMinor, currency)} ${currency}`);
  if (rule.pct !== null) parts.push(`${rule.pct} %`);
  const limit = parts.length === 0 ? "exact amount" : `within ${parts.join(rule.combine === "both" ? " and " : " or ")}`;
  return `${rule.chargeType}: ${limit}${rule.underAlwaysOk ? " (undercharges pass)" : ""}`;
}

function safeMoney(minor: number, currency: string): string {
  try {
    return fromMinor(minor, currency);
  } catch {
    return `${minor} minor units`;
  }
}

/** Whether `actual` is within `rule` of `expected` (both minor units of one currency). Exact: bigint, no floats. */
export function withinTolerance(expectedMinor: number, actualMinor: number, rule: ToleranceRule): boolean {
  const variance = BigInt(actualMinor) - BigInt(expectedMinor);
  if (variance === 0n) return true;
  if (variance < 0n && rule.underAlwaysOk) return true;
  const size = variance < 0n ? -variance : variance;
  const absOk = rule.absMinor === null ? null : size <= BigInt(rule.absMinor);
  // |variance| ≤ pct/100 × |expected|  ⇔  |variance| × 100 × 10^9 ≤ pct × 10^9 × |expected|
  const base = BigInt(expectedMinor) < 0n ? -BigInt(expectedMinor) : BigInt(expectedMinor);
  const pctOk = rule.pct === null ? null : size * 100n * 1_000_000_000n <= toScaled(rule.pct, "pct") * base;
  if (absOk === null && pctOk === null) return false;
  if (absOk === null) return pctOk === true;
  if (pctOk === null) return absOk;
  return rule.combine === "both" ? absOk && pctOk : absOk || pctOk;
}

/** The rule for a charge type: its own row, else "*"; TOTAL only ever by its own row. */
export function ruleFor(rules: readonly ToleranceRule[], key: ChargeType | "TOTAL"): ToleranceRule | null {
  return rules.find((r) => r.chargeType === key) ?? (key === "TOTAL" ? null : (rules.find((r) => r.chargeType === "*") ?? null));
}

export type LineOutcome = "WITHIN" | "BEYOND" | "NO_ACCRUAL" | "UNMAPPED" | "NO_RULE" | "CURRENCY_MISMATCH";

export interface LineAudit {
  chargeType: ChargeType | "TOTAL";
  /** Invoice line numbers / charge ids summed into this comparison (empty: accrued but not invoiced). */
  lineNos: number[];
  chargeIds: string[];
  expected: Money | null;
  actual: Money;
  variance: Money | null;
  /** variance ÷ expected × 100, two decimals; absent when expected is 0 or unknown. */
  variancePct?: string;
  rule: ToleranceRule | null;
  outcome: LineOutcome;
  reason: string;
}

export type AuditOutcome = "approved" | "exception" | "review";

export interface AuditResult {
  /** approved: every line and the total within tolerance; exception: one is beyond (or another currency); review: no accrual, unmapped type or no rule. */
  outcome: AuditOutcome;
  lines: LineAudit[];
  total: LineAudit | null;
}

/** What the charges are checked against: accrued/planned FreightCharges, or a map charge type → Money. */
export type ExpectedCharges = FreightCharge[] | Partial<Record<ChargeType, Money>>;

function isMoney(v: unknown): v is Money {
  const m = v as Money | null;
  return !!m && typeof m === "object" && typeof m.currency === "string" && /^[A-Z]{3}$/.test(m.currency) && Number.isSafeInteger(m.amountMinor);
}

/** Sums expected charges per charge type; a type accrued in two currencies is an input error. */
export function expectedByType(expected: ExpectedCharges, field = "expected"): Map<ChargeType, Money> {
  const out = new Map<ChargeType, Money>();
  const add = (type: ChargeType, money: unknown, at: string) => {
    if (!isMoney(money)) throw ruleError(at, "money", "must be {currency, amountMinor} with an ISO 4217 code and an integer", money);
    const have = out.get(type);
    if (have && have.currency !== money.currency) throw ruleError(at, "currency", `${type} is accrued in ${have.currency} and ${money.currency}`, money.currency);
    out.set(type, { currency: money.currency, amountMinor: (have?.amountMinor ?? 0) + money.amountMinor });
  };
  if (Array.isArray(expected)) {
    expected.forEach((c, i) => {
      if (!c || typeof c !== "object" || !CHARGE_TYPES.includes(c.chargeType)) throw ruleError(`${field}[${i}].chargeType`, "enum", "must be a canonical charge type", c?.chargeType);
      add(c.chargeType, c.amount, `${field}[${i}].amount`);
    });
  } else if (expected && typeof expected === "object") {
    for (const [type, money] of Object.entries(expected)) {
      if (!CHARGE_TYPES.includes(type as ChargeType)) throw ruleError(`${field}.${type}`, "enum", "must be a canonical charge type", type);
      add(type as ChargeType, money, `${field}.${type}`);
    }
  } else {
    throw ruleError(field, "type", "must be an array of FreightCharges or an object of charge type → Money", expected);
  }
  return out;
}

function pctOf(variance: number, expected: number): string | undefined {
  if (expected === 0) return undefined;
  // Two decimals, truncated toward zero: exact, from integers.
  const hundredths = (BigInt(variance) * 10_000n) / BigInt(expected);
  return fromScaled(hundredths * 10_000_000n);
}

function judge(
  chargeType: ChargeType | "TOTAL",
  actual: Money,
  expected: Money | undefined,
  rules: readonly ToleranceRule[],
  lineNos: number[],
  chargeIds: string[],
): LineAudit {
  const base = { chargeType, lineNos, chargeIds, actual };
  if (chargeType === "UNMAPPED") {
    return { ...base, expected: expected ?? null, variance: null, rule: null, outcome: "UNMAPPED", reason: "the carrier's charge code is not in the charge-code table (UNMAPPED): it needs a person" };
  }
  if (!expected) {
    return { ...base, expected: null, variance: null, rule: null, outcome: "NO_ACCRUAL", reason: `no accrual or contract rate for ${chargeType} on this shipment` };
  }
  if (expected.currency !== actual.currency) {
    return {
      ...base, expected, variance: null, rule: null, outcome: "CURRENCY_MISMATCH",
      reason: `${chargeType} invoiced in ${actual.currency} but accrued in ${expected.currency}: amounts in different currencies are not compared or converted`,
    };
  }
  const variance: Money = { currency: actual.currency, amountMinor: actual.amountMinor - expected.amountMinor };
  const variancePct = pctOf(variance.amountMinor, expected.amountMinor);
  const rule = ruleFor(rules, chargeType);
  const withPct = variancePct === undefined ? {} : { variancePct };
  if (!rule) {
    return { ...base, expected, variance, ...withPct, rule: null, outcome: "NO_RULE", reason: `no tolerance rule for ${chargeType} and no "*" row` };
  }
  const ok = withinTolerance(expected.amountMinor, actual.amountMinor, rule);
  const c = actual.currency;
  const reason =
    `${chargeType} invoiced ${safeMoney(actual.amountMinor, c)} ${c} against ${safeMoney(expected.amountMinor, c)} ${c} expected: ` +
    `variance ${safeMoney(variance.amountMinor, c)} ${c}${variancePct === undefined ? "" : ` (${variancePct} %)`} is ${ok ? "within" : "beyond"} tolerance (${describeRule(rule, c)})`;
  return { ...base, expected, variance, ...withPct, rule, outcome: ok ? "WITHIN" : "BEYOND", reason };
}

/**
 * Audits invoiced charges (one shipment's) against what was expected: per charge type (lines of one
 * type are summed, accrued types the invoice does not carry count as invoiced 0), then the total
 * when a TOTAL rule exists and everything is in one currency.
 */
export function auditCharges(invoiced: readonly FreightCharge[], expected: ExpectedCharges, rules: readonly ToleranceRule[]): AuditResult {
  const expectedMap = expectedByType(expected);
  const groups = new Map<ChargeType, { actual: Money | null; lineNos: number[]; chargeIds: string[]; mixed: boolean }>();
  invoiced.forEach((line, i) => {
    if (!line || typeof line !== "object" || !CHARGE_TYPES.includes(line.chargeType)) throw ruleError(`lines[${i}].chargeType`, "enum", "must be a canonical charge type", line?.chargeType);
    if (!isMoney(line.amount)) throw ruleError(`lines[${i}].amount`, "money", "must be {currency, amountMinor} with an ISO 4217 code and an integer", line.amount);
    const g = groups.get(line.chargeType) ?? { actual: null, lineNos: [], chargeIds: [], mixed: false };
    if (g.actual && g.actual.currency !== line.amount.currency) g.mixed = true;
    g.actual = { currency: g.actual?.currency ?? line.amount.currency, amountMinor: (g.actual?.amountMinor ?? 0) + line.amount.amountMinor };
    g.lineNos.push(line.lineNo ?? i + 1);
    g.chargeIds.push(line.chargeId);
    groups.set(line.chargeType, g);
  });
  const lines: LineAudit[] = [];
  for (const [type, g] of groups) {
    if (g.mixed) {
      lines.push({
        chargeType: type, lineNos: g.lineNos, chargeIds: g.chargeIds, expected: expectedMap.get(type) ?? null, actual: g.actual!, variance: null, rule: null,
        outcome: "CURRENCY_MISMATCH", reason: `${type} lines are invoiced in more than one currency`,
      });
    } else {
      lines.push(judge(type, g.actual!, expectedMap.get(type), rules, g.lineNos, g.chargeIds));
    }
  }
  for (const [type, money] of expectedMap) {
    if (!groups.has(type)) lines.push(judge(type, { currency: money.currency, amountMinor: 0 }, money, rules, [], []));
  }
  let total: LineAudit | null = null;
  const currencies = new Set([...lines.map((l) => l.actual.currency), ...[...expectedMap.values()].map((m) => m.currency)]);
  const totalRule = ruleFor(rules, "TOTAL");
  // The total means something only when every line was compared: a line without accrual or
  // rule goes to review anyway, and its amount would make the total look like a variance.
  const allCompared = lines.every((l) => l.outcome === "WITHIN" || l.outcome === "BEYOND");
  if (totalRule && currencies.size === 1 && lines.length > 0 && allCompared) {
    const [currency] = currencies as Set<string> & Iterable<string>;
    const sum = (ms: Array<Money | null>) => ms.reduce((s, m) => s + (m?.amountMinor ?? 0), 0);
    total = judge("TOTAL", { currency: currency!, amountMinor: sum(lines.map((l) => l.actual)) }, { currency: currency!, amountMinor: sum([...expectedMap.values()]) }, rules, [], []);
  }
  const all = total ? [...lines, total] : lines;
  const outcome: AuditOutcome = all.some((l) => l.outcome === "BEYOND" || l.outcome === "CURRENCY_MISMATCH")
    ? "exception"
    : all.some((l) => l.outcome !== "WITHIN")
      ? "review"
      : "approved";
  return { outcome, lines, total };
}

/** What the node audits: an InvoiceEvent's lines or one FreightCharge, with the references exceptions name. */
export interface AuditSubject {
  kind: "invoice" | "charge";
  id: string;
  lines: FreightCharge[];
  correlationId: string;
  refs: Reference[];
  system: string;
}

export function auditSubject(payload: unknown): AuditSubject {
  const p = payload as (InvoiceEvent | FreightCharge) | null;
  if (!p || typeof p !== "object") throw ruleError("payload", "type", "must be an InvoiceEvent or a FreightCharge object", payload);
  if (p.schema === "invoice-event/1") {
    const inv = p as InvoiceEvent;
    if (!Array.isArray(inv.lines) || inv.lines.length === 0) throw ruleError("payload.lines", "minItems", "an invoice to audit needs at least one charge line", inv.lines);
    return {
      kind: "invoice",
      id: inv.invoiceId,
      lines: inv.lines,
      correlationId: inv.correlationId,
      refs: [{ type: "INVOICE", value: clip(inv.invoiceNumber, 64) }, ...(inv.shipmentRefs ?? [])],
      system: inv.source?.system ?? "CARRIER",
    };
  }
  if (p.schema === "freight-charge/1") {
    const ch = p as FreightCharge;
    return {
      kind: "charge",
      id: ch.chargeId,
      lines: [ch],
      correlationId: ch.correlationId,
      refs: [...(ch.invoiceRef ? [ch.invoiceRef] : []), ...(ch.shipmentRefs ?? [])],
      system: ch.source?.system ?? "CARRIER",
    };
  }
  throw ruleError("payload.schema", "schema", 'must be "invoice-event/1" or "freight-charge/1"', (p as { schema?: unknown }).schema);
}

/** One finance ExceptionEvent (INVOICE_VARIANCE) per line (and total) beyond tolerance or in another currency. */
export function varianceExceptions(subject: AuditSubject, audit: AuditResult, now: Date): ExceptionEvent[] {
  const failing = [...audit.lines, ...(audit.total ? [audit.total] : [])].filter((l) => l.outcome === "BEYOND" || l.outcome === "CURRENCY_MISMATCH");
  return failing.map((l) =>
    exceptionEvent({
      exceptionId: `INVOICE_VARIANCE|${subject.id}|${l.chargeType}`,
      type: "INVOICE_VARIANCE",
      severity: l.outcome === "CURRENCY_MISMATCH" ? "CRITICAL" : "WARN",
      subjectRefs: subject.refs.length ? subject.refs : [{ type: "INVOICE", value: clip(subject.id, 64) }],
      correlationId: subject.correlationId,
      causationId: subject.id,
      system: "LSYNC",
      format: "TOLERANCE_CHECK",
      now,
      ...(l.expected ? { expected: { money: l.expected, text: clip(l.rule ? describeRule(l.rule, l.actual.currency) : "same currency as the accrual", 256) } } : {}),
      actual: { money: l.actual, text: clip(l.lineNos.length ? `invoice line ${l.lineNos.join(", ")}` : l.chargeType === "TOTAL" ? "invoice total" : "not invoiced", 256) },
      ...(l.variance ? { impact: { costImpact: l.variance } } : {}),
      cause: { scheme: "LSYNC-AUDIT", code: l.outcome === "BEYOND" ? "BEYOND_TOLERANCE" : "CURRENCY_MISMATCH", text: clip(l.reason, 256) },
      relatedIds: [subject.id, ...l.chargeIds],
    }),
  );
}

const FINDING: Partial<Record<LineOutcome, string>> = {
  BEYOND: "BEYOND_TOLERANCE",
  CURRENCY_MISMATCH: "CURRENCY_MISMATCH",
  NO_ACCRUAL: "NO_ACCRUAL",
  UNMAPPED: "UNMAPPED_CHARGE",
  NO_RULE: "NO_TOLERANCE_RULE",
};

/** The invoice with the audit written into it: status IN_TOLERANCE or EXCEPTION, findings, audit totals. */
export function auditedInvoice(invoice: InvoiceEvent, audit: AuditResult): InvoiceEvent {
  const all = [...audit.lines, ...(audit.total ? [audit.total] : [])];
  const findings = [...new Set(all.map((l) => FINDING[l.outcome]).filter((c): c is string => !!c))].map((code) => ({ scheme: "LSYNC-AUDIT", code }));
  const byChargeType: NonNullable<InvoiceEvent["audit"]>["byChargeType"] = {};
  for (const l of audit.lines) if (l.expected && l.chargeType !== "TOTAL") byChargeType[l.chargeType] = { expected: l.expected, invoiced: l.actual };
  const { findings: _old, audit: _oldAudit, ...rest } = invoice;
  const t = audit.total;
  return {
    ...rest,
    status: audit.outcome === "approved" ? "IN_TOLERANCE" : "EXCEPTION",
    ...(findings.length ? { findings: findings.slice(0, 20) } : {}),
    ...(t?.expected && t.variance ? { audit: { expected: t.expected, variance: t.variance, ...(t.variancePct ? { variancePct: t.variancePct } : {}), byChargeType } } : {}),
  };
}
