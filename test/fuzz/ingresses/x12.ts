/** X12 interchanges into the X12 node (parse, envelope checks, 997). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import x12Node from "../../../nodes/lsync-x12/lsync-x12";
import { garbage, huge, invalidUtf8 } from "../hostile";
import type { FlowIngress, IngressMessage } from "../ingress";

const FIX = join(__dirname, "..", "..", "fixtures");
const SAMPLES = ["x12/sample-214.edi", "x12/sample-210.edi", "x12/sample-210-80col.edi", "vendor/x12-210-corrected-minimal.edi"].map((f) => readFileSync(join(FIX, f), "utf8"));
const PIECES = ["*", "~", ">", "^", "|", ":", "\r\n", "\uFEFF", "ISA", "GS", "ST", "SE", "GE", "IEA", "00", "999999999", "\u0000", "__proto__", "constructor"];

const mutated = fc.tuple(fc.constantFrom(...SAMPLES), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...PIECES), fc.nat(3)), { minLength: 1, maxLength: 6 })).map(([src, edits]) => {
  let s = src;
  for (const [at, piece, op] of edits) {
    const i = at % (s.length + 1);
    if (op === 0) s = s.slice(0, i) + piece + s.slice(i);
    else if (op === 1) s = s.slice(0, i); // truncated
    else if (op === 2) s = s.slice(0, i) + s.slice(i + 1 + (at % 40));
    else s = s.slice(0, i) + s.slice(i, i + 60).repeat(2 + (at % 3)) + s.slice(i + 60); // duplicated segments
  }
  return s;
});

export const x12: FlowIngress = {
  name: "X12 interchanges → X12 node",
  modules: [x12Node],
  nodes: (accepted) => [{ id: "entry", type: "lsync-x12", z: "tab", mode: "parse", property: "payload", rejectOutput: false, outputs: 1, wires: [[accepted]] }],
  hostile: fc.oneof(mutated, garbage, invalidUtf8 as fc.Arbitrary<unknown>, invalidUtf8.map((b) => `ISA*${b.toString("latin1")}`)).map((payload): IngressMessage => ({ payload })),
  extras: huge().map((payload) => ({ payload })).concat([{ payload: SAMPLES[0]!.repeat(Math.ceil((5 * 1024 * 1024) / SAMPLES[0]!.length)) }]),
  valid: (i) => ({ payload: SAMPLES[i % SAMPLES.length]! }),
  runs: 2500,
};
