import { Unsupported, type Node } from "./ast";
import { FAST_NATIVES } from "./natives";

/**
 * Decides before compiling whether a whole expression is inside the fast subset, and why not.
 * Besides node types, two rules keep the compiled code equivalent to jsonata's async evaluator:
 * - `:=` only directly in a block (or at the top): jsonata evaluates array items and object values
 *   concurrently (Promise.all), so a binding made inside one would race the others;
 * - a called `$name` the expression does not bind itself must be a native we run synchronously.
 * Returns the names the expression binds anywhere: every other name resolves to the call's bindings
 * or a native.
 */
export function checkSubset(root: Node, registered: readonly string[]): ReadonlySet<string> {
  const bound = new Set<string>();
  collectBound(root, bound);
  const callable = new Set([...FAST_NATIVES, ...registered, ...bound]);
  visit(root, true, callable, bound);
  return bound;
}

function collectBound(node: Node | undefined, bound: Set<string>): void {
  if (!node || typeof node !== "object") return;
  if (node.type === "bind" && node.lhs && !Array.isArray(node.lhs)) bound.add(String(node.lhs.value));
  if (node.type === "lambda") for (const a of node.arguments ?? []) bound.add(String(a.value));
  // `#$i` positional bindings, on a step or as an index stage
  if (typeof node.index === "string") bound.add(node.index);
  for (const stage of node.stages ?? []) if (stage.type === "index") bound.add(String(stage.value));
  for (const child of children(node)) collectBound(child, bound);
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  const push = (n: Node | undefined) => n && out.push(n);
  node.steps?.forEach(push);
  node.stages?.forEach((s) => push(s.expr));
  node.predicate?.forEach((s) => push(s.expr));
  node.expressions?.forEach(push);
  if (Array.isArray(node.lhs)) node.lhs.forEach(([k, v]) => (push(k), push(v)));
  else push(node.lhs);
  push(node.rhs);
  push(node.expression);
  push(node.condition);
  push(node.then);
  push(node.else);
  push(node.procedure);
  if (node.type !== "lambda") node.arguments?.forEach(push);
  push(node.body);
  return out;
}

const SUPPORTED = new Set(["path", "binary", "unary", "name", "string", "number", "value", "wildcard", "condition", "block", "bind", "regex", "function", "variable", "lambda", "apply"]);
const BINARY = new Set(["+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "and", "or", "in"]);

function visit(node: Node, bindAllowed: boolean, callable: Set<string>, bound: Set<string>, step = false): void {
  const where = node.position;
  if (!SUPPORTED.has(node.type)) throw new Unsupported(`${node.type} expressions`, where);
  // A step of a path may carry a `#$i` positional binding (index, tuple); the path itself may not
  // keep the tuple stream (tuple on the path: ancestry, which is `%`).
  const flags = step ? (["group", "focus", "ancestor", "seekingParent"] as const) : (["group", "focus", "index", "tuple", "ancestor", "seekingParent"] as const);
  for (const flag of flags) {
    if (node[flag] !== undefined) throw new Unsupported(`${flag === "focus" ? "@ focus binding" : flag === "index" ? "# index binding" : flag} in a path`, where);
  }
  for (const stage of node.stages ?? []) if (stage.type !== "filter" && !(step && stage.type === "index")) throw new Unsupported(`${stage.type} stages`, where);
  if (node.type === "path" && node.steps?.[0]?.consarray && node.steps[0].tuple) throw new Unsupported("a # binding on a leading array constructor", where);
  if (node.type === "binary" && !BINARY.has(String(node.value))) throw new Unsupported(`the ${String(node.value)} operator`, where);
  if (node.type === "unary" && !["-", "[", "{"].includes(String(node.value))) throw new Unsupported(`unary ${String(node.value)}`, where);
  if (node.type === "bind" && !bindAllowed) throw new Unsupported("a := binding outside a block's own expressions", where);
  if (node.type === "lambda" && node.signature !== undefined && !node.thunk) throw new Unsupported("a lambda with a signature", where);
  if (node.type === "apply" && node.rhs?.type !== "function" && node.rhs?.type !== "variable") throw new Unsupported("~> to a computed function", where);
  if (node.type === "function") {
    const proc = node.procedure;
    if (proc?.type === "variable" && !callable.has(String(proc.value))) throw new Unsupported(`$${String(proc.value)}()`, where);
    if (node.arguments?.some((a) => a.type === "operator")) throw new Unsupported("partial application", where);
  }
  if (node.type === "variable" && ["now", "millis"].includes(String(node.value)) && !bound.has(String(node.value))) {
    throw new Unsupported(`$${String(node.value)}`, where);
  }
  for (const child of children(node)) {
    const childBind = (node.type === "block" && node.expressions?.includes(child)) || (node.type === "bind" && child === node.rhs && bindAllowed);
    visit(child, childBind, callable, bound, node.type === "path" && node.steps!.includes(child));
  }
}
