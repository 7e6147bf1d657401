import { test } from "node:test";
import assert from "node:assert/strict";
import { gmnCheckCharacters, gs1CheckDigit, hasValidCheckDigit, isValidIban } from "../../../nodes/lib/gs1";

test("gs1CheckDigit: GS1's own example keys", () => {
  assert.equal(gs1CheckDigit("0950600013435"), 2); // GTIN
  assert.equal(gs1CheckDigit("10614141123456789"), 7); // SSCC body
  assert.equal(gs1CheckDigit("1061414100041"), 5); // GTIN
});

test("gs1CheckDigit: GTIN-8 / GTIN-12 bodies", () => {
  assert.equal(gs1CheckDigit("9638507"), 4);
  assert.equal(gs1CheckDigit("03600029145"), 2); // UPC-A 036000291452
});

test("gs1CheckDigit: invalid bodies give NaN instead of throwing", () => {
  assert.ok(Number.isNaN(gs1CheckDigit("")));
  assert.ok(Number.isNaN(gs1CheckDigit("12a4")));
  assert.ok(Number.isNaN(gs1CheckDigit("١٢٣"))); // Arabic-Indic digits are not GS1 digits
  assert.ok(Number.isNaN(gs1CheckDigit(undefined as unknown as string)));
});

test("hasValidCheckDigit: all key lengths", () => {
  assert.equal(hasValidCheckDigit("96385074"), true); // GTIN-8
  assert.equal(hasValidCheckDigit("036000291452"), true); // GTIN-12
  assert.equal(hasValidCheckDigit("09506000134352"), true); // GTIN-14
  assert.equal(hasValidCheckDigit("0950600013435" + "2"), true); // GTIN-13
  assert.equal(hasValidCheckDigit("10614141000415"), true); // GTIN-14
  assert.equal(hasValidCheckDigit("106141411234567897"), true); // SSCC
  const gsinBody = "0614141123456789";
  assert.equal(hasValidCheckDigit(gsinBody + gs1CheckDigit(gsinBody)), true); // GSIN-17
  assert.equal(hasValidCheckDigit("5412345000013"), true); // GLN-13
});

test("hasValidCheckDigit: rejects wrong digit, wrong length, non-digits", () => {
  assert.equal(hasValidCheckDigit("106141411234567890"), false);
  assert.equal(hasValidCheckDigit("09506000134353"), false);
  assert.equal(hasValidCheckDigit("1234567"), false); // length 7
  assert.equal(hasValidCheckDigit("0950600013435X"), false);
  assert.equal(hasValidCheckDigit(""), false);
  assert.equal(hasValidCheckDigit(12345678 as unknown as string), false);
});

test("GMN check characters (AI 8013) and IBAN (AI 8007)", () => {
  assert.equal(gmnCheckCharacters("1987654Ad4X4bL5ttr2310c"), "2K");
  assert.equal(gmnCheckCharacters(""), null);
  assert.equal(gmnCheckCharacters("ab cd"), null); // space is not in CSET 82
  assert.equal(isValidIban("GB82WEST12345698765432"), true);
  assert.equal(isValidIban("GB82WEST12345698765433"), false);
  assert.equal(isValidIban("gb82WEST12345698765432"), false);
});
