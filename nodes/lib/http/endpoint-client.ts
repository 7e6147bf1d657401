import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import http from "node:http";
import https from "node:https";
import { parseRetryAfter } from "../retry";

export type EndpointAuth =
  | { type: "none" }
  | { type: "apiKey"; header: string; value: string }
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string };

export interface EndpointOptions {
  baseUrl: string;
  auth: EndpointAuth;
  /** Per-call timeout in ms. */
  timeoutMs: number;
  /** Upper bound on sockets to this endpoint (the core http request node has none). */
  maxSockets: number;
}

export interface CallOptions {
  idempotencyKey?: string;
  correlationId?: string | null;
}

export type CallOutcome =
  | { ok: true; status: number; data: unknown }
  /** Worth retrying: network error, timeout, 408, 429, 5xx. `retryAfterMs` from the server when given. */
  | { ok: false; retryable: true; status: number | null; error: string; retryAfterMs: number | null }
  /** Will not succeed as sent (4xx other than 408/429): dead-letter it. */
  | { ok: false; retryable: false; status: number; error: string; data: unknown };

/**
 * One HTTP client per configured endpoint: keep-alive sockets bounded by `maxSockets`, auth
 * headers, timeouts, and an outcome that says whether a retry can help. It never throws for
 * HTTP or network failures; the caller decides between retry and dead letter.
 */
export class EndpointClient {
  private readonly axios: AxiosInstance;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(readonly options: EndpointOptions) {
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
      https: new https.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
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
  }

  private authHeaders(): Record<string, string> {
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

  async call(method: "GET" | "POST" | "PUT" | "PATCH", path: string, body: unknown, opts: CallOptions = {}): Promise<CallOutcome> {
    const headers: Record<string, string> = this.authHeaders();
    if (opts.idempotencyKey) headers["idempotency-key"] = opts.idempotencyKey;
    if (opts.correlationId) headers["x-correlation-id"] = opts.correlationId;
    let res: AxiosResponse;
    try {
      res = await this.axios.request({ method, url: path, data: body, headers });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const what = e.code === "ECONNABORTED" || e.code === "ETIMEDOUT" ? `timed out after ${this.options.timeoutMs} ms` : e.message;
      return { ok: false, retryable: true, status: null, error: `${method} ${path}: ${what ?? "network error"}`, retryAfterMs: null };
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, data: res.data };
    const detail = summarise(res.data);
    const error = `${method} ${path}: HTTP ${res.status}${detail ? ` ${detail}` : ""}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const retryAfter = res.headers["retry-after"] as string | undefined;
      return { ok: false, retryable: true, status: res.status, error, retryAfterMs: parseRetryAfter(retryAfter) };
    }
    return { ok: false, retryable: false, status: res.status, error, data: res.data };
  }

  /** Sockets open or queued now, for tests and status. */
  socketCount(): number {
    const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>) =>
      Object.values(sockets).reduce((n, list) => n + (list?.length ?? 0), 0);
    return count(this.agents.http.sockets) + count(this.agents.https.sockets);
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function summarise(data: unknown): string {
  if (data === undefined || data === null || data === "") return "";
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
