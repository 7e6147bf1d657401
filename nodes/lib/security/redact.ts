/**
 * Keeps configured secrets out of what people read: log lines, error messages, dead-letter
 * reasons, admin API answers. Secrets are known by value (credentials of our config nodes, the
 * credential secret, environment variables whose names say they are secrets) and by shape (a
 * password in a URL, an Authorization header, a `"password": "…"` pair).
 *
 * Module state, like the dead-letter registry: config nodes register their credentials when they
 * start; everything in the process that writes text for humans calls `redact`.
 */

export const REDACTED = "***";

/** Shorter values would blank out ordinary words ("abc") wherever they appear. */
const MIN_SECRET_LENGTH = 6;

/** Environment variable names whose values are secrets. */
export const SECRET_ENV_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|CLIENT_?KEY)/i;

const registered = new Set<string>();
let sorted: string[] = [];

function rebuild(): void {
  // Longest first: a secret that contains another is replaced whole.
  sorted = [...registered].sort((a, b) => b.length - a.length);
}

/** Remembers one or more secret values (empty and short values are ignored). */
export function registerSecret(...values: unknown[]): void {
  let changed = false;
  for (const value of values) {
    if (typeof value !== "string") continue;
    const v = value.trim();
    if (v.length < MIN_SECRET_LENGTH || registered.has(v)) continue;
    registered.add(v);
    changed = true;
  }
  if (changed) rebuild();
}

/** Credential fields that name someone rather than prove it: not secrets. */
const NOT_SECRET_FIELD = /^(user|username|login|clientid|client_id)$/i;

/** Every secret value of a credentials object (`this.credentials` of a config node): passwords, keys, tokens. */
export function registerCredentials(credentials: object | null | undefined): void {
  if (!credentials) return;
  for (const [field, value] of Object.entries(credentials)) if (!NOT_SECRET_FIELD.test(field)) registerSecret(value);
}

/** Values of secret-named environment variables (`TMS_API_KEY`, `LSYNC_CREDENTIAL_SECRET`, `PGPASSWORD`…). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) if (SECRET_ENV_NAME.test(name)) registerSecret(value);
}

/** For tests: forget every registered secret. */
export function clearSecrets(): void {
  registered.clear();
  sorted = [];
}

const SHAPES: Array<[RegExp, string]> = [
  // scheme://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  // Authorization: Bearer xyz / Basic xyz
  [/\b(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|token)\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  // "password": "…", password=…, api_key: …, client_secret=…, access_token …
  [
    /\b((?:password|passwd|secret|client_secret|api[_-]?key|access[_-]?token|refresh[_-]?token|token)["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
    `$1${REDACTED}`,
  ],
];

/** The text with every known secret and secret-shaped value replaced by `***`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of a JSON-like value with every string redacted and every value under a secret-named key
 * replaced. Cycles and depth beyond `maxDepth` become a placeholder rather than a stack overflow.
 */
export function redactDeep(value: unknown, maxDepth = 64): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return redact(v);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v) || depth > maxDepth) return "[not shown]";
    seen.add(v);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const secretKey = /^(password|passwd|secret|client_?secret|api_?key|token|access_?token|refresh_?token|authorization)$/i.test(k);
      // defineProperty: a "__proto__" key stays an own property instead of changing the prototype.
      Object.defineProperty(out, k, { value: secretKey && x !== null && x !== "" ? REDACTED : walk(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(value, 0);
}

/**
 * A JSON value with every registered secret value replaced, structure and depth kept (a dead
 * letter's payload must stay replayable). The value itself when it holds no secret.
 */
export function redactSecretsIn<T>(value: T): T {
  if (sorted.length === 0 || value === undefined) return value;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    return value; // not JSON (a cycle): the store could not keep it either
  }
  if (json === undefined || !sorted.some((s) => json.includes(JSON.stringify(s).slice(1, -1)))) return value;
  for (const secret of sorted) json = json.split(JSON.stringify(secret).slice(1, -1)).join(REDACTED);
  return JSON.parse(json) as T;
}
