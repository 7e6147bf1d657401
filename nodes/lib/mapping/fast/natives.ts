import jsonata from "jsonata";
import { createSequence, Fallback, isArrayOfNumbers, isArrayOfStrings, isFunction, jsonataError, type Seq, type Value } from "./runtime";

/**
 * JSONata's built-in functions for the fast path. We call jsonata's own implementations (and its
 * own signature checks) rather than re-writing them, so $string, $substring, $fromMillis & co. are
 * equivalent by construction. jsonata does not export them: we capture its function environment
 * once, from inside a registered function, on the first mapping (which is async anyway).
 * The few built-ins that are `async` in jsonata 2.x ($contains, $match, $replace, $sort) get a
 * synchronous copy here, line for line; everything else async (HOFs, $eval, $split...) or
 * time-dependent ($now, $millis, $random) is not on the fast path.
 */

interface Signature {
  validate(args: Value[], context: Value): Value[];
}

/** A built-in or registered function as jsonata's environment holds it. */
export interface NativeDef {
  _jsonata_function: true;
  implementation: (this: Focus, ...args: Value[]) => Value;
  signature?: Signature;
}

/** `this` of a native: what the implementations use of jsonata's `focus`. */
export interface Focus {
  input: Value;
  createSequence: typeof createSequence;
  environment: { lookup(name: string): Value };
}

/** Applies a JSONata function value (lambda) from inside a native ($sort's comparator). */
export type ApplyFunction = (fn: Value, args: Value[]) => Value;

export type SyncNative = (focus: Focus, args: Value[], apply: ApplyFunction) => Value;

/** Sync natives whose jsonata implementation we call as is (checked: no await, no HOF, no clock). */
const DIRECT = [
  "string", "substring", "substringBefore", "substringAfter", "lowercase", "uppercase", "length", "trim", "pad",
  "join", "number", "abs", "floor", "ceil", "round", "sqrt", "power", "boolean", "not", "exists", "lookup",
  "append", "keys", "merge", "spread", "reverse", "distinct", "type", "error", "assert", "count", "sum", "max",
  "min", "average", "fromMillis", "toMillis", "formatNumber", "formatBase", "formatInteger", "parseInteger",
  "base64encode", "base64decode", "encodeUrlComponent", "encodeUrl", "decodeUrlComponent", "decodeUrl", "zip",
] as const;

/** Natives with a synchronous copy below. */
const OVERRIDDEN = ["contains", "match", "replace", "sort"] as const;

/** Names a fast expression may call without binding them itself (besides registered functions). */
export const FAST_NATIVES: ReadonlySet<string> = new Set<string>([...DIRECT, ...OVERRIDDEN]);

interface MatchResult {
  match: string;
  start: number;
  end: number;
  groups: string[];
  next: () => MatchResult | undefined;
}

/** evaluateMatcher: a regex closure (or a plain JS function) called synchronously. */
function evaluateMatcher(matcher: Value, str: Value): MatchResult | undefined {
  if (typeof matcher !== "function") throw new Fallback("a matcher that is a JSONata lambda");
  const result = (matcher as (s: Value) => Value)(str) as MatchResult | undefined;
  if (result && typeof (result as unknown as { then?: unknown }).then === "function") throw new Fallback("an async matcher");
  if (result && !(typeof result.start === "number" || Array.isArray(result.groups) || isFunction(result.next))) {
    throw jsonataError("T1010");
  }
  return result;
}

function contains(_focus: Focus, [str, token]: Value[]): Value {
  if (typeof str === "undefined" || typeof token === "undefined") return undefined;
  if (typeof token === "string") return (str as string).indexOf(token) !== -1;
  return typeof evaluateMatcher(token, str) !== "undefined";
}

function match(focus: Focus, [str, regex, limit]: Value[]): Value {
  if (typeof str === "undefined") return undefined;
  if ((limit as number) < 0) throw jsonataError("D3040", limit);
  const result = focus.createSequence();
  if (typeof limit === "undefined" || (limit as number) > 0) {
    let count = 0;
    let matches = evaluateMatcher(regex, str);
    while (typeof matches !== "undefined" && (typeof limit === "undefined" || count < (limit as number))) {
      result.push({ match: matches.match, index: matches.start, groups: matches.groups });
      matches = evaluateMatcher(matches.next, undefined);
      count++;
    }
  }
  return result;
}

/** The `$n` substitution of fn.replace for a string replacement. */
function substitute(replacement: string, regexMatch: MatchResult): string {
  let out = "";
  let position = 0;
  let index = replacement.indexOf("$", position);
  while (index !== -1 && position < replacement.length) {
    out += replacement.substring(position, index);
    position = index + 1;
    const dollarVal = replacement.charAt(position);
    if (dollarVal === "$") {
      out += "$";
      position++;
    } else if (dollarVal === "0") {
      out += regexMatch.match;
      position++;
    } else {
      const maxDigits = regexMatch.groups.length === 0 ? 1 : Math.floor(Math.log(regexMatch.groups.length) * Math.LOG10E) + 1;
      index = parseInt(replacement.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && index > regexMatch.groups.length) index = parseInt(replacement.substring(position, position + maxDigits - 1), 10);
      if (!isNaN(index)) {
        if (regexMatch.groups.length > 0) {
          const submatch = regexMatch.groups[index - 1];
          if (typeof submatch !== "undefined") out += submatch;
        }
        position += index.toString().length;
      } else {
        out += "$";
      }
    }
    index = replacement.indexOf("$", position);
  }
  return out + replacement.substring(position);
}

function replace(_focus: Focus, [str, pattern, replacement, limit]: Value[]): Value {
  if (typeof str === "undefined") return undefined;
  if (pattern === "") throw jsonataError("D3010", pattern);
  if ((limit as number) < 0) throw jsonataError("D3011", limit);
  if (typeof replacement !== "string") throw new Fallback("a $replace with a function replacement");
  const s = str as string;
  if (!(typeof limit === "undefined" || (limit as number) > 0)) return s;
  let result = "";
  let position = 0;
  let count = 0;
  if (typeof pattern === "string") {
    let index = s.indexOf(pattern, position);
    while (index !== -1 && (typeof limit === "undefined" || count < (limit as number))) {
      result += s.substring(position, index) + replacement;
      position = index + pattern.length;
      count++;
      index = s.indexOf(pattern, position);
    }
    return result + s.substring(position);
  }
  let matches = evaluateMatcher(pattern, s);
  if (typeof matches === "undefined") return s;
  while (typeof matches !== "undefined" && (typeof limit === "undefined" || count < (limit as number))) {
    result += s.substring(position, matches.start) + substitute(replacement, matches);
    position = matches.start + matches.match.length;
    count++;
    matches = evaluateMatcher(matches.next, undefined);
  }
  return result + s.substring(position);
}

/** fn.sort: the same stable merge sort, so a comparator sees the same pairs in the same order. */
function sort(_focus: Focus, [arr, comparator]: Value[], apply: ApplyFunction): Value {
  if (typeof arr === "undefined") return undefined;
  const input = arr as Seq;
  if (input.length <= 1) return input;
  let comp: (a: Value, b: Value) => boolean;
  if (typeof comparator === "undefined") {
    if (!isArrayOfNumbers(input) && !isArrayOfStrings(input)) throw jsonataError("D3070");
    comp = (a, b) => (a as number) > (b as number);
  } else {
    // jsonata awaits the comparator's result and tests it as a JS value (not JSONata's boolean)
    comp = (a, b) => !!apply(comparator, [a, b]);
  }
  const merge = (left: Value[], right: Value[]): Value[] => {
    const merged: Value[] = [];
    let l = 0;
    let r = 0;
    while (l < left.length && r < right.length) {
      if (comp(left[l], right[r])) merged.push(right[r++]);
      else merged.push(left[l++]);
    }
    while (l < left.length) merged.push(left[l++]);
    while (r < right.length) merged.push(right[r++]);
    return merged;
  };
  const msort = (array: Value[]): Value[] => {
    if (array.length <= 1) return array;
    const middle = Math.floor(array.length / 2);
    return merge(msort(array.slice(0, middle)), msort(array.slice(middle)));
  };
  return msort(input);
}

const OVERRIDES: Record<(typeof OVERRIDDEN)[number], SyncNative> = { contains, match, replace, sort };

/** jsonata's getSymbol: the signature symbol of an argument ("m": missing). */
function symbolOf(value: Value): string {
  if (isFunction(value)) return "f";
  switch (typeof value) {
    case "string":
      return "s";
    case "number":
      return "n";
    case "boolean":
      return "b";
    case "object":
      return value === null ? "l" : Array.isArray(value) ? "a" : "o";
    default:
      return "m";
  }
}

/** What an acceptor returns when it cannot tell: the signature's own validate must decide. */
const UNDECIDED = undefined;

/**
 * A shortcut for jsonata's signature validation (which builds a type string per call and matches
 * it against a regex): for the common case - every supplied argument of its parameter's type, the
 * parameters left out optional and not taken from the context - it returns exactly the arguments
 * validate would return (the same values, padded with undefined to the parameter count; a plain
 * array as is, for an array parameter whose items are all of its item type). In every other case
 * (too many arguments, a type that does not match, a context argument, `+`, functions, a
 * non-array for an array parameter) it returns UNDECIDED and validate runs, errors included.
 * Returns undefined for a signature it does not understand.
 */
export function signatureAcceptor(definition: string): ((args: Value[]) => Value[] | undefined) | undefined {
  const ANY = "asnblfom";
  interface Param {
    classes: string;
    optional: boolean;
    context: boolean;
    array: boolean;
    subtype?: string;
  }
  const params: Param[] = [];
  let i = 1;
  for (; i < definition.length; i++) {
    const c = definition[i]!;
    const prev = params[params.length - 1];
    if (c === ":" || c === ">") break;
    if ("snblo".includes(c)) params.push({ classes: `${c}m`, optional: false, context: false, array: false });
    else if (c === "j") params.push({ classes: "asnblom", optional: false, context: false, array: false });
    else if (c === "x") params.push({ classes: ANY, optional: false, context: false, array: false });
    else if (c === "a") params.push({ classes: ANY, optional: false, context: false, array: true });
    else if (c === "(") {
      const end = definition.indexOf(")", i);
      const choice = definition.slice(i + 1, end);
      if (end < 0 || /[<(a]/.test(choice)) return undefined;
      params.push({ classes: `${choice}m`, optional: false, context: false, array: false });
      i = end;
    } else if (c === "<" && prev?.array) {
      const end = definition.indexOf(">", i);
      const subtype = definition.slice(i + 1, end);
      if (end < 0 || !/^[snblo]$/.test(subtype)) return undefined;
      prev.subtype = subtype;
      i = end;
    } else if (c === "?" && prev) prev.optional = true;
    else if (c === "-" && prev) {
      prev.optional = true;
      prev.context = true;
    } else return undefined; // f, +, a<f<...>> and anything else: validate decides
  }
  if (params.length === 0) return undefined;
  return (args) => {
    const k = args.length;
    if (k > params.length) return UNDECIDED;
    const out: Value[] = [];
    for (let p = 0; p < params.length; p++) {
      const param = params[p]!;
      if (p >= k) {
        if (!param.optional || param.context) return UNDECIDED;
        out.push(undefined);
        continue;
      }
      const arg = args[p];
      const symbol = symbolOf(arg);
      if (!param.classes.includes(symbol)) return UNDECIDED;
      if (param.array && symbol !== "m") {
        if (symbol !== "a") return UNDECIDED; // validate wraps it (or refuses it): let it
        if (param.subtype !== undefined) {
          for (const item of arg as Value[]) if (symbolOf(item) !== param.subtype) return UNDECIDED;
        }
      }
      out.push(arg);
    }
    return out;
  };
}

/** A registered function (such as $gs1) to expose on the fast path as jsonata's registerFunction would. */
export interface Registered {
  name: string;
  implementation: (...args: never[]) => unknown;
  signature?: string;
}

export interface Natives {
  /** The definition jsonata would find for a name outside the expression's own bindings. */
  lookup(name: string): Value;
  /** The synchronous way to run a definition, or undefined when the fast path does not cover it. */
  syncOf(def: NativeDef): SyncNative | undefined;
  /** The arguments a definition's signature validation gives (or its error), through signatureAcceptor when it can tell. */
  validate(def: NativeDef, args: Value[], context: Value): Value[];
}

/** Captures jsonata's function environment (built-ins + the registered functions) once. */
export async function captureNatives(registered: readonly Registered[]): Promise<Natives> {
  const probe = jsonata("$__lsyncCapture()");
  for (const r of registered) probe.registerFunction(r.name, r.implementation as (...args: unknown[]) => unknown, r.signature);
  let environment: { lookup(name: string): Value } | undefined;
  probe.registerFunction("__lsyncCapture", function (this: { environment: { lookup(name: string): Value } }) {
    environment = this.environment;
    return null;
  });
  await probe.evaluate(null);
  if (!environment) throw new Error("could not capture the jsonata function environment");
  const env = environment;
  const sync = new Map<unknown, SyncNative>();
  const defs = new Map<string, Value>();
  const def = (name: string): NativeDef | undefined => {
    const d = env.lookup(name) as NativeDef | undefined;
    return d && d._jsonata_function === true ? d : undefined;
  };
  for (const name of DIRECT) {
    const d = def(name);
    if (d && d.implementation.constructor.name !== "AsyncFunction") {
      const impl = d.implementation;
      sync.set(impl, (focus, args) => {
        // jsonata would hand a native an async wrapper of a function argument: not ours to mimic
        if (args.some(isFunction)) throw new Fallback(`a function passed to $${name}`);
        return impl.apply(focus, args);
      });
    }
  }
  for (const name of OVERRIDDEN) {
    const d = def(name);
    if (d) sync.set(d.implementation, OVERRIDES[name]);
  }
  for (const r of registered) {
    const d = def(r.name);
    if (d) sync.set(d.implementation, (focus, args) => d.implementation.apply(focus, args));
  }
  const unsafe = new Set(["now", "millis", "__lsyncCapture", "$"]);
  const acceptors = new Map<Signature, ((args: Value[]) => Value[] | undefined) | null>();
  return {
    lookup(name) {
      if (unsafe.has(name)) throw new Fallback(`$${name}`);
      if (!defs.has(name)) defs.set(name, env.lookup(name));
      return defs.get(name);
    },
    syncOf: (d) => sync.get(d.implementation),
    validate(d, args, context) {
      const signature = d.signature;
      if (!signature) return args;
      let accept = acceptors.get(signature);
      if (accept === undefined) {
        const definition = (signature as Signature & { definition?: unknown }).definition;
        accept = (typeof definition === "string" && signatureAcceptor(definition)) || null;
        acceptors.set(signature, accept);
      }
      return (accept && accept(args)) || signature.validate(args, context);
    },
  };
}
