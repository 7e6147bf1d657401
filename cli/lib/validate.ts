/**
 * Checks a flow set before it goes to an environment. Every problem names the node (id, type, name,
 * tab) and the property, so an analyst can find it in the editor:
 * - node-type: a node type the target has not installed, or our package at an incompatible version;
 * - env-var: a `${VAR}` (or typedInput "env") the environment file does not define;
 * - literal-url / literal-host / literal-secret: a value that belongs in the environment written
 *   into the flow (or a credential reference that is not a reference);
 * - schema / profile: a canonical schema version or mapping profile that does not exist here.
 */
import type { FlowNode } from "../../launcher/flow-file";
import type { NodeSet } from "./admin-api";
import { describeNode, indexById } from "./describe-node";
import { ENV_REFERENCE, type EnvFile } from "./env-file";
import type { CredentialRefs } from "./flows-dir";
import { caretCompatible } from "./semver";

export type Rule = "node-type" | "env-var" | "literal-url" | "literal-host" | "literal-secret" | "schema" | "profile";

export interface Problem {
  rule: Rule;
  nodeId?: string;
  /** The node as an analyst finds it: "lsync-endpoint cfg03 "TMS" (config)". */
  where: string;
  property?: string;
  message: string;
}

export interface ValidateInput {
  nodes: FlowNode[];
  credentials: CredentialRefs;
  env?: EnvFile;
  /** GET /nodes of the target; without it the node-type check is skipped. */
  installed?: NodeSet[];
  /** This package, to check the target runs a compatible version of it. */
  ownPackage: { name: string; version: string };
  /** "inventory-movement/1", … from canonical/schemas. */
  schemas: Set<string>;
  /** Mapping profile ids from canonical/profiles/profiles.json. */
  profiles: Set<string>;
}

/** Properties that describe rather than configure: free text, layout, wiring. */
const DESCRIPTIVE = new Set(["id", "type", "z", "g", "wires", "x", "y", "w", "h", "name", "label", "info", "description", "style", "nodes", "links", "l", "d"]);
/** Node types defined by the runtime itself or by the flow set (subflows), never installed. */
const STRUCTURAL = new Set(["tab", "group", "subflow", "junction", "unknown"]);
/** Variables Node-RED sets itself (NR_NODE_ID, NR_FLOW_NAME, …). */
const BUILT_IN_ENV = /^NR_[A-Z_]+$/;

const SECRET_NAME = /(password|passwd|passphrase|secret|token|apikey|api_key|privatekey|private_key|clientsecret)$/i;
/** Properties that hold a host (core mqtt-broker's "broker" too; a reference to a config node is skipped before). */
const HOST_NAME = /(^|_)(host|hostname|server|broker|url|baseurl|tokenurl|brokerurl|uri)$/i;
const SECRET_VALUE: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\bBearer\s+[A-Za-z0-9._~+/-]{8,}/i, "a bearer token"],
  [/\bBasic\s+[A-Za-z0-9+/]{12,}={0,2}/, "basic auth credentials"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a password inside a URL"],
];
const URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/i;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/;
const WHOLE_ENV = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Every string inside a node property, with a readable path (`rules[0].v`). */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) yield* strings(v, `${path}.${k}`);
}

function lastKey(path: string): string {
  return path.replace(/\[\d+\]/g, "").split(".").pop() ?? path;
}

/** Env variable names a node defines for its children (tab, subflow and group `env`). */
function scopedEnvNames(nodes: FlowNode[]): Set<string> {
  const names = new Set<string>();
  for (const n of nodes) for (const e of (Array.isArray(n.env) ? n.env : []) as Array<{ name?: string }>) if (e.name) names.add(e.name);
  return names;
}

/** Whether a literal value (under the property `name`) is one that belongs in the environment, and why. */
function literalProblem(name: string, text: string): [Rule, string] | undefined {
  const secret = SECRET_VALUE.find(([re]) => re.test(text));
  if (SECRET_NAME.test(name)) return ["literal-secret", `a literal secret is written into the flow: use \${VAR} here (or a credential field with a reference)`];
  if (secret) return ["literal-secret", `the value holds ${secret[1]}: move it to the environment and reference it as \${VAR}`];
  if (URL.test(text)) return ["literal-url", `hard-coded URL ${URL.exec(text)![0]}: use \${VAR} from the environment file`];
  if (IPV4.test(text)) return ["literal-host", `hard-coded IP address ${IPV4.exec(text)![0]}: use \${VAR} from the environment file`];
  if (HOST_NAME.test(name)) return ["literal-host", `hard-coded host "${text}": use \${VAR} from the environment file`];
  return undefined;
}

export function validateFlows(input: ValidateInput): Problem[] {
  const { nodes } = input;
  const byId = indexById(nodes);
  const problems: Problem[] = [];
  const add = (rule: Rule, node: FlowNode | undefined, property: string | undefined, message: string, where?: string) =>
    problems.push({ rule, ...(node ? { nodeId: node.id } : {}), where: where ?? (node ? describeNode(node, byId) : "(flows)"), ...(property ? { property } : {}), message });

  // node-type
  if (input.installed) {
    const providers = new Map<string, NodeSet>();
    for (const set of input.installed) for (const t of set.types) if (set.enabled !== false) providers.set(t, set);
    const reported = new Set<string>();
    for (const n of nodes) {
      if (STRUCTURAL.has(n.type) || (n.type.startsWith("subflow:") && byId.has(n.type.slice(8)))) continue;
      const set = providers.get(n.type);
      if (!set) {
        if (!reported.has(n.type)) add("node-type", n, "type", `node type "${n.type}" is not installed on the target (or its module is disabled)`);
        reported.add(n.type);
      } else if (set.module === input.ownPackage.name && !caretCompatible(set.version ?? "", input.ownPackage.version)) {
        const key = `version:${n.type}`;
        if (!reported.has(key)) {
          add("node-type", n, "type", `node type "${n.type}" comes from ${set.module} ${set.version ?? "(unknown version)"} on the target; these flows need ^${input.ownPackage.version}`);
        }
        reported.add(key);
      }
    }
  }

  // env-var, literals, schema references
  const scoped = scopedEnvNames(nodes);
  const defined = (name: string) => input.env?.vars.has(name) || scoped.has(name) || BUILT_IN_ENV.test(name);
  const envFileName = input.env?.path ?? "the environment file";
  for (const n of nodes) {
    if (n.type === "comment") continue;
    for (const [key, value] of Object.entries(n)) {
      if (DESCRIPTIVE.has(key) || key === "env") continue;
      // typedInput "env": the value is a variable name.
      if (typeof value === "string" && value && n[`${key}Type`] === "env" && input.env && !defined(value)) {
        add("env-var", n, key, `environment variable ${value} is not defined in ${envFileName}`);
      }
      for (const [path, text] of strings(value, key)) {
        const ref = WHOLE_ENV.exec(text);
        if (ref) {
          if (input.env && !defined(ref[1]!)) add("env-var", n, path, `environment variable ${ref[1]} (used as \${${ref[1]}}) is not defined in ${envFileName}`);
          continue;
        }
        if (!text.trim() || byId.has(text)) continue; // empty, or a reference to another node
        const found = literalProblem(lastKey(path), text);
        if (found) add(found[0], n, path, found[1]);
      }
    }
    // Tab, subflow and group env entries: a string value is a literal like any other; an "env" one names a variable.
    for (const [i, e] of ((Array.isArray(n.env) ? n.env : []) as Array<{ name?: string; value?: unknown; type?: string }>).entries()) {
      const path = `env[${i}] ${e.name ?? ""}`.trim();
      if (e.type === "env" && typeof e.value === "string" && input.env && !defined(e.value)) add("env-var", n, path, `environment variable ${e.value} is not defined in ${envFileName}`);
      if ((e.type === "str" || e.type === undefined) && typeof e.value === "string" && e.value.trim() && !WHOLE_ENV.test(e.value)) {
        const found = literalProblem(e.name ?? "", e.value);
        if (found) add(found[0], n, path, found[1]);
      }
    }
    // Canonical schemas and profiles the flow names must exist in this package.
    const schemaProps = n.type === "lsync-canonical-validate" ? ["schema"] : n.type === "lsync-canonical-map" ? ["target"] : [];
    for (const p of schemaProps) {
      const v = n[p];
      if (typeof v === "string" && v && !WHOLE_ENV.test(v) && !input.schemas.has(v)) {
        add("schema", n, p, `canonical schema "${v}" does not exist in canonical/schemas (known: ${[...input.schemas].sort().join(", ")})`);
      }
    }
    if (n.type === "lsync-canonical-map" && typeof n.profile === "string" && n.profile && n.profile !== "custom" && !input.profiles.has(n.profile)) {
      add("profile", n, "profile", `mapping profile "${n.profile}" is not in canonical/profiles/profiles.json`);
    }
  }

  // Credential references: only ever a reference, and defined in the environment.
  for (const [id, fields] of Object.entries(input.credentials)) {
    const node = byId.get(id);
    const where = node ? describeNode(node, byId) : `credentials for missing node ${id}`;
    for (const [field, value] of Object.entries(fields)) {
      const ref = typeof value === "string" ? WHOLE_ENV.exec(value) : null;
      if (!ref) add("literal-secret", node, `credentials.${field}`, `credential in clear in environments/credentials.json: write it as \${VAR}`, where);
      else if (input.env && !defined(ref[1]!)) add("env-var", node, `credentials.${field}`, `environment variable ${ref[1]} is not defined in ${envFileName}`, where);
    }
  }

  // The environment file is in the repo too: a secret there must be a reference to the host's environment.
  if (input.env) {
    for (const [name, value] of input.env.vars) {
      if (SECRET_NAME.test(name) && value && !ENV_REFERENCE.test(value)) {
        add("literal-secret", undefined, name, `${name} is set in clear on line ${input.env.lines.get(name)}: write ${name}=\${${name}} and set it on the target`, input.env.path);
      }
    }
  }
  return problems;
}

export function formatProblem(p: Problem): string {
  return `${p.rule}: ${p.where}${p.property ? ` .${p.property}` : ""}: ${p.message}`;
}
