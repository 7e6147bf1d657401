import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acknowledge, parseX12 } from "../../../nodes/lib/x12";

const FIX = join(__dirname, "..", "..", "fixtures");
const samples = [
  "x12/sample-214.edi",
  "x12/sample-210.edi",
  "x12/sample-210-80col.edi",
  "vendor/x12-945-ship-advice.edi",
  "vendor/x12-210-corrected-minimal.edi",
].map((f) => readFileSync(join(FIX, f)));

/** mulberry32: a small seeded generator, so a failure reproduces. */
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

const INTERESTING = [..."*~>^|:\r\n\uFEFF\u2026 0ISAGSEIEA", "\u0000"].map((c) => Buffer.from(c));

function mutate(src: Buffer, r: () => number): Buffer {
  const pick = (n: number) => Math.floor(r() * n);
  let b = Buffer.from(src);
  const ops = 1 + pick(6);
  for (let k = 0; k < ops; k++) {
    const at = pick(b.length + 1);
    switch (pick(6)) {
      case 0: // flip a byte
        if (b.length) b[Math.min(at, b.length - 1)] = pick(256);
        break;
      case 1: // delete a run
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + pick(20))]);
        break;
      case 2: // insert a delimiter-ish character
        b = Buffer.concat([b.subarray(0, at), INTERESTING[pick(INTERESTING.length)]!, b.subarray(at)]);
        break;
      case 3: // duplicate a slice
        b = Buffer.concat([b.subarray(0, at), b.subarray(pick(b.length), pick(b.length)), b.subarray(at)]);
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      default: // change a digit (counts, control numbers)
        if (b.length) {
          const i = Math.min(at, b.length - 1);
          if (b[i]! >= 0x30 && b[i]! <= 0x39) b[i] = 0x30 + pick(10);
        }
    }
  }
  return b;
}

describe("x12 fuzz (seeded)", () => {
  it("2,000 inputs (random bytes, truncations, mutated samples): parse and acknowledge never throw", () => {
    const r = rng(20250322);
    const pick = (n: number) => Math.floor(r() * n);
    let fatal = 0;
    let rejected = 0;
    let accepted = 0;
    for (let n = 0; n < 2000; n++) {
      const kind = n % 4;
      const sample = samples[pick(samples.length)]!;
      let input: Buffer | string;
      if (kind === 0) input = Buffer.from(Array.from({ length: pick(400) }, () => pick(256)));
      else if (kind === 1) input = sample.subarray(0, pick(sample.length + 1));
      else if (kind === 2) input = mutate(sample, r);
      else input = mutate(sample, r).toString("latin1");
      let result;
      try {
        result = parseX12(input);
        acknowledge(result, { interchangeControlNumber: 1 + n, groupControlNumber: 1 + n });
      } catch (err) {
        assert.fail(`input #${n} (kind ${kind}) threw: ${(err as Error).stack}\n${JSON.stringify(input.toString())}`);
      }
      if (result.fatal) {
        fatal++;
        assert.ok(result.fatal.message.length > 0);
      } else if (result.ok) accepted++;
      else {
        rejected++;
        assert.ok(result.findings.some((f) => f.severity === "error"), "a rejection names its reason");
      }
    }
    assert.equal(fatal + rejected + accepted, 2000);
    assert.ok(rejected > 100 && fatal > 100, `a varied corpus: ${fatal} fatal, ${rejected} rejected, ${accepted} accepted`);
  });
});
