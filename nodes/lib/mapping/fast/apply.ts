import { Frame } from "./frame";
import type { Focus, NativeDef, Natives } from "./natives";
import { createSequence, Fallback, isFunction, jsonataError, type Value } from "./runtime";

/** A compiled expression: input (the context) and frame in, value out. */
export type Ev = (input: Value, frame: Frame) => Value;

/** A lambda made by the fast path; `_jsonata_lambda` so $string, $type & co. see a function. */
export class FastLambda {
  readonly _jsonata_lambda = true;
  constructor(
    readonly input: Value,
    readonly frame: Frame,
    readonly params: readonly string[],
    readonly body: Ev,
  ) {}
}

/**
 * A tail call in a lambda body, left for the caller's trampoline as jsonata does (its parser turns
 * such calls into thunks): the result is then not normalised by the call node, and the arguments of
 * a native are checked against the outer caller's input.
 */
export class Thunk {
  constructor(
    readonly input: Value,
    readonly frame: Frame,
    readonly procedure: Ev,
    readonly args: readonly Ev[],
  ) {}
}

function applyInner(proc: Value, args: Value[], callerInput: Value, natives: Natives): Value {
  if (proc instanceof FastLambda) {
    const frame = new Frame(proc.frame, proc.frame.scope, callerInput);
    proc.params.forEach((name, i) => frame.bind(name, args[i]));
    return proc.body(proc.input, frame);
  }
  const def = proc as NativeDef | null | undefined;
  if (def && def._jsonata_function === true) {
    const sync = natives.syncOf(def);
    if (!sync) throw new Fallback("a function the fast path does not cover");
    const validated = natives.validate(def, args, callerInput);
    const focus: Focus = { input: callerInput, createSequence, environment: { lookup: () => undefined } };
    return sync(focus, validated, (fn, fnArgs) => applyFunction(fn, fnArgs, null, natives));
  }
  if (isFunction(proc)) {
    if (typeof proc !== "function") throw new Fallback("a jsonata lambda from outside the fast path");
    const result = (proc as (...a: Value[]) => Value).apply(callerInput, args);
    if (result && typeof (result as { then?: unknown }).then === "function") throw new Fallback("an async function");
    return result;
  }
  throw jsonataError("T1006");
}

/** jsonata's `apply`: runs the procedure, then the trampoline for tail calls. */
export function applyFunction(proc: Value, args: Value[], callerInput: Value, natives: Natives): Value {
  let result = applyInner(proc, args, callerInput, natives);
  while (result instanceof Thunk) {
    const t: Thunk = result;
    const next = t.procedure(t.input, t.frame);
    const nextArgs = t.args.map((a) => a(t.input, t.frame));
    result = applyInner(next, nextArgs, callerInput, natives);
  }
  return result;
}
