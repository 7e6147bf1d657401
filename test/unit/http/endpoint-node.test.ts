import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clientOptionsFrom, type EndpointNodeDef } from "../../../nodes/lsync-endpoint/lsync-endpoint";

const base = { id: "ep", type: "lsync-endpoint", name: "", z: "", system: "TMS", baseUrl: "http://tms.example", apiKeyHeader: "", timeoutMs: 5000, maxSockets: 4 } as const;

describe("lsync-endpoint node options", () => {
  it("a flow from before these properties keeps its behaviour: no retries, no breaker, no rate limit, no TLS", () => {
    const o = clientOptionsFrom({ ...base, authType: "apiKey" } as unknown as EndpointNodeDef, { apiKey: "k" });
    assert.deepEqual(o.retry, { retries: 0 });
    assert.equal(o.circuitBreaker?.failureThreshold, 0);
    assert.equal(o.rateLimitPerSecond, 0);
    assert.equal(o.tls, undefined);
    assert.deepEqual(o.auth, { type: "apiKey", header: "x-api-key", value: "k" });
  });

  it("reads OAuth2, breaker, rate limit, retries and TLS", () => {
    const def = {
      ...base,
      authType: "oauth2",
      tokenUrl: "https://idp.example/token",
      clientId: "lsync",
      scope: "loads.write",
      audience: "",
      retries: "3",
      breakerThreshold: "5",
      breakerCoolDownMs: "",
      rateLimit: "12.5",
    } as unknown as EndpointNodeDef;
    const o = clientOptionsFrom(def, { clientSecret: "sec" }, { cert: "C", key: "K" });
    assert.deepEqual(o.auth, { type: "oauth2", tokenUrl: "https://idp.example/token", clientId: "lsync", clientSecret: "sec", scope: "loads.write" });
    assert.deepEqual(o.retry, { retries: 3 });
    assert.deepEqual(o.circuitBreaker, { failureThreshold: 5, coolDownMs: 30_000 });
    assert.equal(o.rateLimitPerSecond, 12.5);
    assert.deepEqual(o.tls, { cert: "C", key: "K" });
  });

  it("an OAuth2 endpoint without a token URL uses /oauth/token on the base URL; an unset ${VAR} counts as empty", () => {
    const o = clientOptionsFrom({ ...base, authType: "oauth2", tokenUrl: "${TMS_TOKEN_URL}", clientId: "c" } as unknown as EndpointNodeDef, {});
    assert.equal(o.auth.type === "oauth2" && o.auth.tokenUrl, "/oauth/token");
  });
});
