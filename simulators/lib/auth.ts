/**
 * The inbound credential check a simulator can be told to make. Control endpoints (/_sim/…)
 * are never checked: tests must be able to reset and inspect a simulator whatever its auth.
 */
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export type AuthConfig =
  | { type: "none" }
  | { type: "apiKey"; header: string; value: string }
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  /** Bearer tokens issued by this simulator's `POST /oauth/token` (client-credentials grant). */
  | { type: "oauth2"; clientId: string; clientSecret: string; tokenTtlSeconds?: number; scope?: string };

export interface AuthFailure {
  status: 401;
  code: string;
  message: string;
  wwwAuthenticate?: string;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function decodeBasic(value: string): { user: string; pass: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value);
  if (!m?.[1]) return null;
  const text = Buffer.from(m[1], "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  const v = headerValue(headers, "authorization");
  const m = v ? /^Bearer\s+(\S+)\s*$/i.exec(v) : null;
  return m?.[1];
}

/** Tokens issued by the OAuth2 endpoint, with their expiry. */
export class TokenIssuer {
  private readonly tokens = new Map<string, number>();
  issued = 0;

  issue(ttlSeconds: number, now = Date.now()): string {
    const token = randomBytes(24).toString("base64url");
    this.tokens.set(token, now + ttlSeconds * 1000);
    this.issued++;
    // Prune expired tokens now and then so a long soak with short TTLs stays bounded.
    if (this.tokens.size > 10_000) for (const [t, exp] of this.tokens) if (exp <= now) this.tokens.delete(t);
    return token;
  }

  check(token: string, now = Date.now()): "ok" | "expired" | "unknown" {
    const exp = this.tokens.get(token);
    if (exp === undefined) return "unknown";
    return exp > now ? "ok" : "expired";
  }

  clear(): void {
    this.tokens.clear();
    this.issued = 0;
  }
}

export function checkAuth(config: AuthConfig, headers: IncomingHttpHeaders, tokens: TokenIssuer): AuthFailure | null {
  switch (config.type) {
    case "none":
      return null;
    case "apiKey": {
      const got = headerValue(headers, config.header);
      if (got === undefined) return { status: 401, code: "MISSING_API_KEY", message: `missing ${config.header} header` };
      return got === config.value ? null : { status: 401, code: "INVALID_API_KEY", message: `wrong ${config.header}` };
    }
    case "bearer": {
      const got = bearerOf(headers);
      if (got === undefined) return { status: 401, code: "MISSING_TOKEN", message: "missing bearer token", wwwAuthenticate: 'Bearer realm="sim"' };
      return got === config.token
        ? null
        : { status: 401, code: "INVALID_TOKEN", message: "invalid bearer token", wwwAuthenticate: 'Bearer realm="sim", error="invalid_token"' };
    }
    case "basic": {
      const v = headerValue(headers, "authorization");
      const creds = v ? decodeBasic(v) : null;
      if (!creds) return { status: 401, code: "MISSING_CREDENTIALS", message: "missing basic credentials", wwwAuthenticate: 'Basic realm="sim"' };
      return creds.user === config.username && creds.pass === config.password
        ? null
        : { status: 401, code: "INVALID_CREDENTIALS", message: "wrong username or password", wwwAuthenticate: 'Basic realm="sim"' };
    }
    case "oauth2": {
      const got = bearerOf(headers);
      if (got === undefined) return { status: 401, code: "MISSING_TOKEN", message: "missing bearer token", wwwAuthenticate: 'Bearer realm="sim"' };
      const state = tokens.check(got);
      if (state === "ok") return null;
      return {
        status: 401,
        code: state === "expired" ? "TOKEN_EXPIRED" : "INVALID_TOKEN",
        message: state === "expired" ? "access token expired" : "unknown access token",
        wwwAuthenticate: `Bearer realm="sim", error="invalid_token", error_description="${state === "expired" ? "token expired" : "unknown token"}"`,
      };
    }
  }
}

/** Client credentials from a token request: HTTP Basic (preferred by RFC 6749) or the form body. */
export function clientCredentials(headers: IncomingHttpHeaders, form: Record<string, unknown>): { id?: string; secret?: string } {
  const v = headerValue(headers, "authorization");
  const basic = v ? decodeBasic(v) : null;
  if (basic) return { id: decodeURIComponent(basic.user), secret: decodeURIComponent(basic.pass) };
  const id = typeof form.client_id === "string" ? form.client_id : undefined;
  const secret = typeof form.client_secret === "string" ? form.client_secret : undefined;
  const out: { id?: string; secret?: string } = {};
  if (id !== undefined) out.id = id;
  if (secret !== undefined) out.secret = secret;
  return out;
}
