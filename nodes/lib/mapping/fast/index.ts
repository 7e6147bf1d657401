import type { Node } from "./ast";
import { Unsupported } from "./ast";
import { checkSubset } from "./check";
import { compileExpression } from "./compile";
import { Frame } from "./frame";
import type { Natives } from "./natives";
import { createSequence, isSequence, type Rec, type Seq, type Value } from "./runtime";

export { captureNatives, type Natives, type Registered } from "./natives";
export { Fallback } from "./runtime";

/** A JSONata expression compiled to JS: same input, same bindings, same result as jsonata's evaluate. */
export type FastEvaluate = (input: Value, bindings: Rec, natives: Natives) => Value;

export type FastCompilation = { ok: true; evaluate: FastEvaluate } | { ok: false; reason: string };

/**
 * Compiles an expression's AST (`jsonata(source).ast()`) when all of it is in the fast subset.
 * Whole expression or nothing, on purpose: jsonata's variables, lambdas and sequence flags would
 * have to cross between the two evaluators for a per-sub-tree fallback, and jsonata's evaluator
 * is async while ours is not - one engine per evaluation is the version we can prove equal.
 */
export function compileFast(ast: Node, registered: readonly string[]): FastCompilation {
  let top: ReturnType<typeof compileExpression>;
  try {
    top = compileExpression(ast, checkSubset(ast, registered));
  } catch (err) {
    if (err instanceof Unsupported) return { ok: false, reason: err.message };
    throw err;
  }
  return {
    ok: true,
    evaluate(input, bindings, natives) {
      // as jsonata's evaluate: $$ is the input as given; a JSON array is one item, not a sequence
      let context: Value = input;
      if (Array.isArray(input) && !isSequence(input)) {
        const wrapped: Seq = createSequence(input);
        wrapped.outerWrapper = true;
        context = wrapped;
      }
      return top(context, new Frame(undefined, { bindings, root: input, natives }, undefined));
    },
  };
}
