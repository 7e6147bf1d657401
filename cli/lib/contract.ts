/**
 * Contract check: what a mapping profile writes to (or reads from) a system, against the shape
 * the system really has, as recorded in contracts/<system>/*.json (a sample the vendor accepts or
 * sends; our simulators stand in for the vendors). The profile side comes from the JSONata AST,
 * so nothing has to be run: object constructors give the fields written, path expressions the
 * fields read. Types of written fields come from the expression ($number -> number, & -> string,
 * …) or, for a plain path into the canonical object, from the canonical JSON Schema.
 */
import jsonata from "jsonata";

export type JsonType = "string" | "number" | "boolean" | "object" | "array" | "null";
export type FieldTypes = Map<string, JsonType | "unknown">;

/** The jsonata AST node types we look at (its published typings do not name them all). */
interface AstNode {
  type: string;
  value?: unknown;
  lhs?: AstNode | AstNode[][];
  rhs?: AstNode;
  steps?: AstNode[];
  expressions?: AstNode[];
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  arguments?: AstNode[];
  procedure?: AstNode;
  stages?: AstNode[];
  predicate?: AstNode[];
  expr?: AstNode;
  body?: AstNode;
}

export function profileAst(expression: string): AstNode {
  return jsonata(expression).ast() as unknown as AstNode;
}

/** A plain path (names only, filters allowed) as "a.b.c"; undefined for anything else. */
function pathOf(node: AstNode): string | undefined {
  if (node.type === "name") return String(node.value);
  if (node.type !== "path" || !node.steps?.length) return undefined;
  const names: string[] = [];
  for (const step of node.steps) {
    if (step.type !== "name") return undefined;
    names.push(String(step.value));
  }
  return names.join(".");
}

const FUNCTION_TYPES: Record<string, JsonType> = {
  number: "number", sum: "number", count: "number", round: "number", floor: "number", ceil: "number", abs: "number", max: "number", min: "number", average: "number", toMillis: "number",
  string: "string", substring: "string", uppercase: "string", lowercase: "string", trim: "string", join: "string", now: "string", fromMillis: "string", formatNumber: "string", pad: "string", replace: "string",
  boolean: "boolean", not: "boolean", exists: "boolean", contains: "boolean",
};

/** The JSON type an expression yields, as far as the expression alone (plus the canonical schema for paths) tells. */
function typeOf(node: AstNode, schemaType: (path: string) => JsonType | "unknown"): JsonType | "unknown" {
  switch (node.type) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "value":
      return node.value === null ? "null" : typeof node.value === "boolean" ? "boolean" : "unknown";
    case "unary":
      if (node.value === "{") return "object";
      if (node.value === "[") return "array";
      if (node.value === "-") return "number";
      return "unknown";
    case "binary":
      if (node.value === "&") return "string";
      if (["+", "-", "*", "/", "%"].includes(String(node.value))) return "number";
      if (["and", "or", "=", "!=", "<", ">", "<=", ">=", "in"].includes(String(node.value))) return "boolean";
      return "unknown";
    case "function":
      return node.procedure?.type === "variable" ? (FUNCTION_TYPES[String(node.procedure.value)] ?? "unknown") : "unknown";
    case "condition": {
      const a = node.then ? typeOf(node.then, schemaType) : "unknown";
      const b = node.else ? typeOf(node.else, schemaType) : a;
      return a === b ? a : "unknown";
    }
    case "block":
      return node.expressions?.length ? typeOf(node.expressions[node.expressions.length - 1]!, schemaType) : "unknown";
    default: {
      const path = pathOf(node);
      return path ? schemaType(path) : "unknown";
    }
  }
}

/**
 * Every field the profile's result carries, nested ones as "weight.value", with its type. Only
 * object constructors in output position count (the result, a branch of a condition, the last
 * expression of a block, a variable bound to one, a lambda's body): a lookup table bound to a
 * variable (`$types := {"PICK": "PICKED"}`) is not output.
 */
export function fieldsWritten(ast: AstNode, schemaType: (path: string) => JsonType | "unknown" = () => "unknown"): FieldTypes {
  const fields: FieldTypes = new Map();
  const output = (node: AstNode | undefined, prefix: string, scope: Map<string, AstNode>, depth = 0): void => {
    if (!node || depth > 50) return;
    const next = (n: AstNode | undefined, p = prefix, s = scope) => output(n, p, s, depth + 1);
    switch (node.type) {
      case "unary":
        if (node.value === "{" && Array.isArray(node.lhs)) {
          for (const [key, value] of node.lhs as AstNode[][]) {
            if (key?.type !== "string" || !value) continue;
            const name = prefix ? `${prefix}.${String(key.value)}` : String(key.value);
            const t = typeOf(value, schemaType);
            const known = fields.get(name);
            fields.set(name, known && known !== t ? "unknown" : t);
            next(value, name);
          }
        } else if (node.value === "[") for (const e of node.expressions ?? []) next(e);
        return;
      case "block": {
        const inner = new Map(scope);
        for (const e of node.expressions ?? []) if (e.type === "bind" && e.lhs && !Array.isArray(e.lhs) && e.rhs) inner.set(String(e.lhs.value), e.rhs);
        return next(node.expressions?.[node.expressions.length - 1], prefix, inner);
      }
      case "condition":
        next(node.then);
        return next(node.else);
      case "path":
        return next(node.steps?.[node.steps.length - 1]);
      case "variable":
        return next(scope.get(String(node.value)));
      case "lambda":
        return next(node.body);
      case "function":
        // $map(list, function($x) { {...} }) and friends: the lambda's result is the output.
        for (const a of node.arguments ?? []) if (a.type === "lambda") next(a);
        return;
      default:
        return;
    }
  };
  output(ast, "", new Map());
  return fields;
}

/**
 * Every input path the profile reads ("quantity.value"), followed through the path's context: in
 * `d.results.{ "id": DeliveryDocument }` the field read is d.results.DeliveryDocument. Paths that
 * start from a variable are not input paths and are left out.
 */
export function fieldsRead(ast: AstNode): Set<string> {
  const paths = new Set<string>();
  const join2 = (ctx: string, name: string) => (ctx ? `${ctx}.${name}` : name);
  const visit = (node: unknown, ctx: string): void => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, ctx));
    const n = node as AstNode;
    switch (n.type) {
      case "path": {
        let cur = ctx;
        for (const step of n.steps ?? []) {
          if (step.type !== "name") {
            // An expression step ({…}, (…), a function) reads relative to where the path got to;
            // a variable step leaves the input.
            if (step.type !== "variable") visit(step, cur);
            return;
          }
          cur = join2(cur, String(step.value));
          paths.add(cur);
          visit(step.stages, cur); // filters read fields of the step's items
          visit(step.predicate, cur);
        }
        return;
      }
      case "name":
        paths.add(join2(ctx, String(n.value)));
        visit(n.stages, join2(ctx, String(n.value)));
        return;
      case "variable":
      case "string":
      case "number":
      case "value":
        return;
      case "lambda":
        return; // its context is its parameters
      case "unary":
        if (n.value === "{" && Array.isArray(n.lhs)) return (n.lhs as AstNode[][]).forEach(([, v]) => visit(v, ctx));
        break;
      case "filter":
        return visit(n.expr, ctx);
    }
    for (const [k, v] of Object.entries(n)) if (k !== "procedure" && k !== "position") visit(v, ctx);
  };
  visit(ast, "");
  return paths;
}

/** A recorded sample as path -> JSON type; array elements merge under the array's path. */
export function sampleFields(sample: unknown): Map<string, JsonType> {
  const out = new Map<string, JsonType>();
  const visit = (value: unknown, path: string): void => {
    const t: JsonType = value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as JsonType);
    if (path && !(out.get(path) === "array")) out.set(path, t);
    if (Array.isArray(value)) value.forEach((v) => (v && typeof v === "object" ? visit(v, path) : undefined));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
  };
  visit(sample, "");
  return out;
}

export interface ContractFinding {
  kind: "removed" | "retyped";
  field: string;
  expected?: string;
  actual?: string;
}

/**
 * Outbound: every field the profile writes must be in the system's recorded shape, with the same
 * type when both sides know it. Inbound: every path the profile reads must still be sent.
 */
export function compareFields(
  direction: "inbound" | "outbound",
  profile: AstNode,
  recorded: Map<string, JsonType | "unknown">,
  schemaType?: (path: string) => JsonType | "unknown",
): ContractFinding[] {
  const findings: ContractFinding[] = [];
  if (direction === "outbound") {
    for (const [field, type] of fieldsWritten(profile, schemaType)) {
      const actual = recorded.get(field);
      if (!actual) findings.push({ kind: "removed", field, expected: type });
      else if (type !== "unknown" && actual !== "unknown" && actual !== "null" && actual !== type) findings.push({ kind: "retyped", field, expected: type, actual });
    }
  } else {
    // A path the profile reads that the recorded message does not carry: the vendor stopped sending it.
    for (const field of fieldsRead(profile)) if (!recorded.has(field)) findings.push({ kind: "removed", field });
  }
  return findings;
}

/** compareFields against a recorded sample message. */
export function compareContract(direction: "inbound" | "outbound", profile: AstNode, sample: unknown, schemaType?: (path: string) => JsonType | "unknown"): ContractFinding[] {
  return compareFields(direction, profile, sampleFields(sample), schemaType);
}

/**
 * The fields an OpenAPI (3.x, JSON) schema object describes, as path -> JSON type: properties,
 * nested objects, array items merged under the array, local $refs and allOf followed. A field
 * whose type the document leaves open (oneOf, no type) is "unknown", so only its presence counts.
 */
export function openApiFields(doc: unknown, pointer: string): Map<string, JsonType | "unknown"> {
  type S = { type?: string | string[]; $ref?: string; properties?: Record<string, S>; items?: S; allOf?: S[]; enum?: unknown[] };
  const at = (ref: string): S | undefined => {
    let cur: unknown = doc;
    for (const part of ref.replace(/^#\/?/, "").split("/").filter(Boolean)) cur = (cur as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    return cur as S | undefined;
  };
  const root = at(pointer);
  if (!root) throw new Error(`the OpenAPI document has nothing at ${pointer}`);
  const out = new Map<string, JsonType | "unknown">();
  const typeOfSchema = (s: S): JsonType | "unknown" => {
    const t = Array.isArray(s.type) ? s.type.filter((x) => x !== "null") : s.type ? [s.type] : [];
    if (t.length === 1) return t[0] === "integer" ? "number" : (t[0] as JsonType);
    if (s.properties || s.allOf) return "object";
    if (s.enum?.length && s.enum.every((v) => typeof v === "string")) return "string";
    return "unknown";
  };
  const visit = (schema: S, path: string, depth: number): void => {
    if (depth > 20) return;
    let s = schema;
    for (let guard = 0; s.$ref && guard < 10; guard++) s = at(s.$ref) ?? {};
    if (path && !out.has(path)) out.set(path, typeOfSchema(s));
    for (const part of s.allOf ?? []) visit(part, path, depth + 1);
    for (const [k, v] of Object.entries(s.properties ?? {})) visit(v, path ? `${path}.${k}` : k, depth + 1);
    if (s.items) visit(s.items, path, depth + 1);
  };
  visit(root, "", 0);
  return out;
}

type JsonSchema = { type?: string | string[]; const?: unknown; enum?: unknown[]; $ref?: string; properties?: Record<string, JsonSchema>; items?: JsonSchema; $defs?: Record<string, JsonSchema> };

/** The JSON type at a path of a canonical schema (following $ref into the shared definitions). */
export function schemaTypeAt(schemas: Map<string, JsonSchema>, rootFile: string): (path: string) => JsonType | "unknown" {
  const resolve = (s: JsonSchema, file: string): [JsonSchema, string] => {
    let cur = s;
    let curFile = file;
    for (let guard = 0; cur.$ref && guard < 10; guard++) {
      const [f, pointer] = cur.$ref.split("#");
      curFile = f || curFile;
      let target: JsonSchema | undefined = schemas.get(curFile);
      for (const part of (pointer ?? "").split("/").filter(Boolean)) target = (target as Record<string, JsonSchema> | undefined)?.[part];
      if (!target) return [{}, curFile];
      cur = target;
    }
    return [cur, curFile];
  };
  return (path) => {
    const root = schemas.get(rootFile);
    if (!root) return "unknown";
    let [s, file] = resolve(root, rootFile);
    for (const part of path.split(".")) {
      if (s.type === "array" && s.items) [s, file] = resolve(s.items, file);
      const next = s.properties?.[part];
      if (!next) return "unknown";
      [s, file] = resolve(next, file);
    }
    if (typeof s.type === "string") return s.type === "integer" ? "number" : (s.type as JsonType);
    if (typeof s.const === "string" || (s.enum && s.enum.every((v) => typeof v === "string"))) return "string";
    return "unknown";
  };
}
