/**
 * Environment files: `flows/environments/<name>.env` lists every variable the flows need in one
 * environment, one `NAME=value` a line (`#` comments, blank lines). A value may itself be a
 * reference, `${NAME}` or `${NAME:-default}`, to the target host's own environment: that is how a
 * secret is named in the repo without being written there.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface EnvFile {
  path: string;
  /** Variable name to its value as written (references not yet resolved). */
  vars: Map<string, string>;
  /** Variable name to its line number, to point at it. */
  lines: Map<string, number>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A whole value that is a reference to the host environment. */
export const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?\}$/;

export function envFilePath(flowsDir: string, env: string): string {
  if (!NAME.test(env.replace(/-/g, "_"))) throw new Error(`environment name "${env}" must be letters, digits, - and _`);
  return join(flowsDir, "environments", `${env}.env`);
}

export function parseEnvFile(text: string, path = "(env file)"): EnvFile {
  const vars = new Map<string, string>();
  const lines = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const name = (eq < 0 ? line : line.slice(0, eq)).replace(/^export\s+/, "").trim();
    if (eq < 0 || !NAME.test(name)) throw new Error(`${path}:${i + 1}: expected NAME=value, got "${line}"`);
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    if (vars.has(name)) throw new Error(`${path}:${i + 1}: ${name} is set twice (first on line ${lines.get(name)})`);
    vars.set(name, value);
    lines.set(name, i + 1);
  });
  return { path, vars, lines };
}

export function readEnvFile(flowsDir: string, env: string): EnvFile {
  const path = envFilePath(flowsDir, env);
  if (!existsSync(path)) throw new Error(`no environment file ${path} (create it with the variables environment "${env}" sets)`);
  return parseEnvFile(readFileSync(path, "utf8"), path);
}

/**
 * The values an instance of this environment starts with: references resolved from `host`
 * (the deploying machine's or the target's environment). A reference that `host` does not
 * define and that has no default is an error naming it.
 */
export function resolveEnvFile(file: EnvFile, host: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, value] of file.vars) {
    const ref = ENV_REFERENCE.exec(value);
    if (!ref) out[name] = value;
    else if (host[ref[1]!] !== undefined && host[ref[1]!] !== "") out[name] = host[ref[1]!]!;
    else if (ref[2] !== undefined) out[name] = ref[2];
    else missing.push(`${name} (needs ${ref[1]} in the environment)`);
  }
  if (missing.length) throw new Error(`${file.path}: not set: ${missing.join(", ")}`);
  return out;
}
