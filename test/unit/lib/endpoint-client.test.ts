import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http, { type IncomingHttpHeaders } from "node:http";
import { Socket, type AddressInfo } from "node:net";
import { EndpointClient, type CallOutcome, type EndpointAuth } from "../../../nodes/lib/http/endpoint-client";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

let server: http.Server;
let baseUrl: string;
const seen: Seen[] = [];
let handler: Handler = (_req, res) => res.end();
let open = 0;
let maxOpen = 0;
let connections = 0;

before(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on("connection", (socket) => {
    connections++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    socket.on("close", () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function withClient<T>(auth: EndpointAuth, fn: (c: EndpointClient) => Promise<T>, extra: { timeoutMs?: number; maxSockets?: number; url?: string } = {}): Promise<T> {
  const client = new EndpointClient({ baseUrl: extra.url ?? baseUrl, auth, timeoutMs: extra.timeoutMs ?? 2_000, maxSockets: extra.maxSockets ?? 4 });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

function last(): Seen {
  const s = seen[seen.length - 1];
  assert.ok(s, "the server saw no request");
  return s;
}

describe("EndpointClient", () => {
  it("sends the api key header, Idempotency-Key, X-Correlation-Id and a JSON body; 2xx is ok with data", async () => {
    handler = (_req, res) => json(res, 201, { results: [{ eventId: "E1", status: "accepted" }] });
    const outcome = await withClient({ type: "apiKey", header: "x-api-key", value: "s3cret" }, (c) =>
      c.call("POST", "/api/v1/execution-events:batch", { events: [{ eventId: "E1" }] }, { idempotencyKey: "tms-1:7", correlationId: "LOAD|LD-1" }),
    );
    assert.deepEqual(outcome, { ok: true, status: 201, data: { results: [{ eventId: "E1", status: "accepted" }] }, attempts: 1 });
    const s = last();
    assert.equal(s.method, "POST");
    assert.equal(s.url, "/api/v1/execution-events:batch");
    assert.equal(s.headers["x-api-key"], "s3cret");
    assert.equal(s.headers["idempotency-key"], "tms-1:7");
    assert.equal(s.headers["x-correlation-id"], "LOAD|LD-1");
    assert.match(String(s.headers["content-type"]), /application\/json/);
    assert.deepEqual(JSON.parse(s.body), { events: [{ eventId: "E1" }] });
    assert.equal(s.headers.authorization, undefined);
  });

  it("sends bearer and basic authorization; no auth when none; a generated correlation id, and no Idempotency-Key on a GET", async () => {
    handler = (_req, res) => json(res, 200, {});
    await withClient({ type: "bearer", token: "tok-123" }, (c) => c.call("GET", "/x", undefined));
    assert.equal(last().headers.authorization, "Bearer tok-123");
    await withClient({ type: "basic", username: "sap_user", password: "p:w" }, (c) => c.call("GET", "/x", undefined));
    assert.equal(last().headers.authorization, `Basic ${Buffer.from("sap_user:p:w").toString("base64")}`);
    await withClient({ type: "none" }, (c) => c.call("GET", "/x", undefined));
    assert.equal(last().headers.authorization, undefined);
    assert.equal(last().headers["idempotency-key"], undefined);
    assert.match(String(last().headers["x-correlation-id"]), /^[0-9a-f-]{36}$/, "every call carries a correlation id");
  });

  it("a write without a key gets a generated Idempotency-Key; a given correlation id is kept", async () => {
    handler = (_req, res) => json(res, 200, {});
    await withClient({ type: "none" }, (c) => c.call("POST", "/x", {}, { correlationId: "C-1" }));
    assert.match(String(last().headers["idempotency-key"]), /^lsync-[0-9a-f-]{36}$/);
    assert.equal(last().headers["x-correlation-id"], "C-1");
  });

  it("503 is retryable", async () => {
    handler = (_req, res) => json(res, 503, { error: "maintenance" });
    const outcome = await withClient({ type: "none" }, (c) => c.call("POST", "/p", {}));
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.retryable);
    assert.equal(outcome.status, 503);
    assert.match((outcome as Extract<CallOutcome, { ok: false }>).error, /POST \/p: HTTP 503 .*maintenance/);
    assert.equal((outcome as Extract<CallOutcome, { retryable: true }>).retryAfterMs, null);
  });

  it("429 with Retry-After seconds gives retryAfterMs", async () => {
    handler = (_req, res) => json(res, 429, { error: "slow down" }, { "retry-after": "7" });
    const outcome = await withClient({ type: "none" }, (c) => c.call("POST", "/p", {}));
    assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
    assert.equal(outcome.status, 429);
    assert.equal(outcome.retryAfterMs, 7_000);
  });

  it("400 is not retryable and carries the response data", async () => {
    handler = (_req, res) => json(res, 400, { error: { code: "BAD_LOAD", message: "unknown load LD-9" } });
    const outcome = await withClient({ type: "none" }, (c) => c.call("POST", "/p", {}));
    assert.ok(!outcome.ok && !outcome.retryable, JSON.stringify(outcome));
    assert.equal(outcome.status, 400);
    assert.deepEqual(outcome.data, { error: { code: "BAD_LOAD", message: "unknown load LD-9" } });
    assert.match(outcome.error, /HTTP 400 .*unknown load LD-9/);
  });

  it("does not follow a redirect (3xx is a final, non-retryable outcome)", async () => {
    handler = (_req, res) => {
      res.writeHead(307, { location: "http://example.invalid/elsewhere" });
      res.end();
    };
    const outcome = await withClient({ type: "none" }, (c) => c.call("POST", "/p", { a: 1 }));
    assert.ok(!outcome.ok && !outcome.retryable);
    assert.equal(outcome.status, 307);
  });

  it("a timeout is retryable and says it timed out", async () => {
    handler = () => undefined; // never answers
    const outcome = await withClient({ type: "none" }, (c) => c.call("POST", "/slow", {}), { timeoutMs: 100 });
    assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
    assert.equal(outcome.status, null);
    assert.match(outcome.error, /timed out after 100 ms/);
    server.closeAllConnections();
  });

  it("connection refused is retryable", async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const outcome = await withClient({ type: "none" }, (c) => c.call("POST", "/p", {}), { url: `http://127.0.0.1:${port}` });
    assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
    assert.equal(outcome.status, null);
    assert.match(outcome.error, /ECONNREFUSED/);
  });

  it("keeps one TCP keep-alive setting on its pooled sockets (no setsockopt per request)", async () => {
    handler = (_req, res) => json(res, 200, { ok: true });
    // axios sets its keep-alive delay on every request, the agent its own when the socket is pooled
    // again: node changes the socket option (eight syscalls) each time the two differ.
    const delays: number[] = [];
    const original = Socket.prototype.setKeepAlive;
    Socket.prototype.setKeepAlive = function (this: Socket, enable?: boolean, delay?: number) {
      if (enable) delays.push(delay ?? 0);
      return original.call(this, enable, delay);
    };
    try {
      await withClient({ type: "none" }, async (c) => {
        for (let i = 0; i < 5; i++) assert.equal((await c.call("POST", `/k/${i}`, { i })).ok, true);
      }, { maxSockets: 1 });
    } finally {
      Socket.prototype.setKeepAlive = original;
    }
    assert.ok(delays.length >= 5, `keep-alive set on each request (${delays.length} times)`);
    assert.deepEqual([...new Set(delays)], [60_000], "one delay, so the option is set once per socket");
  });

  it("never opens more than maxSockets connections", async () => {
    server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    open = 0;
    maxOpen = 0;
    connections = 0;
    let inHandler = 0;
    let maxInHandler = 0;
    handler = (_req, res) => {
      inHandler++;
      maxInHandler = Math.max(maxInHandler, inHandler);
      setTimeout(() => {
        inHandler--;
        json(res, 200, { ok: true });
      }, 100);
    };
    const outcomes = await withClient(
      { type: "none" },
      async (c) => {
        const all = Promise.all(Array.from({ length: 20 }, (_, i) => c.call("POST", `/n/${i}`, { i })));
        await new Promise((resolve) => setTimeout(resolve, 30));
        assert.ok(c.socketCount() <= 3, `client reports ${c.socketCount()} sockets`);
        return all;
      },
      { maxSockets: 3 },
    );
    assert.equal(outcomes.filter((o) => o.ok).length, 20, "every call completes");
    assert.ok(maxOpen <= 3, `server saw ${maxOpen} concurrent connections`);
    assert.ok(maxInHandler <= 3, `server handled ${maxInHandler} requests at once`);
    assert.ok(maxInHandler >= 2, "calls did run in parallel up to the limit");
    assert.ok(connections <= 3, `${connections} connections opened (keep-alive reuses them)`);
  });
});
