import type { Node, Stage } from "./ast";
import { applyFunction, FastLambda, Thunk, type Ev } from "./apply";
import { Frame, UNSET } from "./frame";
import { compileBinary } from "./operators";
import {
  append,
  createSequence,
  isArrayOfNumbers,
  isFunction,
  isNumeric,
  isSequence,
  jsonataError,
  lookup,
  normalize,
  toBoolean,
  type Rec,
  type Seq,
  type Value,
} from "./runtime";

/** The names the expression being compiled binds anywhere (`:=`, lambda parameters, `#`), from checkSubset. */
let boundNames: ReadonlySet<string> | undefined;

/** compileNode for a whole expression, with the names it binds (so that the others resolve at compile time). */
export function compileExpression(node: Node, bound: ReadonlySet<string>): Ev {
  boundNames = bound;
  try {
    return compileNode(node);
  } finally {
    boundNames = undefined;
  }
}

/**
 * AST -> closures. Each `compile*` mirrors the jsonata 2.2 evaluator function of the same name
 * (evaluatePath, evaluateStep, evaluateFilter, evaluateGroupExpression...), synchronously. The
 * expression must have passed checkSubset first.
 */
export function compileNode(node: Node): Ev {
  const core = compileCore(node);
  const filters = (node.predicate ?? []).map(compileFilter);
  const keepArray = node.keepArray === true;
  if (node.type === "string" || node.type === "number" || node.type === "value") return core;
  if (filters.length === 0) return (input, frame) => normalize(core(input, frame), keepArray);
  return (input, frame) => {
    let result = core(input, frame);
    for (const filter of filters) result = filter(result, frame);
    return normalize(result, keepArray);
  };
}

function compileCore(node: Node): Ev {
  switch (node.type) {
    case "path":
      return compilePath(node);
    case "binary":
      return compileBinary(String(node.value), compileNode(node.lhs as Node), compileNode(node.rhs!));
    case "unary":
      return compileUnary(node);
    case "name": {
      const key = String(node.value);
      return (input) => lookup(input, key);
    }
    case "string":
    case "number":
    case "value": {
      const value = node.value;
      return () => value;
    }
    case "wildcard":
      return evaluateWildcard;
    case "condition":
      return compileCondition(node);
    case "block":
      return compileBlock(node);
    case "bind": {
      const name = String((node.lhs as Node).value);
      const rhs = compileNode(node.rhs!);
      return (input, frame) => {
        const value = rhs(input, frame);
        frame.bind(name, value);
        return value;
      };
    }
    case "regex":
      return compileRegex(node);
    case "function":
      return compileFunction(node, undefined);
    case "variable": {
      const name = String(node.value);
      if (name === "") return (input) => (input && (input as Seq).outerWrapper ? (input as Seq)[0] : input);
      // resolved now: a name nothing in the expression binds is never in a frame
      if (boundNames !== undefined && !boundNames.has(name)) return (_input, frame) => frame.lookupGlobal(name);
      return (_input, frame) => frame.lookup(name);
    }
    case "lambda":
      return compileLambda(node);
    case "apply":
      return compileApply(node);
    default:
      throw new Error(`fast path: unexpected ${node.type} node`);
  }
}

// ---- paths ------------------------------------------------------------------------------------

function compilePath(node: Node): Ev {
  if (node.steps!.some((step) => step.tuple === true)) return compileTuplePath(node);
  const steps = node.steps!.map((step) => ({
    ev: compileNode(step),
    stages: (step.stages ?? []).map((s) => compileFilter(s)),
    consarray: step.consarray === true,
  }));
  const absolute = node.steps![0]!.type === "variable";
  const keepSingletonArray = node.keepSingletonArray === true;
  const last = steps.length - 1;
  /** evaluatePath's loop from step `from` on, with that step's input sequence. */
  const stepsFrom = (from: number, inputSequence: Value, frame: Frame): Value => {
    let resultSequence: Value;
    for (let ii = from; ii < steps.length; ii++) {
      const step = steps[ii]!;
      if (ii === 0 && step.consarray) resultSequence = step.ev(inputSequence, frame);
      else resultSequence = evaluateStep(step.ev, step.stages, inputSequence as Seq, frame, ii === last);
      if (typeof resultSequence === "undefined" || (resultSequence as Seq).length === 0) break;
      inputSequence = resultSequence;
    }
    if (keepSingletonArray) {
      let r = resultSequence as Seq;
      if (Array.isArray(r) && r.cons && !r.sequence) r = createSequence(r);
      r.keepSingleton = true;
      resultSequence = r;
    }
    return resultSequence;
  };
  const general: Ev = (input, frame) => stepsFrom(0, Array.isArray(input) && !absolute ? input : createSequence(input), frame);
  // Most paths in a mapping walk single values (`deviceId`, `$label.sscc`, `dims.lengthCm`): while each
  // step's input is one value that is not an array, evaluateStep's sequences hold one item, so the
  // step's result is its expression's value as it is. The first array hands over to evaluateStep
  // (with the sequence that step would have produced); the result then gets the same normalisation.
  const single = !keepSingletonArray && node.keepArray !== true && !steps[0]!.consarray && steps.every((s) => s.stages.length === 0);
  if (!single) return general;
  return (input, frame) => {
    if (Array.isArray(input) && !absolute) return general(input, frame);
    let value: Value = input;
    for (let ii = 0; ii < steps.length; ii++) {
      value = steps[ii]!.ev(value, frame);
      if (typeof value === "undefined") return undefined;
      if (Array.isArray(value)) {
        // evaluateStep on a one-item input: the last step keeps a plain array as it is...
        if (ii === last && !isSequence(value)) return value;
        // ...otherwise the array is flattened into the step's result sequence
        const resultSequence = createSequence();
        if ((value as Seq).cons) resultSequence.push(value);
        else for (const v of value) resultSequence.push(v);
        if (resultSequence.length === 0 || ii === last) return resultSequence;
        return stepsFrom(ii + 1, resultSequence, frame);
      }
    }
    return value;
  };
}

// ---- paths with `#$i` positional bindings: tuple streams ------------------------------------

/**
 * A tuple of jsonata's tuple stream: entry 0 is `@` (the value), the others the path's positional
 * bindings, in slots fixed at compile time (UNSET until a step or stage binds them).
 */
type Tuple = Value[];
type TupleStream = Seq & Tuple[];

/** createFrameFromTuple: a frame binding every entry of the tuple (`@` included), read in place. */
function frameFromTuple(frame: Frame, names: readonly string[], tuple: Tuple): Frame {
  return new Frame(frame, frame.scope, frame.callerInput, names, tuple);
}

type TupleStage = (input: TupleStream, frame: Frame) => TupleStream;

/** evaluateStages on a tuple stream: filters (evaluateFilter's tuple branch) and `#$i` index stages. */
function compileTupleStage(stage: Stage, names: readonly string[]): TupleStage {
  if (stage.type === "index") {
    const slot = names.indexOf(String(stage.value));
    return (input) => {
      for (let ee = 0; ee < input.length; ee++) input[ee]![slot] = ee;
      return input;
    };
  }
  const predicate = stage.expr;
  if (predicate.type === "number") {
    const literal = Math.floor(predicate.value as number);
    return (input) => {
      const results = createSequence() as TupleStream;
      results.tupleStream = true;
      const index = literal < 0 ? input.length + literal : literal;
      const item = input[index];
      if (typeof item !== "undefined") results.push(item);
      return results;
    };
  }
  const ev = compileNode(predicate);
  return (input, frame) => {
    const results = createSequence() as TupleStream;
    results.tupleStream = true;
    for (let index = 0; index < input.length; index++) {
      const item = input[index]!;
      let res = ev(item[0], frameFromTuple(frame, names, item));
      if (isNumeric(res)) res = [res];
      if (isArrayOfNumbers(res)) {
        for (const ires of res as number[]) {
          let ii = Math.floor(ires);
          if (ii < 0) ii = input.length + ii;
          if (ii === index) results.push(item);
        }
      } else if (toBoolean(res)) {
        results.push(item);
      }
    }
    return results;
  };
}

/**
 * evaluatePath once a step carries a `#$i` binding: from that step on, the path carries a stream
 * of tuples (evaluateTupleStep), each step evaluated in a frame holding the tuple's bindings; the
 * result is the sequence of the tuples' values. checkSubset leaves out focus (`@`), ancestry (`%`),
 * grouping and sorting, so a tuple here only ever holds `@` and positions.
 */
function compileTuplePath(node: Node): Ev {
  const names = ["@"];
  for (const step of node.steps!) {
    for (const name of [step.index, ...(step.stages ?? []).filter((st) => st.type === "index").map((st) => st.value)]) {
      if (typeof name === "string" && !names.includes(name)) names.push(name);
    }
  }
  const fresh: Tuple = names.map(() => UNSET);
  const steps = node.steps!.map((step) => ({
    ev: compileNode(step),
    // a step before the first `#` runs as evaluateStep (its stages are filters), the others on tuples
    stages: step.tuple ? [] : (step.stages ?? []).map((s) => compileFilter(s)),
    tupleStages: (step.stages ?? []).map((st) => compileTupleStage(st, names)),
    consarray: step.consarray === true,
    tuple: step.tuple === true,
    index: typeof step.index === "string" ? names.indexOf(step.index) : -1,
  }));
  const absolute = node.steps![0]!.type === "variable";
  const keepSingletonArray = node.keepSingletonArray === true;
  const last = steps.length - 1;
  return (input, frame) => {
    let inputSequence: Value = Array.isArray(input) && !absolute ? input : createSequence(input);
    let resultSequence: Value;
    let isTupleStream = false;
    let tuples: TupleStream | undefined;
    for (let ii = 0; ii < steps.length; ii++) {
      const step = steps[ii]!;
      if (step.tuple) isTupleStream = true;
      if (ii === 0 && step.consarray) resultSequence = step.ev(inputSequence, frame);
      else if (isTupleStream) {
        // evaluateTupleStep
        const from: Tuple[] = tuples ?? (inputSequence as Seq).map((item) => {
          const tuple = fresh.slice();
          tuple[0] = item;
          return tuple;
        });
        let result = createSequence() as TupleStream;
        result.tupleStream = true;
        for (const tuple of from) {
          let res = step.ev(tuple[0], frameFromTuple(frame, names, tuple));
          if (typeof res === "undefined") continue;
          if (!Array.isArray(res)) res = [res];
          const values = res as Value[];
          for (let bb = 0; bb < values.length; bb++) {
            const next = tuple.slice();
            next[0] = values[bb];
            if (step.index >= 0) next[step.index] = bb;
            result.push(next);
          }
        }
        for (const stage of step.tupleStages) result = stage(result, frame);
        tuples = result;
      } else {
        resultSequence = evaluateStep(step.ev, step.stages, inputSequence as Seq, frame, ii === last);
      }
      if (!isTupleStream && (typeof resultSequence === "undefined" || (resultSequence as Seq).length === 0)) break;
      inputSequence = resultSequence;
    }
    if (isTupleStream) {
      const values = createSequence();
      for (const tuple of tuples!) values.push(tuple[0]);
      resultSequence = values;
    }
    if (keepSingletonArray) {
      let r = resultSequence as Seq;
      if (Array.isArray(r) && r.cons && !r.sequence) r = createSequence(r);
      r.keepSingleton = true;
      resultSequence = r;
    }
    return resultSequence;
  };
}

type Filter = (input: Value, frame: Frame) => Value;

function evaluateStep(ev: Ev, stages: Filter[], input: Seq, frame: Frame, lastStep: boolean): Seq {
  const result = createSequence();
  for (let ii = 0; ii < input.length; ii++) {
    let res = ev(input[ii], frame);
    for (const stage of stages) res = stage(res, frame);
    if (typeof res !== "undefined") result.push(res);
  }
  if (lastStep && result.length === 1 && Array.isArray(result[0]) && !isSequence(result[0])) return result[0] as Seq;
  const resultSequence = createSequence();
  for (const res of result) {
    if (!Array.isArray(res) || (res as Seq).cons) resultSequence.push(res);
    else for (const val of res) resultSequence.push(val);
  }
  return resultSequence;
}

/** evaluateFilter: a predicate `[...]`; a number literal indexes, anything else filters. */
function compileFilter(stage: Stage): Filter {
  const predicate = stage.expr;
  if (predicate.type === "number") {
    const literal = Math.floor(predicate.value as number);
    return (input) => {
      let results: Value = createSequence();
      const seq: Seq = Array.isArray(input) ? input : createSequence(input);
      const index = literal < 0 ? seq.length + literal : literal;
      const item = seq[index];
      if (typeof item !== "undefined") {
        if (Array.isArray(item)) results = item;
        else (results as Seq).push(item);
      }
      return results;
    };
  }
  const ev = compileNode(predicate);
  return (input, frame) => {
    const results = createSequence();
    const seq: Seq = Array.isArray(input) ? input : createSequence(input);
    for (let index = 0; index < seq.length; index++) {
      const item = seq[index];
      let res = ev(item, frame);
      if (isNumeric(res)) res = [res];
      if (isArrayOfNumbers(res)) {
        for (const ires of res as number[]) {
          let ii = Math.floor(ires);
          if (ii < 0) ii = seq.length + ii;
          if (ii === index) results.push(item);
        }
      } else if (toBoolean(res)) {
        results.push(item);
      }
    }
    return results;
  };
}

function flatten(arg: Value, flattened: Value[] = []): Value[] {
  if (Array.isArray(arg)) for (const item of arg) flatten(item, flattened);
  else flattened.push(arg);
  return flattened;
}

function evaluateWildcard(input: Value): Value {
  let results: Value = createSequence();
  let value: Value = input;
  if (Array.isArray(value) && (value as Seq).outerWrapper && value.length > 0) value = value[0];
  if (value !== null && typeof value === "object" && !isFunction(value)) {
    for (const key of Object.keys(value)) {
      let v = (value as Rec)[key];
      if (Array.isArray(v)) {
        v = flatten(v);
        results = append(results, v);
      } else {
        (results as Seq).push(v);
      }
    }
  }
  return results;
}

// ---- constructors -----------------------------------------------------------------------------

function compileUnary(node: Node): Ev {
  switch (node.value) {
    case "-": {
      const ev = compileNode(node.expression!);
      return (input, frame) => {
        const result = ev(input, frame);
        if (typeof result === "undefined") return undefined;
        if (isNumeric(result)) return -result;
        throw jsonataError("D1002", result);
      };
    }
    case "[":
      return compileArray(node);
    default:
      return compileObject(node);
  }
}

function compileArray(node: Node): Ev {
  const items = node.expressions!.map((item) => ({ ev: compileNode(item), nested: item.value === "[" }));
  const consarray = node.consarray === true;
  return (input, frame) => {
    let result: Value[] = [];
    for (const item of items) {
      const value = item.ev(input, frame);
      if (typeof value !== "undefined") {
        if (item.nested) result.push(value);
        else result = append(result, value) as Value[];
      }
    }
    if (consarray) Object.defineProperty(result, "cons", { enumerable: false, configurable: false, value: true });
    return result;
  };
}

/** evaluateGroupExpression, with a shortcut for the common case: one input item, literal keys. */
function compileObject(node: Node): Ev {
  const pairs = (node.lhs as [Node, Node][]).map(([k, v]) => ({ key: compileNode(k), value: compileNode(v), literal: k.type === "string" ? String(k.value) : undefined }));
  const literals = pairs.map((p) => p.literal);
  const simple =
    literals.every((k) => k !== undefined && k !== "_jsonata_lambda" && k !== "_jsonata_function") && new Set(literals).size === literals.length;
  const general: Ev = (input, frame) => {
    const result: Rec = Object.create(null) as Rec;
    const groups: Record<string, { data: Value; exprIndex: number }> = Object.create(null) as Record<string, { data: Value; exprIndex: number }>;
    const items: Seq = Array.isArray(input) ? input : createSequence(input);
    if (items.length === 0) items.push(undefined);
    for (const item of items) {
      pairs.forEach((pair, pairIndex) => {
        const key = pair.key(item, frame);
        if (typeof key !== "string" && key !== undefined) throw jsonataError("T1003", key);
        if (key === undefined) return;
        if (key === "_jsonata_lambda" || key === "_jsonata_function") throw jsonataError("D1013", key);
        if (Object.prototype.hasOwnProperty.call(groups, key)) {
          if (groups[key]!.exprIndex !== pairIndex) throw jsonataError("D1009", key);
          groups[key]!.data = append(groups[key]!.data, item);
        } else {
          groups[key] = { data: item, exprIndex: pairIndex };
        }
      });
    }
    for (const key of Object.keys(groups)) {
      const entry = groups[key]!;
      const value = pairs[entry.exprIndex]!.value(entry.data, frame);
      if (typeof value !== "undefined") result[key] = value;
    }
    return result;
  };
  if (!simple) return general;
  const fixed = pairs.map((p) => ({ key: p.literal!, value: p.value }));
  return (input, frame) => {
    if (Array.isArray(input)) return general(input, frame);
    const result: Rec = Object.create(null) as Rec;
    for (const { key, value } of fixed) {
      const v = value(input, frame);
      if (typeof v !== "undefined") result[key] = v;
    }
    return result;
  };
}

// ---- control ----------------------------------------------------------------------------------

function compileCondition(node: Node): Ev {
  const condition = compileNode(node.condition!);
  const then = compileNode(node.then!);
  const otherwise = node.else ? compileNode(node.else) : undefined;
  return (input, frame) => {
    if (toBoolean(condition(input, frame))) return then(input, frame);
    return otherwise ? otherwise(input, frame) : undefined;
  };
}

function compileBlock(node: Node): Ev {
  const expressions = node.expressions!.map(compileNode);
  return (input, frame) => {
    const inner = new Frame(frame, frame.scope, frame.callerInput);
    let result: Value;
    for (const ev of expressions) result = ev(input, inner);
    return result;
  };
}

/** evaluateRegex: a matcher closure over one RegExp (safe to share: evaluation is synchronous). */
function compileRegex(node: Node): Ev {
  const re = new RegExp(node.value as RegExp);
  const source = (node.value as RegExp).source;
  interface Match {
    match: string;
    start: number;
    end: number;
    groups: string[];
    next: () => Match | undefined;
  }
  const closure = (str: string, fromIndex?: number): Match | undefined => {
    re.lastIndex = fromIndex || 0;
    const m = re.exec(str);
    if (m === null) return undefined;
    const result: Match = { match: m[0], start: m.index, end: m.index + m[0].length, groups: [], next: () => undefined };
    for (let i = 1; i < m.length; i++) result.groups.push(m[i] as string);
    result.next = () => {
      if (re.lastIndex >= str.length) return undefined;
      const next = closure(str, re.lastIndex);
      if (next && next.match === "") throw jsonataError("D1004", source);
      return next;
    };
    return result;
  };
  return () => closure;
}

// ---- functions --------------------------------------------------------------------------------

/** evaluateFunction (+ `applyto`, the left side of ~>). */
function compileFunction(node: Node, applyto: Ev | undefined): Ev {
  const procedure = compileNode(node.procedure!);
  const args = node.arguments!.map(compileNode);
  return (input, frame) => {
    const proc = procedure(input, frame);
    const values: Value[] = [];
    if (applyto) values.push(applyto(input, frame));
    for (const arg of args) values.push(arg(input, frame));
    return applyFunction(proc, values, input, frame.scope.natives);
  };
}

function compileLambda(node: Node): Ev {
  if (node.thunk) {
    // a tail call: hand it to the trampoline of whoever applies the enclosing lambda
    const call = node.body!;
    const procedure = compileNode(call.procedure!);
    const args = call.arguments!.map(compileNode);
    return (input, frame) => new Thunk(input, frame, procedure, args);
  }
  const params = node.arguments!.map((a) => String(a.value));
  const body = compileNode(node.body!);
  return (input, frame) => new FastLambda(input, frame, params, body);
}

/** `~>`: into a function call, the left side is its first argument; into a function value, its only one. */
function compileApply(node: Node): Ev {
  const lhs = compileNode(node.lhs as Node);
  const rhs = node.rhs!;
  if (rhs.type === "function") return compileFunction(rhs, lhs);
  const func = compileNode(rhs);
  return (input, frame) => {
    const left = lhs(input, frame);
    const f = func(input, frame);
    if (!isFunction(f)) throw jsonataError("T2006", f);
    if (isFunction(left)) throw jsonataError("FAST-CHAIN"); // function chaining: the mapper re-runs jsonata
    return applyFunction(f, [left], null, frame.scope.natives);
  };
}
