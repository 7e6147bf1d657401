import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { EndpointClient, type EndpointOptions } from "../../../nodes/lib/http/endpoint-client";
import { TmsSimulator } from "../../../simulators";

const SECRET = "s3cret-never-logged-7Q";

function client(sim: { url: string }, extra: Partial<EndpointOptions> = {}, auth: Partial<Extract<EndpointOptions["auth"], { type: "oauth2" }>> = {}): EndpointClient {
  return new EndpointClient({
    baseUrl: sim.url,
    auth: { type: "oauth2", tokenUrl: "/oauth/token", clientId: "lsync", clientSecret: SECRET, scope: "loads.write", ...auth },
    timeoutMs: 2_000,
    maxSockets: 4,
    ...extra,
  });
}

describe("EndpointClient with OAuth2 client credentials (TMS simulator)", () => {
  const sim = new TmsSimulator({ auth: { type: "oauth2", clientId: "lsync", clientSecret: SECRET, tokenTtlSeconds: 1 } });
  before(() => sim.listen(0, "127.0.0.1"));
  after(() => sim.close());
  beforeEach(() => sim.reset());

  const tokenRequests = () => sim.received({ pathPrefix: "/oauth/token" });
  const unauthorized = () => sim.received({ pathPrefix: "/api/" }).filter((e) => e.status === 401);

  it("fetches a token once for many concurrent calls and sends it as a bearer token", async () => {
    const c = client(sim);
    try {
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => c.call("GET", "/api/v1/loads", undefined)));
      assert.ok(outcomes.every((o) => o.ok), JSON.stringify(outcomes.find((o) => !o.ok)));
      assert.equal(tokenRequests().length, 1, "single flight");
      assert.equal(c.tokenFetches(), 1);
      assert.equal(unauthorized().length, 0);
    } finally {
      c.close();
    }
  });

  it("an expired token (the server's clock says so, ours does not) is refreshed and the call goes through once", async () => {
    // A client clock that stands still: the cached token looks fresh to us, the server expires it after 1 s.
    const frozen = Date.now();
    const c = client(sim, { clock: () => frozen });
    try {
      assert.ok((await c.call("GET", "/api/v1/loads", undefined)).ok);
      await new Promise((r) => setTimeout(r, 1_200));
      const outcome = await c.call("POST", "/api/v1/loads", { loadId: "LD-OAUTH-1" }, { idempotencyKey: "k-oauth-1", correlationId: "C-OAUTH" });
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(outcome.status, 201);
      assert.equal(outcome.attempts, 1, "the 401 retry is inside the one attempt");
      const refused = unauthorized();
      assert.equal(refused.length, 1, "the server refused the expired token once");
      assert.equal(tokenRequests().length, 2, "then a new token was fetched");
      const posts = sim.received({ pathPrefix: "/api/v1/loads" }).filter((e) => e.method === "POST");
      assert.deepEqual(
        posts.map((p) => [p.status, p.headers["idempotency-key"], p.headers["x-correlation-id"]]),
        [
          [401, "k-oauth-1", "C-OAUTH"],
          [201, "k-oauth-1", "C-OAUTH"],
        ],
      );
      const got = await c.call("GET", "/api/v1/loads/LD-OAUTH-1", undefined);
      assert.ok(got.ok, "the load exists: the call was not lost");
    } finally {
      c.close();
    }
  });

  it("refreshes before expiry, so the server never sees an expired token", async () => {
    const sim2 = new TmsSimulator({ auth: { type: "oauth2", clientId: "lsync", clientSecret: SECRET, tokenTtlSeconds: 2 } });
    await sim2.listen(0, "127.0.0.1");
    const c = client(sim2, {}, { refreshMarginMs: 1_000 });
    try {
      assert.ok((await c.call("GET", "/api/v1/loads", undefined)).ok);
      assert.ok((await c.call("GET", "/api/v1/loads", undefined)).ok);
      assert.equal(c.tokenFetches(), 1, "cached");
      await new Promise((r) => setTimeout(r, 1_100)); // inside the margin, before the server's expiry
      assert.ok((await c.call("GET", "/api/v1/loads", undefined)).ok);
      assert.equal(c.tokenFetches(), 2, "refreshed ahead of expiry");
      assert.equal(sim2.received({ pathPrefix: "/api/" }).filter((e) => e.status === 401).length, 0);
    } finally {
      c.close();
      await sim2.close();
    }
  });

  it("a wrong client secret is a final outcome whose message names neither secret", async () => {
    const wrong = "wrong-secret-XYZ-123";
    const c = client(sim, {}, { clientSecret: wrong });
    try {
      const outcome = await c.call("POST", "/api/v1/loads", { loadId: "LD-X" }, { idempotencyKey: "k-x" });
      assert.ok(!outcome.ok && !outcome.retryable, JSON.stringify(outcome));
      assert.equal(outcome.status, 401);
      assert.match(outcome.error, /OAuth2 token request to \/oauth\/token: HTTP 401 invalid_client/);
      assert.ok(!outcome.error.includes(wrong) && !JSON.stringify(outcome).includes(wrong));
      assert.ok(!JSON.stringify(outcome).includes(SECRET));
      assert.equal(sim.received({ pathPrefix: "/api/" }).length, 0, "no API call without a token");
    } finally {
      c.close();
    }
  });
});

describe("OAuth2 secrets stay out of messages when servers echo them", () => {
  let server: http.Server;
  let url: string;
  let issued = "";
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        if (req.url === "/broken-token") {
          // A badly behaved IdP: 500 that echoes the request, secret included.
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "server_error", echo: { authorization: req.headers.authorization, body, secret: SECRET } }));
          return;
        }
        if (req.url === "/token") {
          issued = `tok-${Math.random().toString(36).slice(2)}-abcdef`;
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ access_token: issued, token_type: "Bearer", expires_in: 3600 }));
          return;
        }
        // An API that echoes the Authorization header in a 400.
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `bad request with ${req.headers.authorization} and ${SECRET}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("a failing token endpoint's echo is not in the outcome (retryable, HTTP status and RFC error code only)", async () => {
    const c = client({ url }, {}, { tokenUrl: `${url}/broken-token` });
    try {
      const outcome = await c.call("POST", "/api", {}, { idempotencyKey: "k" });
      assert.ok(!outcome.ok && outcome.retryable, JSON.stringify(outcome));
      assert.match(outcome.error, /HTTP 500 server_error$/);
      assert.ok(!JSON.stringify(outcome).includes(SECRET));
      assert.ok(!JSON.stringify(outcome).includes(Buffer.from(`lsync:${SECRET}`).toString("base64")));
    } finally {
      c.close();
    }
  });

  it("an API echoing the token and secret gets them redacted from the error", async () => {
    const c = client({ url }, {}, { tokenUrl: "/token" });
    try {
      const outcome = await c.call("POST", "/api", {}, { idempotencyKey: "k" });
      assert.ok(!outcome.ok && !outcome.retryable, JSON.stringify(outcome));
      assert.ok(issued !== "");
      assert.ok(!outcome.error.includes(issued), outcome.error);
      assert.ok(!outcome.error.includes(SECRET), outcome.error);
      assert.match(outcome.error, /\[redacted\]/);
    } finally {
      c.close();
    }
  });
});
