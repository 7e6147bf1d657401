import { test } from "node:test";
import assert from "node:assert/strict";
import { daysInMonth, parseElementString, parseYymmdd, resolveCentury } from "../../../nodes/lib/gs1";

test("resolveCentury: GS1 sliding window is [current−49, current+50]", () => {
  assert.equal(resolveCentury(26, 2026), 2026);
  assert.equal(resolveCentury(76, 2026), 2076); // +50: still this century
  assert.equal(resolveCentury(77, 2026), 1977); // +51: previous century
  assert.equal(resolveCentury(0, 2026), 2000);
  assert.equal(resolveCentury(30, 2080), 2130); // −50: next century
  assert.equal(resolveCentury(31, 2080), 2031); // −49: this century
  assert.equal(resolveCentury(99, 2000), 1999);
  assert.equal(resolveCentury(50, 2000), 2050);
  assert.equal(resolveCentury(51, 2000), 1951);
});

test("daysInMonth: leap years", () => {
  assert.equal(daysInMonth(2028, 2), 29);
  assert.equal(daysInMonth(2027, 2), 28);
  assert.equal(daysInMonth(2100, 2), 28);
  assert.equal(daysInMonth(2000, 2), 29);
  assert.equal(daysInMonth(2026, 4), 30);
});

test("parseYymmdd: DD=00 is the last day of the month when allowed", () => {
  assert.deepEqual(parseYymmdd("280200", 0, true, 2026), {
    ok: true,
    date: "2028-02-29",
    year: 2028,
    month: 2,
    day: 29,
    dayOmitted: true,
  });
  const feb27 = parseYymmdd("270200", 0, true, 2026);
  assert.ok(feb27.ok && feb27.date === "2027-02-28");
  const nov = parseYymmdd("261100", 0, true, 2026);
  assert.ok(nov.ok && nov.date === "2026-11-30");
  assert.equal(parseYymmdd("261100", 0, false, 2026).ok, false);
});

test("parseYymmdd: impossible dates", () => {
  assert.equal(parseYymmdd("261301", 0, true, 2026).ok, false);
  assert.equal(parseYymmdd("260431", 0, true, 2026).ok, false);
  assert.equal(parseYymmdd("270229", 0, true, 2026).ok, false);
  assert.equal(parseYymmdd("280229", 0, true, 2026).ok, true);
  assert.equal(parseYymmdd("26a101", 0, true, 2026).ok, false);
  assert.equal(parseYymmdd("2601", 0, true, 2026).ok, false);
});

const GTIN = "(01)09506000134352";

test("parse: expiry DD=00 → last day of month (Feb 2028 → 29), flagged dayOmitted", () => {
  const r = parseElementString(`${GTIN}(17)280200`, { now: new Date("2026-06-01T00:00:00Z") });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.fields.expiry, "2028-02-29");
  assert.equal(r.byAi["17"]?.dayOmitted, true);
  assert.equal(r.byAi["17"]?.raw, "280200");
});

test("parse: century window follows the `now` option", () => {
  const at2026 = parseElementString(`${GTIN}(15)770101`, { now: new Date("2026-06-01T00:00:00Z") });
  assert.ok(at2026.ok);
  assert.equal(at2026.fields.bestBefore, "1977-01-01");
  const at2030 = parseElementString(`${GTIN}(15)770101`, { now: new Date("2030-06-01T00:00:00Z") });
  assert.ok(at2030.ok);
  assert.equal(at2030.fields.bestBefore, "2077-01-01");
  const at2080 = parseElementString(`${GTIN}(11)300101`, { now: new Date("2080-01-01T00:00:00Z") });
  assert.ok(at2080.ok);
  assert.equal(at2080.fields.productionDate, "2130-01-01");
});

test("parse: dates are calendar strings, never Date objects", () => {
  const r = parseElementString(`${GTIN}(11)260101(13)260102(15)260103(16)260104(17)260105`, {
    now: new Date("2026-01-01T00:00:00Z"),
  });
  assert.ok(r.ok);
  for (const el of r.elements.slice(1)) assert.equal(typeof el.value, "string");
  assert.deepEqual(
    [r.fields.productionDate, r.fields.packDate, r.fields.bestBefore, r.fields.sellBy, r.fields.expiry],
    ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05"],
  );
});

test("parse: invalid date names AI, rule and value", () => {
  const r = parseElementString(`${GTIN}(17)261331`);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.errors[0]?.rule, "date");
  assert.equal(r.errors[0]?.message, 'AI (17) USE BY or EXPIRY "261331": month 13 is not 01-12');
});

test("parse: date-time AIs 7003 and 8008", () => {
  const r = parseElementString(`${GTIN}(7003)2612311530(8008)26010108`, { now: new Date("2026-01-01T00:00:00Z") });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.byAi["7003"]?.value, "2026-12-31T15:30");
  assert.equal(r.byAi["8008"]?.value, "2026-01-01T08:00");
  const bad = parseElementString(`${GTIN}(7003)2612312460`);
  assert.equal(bad.ok, false);
});
