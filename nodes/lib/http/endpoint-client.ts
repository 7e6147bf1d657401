import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { parseRetryAfter } from "../retry";
import { CircuitBreaker, type CircuitState } from "./circuit-breaker";
import { OAuth2TokenSource, TokenError } from "./oauth2";
import { Semaphore, TokenBucket } from "./rate-limit";
import { isSafeToRepeat, NO_RETRY, retryDelay, type RetryPolicy } from "./retry-policy";

export type EndpointAuth =
  | { type: "none" }
  | { type: "apiKey"; header: string; value: string }
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  /** OAuth2 client-credentials grant; the token is cached and refreshed before it expires. */
  | {
      type: "oauth2";
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
      audience?: string;
      refreshMarginMs?: number;
    };

/** What Node-RED's tls-config node adds (`addTLSOptions`): client certificate, key, CA. */
export interface EndpointTls {
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer | Array<string | Buffer>;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  ALPNProtocols?: string[];
}

export interface EndpointOptions {
  baseUrl: string;
  auth: EndpointAuth;
  /** Per-call timeout in ms (one attempt, not counting the wait for a free slot). */
  timeoutMs: number;
  /** Upper bound on sockets to this endpoint (the core http request node has none). */
  maxSockets: number;
  /** Calls in flight at once (default maxSockets); the rest wait for a slot before their timeout starts. */
  maxConcurrent?: number;
  /** Client certificate etc. for https (mTLS). */
  tls?: EndpointTls;
  /** In-call retries for calls that are safe to repeat (default: none; the outbox retries). */
  retry?: Partial<RetryPolicy>;
  /** Opens after this many consecutive failures (0/absent = no breaker) for coolDownMs. */
  circuitBreaker?: { failureThreshold: number; coolDownMs: number };
  /** Calls per second (0/absent = unlimited). */
  rateLimitPerSecond?: number;
  /** The clock for token expiry and the breaker (tests; default Date.now). */
  clock?: () => number;
}

export interface CallOptions {
  /** The caller's key; a write without one gets a generated key (which does not make it safe to repeat). */
  idempotencyKey?: string;
  /** Generated when not given, so every call can be traced. */
  correlationId?: string | null;
}

export type CallOutcome =
  | { ok: true; status: number; data: unknown; attempts?: number }
  /**
   * Worth retrying: network error, timeout, 408, 429, 5xx, or the circuit is open. `retryAfterMs`
   * from the server (or the breaker) when given.
   */
  | {
      ok: false;
      retryable: true;
      status: number | null;
      error: string;
      retryAfterMs: number | null;
      attempts?: number;
      /** Refused without calling: the circuit is open. */
      circuitOpen?: true;
    }
  /** Will not succeed as sent (4xx other than 408/429): dead-letter it. */
  | { ok: false; retryable: false; status: number; error: string; data: unknown; attempts?: number };

type Method = "GET" | "POST" | "PUT" | "PATCH";

/**
 * Pooled sockets with TCP keep-alive probes after 60 s idle. axios sets exactly that on every
 * request's socket, and the agent sets its own `keepAliveMsecs` (1 s by default) when the socket
 * goes back to the pool: with two values every request changed the setting back and forth, eight
 * setsockopt calls a request (strace), 2 % of the 5,000-order month's CPU.
 */
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 60_000 };

/**
 * One HTTP client per configured endpoint: keep-alive sockets bounded by `maxSockets`, bounded
 * concurrency, auth headers (OAuth2 tokens cached and refreshed), mTLS, timeouts, in-call retries
 * for calls safe to repeat, a circuit breaker and a rate limit, and an outcome that says whether
 * a retry can help. It never throws; the caller decides between retry and dead letter.
 */
export class EndpointClient {
  private readonly axios: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly oauth: OAuth2TokenSource | null;
  private readonly breaker: CircuitBreaker;
  private readonly bucket: TokenBucket;
  private readonly slots: Semaphore;
  private readonly retry: RetryPolicy;
  private closed = false;
  /** Agents of a token endpoint on another origin. */
  private readonly extraAgents: Array<http.Agent | https.Agent> = [];
  private readonly sleeps = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  private readonly now: () => number;

  constructor(readonly options: EndpointOptions) {
    this.now = options.clock ?? Date.now;
    const pool = { ...KEEP_ALIVE, maxSockets: options.maxSockets, maxTotalSockets: options.maxSockets };
    this.agents = {
      http: new http.Agent(pool),
      https: new https.Agent({ ...pool, ...(options.tls ?? {}) }),
    };
    this.axios = axios.create({
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      validateStatus: () => true,
      // Never follow a redirect with a POST body to somewhere the analyst did not configure.
      maxRedirects: 0,
      headers: { "content-type": "application/json", accept: "application/json" },
    });
    const auth = options.auth;
    this.oauth = auth.type === "oauth2" ? new OAuth2TokenSource(auth, this.tokenTransport(auth.tokenUrl), options.clock) : null;
    this.breaker = new CircuitBreaker({ ...(options.circuitBreaker ?? { failureThreshold: 0, coolDownMs: 0 }), now: this.now });
    this.bucket = new TokenBucket({ perSecond: options.rateLimitPerSecond ?? 0 });
    this.slots = new Semaphore(Math.max(1, options.maxConcurrent ?? options.maxSockets));
    this.retry = { ...NO_RETRY, ...(options.retry ?? {}) };
  }

  /**
   * The token endpoint shares this endpoint's sockets and TLS (client certificate, CA) when it is
   * on the same origin; an identity provider elsewhere gets its own small pool with the system's
   * CAs, since a private CA for the API would not verify a public IdP.
   */
  private tokenTransport(tokenUrl: string) {
    const base = { baseUrl: this.options.baseUrl, timeoutMs: this.options.timeoutMs };
    let sameOrigin = true;
    try {
      sameOrigin = new URL(tokenUrl, this.options.baseUrl).origin === new URL(this.options.baseUrl).origin;
    } catch {
      sameOrigin = true;
    }
    if (sameOrigin) return { ...base, httpAgent: this.agents.http, httpsAgent: this.agents.https };
    const own = { ...KEEP_ALIVE, maxSockets: 2 };
    const agents = { httpAgent: new http.Agent(own), httpsAgent: new https.Agent(own) };
    this.extraAgents.push(agents.httpAgent, agents.httpsAgent);
    return { ...base, ...agents };
  }

  private staticAuthHeaders(): Record<string, string> {
    const auth = this.options.auth;
    switch (auth.type) {
      case "apiKey":
        return { [auth.header]: auth.value };
      case "bearer":
        return { authorization: `Bearer ${auth.token}` };
      case "basic":
        return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` };
      default:
        return {};
    }
  }

  /** Every credential this client knows, so no message can carry one. */
  private secrets(): string[] {
    const auth = this.options.auth;
    const list: string[] = [];
    if (auth.type === "apiKey") list.push(auth.value);
    if (auth.type === "bearer") list.push(auth.token);
    if (auth.type === "basic") list.push(auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString("base64"));
    if (this.oauth) list.push(...this.oauth.secrets());
    return list.filter((s) => s.length >= 4);
  }

  private redact(text: string): string {
    let out = text;
    for (const s of this.secrets()) out = out.split(s).join("[redacted]");
    return out;
  }

  async call(method: Method, path: string, body: unknown, opts: CallOptions = {}): Promise<CallOutcome> {
    const callerKey = opts.idempotencyKey || undefined;
    const headers: Record<string, string> = { "x-correlation-id": opts.correlationId || randomUUID() };
    const key = callerKey ?? (method === "GET" ? undefined : `lsync-${randomUUID()}`);
    if (key) headers["idempotency-key"] = key;
    const safe = isSafeToRepeat(method, callerKey);
    let attempts = 0;
    try {
      for (;;) {
        const outcome = await this.attempt(method, path, body, headers);
        attempts++;
        if (outcome.ok || !outcome.retryable || outcome.circuitOpen || !safe || this.closed) return { ...outcome, attempts };
        const delay = retryDelay(attempts - 1, outcome.retryAfterMs, this.retry);
        if (delay === null) return { ...outcome, attempts };
        await this.sleep(delay);
      }
    } catch (err) {
      // Not expected (attempt() catches what it knows); still, call() never throws.
      return { ok: false, retryable: true, status: null, error: this.redact(`${method} ${path}: ${(err as Error).message}`), retryAfterMs: null, attempts };
    }
  }

  /** One attempt through the rate limit, a concurrency slot and the breaker; 401 + OAuth2 → one fresh token. */
  private async attempt(method: Method, path: string, body: unknown, base: Record<string, string>): Promise<CallOutcome> {
    await this.bucket.take();
    const release = await this.slots.acquire();
    try {
      const admission = this.breaker.admit();
      if (!admission.allowed) {
        const retryAfterMs = Math.max(0, admission.retryAt - this.now());
        return {
          ok: false,
          retryable: true,
          status: null,
          error: `${method} ${path}: circuit open after ${admission.failures} consecutive failures, next try at ${new Date(admission.retryAt).toISOString()}`,
          retryAfterMs,
          circuitOpen: true,
        };
      }
      let healthy = false;
      try {
        let outcome = await this.send(method, path, body, base);
        if (outcome.kind === "unauthorized" && this.oauth && outcome.token) {
          // The server refused the token before doing anything, so sending again is safe whatever the method.
          this.oauth.invalidate(outcome.token);
          outcome = await this.send(method, path, body, base);
        }
        healthy = outcome.healthy;
        return outcome.outcome;
      } finally {
        this.breaker.record(healthy);
      }
    } finally {
      release();
    }
  }

  private async send(
    method: Method,
    path: string,
    body: unknown,
    base: Record<string, string>,
  ): Promise<{ kind: "done" | "unauthorized"; token?: string; healthy: boolean; outcome: CallOutcome }> {
    const headers = { ...base, ...this.staticAuthHeaders() };
    let token: string | undefined;
    if (this.oauth) {
      try {
        token = await this.oauth.token();
      } catch (err) {
        const e = err instanceof TokenError ? err : new TokenError("OAuth2 token request failed", true, null);
        const error = this.redact(`${method} ${path}: ${e.message}`);
        const outcome: CallOutcome = e.retryable || e.status === null
          ? { ok: false, retryable: true, status: e.status, error, retryAfterMs: null }
          : { ok: false, retryable: false, status: e.status, error, data: null };
        return { kind: "done", healthy: !e.retryable, outcome };
      }
      headers.authorization = `Bearer ${token}`;
    }
    let res: AxiosResponse;
    try {
      res = await this.axios.request({ method, url: path, data: body, headers });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const what = e.code === "ECONNABORTED" || e.code === "ETIMEDOUT" ? `timed out after ${this.options.timeoutMs} ms` : e.message;
      return {
        kind: "done",
        healthy: false,
        outcome: { ok: false, retryable: true, status: null, error: this.redact(`${method} ${path}: ${what ?? "network error"}`), retryAfterMs: null },
      };
    }
    if (res.status >= 200 && res.status < 300) return { kind: "done", healthy: true, outcome: { ok: true, status: res.status, data: res.data } };
    const detail = summarise(res.data);
    const error = this.redact(`${method} ${path}: HTTP ${res.status}${detail ? ` ${detail}` : ""}`);
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const retryAfter = res.headers["retry-after"] as string | undefined;
      // 429 means the server is up and pacing us: Retry-After handles it, the breaker does not count it.
      return {
        kind: "done",
        healthy: res.status === 429,
        outcome: { ok: false, retryable: true, status: res.status, error, retryAfterMs: parseRetryAfter(retryAfter) },
      };
    }
    const outcome: CallOutcome = { ok: false, retryable: false, status: res.status, error, data: res.data };
    if (res.status === 401 && token !== undefined) return { kind: "unauthorized", token, healthy: true, outcome };
    return { kind: "done", healthy: true, outcome };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          this.sleeps.delete(entry);
          resolve();
        }, ms),
      };
      this.sleeps.add(entry);
    });
  }

  /** Sockets open now (busy or idle), for tests and status. */
  socketCount(): number {
    const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>) =>
      Object.values(sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
    return (
      count(this.agents.http.sockets) + count(this.agents.https.sockets) + count(this.agents.http.freeSockets) + count(this.agents.https.freeSockets)
    );
  }

  /** Breaker state, for status and tests. */
  circuit(): { state: CircuitState; failures: number; retryAt: number | null } {
    return this.breaker.snapshot();
  }

  /** Token requests made so far (OAuth2), for tests and status. */
  tokenFetches(): number {
    return this.oauth?.fetches ?? 0;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sleeps) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleeps.clear();
    this.bucket.release();
    this.agents.http.destroy();
    this.agents.https.destroy();
    for (const agent of this.extraAgents) agent.destroy();
  }
}

function summarise(data: unknown): string {
  if (data === undefined || data === null || data === "") return "";
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
