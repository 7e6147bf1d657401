import axios, { type AxiosInstance } from "axios";
import type http from "node:http";
import type https from "node:https";

/**
 * OAuth2 client-credentials tokens for one endpoint: fetched on first use, cached, refreshed
 * `refreshMarginMs` before they expire, one fetch at a time however many calls wait for it
 * (single flight), and dropped when the API says 401. The client secret and the tokens never
 * appear in an error message or a log line.
 */
export interface OAuth2Options {
  /** Absolute, or relative to the endpoint's base URL (e.g. `/oauth/token`). */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
  /** Refresh this long before the token expires (default 30 s; at most half the token's lifetime). */
  refreshMarginMs?: number;
}

export class TokenError extends Error {
  constructor(
    message: string,
    /** Worth another try later (network, timeout, 429, 5xx) or not (the token endpoint refused us). */
    readonly retryable: boolean,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "TokenError";
  }
}

interface Cached {
  token: string;
  /** Refresh from this time on. */
  refreshAt: number;
}

export class OAuth2TokenSource {
  private cached: Cached | null = null;
  private inFlight: Promise<string> | null = null;
  private readonly http: AxiosInstance;
  /** Token requests made, for tests and status. */
  fetches = 0;

  constructor(
    private readonly options: OAuth2Options,
    transport: { baseUrl: string; timeoutMs: number; httpAgent: http.Agent; httpsAgent: https.Agent },
    private readonly now: () => number = Date.now,
  ) {
    this.http = axios.create({
      baseURL: transport.baseUrl,
      timeout: transport.timeoutMs,
      httpAgent: transport.httpAgent,
      httpsAgent: transport.httpsAgent,
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  /** A valid token: the cached one, or a fresh one (shared by every caller that asks meanwhile). */
  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.token;
    if (!this.inFlight) {
      this.inFlight = this.fetch().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /** The API refused `token` (401): forget it, unless a newer one has replaced it already. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = null;
  }

  /** Values that must never appear in a message. */
  secrets(): string[] {
    return [this.options.clientSecret, this.cached?.token ?? ""].filter((s) => s.length >= 4);
  }

  private async fetch(): Promise<string> {
    const o = this.options;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (o.scope) form.set("scope", o.scope);
    if (o.audience) form.set("audience", o.audience);
    const where = `OAuth2 token request to ${safeUrl(o.tokenUrl)}`;
    const requestedAt = this.now();
    this.fetches++;
    let status: number;
    let data: unknown;
    try {
      // RFC 6749 §2.3.1: client_secret_basic, id and secret form-urlencoded first.
      const res = await this.http.post(o.tokenUrl, form.toString(), {
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString("base64")}`,
        },
      });
      status = res.status;
      data = res.data;
    } catch (err) {
      const e = err as { code?: string };
      const what = e.code === "ECONNABORTED" || e.code === "ETIMEDOUT" ? "timed out" : (e.code ?? "network error");
      throw new TokenError(`${where}: ${what}`, true, null);
    }
    const body = (data !== null && typeof data === "object" ? data : {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (status < 200 || status >= 300) {
      // Only the RFC's error code, never the body: a misbehaving server might echo what we sent.
      const code = typeof body.error === "string" && /^[\w.-]{1,64}$/.test(body.error) ? ` ${body.error}` : "";
      throw new TokenError(`${where}: HTTP ${status}${code}`, status === 408 || status === 429 || status >= 500, status);
    }
    if (typeof body.access_token !== "string" || body.access_token === "") {
      throw new TokenError(`${where}: the answer has no access_token`, false, status);
    }
    const lifetimeMs = Number(body.expires_in) > 0 ? Number(body.expires_in) * 1000 : 3_600_000;
    const margin = Math.min(o.refreshMarginMs ?? 30_000, lifetimeMs / 2);
    // Counted from when we asked, so time spent in transit does not stretch the token's life.
    this.cached = { token: body.access_token, refreshAt: requestedAt + lifetimeMs - margin };
    return body.access_token;
  }
}

/** The URL without user info or query (either could hold a credential). */
function safeUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//").replace(/[?#].*$/, "");
}
