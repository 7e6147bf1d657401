import type { Natives } from "./natives";
import type { Rec, Value } from "./runtime";

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

  constructor(
    readonly parent: Frame | undefined,
    readonly scope: Scope,
    readonly callerInput: Value,
  ) {}

  bind(name: string, value: Value): void {
    (this.vars ??= new Map()).set(name, value);
  }

  lookup(name: string): Value {
    for (let f: Frame | undefined = this; f; f = f.parent) {
      if (f.vars?.has(name)) return f.vars.get(name);
    }
    const { scope } = this;
    if (name === "$") return scope.root;
    if (Object.prototype.hasOwnProperty.call(scope.bindings, name)) return scope.bindings[name];
    return scope.natives.lookup(name);
  }
}
