/**
 * Hostile input generators (fast-check) shared by every ingress: malformed and truncated text,
 * deep nesting, wrong types, prototype-polluting keys, invalid UTF-8, and a 5 MB body. An
 * ingress combines them with its own valid samples (see ingresses/*.ts). Not a test file.
 */
import fc from "fast-check";

/** Keys that pollute prototypes when a parser or a merge copies them naively. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** `{"__proto__":{"polluted":"yes"}}` and friends, as text (JSON.parse keeps them as own keys). */
export const protoJson = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":{"__proto__":{"polluted":"yes"}},"deviceId":{"__proto__":{"polluted":"yes"}}}',
  '[{"__proto__":{"polluted":"yes"}}]',
  '{"__proto__":[],"prototype":{"polluted":"yes"},"toString":"x","valueOf":1,"hasOwnProperty":"no"}',
);

/** Bytes that are not UTF-8: lone continuation bytes, overlong forms, surrogate halves, 0xFF. */
export const invalidUtf8 = fc
  .array(fc.constantFrom([0xc3, 0x28], [0xa0, 0xa1], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0x28], [0xed, 0xa0, 0x80], [0xff], [0xc0, 0xaf], [0x00]), { minLength: 1, maxLength: 8 })
  .chain((bad) => fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => Buffer.concat([Buffer.from(a), Buffer.from(bad.flat()), Buffer.from(b)])));

/** `[[[[…]]]]` or `{"a":{"a":…}}` thousands of levels deep (a recursive reader overflows its stack). */
export const deeplyNested = fc.tuple(fc.integer({ min: 500, max: 20_000 }), fc.boolean(), fc.boolean()).map(([depth, arrays, closed]) => {
  const open = arrays ? "[".repeat(depth) : '{"a":'.repeat(depth);
  const close = arrays ? "]".repeat(depth) : "}".repeat(depth);
  return open + (arrays ? "" : "1") + (closed ? close : close.slice(0, depth >> 1));
});

/** A valid document cut short anywhere. */
export function truncated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return valid.chain((text) => fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut)));
}

/** A valid object with one field replaced by a value of a wrong type (or a polluting key added). */
export function wrongTyped(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  const wrong = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.constant(Number.MAX_SAFE_INTEGER + 2),
    fc.string({ maxLength: 40 }),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
    fc.constant({ __proto__: null, polluted: "yes" }),
  );
  return fc.tuple(valid, fc.nat(), wrong, fc.boolean()).map(([obj, which, value, protoKey]) => {
    const keys = Object.keys(obj);
    const copy: Record<string, unknown> = { ...obj };
    if (keys.length) copy[keys[which % keys.length]!] = value;
    let text = JSON.stringify(copy);
    if (protoKey) text = text.replace(/^\{/, '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},');
    return text;
  });
}

/** Whatever: random text, random JSON values, control characters. */
export const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc.constantFrom("", " ", "null", "true", "0", "[]", "{}", '""', "\u0000", "\uFEFF{}", "{\"a\":1}}", "NaN", "1e999"),
);

/** A body of about `bytes` bytes: JSON with one huge string, or plain filler. */
export function huge(bytes = 5 * 1024 * 1024): string[] {
  const filler = "x".repeat(bytes);
  return [`{"deviceId":"${filler}","seq":1}`, filler, `[${"1,".repeat(bytes / 2)}1`];
}

/** Snapshot of the built-in prototypes, to prove afterwards that nothing was added to them. */
export function prototypeSnapshot(): string {
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((p) => Object.getOwnPropertyNames(p).sort().join(","))
    .join("|");
}

export function assertNoPollution(before: string): void {
  const probe = {} as Record<string, unknown>;
  if (probe.polluted !== undefined || (Object.prototype as Record<string, unknown>).polluted !== undefined) {
    throw new Error("prototype pollution: ({}).polluted is set");
  }
  if (([] as unknown as Record<string, unknown>).polluted !== undefined) throw new Error("prototype pollution: [].polluted is set");
  if (prototypeSnapshot() !== before) throw new Error("prototype pollution: a built-in prototype gained or lost a property");
}
