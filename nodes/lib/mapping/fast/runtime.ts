/**
 * The value model of the JSONata fast path, mirroring jsonata 2.2's own (jsonata.js: utils and
 * the evaluator's helpers) line for line, because equivalence lives in these details: a
 * "sequence" is an array with an enumerable `sequence: true` (jsonata 2.2 sets it as a plain
 * property, so results stay deep-equal to jsonata's), `keepSingleton`, `outerWrapper`, and a
 * non-enumerable `cons` on arrays built by an array constructor inside a path.
 */

/** A JSONata value: JSON data, sequences, functions (lambdas, natives, regex matchers). */
export type Value = unknown;

export interface Seq extends Array<Value> {
  sequence?: boolean;
  keepSingleton?: boolean;
  outerWrapper?: boolean;
  cons?: boolean;
  tupleStream?: boolean;
}

export type Rec = Record<string, Value>;

/**
 * Thrown by the fast path when it meets something at run time it does not cover (an async native,
 * a function-valued argument to a native, $now): the mapper then evaluates with jsonata instead.
 */
export class Fallback extends Error {
  constructor(readonly reason: string) {
    super(`fast path falls back to jsonata: ${reason}`);
  }
}

/** jsonata's `createSequence`: `createSequence()` is empty, `createSequence(x)` holds x, even x = undefined. */
export function createSequence(...items: Value[]): Seq {
  const s: Seq = [];
  s.sequence = true;
  if (items.length === 1) s.push(items[0]);
  return s;
}

export function isSequence(value: Value): value is Seq {
  return (value as Seq).sequence === true && Array.isArray(value);
}

/** A JSONata error object as jsonata throws them (the mapper re-runs jsonata for the exact error). */
export function jsonataError(code: string, value?: Value): Error {
  const err = new Error(`${code}`) as Error & { code: string; value: Value };
  err.code = code;
  err.value = value;
  return err;
}

export function isNumeric(n: Value): n is number {
  if (typeof n !== "number") return false;
  if (isNaN(n)) return false;
  if (!isFinite(n)) throw jsonataError("D1001", n);
  return true;
}

export function isArrayOfNumbers(arg: Value): boolean {
  return Array.isArray(arg) && arg.filter((item) => !isNumeric(item)).length === 0;
}

export function isArrayOfStrings(arg: Value): boolean {
  return Array.isArray(arg) && arg.filter((item) => typeof item !== "string").length === 0;
}

export function isFunction(arg: Value): boolean {
  if (typeof arg === "function") return true;
  const a = arg as { _jsonata_function?: unknown; _jsonata_lambda?: unknown } | null | undefined;
  return !!a && (a._jsonata_function === true || a._jsonata_lambda === true);
}

/** jsonata's effective boolean value (fn.boolean): undefined stays undefined. */
export function toBoolean(arg: Value): boolean | undefined {
  if (typeof arg === "undefined") return undefined;
  let result = false;
  if (Array.isArray(arg)) {
    if (arg.length === 1) result = toBoolean(arg[0]) as boolean;
    else if (arg.length > 1) result = arg.filter((val) => toBoolean(val)).length > 0;
  } else if (typeof arg === "string") {
    result = arg.length > 0;
  } else if (isNumeric(arg)) {
    result = arg !== 0;
  } else if (arg !== null && typeof arg === "object" && !isFunction(arg)) {
    result = Object.keys(arg).length > 0;
  } else if (arg === true) {
    result = true;
  }
  return result;
}

export function boolize(value: Value): boolean {
  const b = toBoolean(value);
  return typeof b === "undefined" ? false : b;
}

/** fn.lookup: a field of an object, mapped (and flattened one level) over arrays. */
export function lookup(input: Value, key: string): Value {
  if (Array.isArray(input)) {
    const result = createSequence();
    for (let ii = 0; ii < input.length; ii++) {
      const res = lookup(input[ii], key);
      if (typeof res !== "undefined") {
        if (Array.isArray(res)) res.forEach((val) => result.push(val));
        else result.push(res);
      }
    }
    return result;
  }
  if (input !== null && typeof input === "object" && Object.prototype.hasOwnProperty.call(input, key) && !isFunction(input)) {
    return (input as Rec)[key];
  }
  return undefined;
}

/** fn.append (without the sequence-size option, which the mapper does not set). */
export function append(arg1: Value, arg2: Value): Value {
  if (typeof arg1 === "undefined") return arg2;
  if (typeof arg2 === "undefined") return arg1;
  const a1: Value[] = Array.isArray(arg1) ? arg1 : createSequence(arg1);
  const a2: Value[] = Array.isArray(arg2) ? arg2 : [arg2];
  return a1.concat(a2);
}

export function isDeepEqual(lhs: Value, rhs: Value): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs === "object" && typeof rhs === "object" && lhs !== null && rhs !== null) {
    if (Array.isArray(lhs) && Array.isArray(rhs)) {
      if (lhs.length !== rhs.length) return false;
      for (let ii = 0; ii < lhs.length; ii++) if (!isDeepEqual(lhs[ii], rhs[ii])) return false;
      return true;
    }
    const lkeys = Object.getOwnPropertyNames(lhs).sort();
    const rkeys = Object.getOwnPropertyNames(rhs).sort();
    if (lkeys.length !== rkeys.length) return false;
    for (let ii = 0; ii < lkeys.length; ii++) if (lkeys[ii] !== rkeys[ii]) return false;
    for (const key of lkeys) if (!isDeepEqual((lhs as Rec)[key], (rhs as Rec)[key])) return false;
    return true;
  }
  return false;
}

/** fn.string without prettify: numbers to 15 significant digits, functions as "". */
export function toJsonataString(arg: Value): string | undefined {
  if (typeof arg === "undefined") return undefined;
  if (typeof arg === "string") return arg;
  if (isFunction(arg)) return "";
  if (typeof arg === "number" && !isFinite(arg)) throw jsonataError("D3001", arg);
  const value = Array.isArray(arg) && (arg as Seq).outerWrapper ? arg[0] : arg;
  return JSON.stringify(value, (_key, val: Value) => {
    if (typeof val !== "undefined" && val !== null && isNumeric(val)) {
      return !Number.isInteger(val) ? Number(val.toPrecision(15)) : val;
    }
    return val && isFunction(val) ? "" : val;
  });
}

/** What `evaluate` does to every node's result: an empty sequence is undefined, a singleton its item. */
export function normalize(result: Value, keepArray: boolean): Value {
  if (result && isSequence(result) && !result.tupleStream) {
    if (keepArray) result.keepSingleton = true;
    if (result.length === 0) return undefined;
    if (result.length === 1) return result.keepSingleton ? result : result[0];
  }
  return result;
}
