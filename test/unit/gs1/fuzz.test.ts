import { test } from "node:test";
import assert from "node:assert/strict";
import { createElementStringParser, parseElementString, type ParseResult } from "../../../nodes/lib/gs1";

/** Small seeded PRNG (mulberry32) so a failure is reproducible from the printed seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "0",
  "1",
  "2",
  "3",
  "7",
  "9",
  "00",
  "01",
  "02",
  "10",
  "17",
  "21",
  "37",
  "3102",
  "421",
  "8003",
  "8013",
  "7003",
  "\u001d",
  "|",
  "(",
  ")",
  "\\(",
  "]C1",
  "]d2",
  "]Q3",
  "]e0",
  "]",
  "A",
  "z",
  "-",
  "%",
  "%4",
  "#",
  " ",
  "\u0000",
  "\u007f",
  "\r",
  "\n",
  "\u0085",
  "é",
  "😀",
  "\ud800",
  "\udfff",
  "\ufeff",
  "١",
  "106141411234567897",
  "09506000134352",
  "261231",
  "280200",
  "001250",
];

function randomInput(next: () => number): string {
  const mode = next();
  if (mode < 0.01) return "0".repeat(4000 + Math.floor(next() * 300)); // around the length cap
  if (mode < 0.3) {
    // Random UTF-16 code units, surrogates and control characters included.
    let s = "";
    const n = Math.floor(next() * 60);
    for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(next() * 0x10000));
    return s;
  }
  // Plausible-looking pieces glued together: this reaches deep into the parser.
  let s = "";
  const n = Math.floor(next() * 16);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}

const PALLET = "]C10010614141123456789702106141410004153712\u001d10LOT42A\u001d172612313102001250";

function mutate(next: () => number, s: string): string {
  let out = s;
  const edits = 1 + Math.floor(next() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (out.length + 1));
    const kind = next();
    const ch = PIECES[Math.floor(next() * PIECES.length)] ?? "";
    if (kind < 0.33) out = out.slice(0, at) + ch + out.slice(at);
    else if (kind < 0.66) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + ch + out.slice(at + ch.length);
  }
  return out;
}

function isWellFormed(s: string): boolean {
  return Buffer.from(s, "utf8").toString("utf8") === s;
}

function assertShape(r: ParseResult, input: string): void {
  const ctx = JSON.stringify(input);
  assert.equal(typeof r, "object", ctx);
  assert.equal(typeof r.ok, "boolean", ctx);
  assert.ok(r.symbology === null || typeof r.symbology === "string", ctx);
  if (r.ok) {
    assert.ok(Array.isArray(r.elements), ctx);
    assert.ok(r.form === "raw" || r.form === "bracketed", ctx);
    assert.equal(typeof r.ambiguous, "boolean", ctx);
    assert.ok(Array.isArray(r.warnings), ctx);
    assert.equal(typeof r.fields, "object", ctx);
    for (const el of r.elements) {
      assert.match(el.ai, /^\d{2,4}$/, ctx);
      assert.equal(typeof el.title, "string", ctx);
      assert.equal(typeof el.raw, "string", ctx);
      assert.ok(typeof el.value === "string" || (typeof el.value === "number" && Number.isFinite(el.value)), ctx);
      assert.equal(r.byAi[el.ai], el, ctx);
    }
    assert.equal(Object.keys(r.byAi).length, r.elements.length, ctx);
  } else {
    assert.ok(Array.isArray(r.errors) && r.errors.length > 0 && r.errors.length <= 20, ctx);
    for (const e of r.errors) {
      assert.ok(Number.isInteger(e.position) && e.position >= 0, ctx);
      assert.equal(typeof e.rule, "string", ctx);
      assert.notEqual(e.rule, "internal", `internal error for ${ctx}: ${e.message}`);
      assert.equal(typeof e.message, "string", ctx);
      assert.ok(e.message.length > 0 && e.message.length < 400, ctx);
      assert.ok(isWellFormed(e.message), `message not well-formed UTF-16 for ${ctx}`);
    }
  }
}

test("fuzz: 2,000 random inputs never throw and always return the documented shape", () => {
  const seed = 0x5eed;
  const next = rng(seed);
  const withSubs = createElementStringParser({ gsSubstitutes: ["|", "<GS>", "^]"], onAmbiguous: "error" });
  let oks = 0;
  for (let i = 0; i < 2000; i++) {
    const input = i % 2 === 0 ? randomInput(next) : mutate(next, PALLET);
    let r: ParseResult;
    let r2: ParseResult;
    try {
      r = parseElementString(input);
      r2 = withSubs(input);
    } catch (err) {
      assert.fail(`threw on ${JSON.stringify(input)} (seed ${seed}, i ${i}): ${String(err)}`);
    }
    assertShape(r, input);
    assertShape(r2, input);
    if (r.ok) oks++;
  }
  // The mutations must leave some inputs valid, or the fuzz would only test the error path.
  assert.ok(oks > 20, `only ${oks} inputs parsed`);
});
