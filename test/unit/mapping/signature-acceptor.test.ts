import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FAST_NATIVES, signatureAcceptor, type NativeDef } from "../../../nodes/lib/mapping/fast/natives";
import { fastNatives } from "../../../nodes/lib/mapping/mapper";

/** An argument of any signature type: missing, null, scalars, arrays (uniform or mixed), objects, functions. */
const arg = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(0, 1, -2.5, 1e21),
  fc.constantFrom("", "x", "12"),
  fc.array(fc.constantFrom("a", "b"), { maxLength: 3 }),
  fc.array(fc.constantFrom(1, 2.5), { maxLength: 3 }),
  fc.array(fc.oneof(fc.constant("a"), fc.constant(1), fc.constant({ o: 1 })), {
    maxLength: 3,
  }),
  fc.array(fc.constant({ k: "v" }), { maxLength: 2 }),
  fc.constant({ k: "v" }),
  fc.constant((x: unknown) => x),
  fc.constant({ _jsonata_lambda: true }),
);

describe("signatureAcceptor: jsonata's signature validation, short-cut", () => {
  it("gives what validate gives, for every fast built-in and $gs1, whenever it decides", async () => {
    const natives = await fastNatives();
    const defs = [...FAST_NATIVES, "gs1"].map((name) => ({ name, def: natives.lookup(name) as NativeDef })).filter((d) => d.def.signature);
    const decided = new Map<string, number>();
    for (const { name, def } of defs) {
      const definition = (def.signature as unknown as { definition: string }).definition;
      const accept = signatureAcceptor(definition);
      fc.assert(
        fc.property(fc.array(arg, { maxLength: 4 }), fc.oneof(fc.constant(undefined), fc.constant("ctx"), fc.constant(7)), (args, context) => {
          const shortcut = accept?.(args);
          if (shortcut === undefined) return;
          decided.set(name, (decided.get(name) ?? 0) + 1);
          let expected: unknown;
          try {
            expected = def.signature!.validate(args, context);
          } catch (err) {
            assert.fail(`$${name} ${definition}: the shortcut accepted ${JSON.stringify(args)}, validate threw ${(err as { code?: string }).code}`);
          }
          assert.deepStrictEqual(shortcut, expected, `$${name} ${definition} on ${JSON.stringify(args)}`);
        }),
        { numRuns: 400, seed: 1729 },
      );
    }
    // it decides for most of the built-ins a mapping calls (not only for trivial signatures)
    for (const name of [
      "string",
      "substring",
      "trim",
      "pad",
      "lookup",
      "number",
      "join",
      "count",
      "sum",
      "exists",
      "round",
      "toMillis",
      "fromMillis",
      "gs1",
    ]) {
      assert.ok((decided.get(name) ?? 0) > 0, `decided some $${name} calls`);
    }
  });

  it("leaves context arguments, wrapping and refusals to validate", () => {
    const string = signatureAcceptor("<x-b?:s>")!;
    assert.deepEqual(string(["a"]), ["a", undefined]);
    assert.equal(string([]), undefined, "$string() takes the context: validate decides");
    const substring = signatureAcceptor("<s-nn?:s>")!;
    assert.deepEqual(substring(["abc", 1]), ["abc", 1, undefined]);
    assert.equal(substring([1, 1]), undefined, "a number where a string goes: validate throws T0410");
    assert.equal(substring(["a", 1, 2, 3]), undefined, "too many arguments");
    const count = signatureAcceptor("<a:n>")!;
    assert.equal(count(["x"]), undefined, "validate wraps a non-array");
    assert.deepEqual(count([[1, "x"]]), [[1, "x"]]);
    const join = signatureAcceptor("<a<s>s?:s>")!;
    assert.equal(join([["a", 1]]), undefined, "validate refuses a mixed array (T0412)");
    assert.equal(signatureAcceptor("<af?:a>"), undefined, "functions: not short-cut");
    assert.equal(signatureAcceptor("<a+>"), undefined);
  });
});
