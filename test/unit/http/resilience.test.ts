import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { EndpointClient, type EndpointOptions } from "../../../nodes/lib/http/endpoint-client";
import { startSimulators, stopSimulators, type Simulators } from "../../../simulators";

let sims: Simulators;
before(async () => {
  sims = await startSimulators({ host: "127.0.0.1", basePort: 0 });
});
after(() => stopSimulators());
beforeEach(() => sims.tms.reset());

async function withClient<T>(extra: Partial<EndpointOptions>, fn: (c: EndpointClient) => Promise<T>): Promise<T> {
  const c = new EndpointClient({ baseUrl: sims.tms.url, auth: { type: "none" }, timeoutMs: 2_000, maxSockets: 4, ...extra });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const apiCalls = () => sims.tms.received({ pathPrefix: "/api/" });

describe("circuit breaker (TMS simulator)", () => {
  it("opens after the threshold, refuses without calling and says when the next try is, then closes on a good probe", async () => {
    sims.tms.setFaults({ failNext: 3, errorStatus: 503 });
    await withClient({ circuitBreaker: { failureThreshold: 3, coolDownMs: 300 } }, async (c) => {
      for (let i = 0; i < 3; i++) {
        const o = await c.call("GET", "/api/v1/loads", undefined);
        assert.ok(!o.ok && o.retryable && o.status === 503, JSON.stringify(o));
      }
      assert.equal(c.circuit().state, "open");
      const seen = apiCalls().length;
      const refused = await c.call("POST", "/api/v1/loads", { loadId: "LD-CB" }, { idempotencyKey: "k-cb" });
      assert.ok(!refused.ok && refused.retryable, JSON.stringify(refused));
      assert.equal(refused.circuitOpen, true);
      assert.equal(refused.status, null);
      assert.match(refused.error, /circuit open after 3 consecutive failures, next try at \d{4}-\d\d-\d\dT/);
      assert.ok(refused.retryAfterMs !== null && refused.retryAfterMs > 0 && refused.retryAfterMs <= 300, String(refused.retryAfterMs));
      assert.equal(apiCalls().length, seen, "an open circuit sends nothing");

      await new Promise((r) => setTimeout(r, 320));
      assert.equal(c.circuit().state, "half-open");
      const probe = await c.call("POST", "/api/v1/loads", { loadId: "LD-CB" }, { idempotencyKey: "k-cb" });
      assert.ok(probe.ok, JSON.stringify(probe));
      assert.equal(c.circuit().state, "closed");
      assert.ok((await c.call("GET", "/api/v1/loads/LD-CB", undefined)).ok);
    });
  });

  it("a failed probe opens it again; 4xx and 429 do not count as failures", async () => {
    sims.tms.setFaults({ failNext: 2, errorStatus: 500 });
    await withClient({ circuitBreaker: { failureThreshold: 1, coolDownMs: 100 } }, async (c) => {
      assert.equal((await c.call("GET", "/api/v1/loads", undefined)).status, 500);
      assert.equal(c.circuit().state, "open");
      await new Promise((r) => setTimeout(r, 120));
      assert.equal((await c.call("GET", "/api/v1/loads", undefined)).status, 500, "the probe went out and failed");
      assert.equal(c.circuit().state, "open");
      await new Promise((r) => setTimeout(r, 120));
      assert.ok((await c.call("GET", "/api/v1/loads", undefined)).ok);
      const notFound = await c.call("GET", "/api/v1/loads/NOPE", undefined);
      assert.equal(notFound.status, 404);
      sims.tms.setFaults({ rateLimitRate: 1, retryAfterSeconds: 1 });
      assert.equal((await c.call("GET", "/api/v1/loads", undefined)).status, 429);
      assert.equal(c.circuit().state, "closed");
    });
  });
});

describe("bounded sockets and concurrency (TMS simulator)", () => {
  it("a burst of 40 calls never uses more sockets than configured", async () => {
    sims.tms.setFaults({ latencyMs: 40 });
    const server = (sims.tms as unknown as { server: Server }).server;
    let open = 0;
    let peak = 0;
    let opened = 0;
    const onConnection = (socket: import("node:net").Socket) => {
      open++;
      opened++;
      peak = Math.max(peak, open);
      socket.on("close", () => open--);
    };
    server.on("connection", onConnection);
    try {
      await withClient({ maxSockets: 3 }, async (c) => {
        let clientPeak = 0;
        const sampler = setInterval(() => (clientPeak = Math.max(clientPeak, c.socketCount())), 5);
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, (_, i) => c.call("POST", "/api/v1/loads", { loadId: `LD-B${i}` }, { idempotencyKey: `k-b${i}` })),
        );
        clearInterval(sampler);
        assert.equal(outcomes.filter((o) => o.ok).length, 40, JSON.stringify(outcomes.find((o) => !o.ok)));
        assert.ok(clientPeak <= 3 && clientPeak >= 2, `client held ${clientPeak} sockets at most`);
      });
      assert.ok(peak <= 3, `the simulator saw ${peak} connections at once`);
      assert.ok(opened <= 3, `${opened} connections opened in all (keep-alive)`);
    } finally {
      server.off("connection", onConnection);
    }
  });
});

describe("in-call retries (TMS simulator)", () => {
  const retry = { retries: 3, baseMs: 10, maxMs: 50, maxRetryAfterMs: 2_000 };

  it("retries a call with an Idempotency-Key, with the same key, until it goes through", async () => {
    sims.tms.setFaults({ failNext: 2, errorStatus: 503 });
    await withClient({ retry }, async (c) => {
      const o = await c.call("POST", "/api/v1/loads", { loadId: "LD-R1" }, { idempotencyKey: "k-r1", correlationId: "C-R1" });
      assert.ok(o.ok, JSON.stringify(o));
      assert.equal(o.attempts, 3);
      const posts = apiCalls();
      assert.deepEqual(posts.map((p) => p.status), [503, 503, 201]);
      assert.ok(posts.every((p) => p.headers["idempotency-key"] === "k-r1" && p.headers["x-correlation-id"] === "C-R1"));
    });
  });

  it("does not retry a POST without the caller's key (not safe to repeat)", async () => {
    sims.tms.setFaults({ failNext: 1, errorStatus: 503 });
    await withClient({ retry }, async (c) => {
      const o = await c.call("POST", "/api/v1/loads", { loadId: "LD-R2" });
      assert.ok(!o.ok && o.retryable && o.attempts === 1, JSON.stringify(o));
      assert.equal(apiCalls().length, 1);
    });
  });

  it("honours Retry-After: waits for a short one, hands a long one back to the caller", async () => {
    sims.tms.setFaults({ outageSeconds: 1 });
    await withClient({ retry }, async (c) => {
      const started = Date.now();
      const o = await c.call("GET", "/api/v1/loads", undefined);
      assert.ok(o.ok, JSON.stringify(o));
      assert.ok(Date.now() - started >= 900, `waited ${Date.now() - started} ms`);
      assert.ok(o.attempts! <= 3, `${o.attempts} attempts, not a tight loop`);
    });
    sims.tms.setFaults({ outageSeconds: 10 });
    await withClient({ retry }, async (c) => {
      const started = Date.now();
      const o = await c.call("GET", "/api/v1/loads", undefined);
      assert.ok(!o.ok && o.retryable, JSON.stringify(o));
      assert.ok(o.retryAfterMs !== null && o.retryAfterMs >= 9_000, String(o.retryAfterMs));
      assert.equal(o.attempts, 1);
      assert.ok(Date.now() - started < 500);
    });
    sims.tms.setFaults({});
  });
});

describe("rate limit (TMS simulator)", () => {
  it("keeps to the configured calls per second", async () => {
    await withClient({ rateLimitPerSecond: 20 }, async (c) => {
      const started = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 30 }, () => c.call("GET", "/api/v1/loads", undefined)));
      const took = Date.now() - started;
      assert.ok(outcomes.every((o) => o.ok));
      // A burst of 20, then 10 more at 20/s: about 500 ms.
      assert.ok(took >= 450, `30 calls at 20/s took ${took} ms`);
      assert.ok(took < 2_000, `not much slower: ${took} ms`);
    });
  });
});
