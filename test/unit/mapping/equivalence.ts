import assert from "node:assert/strict";
import jsonata from "jsonata";
import type { Node } from "../../../nodes/lib/mapping/fast/ast";
import { compileFast, Fallback, type FastEvaluate } from "../../../nodes/lib/mapping/fast";
import { fastNatives, REGISTERED } from "../../../nodes/lib/mapping/mapper";

/**
 * Both engines on one expression: jsonata (with the mapper's registered functions) and the fast
 * path's compiled function, called directly - not through the mapper, which would quietly hand a
 * fast-path failure to jsonata and hide it.
 */
export interface Pair {
  jsonata: jsonata.Expression;
  fast: FastEvaluate;
}

export function pairFor(source: string): Pair {
  const expression = jsonata(source);
  for (const r of REGISTERED) expression.registerFunction(r.name, r.implementation as (...args: unknown[]) => unknown, r.signature);
  const compiled = compileFast(expression.ast() as Node, REGISTERED.map((r) => r.name));
  assert.ok(compiled.ok, `compiles to the fast path: ${compiled.ok ? "" : compiled.reason}`);
  return { jsonata: expression, fast: compiled.evaluate };
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export async function viaJsonata(pair: Pair, input: unknown, bindings: Record<string, unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await pair.jsonata.evaluate(input, bindings) };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function viaFast(pair: Pair, input: unknown, bindings: Record<string, unknown>): Promise<Outcome> {
  const natives = await fastNatives();
  try {
    return { ok: true, value: pair.fast(input, bindings, natives) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Asserts the fast path gives what jsonata gives: deep-strict-equal values (prototypes and the
 * sequence flags jsonata leaves on arrays included), or a failure where jsonata fails. A fast-path
 * Fallback where jsonata succeeds fails the assertion too: the shipped profiles must not need one.
 * Returns jsonata's outcome.
 */
export async function assertEquivalent(pair: Pair, input: unknown, bindings: Record<string, unknown>, label = ""): Promise<Outcome> {
  // each engine gets its own copy: jsonata's object constructor may write into an empty input array
  const expected = await viaJsonata(pair, structuredClone(input), bindings);
  const actual = await viaFast(pair, structuredClone(input), bindings);
  if (expected.ok) {
    if (!actual.ok) {
      const e = actual.error as Error;
      assert.fail(`${label}: jsonata succeeded, the fast path threw ${e instanceof Fallback ? "a fallback" : "an error"}: ${e?.message ?? String(e)}\ninput: ${JSON.stringify(input)}`);
    }
    assert.deepStrictEqual(actual.value, expected.value, `${label}: same result\ninput: ${JSON.stringify(input)}`);
  } else {
    assert.ok(!actual.ok, `${label}: jsonata threw ${(expected.error as Error).message}; the fast path returned ${JSON.stringify(actual.ok && actual.value)}\ninput: ${JSON.stringify(input)}`);
  }
  return expected;
}
