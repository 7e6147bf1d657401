/**
 * The HTTP machinery every simulator shares: routing, bounded body reading, JSON parsing, auth,
 * failure injection, Idempotency-Key replay, the received log and the /_sim control API.
 * A simulator subclasses HttpSimulator, registers its vendor routes and supplies state()/reset.
 *
 * Order of work for a vendor request (each step can answer and stop):
 *   read body (413 over the limit) → route (404/405) → injected fault (latency, 5xx, 429,
 *   outage 503, hang) → auth (401) → parse JSON (400) → Idempotency-Key (replay / 422) → handler.
 * Faults come before auth because in real life they usually happen in front of the application
 * (load balancer, gateway), and a request failed by a fault has no effect and is not remembered
 * under its Idempotency-Key, so the client's retry runs for real.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkAuth, clientCredentials, TokenIssuer, type AuthConfig } from "./auth";
import { FaultInjector, parseFaultConfig, type FaultConfig } from "./faults";
import { IdempotencyStore, type StoredAnswer } from "./idempotency";
import { ReceivedLog, type ReceivedEntry, type ReceivedQuery } from "./received-log";
import { SimHttpError } from "./validate";

export interface SimRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Named groups / :params of the matched route. */
  params: Record<string, string>;
  /** Parsed JSON (or form) body; undefined when the body was empty. */
  body: unknown;
  rawBody: Buffer;
}

export interface SimReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: SimRequest) => SimReply | Promise<SimReply>;

interface Route {
  method: string;
  re: RegExp;
  handler: Handler;
}

export interface SimulatorOptions {
  auth?: AuthConfig;
  /** Faults active from the start (and restored by reset). */
  faults?: FaultConfig;
  /** Seed for the fault PRNG when the fault config carries none. */
  seed?: number;
  /** Largest accepted request body. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Entries kept in the received log. Default 10,000. */
  receivedLogSize?: number;
  /** Bodies larger than this are logged as {truncated, bytes}. Default 256 KiB. */
  receivedBodyMaxBytes?: number;
  /** Idempotency keys remembered (FIFO). Default 500,000. */
  idempotencyMaxEntries?: number;
  /** Bytes of stored answers kept for replay (FIFO). Default 256 MiB. */
  idempotencyMaxBytes?: number;
  /** What to do when a key is reused with a different body: "reject" (422, default) or "replay". */
  idempotencyBodyMismatch?: "reject" | "replay";
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Turns "/api/v1/loads/:loadId" into an anchored RegExp with named groups. A ":" not right after "/" is literal (":batch"). */
export function compilePath(pattern: string): RegExp {
  const parts = pattern.split("/").map((seg) => {
    const m = /^:([A-Za-z_][A-Za-z0-9_]*)$/.exec(seg);
    return m ? `(?<${m[1]}>[^/]+)` : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("/")}$`);
}

type BodyResult = { kind: "ok"; buf: Buffer } | { kind: "tooLarge" } | { kind: "aborted" };

function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      resolve({ kind: "tooLarge" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: BodyResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish({ kind: "tooLarge" });
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => finish({ kind: "ok", buf: Buffer.concat(chunks, size) }));
    req.on("error", () => finish({ kind: "aborted" }));
    req.on("close", () => finish({ kind: "aborted" }));
  });
}

const LOGGED_HEADERS = ["content-type", "idempotency-key", "x-correlation-id", "x-request-id", "traceparent", "user-agent", "x-csrf-token"];

export abstract class HttpSimulator {
  private readonly routes: Route[] = [];
  private readonly controlRoutes: Route[] = [];
  private server: Server | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly hung = new Set<ServerResponse>();
  protected readonly faultInjector: FaultInjector;
  protected readonly log: ReceivedLog;
  protected readonly idempotency: IdempotencyStore;
  protected readonly tokens = new TokenIssuer();
  protected readonly auth: AuthConfig;
  private readonly bodyLimit: number;
  private readonly receivedBodyMax: number;
  private readonly initialFaults: FaultConfig;
  private readonly mismatch: "reject" | "replay";
  private readonly startedAt = Date.now();
  /** Base URL once listening, e.g. http://127.0.0.1:3101 */
  url = "";

  constructor(
    readonly name: string,
    options: SimulatorOptions = {},
  ) {
    this.auth = options.auth ?? { type: "none" };
    this.bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
    this.receivedBodyMax = options.receivedBodyMaxBytes ?? 256 * 1024;
    this.initialFaults = options.faults ?? {};
    this.mismatch = options.idempotencyBodyMismatch ?? "reject";
    this.faultInjector = new FaultInjector(this.initialFaults, options.seed ?? 1);
    this.log = new ReceivedLog(options.receivedLogSize ?? 10_000);
    this.idempotency = new IdempotencyStore(options.idempotencyMaxEntries ?? 500_000, options.idempotencyMaxBytes ?? 256 * 1024 * 1024);
    this.registerControlRoutes();
    if (this.auth.type === "oauth2") this.registerTokenEndpoint(this.auth);
  }

  // ---- what each simulator supplies -------------------------------------------------------

  /** The simulator's business state, as shown at GET /_sim/state. */
  protected abstract snapshot(): Record<string, unknown>;
  /** Back to the initial business state (seed data included). */
  protected abstract resetState(): void;
  /** Error body in the vendor's shape. Default: {error:{code,message}}. */
  protected formatError(status: number, code: string, message: string, details?: Record<string, unknown>): unknown {
    return { error: { code, message, status, ...(details ? { details } : {}) } };
  }

  protected route(method: string, path: string | RegExp, handler: Handler): void {
    this.routes.push({ method, re: typeof path === "string" ? compilePath(path) : path, handler });
  }

  /** A route under /_sim/ : no faults, no auth, not logged, no idempotency. */
  protected controlRoute(method: string, path: string | RegExp, handler: Handler): void {
    this.controlRoutes.push({ method, re: typeof path === "string" ? compilePath(path) : path, handler });
  }

  protected error(status: number, code: string, message: string, details?: Record<string, unknown>): SimReply {
    return { status, body: this.formatError(status, code, message, details) };
  }

  // ---- public API ---------------------------------------------------------------------------

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    if (this.server) throw new Error(`${this.name} simulator is already listening`);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Last line of defence: never let a request crash the process.
        this.safeSend(res, 500, { error: { code: "SIMULATOR_BUG", message: String(err) } });
      });
    });
    // Requests held by a "timeout" fault must not be cut by node's own request timeout.
    server.requestTimeout = 0;
    // Node closes an idle keep-alive connection after 5 s, and a client may reuse it just then: when
    // the process is busy (the simulators share it with the product in npm start), the close is
    // handled after the client's next request arrived, which then fails with ECONNRESET (the
    // 5,000-order month lost a carrier invoice post that way). 30 s makes that window rare.
    server.keepAliveTimeout = 30_000;
    server.on("clientError", (_err, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.url = `http://${h}:${addr.port}`;
    return this.url;
  }

  get port(): number {
    return this.server ? (this.server.address() as AddressInfo).port : 0;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  state(): Record<string, unknown> {
    return {
      simulator: this.name,
      ...this.snapshot(),
      stats: {
        received: this.log.lastSeq,
        idempotencyKeys: this.idempotency.size,
        idempotentReplays: this.idempotency.replays,
      },
    };
  }

  received(q: ReceivedQuery = {}): ReceivedEntry[] {
    return this.log.list(q);
  }

  setFaults(config: FaultConfig): void {
    const parsed = parseFaultConfig(config);
    if (!parsed.ok) throw new Error(parsed.error);
    this.faultInjector.set(parsed.config);
  }

  faults(): FaultConfig & { outageRemainingMs: number } {
    return this.faultInjector.get();
  }

  /** Clears business state (back to seed), the received log, idempotency keys, tokens; restores constructor faults. */
  reset(): void {
    this.log.clear();
    this.idempotency.clear();
    this.tokens.clear();
    this.faultInjector.set(this.initialFaults);
    this.resetState();
  }

  // ---- request pipeline -------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    // Echo the caller's correlation id, as API gateways do, so the product can trace a call end to end.
    const corr = req.headers["x-correlation-id"];
    if (typeof corr === "string" && corr.length <= 200 && /^[\x21-\x7e]+$/.test(corr)) res.setHeader("x-correlation-id", corr);
    let url: URL;
    let path: string;
    try {
      url = new URL(req.url ?? "/", "http://sim.invalid");
      path = decodeURIComponent(url.pathname);
    } catch {
      req.resume();
      this.safeSend(res, 400, this.formatError(400, "BAD_URL", "request URL cannot be decoded"));
      return;
    }
    const body = await readBody(req, this.bodyLimit);
    if (body.kind === "aborted") return;
    const isControl = path.startsWith("/_sim/");
    const logIt = (status: number, parsed: unknown, extra: Pick<ReceivedEntry, "fault" | "replayed"> = {}) => {
      if (!isControl) this.record(method, path, url.search, req.headers, parsed, body.kind === "ok" ? body.buf.length : 0, status, started, extra);
    };
    if (body.kind === "tooLarge") {
      // Drain what the client still sends (bounded) so it can read our answer, then hang up.
      req.resume();
      const t = setTimeout(() => req.socket.destroy(), 10_000);
      t.unref();
      req.on("end", () => clearTimeout(t));
      this.safeSend(res, 413, this.formatError(413, "PAYLOAD_TOO_LARGE", `request body exceeds ${this.bodyLimit} bytes`), { connection: "close" });
      logIt(413, { truncated: true, reason: "body over limit" });
      return;
    }
    const raw = body.buf;
    const found = this.match(isControl ? this.controlRoutes : this.routes, method, path);
    if (isControl) {
      if (!found.route) {
        this.safeSend(res, found.allowed.length ? 405 : 404, { error: { code: "NOT_FOUND", message: `no control route ${method} ${path}` } });
        return;
      }
      const parsed = this.parseBody(req.headers, raw);
      if (!parsed.ok) {
        this.safeSend(res, 400, { error: { code: "INVALID_JSON", message: parsed.error } });
        return;
      }
      const reply = await this.run(found.route.handler, { method, path, query: url.searchParams, headers: req.headers, params: found.params, body: parsed.value, rawBody: raw });
      this.safeSend(res, reply.status, reply.body, reply.headers);
      return;
    }

    // Faults (before everything else the application would do).
    const decision = this.faultInjector.decide(method, path);
    if (decision.kind === "timeout") {
      this.hang(req, res, decision.holdMs);
      logIt(0, this.bodyForLog(req.headers, raw), { fault: "timeout" });
      return;
    }
    if (decision.delayMs > 0) {
      await this.sleep(decision.delayMs);
      if (res.destroyed) return;
    }
    if (decision.kind === "outage") {
      this.safeSend(res, 503, this.formatError(503, "SERVICE_UNAVAILABLE", "simulated outage"), { "retry-after": String(decision.retryAfterSeconds) });
      logIt(503, this.bodyForLog(req.headers, raw), { fault: "outage" });
      return;
    }
    if (decision.kind === "rateLimit") {
      this.safeSend(res, 429, this.formatError(429, "TOO_MANY_REQUESTS", "simulated rate limit"), { "retry-after": String(decision.retryAfterSeconds) });
      logIt(429, this.bodyForLog(req.headers, raw), { fault: "rateLimit" });
      return;
    }
    if (decision.kind === "error") {
      this.safeSend(res, decision.status, this.formatError(decision.status, "SIMULATED_FAILURE", `simulated ${decision.status}`));
      logIt(decision.status, this.bodyForLog(req.headers, raw), { fault: "error" });
      return;
    }

    if (!found.route) {
      const status = found.allowed.length ? 405 : 404;
      const headers: Record<string, string> = found.allowed.length ? { allow: found.allowed.join(", ") } : {};
      this.safeSend(res, status, this.formatError(status, status === 404 ? "NOT_FOUND" : "METHOD_NOT_ALLOWED", `${method} ${path} is not a route of the ${this.name} simulator`), headers);
      logIt(status, this.bodyForLog(req.headers, raw));
      return;
    }
    const isTokenEndpoint = path === "/oauth/token";
    if (!isTokenEndpoint) {
      const failure = checkAuth(this.auth, req.headers, this.tokens);
      if (failure) {
        this.safeSend(res, 401, this.formatError(401, failure.code, failure.message), failure.wwwAuthenticate ? { "www-authenticate": failure.wwwAuthenticate } : {});
        logIt(401, this.bodyForLog(req.headers, raw));
        return;
      }
    }
    const parsed = this.parseBody(req.headers, raw, isTokenEndpoint);
    if (!parsed.ok) {
      this.safeSend(res, 400, this.formatError(400, "INVALID_JSON", parsed.error));
      logIt(400, { invalidJson: raw.subarray(0, 1024).toString("utf8") });
      return;
    }
    const simReq: SimRequest = { method, path, query: url.searchParams, headers: req.headers, params: found.params, body: parsed.value, rawBody: raw };

    const keyHeader = req.headers["idempotency-key"];
    const key = Array.isArray(keyHeader) ? keyHeader[0] : keyHeader;
    if (key !== undefined && key !== "" && method !== "GET" && method !== "HEAD") {
      if (key.length > 255) {
        this.safeSend(res, 400, this.formatError(400, "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key longer than 255 characters"));
        logIt(400, parsed.value);
        return;
      }
      const hit = this.idempotency.lookup(method, url.pathname + url.search, key, this.mismatch === "replay" ? Buffer.alloc(0) : raw);
      if (hit.kind === "mismatch") {
        this.safeSend(res, 422, this.formatError(422, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key was already used with a different request body"));
        logIt(422, parsed.value);
        return;
      }
      if (hit.kind === "replay" || hit.kind === "wait") {
        let answer: StoredAnswer;
        try {
          answer = hit.kind === "replay" ? hit.answer : await hit.answer;
        } catch {
          this.safeSend(res, 409, this.formatError(409, "IDEMPOTENCY_CONFLICT", "the first request with this Idempotency-Key failed; retry"));
          logIt(409, parsed.value);
          return;
        }
        this.sendText(res, answer.status, answer.bodyText, { ...answer.headers, "idempotent-replayed": "true" });
        logIt(answer.status, parsed.value, { replayed: true });
        return;
      }
      const reply = await this.run(found.route.handler, simReq);
      const answer: StoredAnswer = { status: reply.status, headers: reply.headers ?? {}, bodyText: reply.body === undefined ? "" : JSON.stringify(reply.body) };
      hit.complete(answer);
      this.sendText(res, answer.status, answer.bodyText, answer.headers);
      logIt(reply.status, parsed.value);
      return;
    }
    const reply = await this.run(found.route.handler, simReq);
    this.safeSend(res, reply.status, reply.body, reply.headers);
    logIt(reply.status, parsed.value);
  }

  private match(routes: Route[], method: string, path: string): { route?: Route; params: Record<string, string>; allowed: string[] } {
    const allowed: string[] = [];
    for (const r of routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) params[k] = v;
      return { route: r, params, allowed };
    }
    return { params: {}, allowed };
  }

  private async run(handler: Handler, req: SimRequest): Promise<SimReply> {
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof SimHttpError) return this.error(err.status, err.code, err.message, err.details);
      // A handler bug is still answered (and visible) rather than crashing the simulator.
      return this.error(500, "SIMULATOR_ERROR", err instanceof Error ? err.message : String(err));
    }
  }

  /**
   * JSON whatever the content type says (curl sends form-urlencoded by default and people forget
   * the header); forms only where the vendor really takes them, the OAuth token endpoint.
   */
  private parseBody(headers: IncomingHttpHeaders, raw: Buffer, formAllowed = false): { ok: true; value: unknown } | { ok: false; error: string } {
    if (raw.length === 0) return { ok: true, value: undefined };
    const text = raw.toString("utf8");
    const type = String(headers["content-type"] ?? "").toLowerCase();
    if (formAllowed && type.startsWith("application/x-www-form-urlencoded")) {
      // A prototype-free object: form keys are attacker-chosen.
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of new URLSearchParams(text)) out[k] = v;
      return { ok: true, value: out };
    }
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false, error: `request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private bodyForLog(headers: IncomingHttpHeaders, raw: Buffer): unknown {
    const parsed = this.parseBody(headers, raw);
    return parsed.ok ? parsed.value : { invalidJson: raw.subarray(0, 1024).toString("utf8") };
  }

  private record(
    method: string,
    path: string,
    query: string,
    headers: IncomingHttpHeaders,
    body: unknown,
    bodySize: number,
    status: number,
    started: number,
    extra: Pick<ReceivedEntry, "fault" | "replayed">,
  ): void {
    const picked: Record<string, string> = {};
    for (const name of LOGGED_HEADERS) {
      const v = headers[name];
      if (v !== undefined) picked[name] = Array.isArray(v) ? v.join(", ") : v;
    }
    // Credentials are never stored; the scheme is, so a test can tell which auth was used.
    const authz = headers.authorization;
    if (authz) picked.authorization = `${authz.split(" ")[0] ?? ""} [redacted]`;
    if (this.auth.type === "apiKey" && headers[this.auth.header.toLowerCase()] !== undefined) picked[this.auth.header.toLowerCase()] = "[redacted]";
    const storedBody = bodySize > this.receivedBodyMax ? { truncated: true, bytes: bodySize } : body;
    const entry: Omit<ReceivedEntry, "seq"> = {
      time: new Date(started).toISOString(),
      method,
      path,
      query,
      headers: picked,
      body: storedBody,
      status,
      durationMs: Date.now() - started,
      ...extra,
    };
    this.log.add(entry, Math.min(bodySize, this.receivedBodyMax));
  }

  private hang(req: IncomingMessage, res: ServerResponse, holdMs: number): void {
    this.hung.add(res);
    res.on("close", () => this.hung.delete(res));
    if (holdMs > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        // Never answer: drop the connection, like a proxy whose upstream died.
        req.socket.destroy();
      }, holdMs);
      this.timers.add(t);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private safeSend(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.sendText(res, status, body === undefined ? "" : JSON.stringify(body), headers);
  }

  private sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
    if (res.headersSent || res.destroyed) return;
    const buf = Buffer.from(text, "utf8");
    const h: Record<string, string | number> = { ...headers, "content-length": buf.length };
    if (buf.length > 0 && !Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) h["content-type"] = "application/json; charset=utf-8";
    try {
      res.writeHead(status, h);
      res.end(buf);
    } catch {
      res.destroy();
    }
  }

  // ---- built-in routes ----------------------------------------------------------------------

  private registerControlRoutes(): void {
    this.controlRoute("GET", "/_sim/health", () => ({
      status: 200,
      body: { status: "ok", simulator: this.name, uptimeMs: Date.now() - this.startedAt, received: this.log.lastSeq },
    }));
    this.controlRoute("GET", "/_sim/state", () => ({ status: 200, body: this.state() }));
    this.controlRoute("GET", "/_sim/received", (req) => {
      const q: ReceivedQuery = {};
      const since = req.query.get("since");
      if (since !== null) {
        if (/^\d+$/.test(since)) q.since = Number(since);
        else if (!Number.isNaN(Date.parse(since))) q.sinceTime = Date.parse(since);
        else return { status: 400, body: { error: { code: "INVALID_QUERY", message: "since must be a sequence number or an ISO date-time" } } };
      }
      const limit = req.query.get("limit");
      if (limit !== null) {
        if (!/^\d{1,6}$/.test(limit)) return { status: 400, body: { error: { code: "INVALID_QUERY", message: "limit must be a non-negative integer" } } };
        q.limit = Number(limit);
      }
      const prefix = req.query.get("path");
      if (prefix !== null) q.pathPrefix = prefix;
      const entries = this.log.list(q);
      return { status: 200, body: { simulator: this.name, lastSeq: this.log.lastSeq, dropped: this.log.dropped, count: entries.length, entries } };
    });
    this.controlRoute("DELETE", "/_sim/received", () => {
      this.log.clear();
      return { status: 204 };
    });
    this.controlRoute("GET", "/_sim/faults", () => ({ status: 200, body: this.faults() }));
    this.controlRoute("POST", "/_sim/faults", (req) => {
      const parsed = parseFaultConfig(req.body ?? {});
      if (!parsed.ok) return { status: 400, body: { error: { code: "INVALID_FAULTS", message: parsed.error } } };
      this.faultInjector.set(parsed.config);
      return { status: 200, body: this.faults() };
    });
    this.controlRoute("POST", "/_sim/reset", () => {
      this.reset();
      return { status: 200, body: { status: "reset", simulator: this.name } };
    });
  }

  private registerTokenEndpoint(cfg: Extract<AuthConfig, { type: "oauth2" }>): void {
    // RFC 6749 §4.4 client-credentials grant; errors in the RFC's own shape, not the vendor's.
    this.route("POST", "/oauth/token", (req): SimReply => {
      const form = req.body !== null && typeof req.body === "object" && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
      if (form.grant_type !== "client_credentials") {
        return { status: 400, body: { error: "unsupported_grant_type", error_description: "only client_credentials is supported" } };
      }
      const creds = clientCredentials(req.headers, form);
      if (creds.id !== cfg.clientId || creds.secret !== cfg.clientSecret) {
        return { status: 401, body: { error: "invalid_client", error_description: "client authentication failed" }, headers: { "www-authenticate": 'Basic realm="sim"' } };
      }
      const ttl = cfg.tokenTtlSeconds ?? 3600;
      const token = this.tokens.issue(ttl);
      return {
        status: 200,
        body: { access_token: token, token_type: "Bearer", expires_in: ttl, ...(cfg.scope ? { scope: cfg.scope } : {}) },
        headers: { "cache-control": "no-store", pragma: "no-cache" },
      };
    });
  }
}
