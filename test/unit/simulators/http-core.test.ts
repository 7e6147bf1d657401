/**
 * The shared HTTP machinery (lib/server.ts), exercised through the portal and TMS simulators:
 * idempotency, every fault type, the control API, auth, hostile bodies.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { FaultInjector } from "../../../simulators/lib/faults";
import { IdempotencyStore } from "../../../simulators/lib/idempotency";
import { ReceivedLog } from "../../../simulators/lib/received-log";
import { PortalSimulator } from "../../../simulators/portal";
import { TmsSimulator } from "../../../simulators/tms";
import { call, post } from "./_http";

interface Alert {
  id: string;
  orderId: string;
}
interface ReceivedBody {
  lastSeq: number;
  count: number;
  entries: Array<{ seq: number; method: string; path: string; status: number; headers: Record<string, string>; body: unknown; fault?: string; replayed?: boolean }>;
}
interface ErrorBody {
  error: { code: string; message: string };
}

const alert = (n: number) => ({ orderId: `SO-${n}`, type: "DELAY", message: "late" });

describe("idempotency", () => {
  const sim = new PortalSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("replays the first answer for a repeated key and has no second effect", async () => {
    const first = await post<Alert>(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k-1" });
    const second = await post<Alert>(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k-1" });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.text, first.text, "same body byte for byte");
    assert.equal(second.headers.get("idempotent-replayed"), "true");
    const state = sim.state() as { count: number; stats: { idempotentReplays: number } };
    assert.equal(state.count, 1, "one alert stored");
    assert.equal(state.stats.idempotentReplays, 1);
  });

  it("also replays error answers (a 400 stays a 400)", async () => {
    const a = await post<ErrorBody>(`${sim.url}/api/v1/alerts`, { orderId: "X", type: "NOPE", message: "m" }, { "Idempotency-Key": "bad-1" });
    const b = await post<ErrorBody>(`${sim.url}/api/v1/alerts`, { orderId: "X", type: "NOPE", message: "m" }, { "Idempotency-Key": "bad-1" });
    assert.equal(a.status, 400);
    assert.equal(b.status, 400);
    assert.equal(b.headers.get("idempotent-replayed"), "true");
  });

  it("scopes keys by method and path, and different keys both take effect", async () => {
    await post(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k-a" });
    await post(`${sim.url}/api/v1/alerts`, alert(2), { "Idempotency-Key": "k-b" });
    await post(`${sim.url}/api/v1/alerts`, alert(3));
    await post(`${sim.url}/api/v1/alerts`, alert(3));
    assert.equal((sim.state() as { count: number }).count, 4, "no key → no dedupe");
  });

  it("answers 422 when a key is reused with a different body", async () => {
    await post(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k-x" });
    const r = await post<ErrorBody>(`${sim.url}/api/v1/alerts`, alert(2), { "Idempotency-Key": "k-x" });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, "IDEMPOTENCY_KEY_REUSED");
    assert.equal((sim.state() as { count: number }).count, 1);
  });

  it("concurrent requests with one key run the handler once", async () => {
    sim.setFaults({ latencyMs: 50 });
    const replies = await Promise.all([1, 2, 3].map(() => post<Alert>(`${sim.url}/api/v1/alerts`, alert(9), { "Idempotency-Key": "k-c" })));
    assert.deepEqual(new Set(replies.map((r) => r.text)).size, 1);
    assert.equal((sim.state() as { count: number }).count, 1);
  });

  it("the key table is bounded by entries and by stored bytes", () => {
    const answer = (n: number) => ({ status: 200, headers: {}, bodyText: "x".repeat(n) });
    const byCount = new IdempotencyStore(2);
    for (const k of ["a", "b", "c"]) {
      const hit = byCount.lookup("POST", "/p", k, Buffer.from("{}"));
      if (hit.kind === "new") hit.complete(answer(1));
    }
    assert.equal(byCount.size, 2);
    assert.equal(byCount.lookup("POST", "/p", "a", Buffer.from("{}")).kind, "new", "oldest key forgotten");
    const byBytes = new IdempotencyStore(100, 10);
    for (const k of ["a", "b", "c"]) {
      const hit = byBytes.lookup("POST", "/p", k, Buffer.from("{}"));
      if (hit.kind === "new") hit.complete(answer(4));
    }
    assert.equal(byBytes.size, 2);
  });

  it("a request failed by an injected fault is not remembered: the retry runs", async () => {
    sim.setFaults({ failNext: 1, errorStatus: 503 });
    const a = await post(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k-f" });
    const b = await post(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k-f" });
    assert.equal(a.status, 503);
    assert.equal(b.status, 201);
    assert.equal(b.headers.get("idempotent-replayed"), null);
    assert.equal((sim.state() as { count: number }).count, 1);
  });
});

describe("faults", () => {
  const sim = new PortalSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  async function statuses(n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await call(`${sim.url}/api/v1/alerts`)).status);
    return out;
  }

  it("a seeded 5xx share is reproducible and roughly the share asked", async () => {
    sim.setFaults({ errorRate: 0.3, errorStatus: 502, seed: 42 });
    const a = await statuses(200);
    sim.setFaults({ errorRate: 0.3, errorStatus: 502, seed: 42 });
    const b = await statuses(200);
    assert.deepEqual(a, b, "same seed → same sequence");
    const failed = a.filter((s) => s === 502).length;
    assert.ok(failed > 35 && failed < 85, `~30% of 200 failed, got ${failed}`);
    assert.ok(a.every((s) => s === 502 || s === 200));
    sim.setFaults({ errorRate: 0.3, errorStatus: 502, seed: 43 });
    assert.notDeepEqual(await statuses(200), a, "another seed → another sequence");
  });

  it("429 carries Retry-After", async () => {
    sim.setFaults({ rateLimitRate: 1, retryAfterSeconds: 7 });
    const r = await call<ErrorBody>(`${sim.url}/api/v1/alerts`);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("retry-after"), "7");
  });

  it("an outage answers 503 with Retry-After for N seconds, then recovers", async () => {
    await call(`${sim.url}/_sim/faults`, { method: "POST", body: { outageSeconds: 1 } });
    const during = await call(`${sim.url}/api/v1/alerts`);
    assert.equal(during.status, 503);
    assert.equal(during.headers.get("retry-after"), "1");
    const current = await call<{ outageRemainingMs: number }>(`${sim.url}/_sim/faults`);
    assert.ok(current.body.outageRemainingMs > 0 && current.body.outageRemainingMs <= 1000);
    await new Promise((r) => setTimeout(r, 1050));
    assert.equal((await call(`${sim.url}/api/v1/alerts`)).status, 200);
  });

  it("a timeout never answers: the client gives up", async () => {
    sim.setFaults({ timeoutRate: 1 });
    const t0 = Date.now();
    await assert.rejects(call(`${sim.url}/api/v1/alerts`, { signal: AbortSignal.timeout(300) }), (err: Error) => err.name === "TimeoutError" || err.name === "AbortError");
    assert.ok(Date.now() - t0 >= 290);
    const log = sim.received();
    assert.equal(log.at(-1)?.fault, "timeout");
  });

  it("a timeout with timeoutMs drops the connection without an answer", async () => {
    sim.setFaults({ timeoutRate: 1, timeoutMs: 100 });
    const t0 = Date.now();
    await assert.rejects(call(`${sim.url}/api/v1/alerts`, { signal: AbortSignal.timeout(5000) }), (err: Error) => err.name !== "TimeoutError");
    const took = Date.now() - t0;
    assert.ok(took >= 90 && took < 4000, `dropped after ${took} ms`);
  });

  it("latency delays the answer", async () => {
    sim.setFaults({ latencyMs: 150 });
    const t0 = Date.now();
    assert.equal((await call(`${sim.url}/api/v1/alerts`)).status, 200);
    assert.ok(Date.now() - t0 >= 140);
  });

  it("pathPattern limits faults to matching paths and control routes are never faulted", async () => {
    sim.setFaults({ errorRate: 1, pathPattern: "^/api/v1/alerts$", methods: ["POST"] });
    assert.equal((await call(`${sim.url}/api/v1/alerts`)).status, 200, "GET not in methods");
    assert.equal((await post(`${sim.url}/api/v1/alerts`, alert(1))).status, 500);
    assert.equal((await call(`${sim.url}/_sim/health`)).status, 200);
  });

  it("rejects an invalid fault config with 400 naming the problem", async () => {
    const r = await call<ErrorBody>(`${sim.url}/_sim/faults`, { method: "POST", body: { errorRate: 2 } });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /errorRate/);
    const unknown = await call<ErrorBody>(`${sim.url}/_sim/faults`, { method: "POST", body: { erorRate: 0.1 } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /erorRate/);
  });

  it("constructor faults apply from the start and come back after reset", async () => {
    const s2 = new PortalSimulator({ faults: { failNext: 1, errorStatus: 504 } });
    await s2.listen(0);
    try {
      assert.equal((await call(`${s2.url}/api/v1/alerts`)).status, 504);
      assert.equal((await call(`${s2.url}/api/v1/alerts`)).status, 200);
      await call(`${s2.url}/_sim/reset`, { method: "POST" });
      assert.equal((await call(`${s2.url}/api/v1/alerts`)).status, 504);
    } finally {
      await s2.close();
    }
  });

  it("FaultInjector draws the same sequence whatever else is switched on", () => {
    const seq = (cfg: ConstructorParameters<typeof FaultInjector>[0]) => {
      const f = new FaultInjector(cfg, 5);
      return Array.from({ length: 50 }, () => f.decide("GET", "/x").kind);
    };
    const errorsOnly = seq({ errorRate: 0.5 }).map((k) => k === "error");
    const withLatency = seq({ errorRate: 0.5, latencyMs: 10, latencyJitterMs: 5 }).map((k) => k === "error");
    assert.deepEqual(errorsOnly, withLatency);
    assert.ok(errorsOnly.some(Boolean) && !errorsOnly.every(Boolean));
  });
});

describe("control API", () => {
  const sim = new PortalSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  it("GET /_sim/received logs method, path, headers of interest, body and status, newest last", async () => {
    await post(`${sim.url}/api/v1/alerts`, alert(1), { "Idempotency-Key": "k1", "X-Correlation-Id": "corr-1" });
    await call(`${sim.url}/api/v1/nope`);
    const r = await call<ReceivedBody>(`${sim.url}/_sim/received`);
    assert.equal(r.status, 200);
    const [first, second] = r.body.entries;
    assert.equal(r.body.entries.length, 2, "control calls are not logged");
    assert.equal(first?.method, "POST");
    assert.equal(first?.path, "/api/v1/alerts");
    assert.equal(first?.status, 201);
    assert.equal(first?.headers["idempotency-key"], "k1");
    assert.equal(first?.headers["x-correlation-id"], "corr-1");
    const echoed = await post(`${sim.url}/api/v1/alerts`, alert(2), { "X-Correlation-Id": "corr-2" });
    assert.equal(echoed.headers.get("x-correlation-id"), "corr-2", "correlation id echoed");
    assert.deepEqual(first?.body, alert(1));
    assert.equal(second?.status, 404);
  });

  it("?since= and ?limit= page through the log", async () => {
    for (let i = 0; i < 5; i++) await post(`${sim.url}/api/v1/alerts`, alert(i));
    const all = await call<ReceivedBody>(`${sim.url}/_sim/received`);
    const since = all.body.entries[2]?.seq ?? 0;
    const after3 = await call<ReceivedBody>(`${sim.url}/_sim/received?since=${since}`);
    assert.deepEqual(after3.body.entries.map((e) => e.seq), all.body.entries.slice(3).map((e) => e.seq));
    const last2 = await call<ReceivedBody>(`${sim.url}/_sim/received?limit=2`);
    assert.deepEqual(last2.body.entries.map((e) => e.seq), all.body.entries.slice(3).map((e) => e.seq));
    assert.equal((await call(`${sim.url}/_sim/received?since=yesterday-ish`)).status, 400);
  });

  it("the received log is a bounded ring", () => {
    const log = new ReceivedLog(3);
    for (let i = 0; i < 5; i++) log.add({ time: new Date().toISOString(), method: "GET", path: `/${i}`, query: "", headers: {}, body: null, status: 200, durationMs: 0 }, 10);
    assert.deepEqual(log.list().map((e) => e.path), ["/2", "/3", "/4"]);
    assert.equal(log.dropped, 2);
    const byBytes = new ReceivedLog(100, 25);
    for (let i = 0; i < 5; i++) byBytes.add({ time: new Date().toISOString(), method: "POST", path: `/${i}`, query: "", headers: {}, body: null, status: 200, durationMs: 0 }, 10);
    assert.equal(byBytes.size, 2, "byte budget evicts oldest");
  });

  it("/_sim/state, /_sim/health and /_sim/reset", async () => {
    await post(`${sim.url}/api/v1/alerts`, alert(1));
    const st = await call<{ simulator: string; count: number }>(`${sim.url}/_sim/state`);
    assert.equal(st.body.simulator, "portal");
    assert.equal(st.body.count, 1);
    const h = await call<{ status: string }>(`${sim.url}/_sim/health`);
    assert.equal(h.body.status, "ok");
    assert.equal((await call(`${sim.url}/_sim/reset`, { method: "POST" })).status, 200);
    assert.equal((await call<{ count: number }>(`${sim.url}/_sim/state`)).body.count, 0);
    assert.equal((await call<ReceivedBody>(`${sim.url}/_sim/received`)).body.entries.length, 0);
  });
});

describe("hostile input", () => {
  const sim = new TmsSimulator();
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());

  it("bad JSON → 400 naming the problem", async () => {
    const r = await call<ErrorBody>(`${sim.url}/api/v1/loads`, { method: "POST", rawBody: '{"loadId": ', headers: { "content-type": "application/json" } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "INVALID_JSON");
    assert.match(r.body.error.message, /not valid JSON/);
  });

  it("a body over 1 MB → 413", async () => {
    const big = JSON.stringify({ events: [{ eventId: "x".repeat(1024 * 1024 + 10) }] });
    const r = await call<ErrorBody>(`${sim.url}/api/v1/execution-events:batch`, { method: "POST", rawBody: big, headers: { "content-type": "application/json" } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, "PAYLOAD_TOO_LARGE");
    assert.equal((await call(`${sim.url}/_sim/health`)).status, 200, "still alive");
  });

  it("unknown route → 404, wrong method → 405 with Allow", async () => {
    assert.equal((await call(`${sim.url}/api/v9/whatever`)).status, 404);
    const r = await call(`${sim.url}/api/v1/execution-events:batch`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "POST");
  });

  it("survives wrong types, deep nesting, prototype keys and bad percent-encoding", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const cases: Array<[string, string]> = [
      ["/api/v1/execution-events:batch", "[]"],
      ["/api/v1/execution-events:batch", '{"events": "nope"}'],
      ["/api/v1/execution-events:batch", '{"events": [null, 1, "x", {"eventId": {"a":1}}, {"eventId":"p","loadId":"__proto__","type":"PICKED","occurredAt":"2026-11-22T10:00:00Z"}]}'],
      ["/api/v1/execution-events:batch", deep],
      ["/api/v1/loads", '{"__proto__": {"polluted": true}, "stops": [1]}'],
      ["/api/v1/loads/%E0%A4%A/execution-events", "{}"],
      ["/api/v1/loads/L1/execution-events", "null"],
    ];
    for (const [path, body] of cases) {
      const r = await call(`${sim.url}${path}`, { method: "POST", rawBody: body, headers: { "content-type": "application/json" } });
      assert.ok(r.status < 500, `${path} ${body.slice(0, 40)} → ${r.status} ${r.text.slice(0, 200)}`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await call(`${sim.url}/_sim/health`)).status, 200);
  });
});

describe("auth", () => {
  const sims: Array<PortalSimulator | TmsSimulator> = [];
  after(() => Promise.all(sims.map((s) => s.close())));
  async function start<T extends PortalSimulator | TmsSimulator>(s: T): Promise<T> {
    sims.push(s);
    await s.listen(0);
    return s;
  }

  it("apiKey: missing or wrong → 401 JSON, right → 200; control routes stay open", async () => {
    const s = await start(new PortalSimulator({ auth: { type: "apiKey", header: "X-API-Key", value: "secret" } }));
    const missing = await call<ErrorBody>(`${s.url}/api/v1/alerts`);
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, "MISSING_API_KEY");
    assert.equal((await call(`${s.url}/api/v1/alerts`, { headers: { "X-API-Key": "nope" } })).status, 401);
    assert.equal((await call(`${s.url}/api/v1/alerts`, { headers: { "X-API-Key": "secret" } })).status, 200);
    assert.equal((await call(`${s.url}/_sim/state`)).status, 200);
    const logged = s.received().at(-1);
    assert.equal(logged?.headers["x-api-key"], "[redacted]", "credentials never stored");
  });

  it("bearer and basic", async () => {
    const b = await start(new PortalSimulator({ auth: { type: "bearer", token: "t0k" } }));
    const no = await call(`${b.url}/api/v1/alerts`);
    assert.equal(no.status, 401);
    assert.match(no.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal((await call(`${b.url}/api/v1/alerts`, { headers: { authorization: "Bearer t0k" } })).status, 200);
    assert.equal((await call(`${b.url}/api/v1/alerts`, { headers: { authorization: "Bearer other" } })).status, 401);
    const basic = await start(new PortalSimulator({ auth: { type: "basic", username: "u", password: "p:w" } }));
    const good = `Basic ${Buffer.from("u:p:w").toString("base64")}`;
    const bad = `Basic ${Buffer.from("u:x").toString("base64")}`;
    assert.equal((await call(`${basic.url}/api/v1/alerts`, { headers: { authorization: good } })).status, 200);
    assert.equal((await call(`${basic.url}/api/v1/alerts`, { headers: { authorization: bad } })).status, 401);
  });

  it("oauth2 client credentials issue expiring bearer tokens", async () => {
    const s = await start(new TmsSimulator({ auth: { type: "oauth2", clientId: "cid", clientSecret: "cs", tokenTtlSeconds: 1 } }));
    const form = (id: string, secret: string) =>
      call<{ access_token: string; expires_in: number; token_type: string; error?: string }>(`${s.url}/oauth/token`, {
        method: "POST",
        rawBody: new URLSearchParams({ grant_type: "client_credentials", client_id: id, client_secret: secret }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
    const wrong = await form("cid", "nope");
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, "invalid_client");
    const tok = await form("cid", "cs");
    assert.equal(tok.status, 200);
    assert.equal(tok.body.token_type, "Bearer");
    assert.equal(tok.body.expires_in, 1);
    const auth = { authorization: `Bearer ${tok.body.access_token}` };
    assert.equal((await call(`${s.url}/api/v1/loads`, { headers: auth })).status, 200);
    assert.equal((await call(`${s.url}/api/v1/loads`)).status, 401);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await call<ErrorBody>(`${s.url}/api/v1/loads`, { headers: auth });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, "TOKEN_EXPIRED");
  });
});
