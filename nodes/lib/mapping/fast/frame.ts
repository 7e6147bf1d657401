import type { Natives } from "./natives";
import type { Rec, Value } from "./runtime";

/** A tuple's entry for a name it does not hold. */
export const UNSET: unique symbol = Symbol("unset");

/** What every frame of one evaluation shares: the call's bindings, the root input ($$), the natives. */
export interface Scope {
  bindings: Rec;
  root: Value;
  natives: Natives;
}

/**
 * A variable frame, as jsonata's createFrame: a block or a lambda call opens one, `:=` binds in
 * the current one, lookups walk outwards and end in the call's bindings, then the natives.
 * `callerInput` is the input at the call site of the enclosing lambda: jsonata validates the
 * arguments of a tail call (a thunk run by its trampoline) against that, not the local context.
 */
export class Frame {
  private vars: Map<string, Value> | undefined;

  /**
   * `names`/`values`: variables read in place, a tuple of a `#` path (jsonata's createFrameFromTuple
   * binds each entry of the tuple); a value UNSET is a name the tuple does not hold (yet).
   */
  constructor(
    readonly parent: Frame | undefined,
    readonly scope: Scope,
    readonly callerInput: Value,
    private readonly names?: readonly string[],
    private readonly values?: readonly Value[],
  ) {}

  bind(name: string, value: Value): void {
    (this.vars ??= new Map()).set(name, value);
  }

  lookup(name: string): Value {
    for (let f: Frame | undefined = this; f; f = f.parent) {
      if (f.vars?.has(name)) return f.vars.get(name);
      if (f.names !== undefined) {
        const i = f.names.indexOf(name);
        if (i >= 0 && f.values![i] !== UNSET) return f.values![i];
      }
    }
    return this.lookupGlobal(name);
  }

  /** A name the expression binds nowhere (checkSubset knows): the call's bindings, then the natives. */
  lookupGlobal(name: string): Value {
    const { scope } = this;
    if (name === "$") return scope.root;
    if (Object.prototype.hasOwnProperty.call(scope.bindings, name)) return scope.bindings[name];
    return scope.natives.lookup(name);
  }
}
