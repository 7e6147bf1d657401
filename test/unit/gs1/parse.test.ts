import { test } from "node:test";
import assert from "node:assert/strict";
import {
  checkAssociations,
  createElementStringParser,
  decimalString,
  parseElementString,
  type ParseFailure,
  type ParseResult,
  type ParseSuccess,
} from "../../../nodes/lib/gs1";

const GS = "\u001d";
const NOW = new Date("2026-03-01T00:00:00Z");
/** domain.md §3.1 pallet label as transmitted. */
const PALLET = `]C10010614141123456789702106141410004153712${GS}10LOT42A${GS}172612313102001250`;
const PALLET_HRI = "(00)106141411234567897(02)10614141000415(37)12(10)LOT42A(17)261231(3102)001250";

function ok(r: ParseResult): ParseSuccess {
  assert.ok(r.ok, `expected ok, got ${JSON.stringify(r)}`);
  return r;
}
function bad(r: ParseResult): ParseFailure {
  assert.ok(!r.ok, `expected failure, got ${JSON.stringify(r)}`);
  return r;
}

function assertPallet(r: ParseSuccess): void {
  assert.deepEqual(r.fields, {
    sscc: "106141411234567897",
    containedGtin: "10614141000415",
    count: 12,
    batch: "LOT42A",
    expiry: "2026-12-31",
    netWeight: { value: "12.50", unit: "KGM", ai: "3102" },
  });
  assert.deepEqual(
    r.elements.map((e) => [e.ai, e.title, e.raw, e.value]),
    [
      ["00", "SSCC", "106141411234567897", "106141411234567897"],
      ["02", "CONTENT", "10614141000415", "10614141000415"],
      ["37", "COUNT", "12", 12],
      ["10", "BATCH/LOT", "LOT42A", "LOT42A"],
      ["17", "USE BY or EXPIRY", "261231", "2026-12-31"],
      ["3102", "NET WEIGHT (kg)", "001250", "12.50"],
    ],
  );
  assert.equal(r.byAi["3102"]?.unit, "KGM");
  assert.equal(r.ambiguous, false);
  assert.deepEqual(r.warnings, []);
}

test("pallet label from domain.md §3.1 (GS1-128, GS separators)", () => {
  const r = ok(parseElementString(PALLET, { now: NOW }));
  assert.equal(r.symbology, "GS1-128");
  assert.equal(r.form, "raw");
  assertPallet(r);
  assert.equal(r.byAi["00"]?.position, 3);
  assert.equal(r.byAi["10"]?.position, 44);
});

test("pallet label in the human-readable bracketed form", () => {
  const r = ok(parseElementString(PALLET_HRI, { now: NOW }));
  assert.equal(r.symbology, null);
  assert.equal(r.form, "bracketed");
  assertPallet(r);
});

test("bracketed form tolerates spaces between elements and escaped parentheses", () => {
  const r = ok(parseElementString("(01) 09506000134352 (10) A\\(1)B", { now: NOW }));
  assert.equal(r.fields.gtin, "09506000134352");
  assert.equal(r.fields.batch, "A(1)B");
});

test("GS substitutes per device: |, <GS>, ^]", () => {
  for (const sub of ["|", "<GS>", "^]"]) {
    const input = PALLET.split(GS).join(sub);
    assertPallet(ok(parseElementString(input, { now: NOW, gsSubstitutes: [sub] })));
    assertPallet(ok(createElementStringParser({ now: NOW, gsSubstitutes: ["x", sub] })(input)));
  }
  // Without the setting, "|" is just a bad character in the batch.
  const r = bad(parseElementString(PALLET.split(GS).join("|"), { now: NOW }));
  assert.equal(r.errors[0]?.rule, "too-long");
});

test("missing prefix reported as null; leading GS (FNC1) tolerated; trailing CR/LF stripped", () => {
  const bare = PALLET.slice(3);
  assert.equal(ok(parseElementString(bare, { now: NOW })).symbology, null);
  assertPallet(ok(parseElementString(GS + bare, { now: NOW })));
  assertPallet(ok(parseElementString(`${PALLET}\r\n`, { now: NOW })));
  assertPallet(ok(parseElementString(`${PALLET}${GS}`, { now: NOW }))); // trailing GS is harmless
});

test("symbology identifiers: ]d2 DataMatrix, ]Q3 QR, ]e0 DataBar; non-GS1 ones rejected", () => {
  const body = `010950600013435221SER123${GS}17261231`;
  assert.equal(ok(parseElementString(`]d2${body}`, { now: NOW })).symbology, "GS1 DataMatrix");
  assert.equal(ok(parseElementString(`]Q3${body}`, { now: NOW })).symbology, "GS1 QR Code");
  assert.equal(ok(parseElementString(`]e0${body}`, { now: NOW })).symbology, "GS1 DataBar");
  const dm = ok(parseElementString(`]d2${body}`, { now: NOW }));
  assert.deepEqual(dm.fields, { gtin: "09506000134352", serial: "SER123", expiry: "2026-12-31" });
  const r = bad(parseElementString("]C0123456"));
  assert.equal(r.errors[0]?.rule, "symbology");
  assert.equal(bad(parseElementString("]d2")).errors[0]?.rule, "empty");
});

test("wrong check digit is rejected with the exact message", () => {
  const r = bad(parseElementString("]C100106141411234567890"));
  assert.deepEqual(r.errors, [
    {
      position: 22, // the check digit itself
      ai: "00",
      rule: "check-digit",
      message: 'AI (00) SSCC "106141411234567890": check digit 0 is wrong, expected 7',
    },
  ]);
  const gln = bad(parseElementString("(00)106141411234567897(410)5412345000014"));
  assert.equal(gln.errors[0]?.message, 'AI (410) SHIP TO LOC "5412345000014": check digit 4 is wrong, expected 3');
  const gsin = bad(parseElementString("(402)06141411234567891"));
  assert.equal(gsin.errors[0]?.rule, "check-digit");
});

test("missing separator: a variable-length field running past its maximum is an error", () => {
  const noGs = PALLET.split(GS).join("");
  const r = bad(parseElementString(noGs, { now: NOW }));
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]?.rule, "too-long");
  assert.equal(r.errors[0]?.ai, "37");
  assert.equal(
    r.errors[0]?.message,
    'AI (37) COUNT "1210LOT42A172612313102001250": 28 characters, the maximum is 8 (is a GS separator missing?)',
  );
});

test("over-long variable field with separators present", () => {
  const r = bad(parseElementString(`010950600013435210${"A".repeat(21)}${GS}17261231`, { now: NOW }));
  assert.equal(r.errors[0]?.rule, "too-long");
  assert.match(r.errors[0]?.message ?? "", /^AI \(10\) BATCH\/LOT "A{21}": 21 characters, the maximum is 20/);
});

test("ambiguity: no GS anywhere and the last field also reads as more elements", () => {
  // 10LOT117261231 = batch "LOT117261231", or batch "LOT1" + expiry 2026-12-31.
  const input = "]C1010950600013435210LOT117261231";
  const warn = ok(parseElementString(input, { now: NOW }));
  assert.equal(warn.ambiguous, true);
  assert.equal(warn.fields.batch, "LOT117261231");
  assert.equal(warn.warnings[0]?.rule, "ambiguous");
  assert.equal(
    warn.warnings[0]?.message,
    'AI (10) BATCH/LOT "LOT117261231": no GS separator in the data, and it also reads as (10)LOT1 (17)261231',
  );
  const strict = bad(parseElementString(input, { now: NOW, onAmbiguous: "error" }));
  assert.equal(strict.errors[0]?.rule, "ambiguous");
  assert.equal(ok(parseElementString(input, { now: NOW, onAmbiguous: "ignore" })).ambiguous, false);
  // With a GS somewhere the device evidently transmits separators: no doubt.
  const withGs = ok(parseElementString(`]C1010950600013435221SER${GS}10LOT117261231`, { now: NOW }));
  assert.equal(withGs.ambiguous, false);
  // Not flagged when the alternative reading is invalid (17 with month 13) ...
  assert.equal(ok(parseElementString("]C1010950600013435210LOT117261331", { now: NOW })).ambiguous, false);
  // ... or breaks a pairing rule (37 needs 00 + 02) ...
  assert.equal(ok(parseElementString("]C1010950600013435210B3712", { now: NOW })).ambiguous, false);
  // ... or contradicts an AI already present ((10) twice with different values).
  assert.equal(ok(parseElementString("]C1010950600013435210LOT10A", { now: NOW })).ambiguous, false);
  // Bracketed input has explicit boundaries.
  assert.equal(ok(parseElementString("(01)09506000134352(10)LOT117261231", { now: NOW })).ambiguous, false);
});

test("association rules", () => {
  const no02 = bad(parseElementString("]C1001061414112345678973712"));
  assert.equal(no02.errors[0]?.rule, "requires");
  assert.equal(no02.errors[0]?.ai, "37");
  assert.equal(no02.errors[0]?.message, 'AI (37) COUNT "12": must be used together with (00) + (02) or (00) + (8026)');

  const only02 = bad(parseElementString("(02)10614141000415"));
  assert.equal(only02.errors[0]?.message, 'AI (02) CONTENT "10614141000415": must be used together with (37)');

  const batchAlone = bad(parseElementString("10LOT42A"));
  assert.match(
    batchAlone.errors[0]?.message ?? "",
    /^AI \(10\) BATCH\/LOT "LOT42A": must be used together with \(01\) or \(02\)/,
  );

  const gross = bad(parseElementString("(3300)001250"));
  assert.equal(
    gross.errors[0]?.message,
    'AI (3300) GROSS WEIGHT (kg) "001250": must be used together with (00) or (01)',
  );
  const grossOk = ok(parseElementString("(00)106141411234567897(3300)001250"));
  assert.deepEqual(grossOk.fields.grossWeight, { value: "1250", unit: "KGM", ai: "3300" });

  const both = bad(parseElementString("(01)09506000134352(02)10614141000415(37)1(00)106141411234567897"));
  assert.ok(both.errors.some((e) => e.rule === "excludes" && e.message.includes("AI (02)")));

  const twoDecimals = bad(parseElementString("(01)09506000134352(3102)001250(3103)012500"));
  assert.equal(twoDecimals.errors[0]?.rule, "excludes");

  // Serial belongs to one trade item, not to the contents of a pallet.
  const serialOn02 = bad(parseElementString("(00)106141411234567897(02)10614141000415(37)12(21)X"));
  assert.equal(serialOn02.errors[0]?.ai, "21");

  // Off for single barcodes of a multi-barcode label; check the combination separately.
  const part = ok(parseElementString(`02106141410004153712${GS}10LOT42A`, { checkAssociations: false }));
  assert.equal(part.fields.count, 12);
  assert.equal(checkAssociations(part.elements)[0]?.ai, "37");
  const sscc = ok(parseElementString("00106141411234567897"));
  assert.deepEqual(checkAssociations([...sscc.elements, ...part.elements]), []);
});

test("duplicates: same value is dropped with a warning, different value is an error", () => {
  const same = ok(parseElementString(`01095060001343521${"0ABC"}${GS}010950600013435210ABC`));
  assert.equal(same.elements.length, 2);
  assert.equal(same.warnings[0]?.rule, "duplicate");
  const diff = bad(parseElementString(`010950600013435210ABC${GS}10XYZ`));
  assert.equal(diff.errors[0]?.rule, "duplicate");
  assert.equal(
    diff.errors[0]?.message,
    'AI (10) BATCH/LOT "XYZ": AI (10) already occurred with a different value "ABC"',
  );
});

test("unknown AI, AI syntax, truncated fixed-length field", () => {
  const unknown = bad(parseElementString("010950600013435223412"));
  assert.equal(unknown.errors[0]?.rule, "unknown-ai");
  assert.equal(unknown.errors[0]?.message, "AI (234) at position 16 is not a known GS1 Application Identifier");
  const prefix = bad(parseElementString("0512345"));
  assert.equal(prefix.errors[0]?.rule, "unknown-ai");
  assert.equal(bad(parseElementString("(234)12")).errors[0]?.rule, "unknown-ai");
  const letters = bad(parseElementString("ABC"));
  assert.equal(letters.errors[0]?.rule, "ai-syntax");

  const truncated = bad(parseElementString("]C100106141411234"));
  assert.equal(truncated.errors[0]?.rule, "truncated");
  assert.equal(truncated.errors[0]?.message, 'AI (00) SSCC "106141411234": truncated, has 12 of 18 characters');
  const gsInside = bad(parseElementString(`010950600013${GS}43521`));
  assert.equal(gsInside.errors[0]?.rule, "truncated");
  const hriShort = bad(parseElementString("(01)0950600013435"));
  assert.equal(hriShort.errors[0]?.rule, "too-short");
  assert.equal(bad(parseElementString("(01")).errors[0]?.rule, "ai-syntax");
});

test("empty and whitespace-only input", () => {
  assert.equal(bad(parseElementString("")).errors[0]?.rule, "empty");
  assert.equal(bad(parseElementString("\r\n")).errors[0]?.rule, "empty");
  assert.equal(bad(parseElementString(GS)).errors[0]?.rule, "empty");
  assert.equal(bad(parseElementString(`${GS}10`)).errors[0]?.rule, "too-short");
  assert.equal(bad(parseElementString("   ")).errors[0]?.rule, "ai-syntax");
});

test("character set: CSET 82 only, lone surrogates and unicode reported safely", () => {
  const hash = bad(parseElementString("010950600013435210AB#C"));
  assert.equal(hash.errors[0]?.rule, "charset");
  assert.equal(hash.errors[0]?.position, 20);
  assert.equal(
    hash.errors[0]?.message,
    'AI (10) BATCH/LOT "AB#C": must use GS1 character set 82, found "#" at offset 2',
  );

  const lone = bad(parseElementString("010950600013435210AB\ud800C"));
  assert.equal(lone.errors[0]?.rule, "charset");
  assert.ok(lone.errors[0]?.message.includes("\\ud800"));
  assert.equal(Buffer.from(lone.errors[0]?.message ?? "").toString(), lone.errors[0]?.message); // well-formed

  const emoji = bad(parseElementString("010950600013435210AB😀"));
  assert.equal(emoji.errors[0]?.rule, "charset");
  const digitsOnly = bad(parseElementString("(01)0950600013435٢"));
  assert.equal(digitsOnly.errors[0]?.rule, "charset");
  const ctl = bad(parseElementString("\u0000\u0001"));
  assert.equal(ctl.errors[0]?.message, 'expected an AI (2 to 4 digits) at position 0, found "\\u0000"');
});

test("input length is capped", () => {
  const r = bad(parseElementString("9".repeat(5000)));
  assert.equal(r.errors[0]?.rule, "input-too-long");
  assert.equal(r.errors[0]?.message, "input is 5000 characters long, the maximum is 4096");
  assert.equal(bad(parseElementString("0123", { maxInputLength: 3 })).errors[0]?.rule, "input-too-long");
});

test("non-string input from untyped callers does not throw", () => {
  for (const v of [undefined, null, 42, {}, ["01"]]) {
    const r = bad(parseElementString(v as unknown as string));
    assert.equal(r.errors[0]?.rule, "input");
  }
});

test("measures and amounts are decimal strings with Rec 20 units", () => {
  assert.equal(decimalString("001250", 2), "12.50");
  assert.equal(decimalString("001250", 0), "1250");
  assert.equal(decimalString("000000", 3), "0.000");
  assert.equal(decimalString("5", 2), "0.05");
  const r = ok(
    parseElementString("(01)09506000134352(3103)001250(3111)000150(3122)000075(3132)000120(3162)000025", {
      now: NOW,
    }),
  );
  assert.deepEqual(r.fields.netWeight, { value: "1.250", unit: "KGM", ai: "3103" });
  assert.deepEqual(r.fields.length, { value: "15.0", unit: "MTR", ai: "3111" });
  assert.deepEqual(r.fields.width, { value: "0.75", unit: "MTR", ai: "3122" });
  assert.deepEqual(r.fields.height, { value: "1.20", unit: "MTR", ai: "3132" });
  assert.deepEqual(r.fields.netVolume, { value: "0.25", unit: "MTQ", ai: "3162" });
  const lb = ok(parseElementString("(00)106141411234567897(3401)012345"));
  assert.deepEqual(lb.fields.grossWeight, { value: "1234.5", unit: "LBR", ai: "3401" });
  const area = ok(parseElementString("(01)09506000134352(3140)000012"));
  assert.equal(area.byAi["3140"]?.unit, "MTK");
  const price = ok(parseElementString("(01)09506000134352(3102)001250(3922)1999"));
  assert.equal(price.byAi["3922"]?.value, "19.99");
  const isoPrice = ok(parseElementString("(01)09506000134352(3102)001250(3932)9781999"));
  assert.equal(isoPrice.byAi["3932"]?.value, "19.99");
  assert.equal(isoPrice.byAi["3932"]?.currency, "978");
  // Price in local currency and in an ISO currency on one item contradict each other.
  assert.equal(
    bad(parseElementString("(01)09506000134352(3102)001250(3922)1999(3932)9781999")).errors[0]?.rule,
    "excludes",
  );
  const temp = ok(parseElementString("(00)106141411234567897(4331)000250-"));
  assert.equal(temp.byAi["4331"]?.value, "-2.50");
  assert.equal(temp.byAi["4331"]?.unit, "CEL");
});

test("counts as integers; 421 split into country + postal code; GLNs, GRAI, GIAI", () => {
  const r = ok(
    parseElementString(
      `00106141411234567897410541234500001341154123450000134218400770${GS}403ROUTE7${GS}400PO-123${GS}8004GIAI-XYZ`,
    ),
  );
  assert.equal(r.fields.shipToGln, "5412345000013");
  assert.equal(r.fields.billToGln, "5412345000013");
  assert.deepEqual(r.fields.shipToPostal, { country: "840", postalCode: "0770" });
  assert.equal(r.byAi["421"]?.country, "840");
  assert.equal(r.fields.routingCode, "ROUTE7");
  assert.equal(r.fields.orderNumber, "PO-123");
  assert.equal(r.fields.giai, "GIAI-XYZ");

  const post420 = ok(parseElementString("(420)10115"));
  assert.deepEqual(post420.fields.shipToPostal, { postalCode: "10115" });

  const count = ok(parseElementString("(01)09506000134352(30)00000042"));
  assert.equal(count.fields.variableCount, 42);

  const grai = ok(parseElementString("(8003)05412345000013ABC-1"));
  assert.equal(grai.fields.grai, "05412345000013ABC-1");
  assert.deepEqual(grai.byAi["8003"]?.components, ["0", "5412345000013", "ABC-1"]);
  assert.equal(bad(parseElementString("(8003)05412345000014")).errors[0]?.rule, "check-digit");

  const gsin = "0614141123456789";
  const withGsin = ok(parseElementString(`(402)${gsin}0`));
  assert.equal(withGsin.fields.gsin, `${gsin}0`);
});
