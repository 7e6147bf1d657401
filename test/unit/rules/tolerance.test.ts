import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import {
  auditCharges,
  auditedInvoice,
  auditSubject,
  DEFAULT_TOLERANCE_RULES,
  parseToleranceRules,
  varianceExceptions,
  withinTolerance,
  type ToleranceRule,
} from "../../../nodes/lib/rules/tolerance";
import { charge, invoice } from "./_fixtures";

const rule = (r: Partial<ToleranceRule>): ToleranceRule => ({ chargeType: "*", absMinor: null, pct: null, combine: "both", underAlwaysOk: false, ...r });
const accrued = (type: Parameters<typeof charge>[0], minor: number, currency = "USD") => charge(type, minor, { stage: "ACCRUED", amount: { currency, amountMinor: minor } });
const valid = (obj: unknown) => {
  const r = canonicalValidator().validate(obj);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
};

describe("withinTolerance", () => {
  it("absolute, percentage, both (stricter) and either (looser)", () => {
    // 100.00 expected, 102.50 invoiced: variance 2.50 = 2.5 %
    assert.equal(withinTolerance(10000, 10250, rule({ absMinor: 250 })), true);
    assert.equal(withinTolerance(10000, 10251, rule({ absMinor: 250 })), false);
    assert.equal(withinTolerance(10000, 10250, rule({ pct: "2.5" })), true);
    assert.equal(withinTolerance(10000, 10251, rule({ pct: "2.5" })), false);
    assert.equal(withinTolerance(10000, 10250, rule({ absMinor: 1000, pct: "2" })), false, "both: 2 % fails");
    assert.equal(withinTolerance(10000, 10250, rule({ absMinor: 1000, pct: "2", combine: "either" })), true, "either: the 10.00 holds");
    assert.equal(withinTolerance(10000, 10001, rule({})), false, "no limit: exact amount only");
    assert.equal(withinTolerance(10000, 10000, rule({})), true);
  });

  it("undercharges pass only when the rule says so; percentage of 0 expected allows nothing", () => {
    assert.equal(withinTolerance(10000, 5000, rule({ absMinor: 100 })), false);
    assert.equal(withinTolerance(10000, 5000, rule({ absMinor: 100, underAlwaysOk: true })), true);
    assert.equal(withinTolerance(0, 1, rule({ pct: "50" })), false);
  });

  it("agrees with a float-free reference on random amounts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 2000 }), (expected, delta, pctHundredths) => {
        const pct = (pctHundredths / 100).toFixed(2);
        const size = Math.abs(delta);
        // |delta| ≤ expected × pctHundredths / 10000, compared in integers
        const reference = size * 10000 <= expected * pctHundredths;
        return withinTolerance(expected, expected + delta, rule({ pct })) === reference;
      }),
    );
  });
});

describe("parseToleranceRules", () => {
  it("accepts the defaults and dialog rows (strings), and names the row and field of a bad one", () => {
    assert.equal(parseToleranceRules(DEFAULT_TOLERANCE_RULES).length, DEFAULT_TOLERANCE_RULES.length);
    const [r] = parseToleranceRules([{ chargeType: "fuel", absMinor: "1000", pct: "", combine: "either", underAlwaysOk: false }]);
    assert.deepEqual(r, { chargeType: "FUEL", absMinor: 1000, pct: null, combine: "either", underAlwaysOk: false });
    assert.throws(() => parseToleranceRules([{ chargeType: "FREIGHT" }]), /rules\[0\]\.chargeType: must be a canonical charge type/);
    assert.throws(() => parseToleranceRules([{ chargeType: "FUEL", absMinor: "-5" }]), /rules\[0\]\.absMinor: must be a whole number/);
    assert.throws(() => parseToleranceRules([{ chargeType: "FUEL", pct: "abc" }]), /rules\[0\]\.pct: must be a percentage/);
    assert.throws(() => parseToleranceRules([{ chargeType: "FUEL" }, { chargeType: "FUEL" }]), /rules\[1\]\.chargeType: FUEL has two rows/);
  });
});

describe("auditCharges", () => {
  const rules = parseToleranceRules(DEFAULT_TOLERANCE_RULES);

  it("approves an invoice whose lines and total are within tolerance, with the variance per type", () => {
    const audit = auditCharges([charge("LINEHAUL", 100_000, { lineNo: 1 }), charge("FUEL", 20_500, { lineNo: 2 })], [accrued("LINEHAUL", 99_000), accrued("FUEL", 20_000)], rules);
    assert.equal(audit.outcome, "approved");
    const lh = audit.lines.find((l) => l.chargeType === "LINEHAUL")!;
    assert.deepEqual(lh.variance, { currency: "USD", amountMinor: 1000 });
    assert.equal(lh.variancePct, "1.01");
    assert.equal(audit.total?.outcome, "WITHIN");
    assert.deepEqual(audit.total?.variance, { currency: "USD", amountMinor: 1500 });
  });

  it("a line beyond tolerance makes an exception naming line, expected, actual, variance and rule", () => {
    const inv = invoice([charge("LINEHAUL", 100_000, { lineNo: 1 }), charge("LIFTGATE", 9_500, { lineNo: 2 })]);
    const audit = auditCharges(inv.lines, { LINEHAUL: { currency: "USD", amountMinor: 100_000 }, LIFTGATE: { currency: "USD", amountMinor: 7_500 } }, rules);
    assert.equal(audit.outcome, "exception");
    const lift = audit.lines.find((l) => l.chargeType === "LIFTGATE")!;
    assert.equal(lift.outcome, "BEYOND");
    assert.match(lift.reason, /LIFTGATE invoiced 95\.00 USD against 75\.00 USD expected: variance 20\.00 USD \(26\.66 %\) is beyond tolerance \(LIFTGATE: within 0\.00 USD/);
    const [exc, ...more] = varianceExceptions(auditSubject(inv), audit, new Date("2025-03-12T10:00:00Z"));
    assert.equal(more.length, 0);
    valid(exc);
    assert.equal(exc!.type, "INVOICE_VARIANCE");
    assert.deepEqual(exc!.expected?.money, { currency: "USD", amountMinor: 7_500 });
    assert.deepEqual(exc!.actual?.money, { currency: "USD", amountMinor: 9_500 });
    assert.equal(exc!.actual?.text, "invoice line 2");
    assert.deepEqual(exc!.impact?.costImpact, { currency: "USD", amountMinor: 2_000 });
    assert.equal(exc!.cause?.code, "BEYOND_TOLERANCE");
    assert.deepEqual(exc!.subjectRefs, [{ type: "INVOICE", value: "778899" }, { type: "PRO", value: "1234567890" }]);
    assert.equal(exc!.exceptionId, "INVOICE_VARIANCE|INV-ODFL-778899|LIFTGATE", "the same invoice raises the same exception on a replay");
    const audited = auditedInvoice(inv, audit);
    valid(audited);
    assert.equal(audited.status, "EXCEPTION");
    assert.deepEqual(audited.findings, [{ scheme: "LSYNC-AUDIT", code: "BEYOND_TOLERANCE" }]);
  });

  it("another currency is an exception (CRITICAL), never converted", () => {
    const inv = invoice([charge("LINEHAUL", 100_000, { amount: { currency: "CAD", amountMinor: 100_000 } })]);
    const audit = auditCharges(inv.lines, [accrued("LINEHAUL", 100_000, "USD")], rules);
    assert.equal(audit.outcome, "exception");
    assert.equal(audit.lines[0]!.outcome, "CURRENCY_MISMATCH");
    assert.equal(audit.total, null, "no total across currencies");
    const [exc] = varianceExceptions(auditSubject(inv), audit, new Date());
    valid(exc);
    assert.equal(exc!.severity, "CRITICAL");
    assert.equal(exc!.cause?.code, "CURRENCY_MISMATCH");
  });

  it("no accrual, an UNMAPPED charge and a type with no rule go to review, not approval", () => {
    const noStar = rules.filter((r) => r.chargeType !== "*");
    const audit = auditCharges(
      [charge("LINEHAUL", 100_000, { lineNo: 1 }), charge("DETENTION", 5_000, { lineNo: 2 }), charge("UNMAPPED", 1_000, { lineNo: 3 }), charge("HAZMAT", 2_000, { lineNo: 4 })],
      [accrued("LINEHAUL", 100_000), accrued("HAZMAT", 2_000)],
      noStar,
    );
    assert.equal(audit.outcome, "review");
    const by = Object.fromEntries(audit.lines.map((l) => [l.chargeType, l.outcome]));
    assert.deepEqual(by, { LINEHAUL: "WITHIN", DETENTION: "NO_ACCRUAL", UNMAPPED: "UNMAPPED", HAZMAT: "NO_RULE" });
    const audited = auditedInvoice(invoice([charge("UNMAPPED", 1_000)]), auditCharges([charge("UNMAPPED", 1_000)], [], rules));
    assert.deepEqual(audited.findings, [{ scheme: "LSYNC-AUDIT", code: "UNMAPPED_CHARGE" }]);
  });

  it("sums lines of one type; an accrued type not invoiced counts as invoiced 0", () => {
    const audit = auditCharges([charge("DETENTION", 3_000, { lineNo: 1 }), charge("DETENTION", 2_000, { lineNo: 2 })], [accrued("DETENTION", 5_000), accrued("LIFTGATE", 7_500)], rules);
    const det = audit.lines.find((l) => l.chargeType === "DETENTION")!;
    assert.deepEqual([det.actual.amountMinor, det.lineNos, det.outcome], [5_000, [1, 2], "WITHIN"]);
    const lift = audit.lines.find((l) => l.chargeType === "LIFTGATE")!;
    assert.deepEqual([lift.actual.amountMinor, lift.lineNos, lift.outcome], [0, [], "WITHIN"], "undercharge passes by default");
  });

  it("bad input names the field and the rule", () => {
    assert.throws(() => auditCharges([charge("LINEHAUL", 1)], { LINEHAUL: { currency: "USD", amountMinor: 1.5 } } as never, rules), /expected\.LINEHAUL: must be \{currency, amountMinor\}/);
    assert.throws(() => auditCharges([charge("LINEHAUL", 1)], [accrued("LINEHAUL", 1), accrued("LINEHAUL", 1, "EUR")], rules), /expected\[1\]\.amount: LINEHAUL is accrued in USD and EUR/);
    assert.throws(() => auditSubject({ schema: "order/1" }), /payload\.schema: must be "invoice-event\/1" or "freight-charge\/1"/);
    assert.throws(() => auditSubject(invoice([])), /payload\.lines: an invoice to audit needs at least one charge line/);
  });
});
