import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fromMinor, iso4217, minorUnits, MoneyError, toMinor } from "../../../nodes/lib/canonical/money";

describe("ISO 4217 minor units (canonical/code-lists/iso4217.json)", () => {
  it("follows the ISO table, not Intl/CLDR", () => {
    assert.deepEqual(
      ["USD", "EUR", "HUF", "IDR", "JPY", "KRW", "KWD", "BHD", "TND", "JOD", "OMR", "LYD", "IQD", "CLF", "UYW"].map(minorUnits),
      [2, 2, 2, 2, 0, 0, 3, 3, 3, 3, 3, 3, 3, 4, 4],
    );
    assert.ok(Object.keys(iso4217()).length > 150);
    for (const [code, units] of Object.entries(iso4217())) {
      assert.match(code, /^[A-Z]{3}$/);
      assert.ok([0, 2, 3, 4].includes(units), `${code} ${units}`);
    }
  });
});

describe("toMinor / fromMinor", () => {
  it("converts decimal strings exactly", () => {
    assert.equal(toMinor("816.12", "USD"), 81612);
    assert.equal(toMinor("-240.5", "USD"), -24050);
    assert.equal(toMinor("0.05", "USD"), 5);
    assert.equal(toMinor("816.120", "USD"), 81612, "trailing zeros beyond the minor units are exact");
    assert.equal(toMinor("1500", "JPY"), 1500);
    assert.equal(toMinor("1.005", "KWD"), 1005);
    assert.equal(toMinor("1.2345", "CLF"), 12345);
    assert.equal(toMinor("-0.00", "USD"), 0);
    assert.equal(toMinor("+7", "HUF"), 700);
    assert.equal(toMinor("90071992547409.91", "USD"), 9007199254740991);
  });

  it("refuses, naming the currency, more decimals than its minor units, unknown codes and non-decimals", () => {
    assert.throws(() => toMinor("816.125", "USD"), (e: unknown) => e instanceof MoneyError && /USD/.test(e.message) && /2 minor units/.test(e.message));
    assert.throws(() => toMinor("1.5", "JPY"), /JPY/);
    assert.throws(() => toMinor("1", "XYZ"), /unknown currency "XYZ"/);
    assert.throws(() => toMinor("1", "XAU"), /XAU/, "no minor unit: not convertible");
    for (const bad of ["1e3", "1,00", "", " ", "12.", "abc"]) {
      assert.throws(() => toMinor(bad, "USD"), /USD amount/, bad);
    }
    assert.throws(() => toMinor("90071992547409.92", "USD"), /too large/);
  });

  it("fromMinor is the inverse", () => {
    assert.equal(fromMinor(81612, "USD"), "816.12");
    assert.equal(fromMinor(-24050, "USD"), "-240.50");
    assert.equal(fromMinor(5, "USD"), "0.05");
    assert.equal(fromMinor(-5, "KWD"), "-0.005");
    assert.equal(fromMinor(1500, "JPY"), "1500");
    assert.equal(fromMinor(0, "CLF"), "0.0000");
    for (const [amount, currency] of [["816.12", "USD"], ["0.001", "BHD"], ["-12", "KRW"]] as const) {
      assert.equal(toMinor(fromMinor(toMinor(amount, currency), currency), currency), toMinor(amount, currency));
    }
    assert.throws(() => fromMinor(1.5, "USD"), /USD/);
    assert.throws(() => fromMinor(1, "ABC"), /ABC/);
  });
});
