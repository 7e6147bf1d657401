/**
 * Credential references: which credential field of which config node takes which environment
 * variable, `flows/environments/credentials.json` = `{ "<node id>": { "<field>": "${VAR}" } }`.
 * Secrets never sit in flows/; Node-RED 4.1 resolves a credential that is exactly `${VAR}` from
 * the environment when it creates the node (@node-red/runtime lib/nodes/index.js createNode).
 *
 * `lsync-flows push` sends the references with a deploy; `npm start` writes them into the runtime's
 * credentials file when it builds the flow file from flows/, so the embedded product and a
 * deployed one read their secrets the same way.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type CredentialRefs = Record<string, Record<string, string>>;

export const CREDENTIALS_FILE = join("environments", "credentials.json");

export function readCredentialRefs(flowsDir: string): CredentialRefs {
  const path = join(flowsDir, CREDENTIALS_FILE);
  if (!existsSync(path)) return {};
  const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${path} must hold an object: { "<node id>": { "<credential field>": "\${VAR}" } }`);
  }
  for (const [id, fields] of Object.entries(parsed as Record<string, unknown>)) {
    if (!fields || typeof fields !== "object" || Array.isArray(fields)) throw new Error(`${path}: "${id}" must map credential fields to "\${VAR}" references`);
  }
  return parsed as CredentialRefs;
}

// Node-RED's credentials file format (@node-red/runtime lib/nodes/credentials.js): with a secret,
// {"$": <16-byte IV in hex> + base64(aes-256-ctr(JSON))} under the key sha256(secret).
const ALGORITHM = "aes-256-ctr";

function keyOf(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export function encryptCredentials(creds: Record<string, unknown>, secret: string): { $: string } {
  const iv = randomBytes(16);
  const cipher = createCipheriv(ALGORITHM, keyOf(secret), iv);
  return { $: iv.toString("hex") + cipher.update(JSON.stringify(creds), "utf8", "base64") + cipher.final("base64") };
}

export function decryptCredentials(file: { $: string }, secret: string): Record<string, Record<string, unknown>> {
  const iv = Buffer.from(file.$.substring(0, 32), "hex");
  const decipher = createDecipheriv(ALGORITHM, keyOf(secret), iv);
  const text = decipher.update(file.$.substring(32), "base64", "utf8") + decipher.final("utf8");
  return JSON.parse(text) as Record<string, Record<string, unknown>>;
}

/**
 * Puts the references into the runtime's credentials file. Fields the file already holds (typed
 * in the editor) are kept: a reference only fills what is missing. Returns how many fields it set.
 * A file that does not decrypt with this secret is left alone (and reported by the caller).
 */
export function applyCredentialRefs(refs: CredentialRefs, credFile: string, secret: string): number {
  const ids = Object.keys(refs);
  if (ids.length === 0) return 0;
  const current = existsSync(credFile) ? decryptCredentials(JSON.parse(readFileSync(credFile, "utf8")) as { $: string }, secret) : {};
  let set = 0;
  for (const id of ids) {
    const fields = (current[id] ??= {});
    for (const [field, ref] of Object.entries(refs[id]!)) {
      if (fields[field] !== undefined && fields[field] !== "") continue;
      fields[field] = ref;
      set++;
    }
  }
  if (set > 0) writeFileSync(credFile, `${JSON.stringify(encryptCredentials(current, secret))}\n`, { mode: 0o600 });
  return set;
}
