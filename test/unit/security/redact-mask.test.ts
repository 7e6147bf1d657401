import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import express from "express";
import type { AddressInfo } from "node:net";
import { DEFAULT_MASKING, MASK, maskingRules, maskPayload, maskText } from "../../../nodes/lib/masking";
import { auditEntryFromLog } from "../../../nodes/lib/security/audit";
import { forbiddenNot401 } from "../../../nodes/lib/security/forbidden";
import { formatLogLine } from "../../../nodes/lib/security/log-console";
import { clearSecrets, redact, redactDeep, redactSecretsIn, registerCredentials, registerEnvSecrets, registerSecret } from "../../../nodes/lib/security/redact";
import { errorMessage } from "../../../nodes/lib/errors";

afterEach(() => clearSecrets());

describe("redact", () => {
  it("replaces registered secrets, credentials and secret-named environment values wherever they appear", () => {
    registerSecret("cred-secret-123456");
    registerCredentials({ username: "mqtt-user", password: "hunter2-broker", apiKey: "k-9f8e7d6c5b" });
    registerEnvSecrets({ TMS_API_KEY: "tms-key-abcdef", LOG_LEVEL: "info-but-long", PGPASSWORD: "pg-pass-xyz" });
    const line = "user mqtt-user calling with k-9f8e7d6c5b and hunter2-broker; secret cred-secret-123456; tms-key-abcdef pg-pass-xyz level info-but-long";
    const out = redact(line);
    for (const s of ["k-9f8e7d6c5b", "hunter2-broker", "cred-secret-123456", "tms-key-abcdef", "pg-pass-xyz"]) assert.ok(!out.includes(s), `${s} in ${out}`);
    assert.ok(out.includes("info-but-long"), "a value under a name that is not secret stays");
    assert.ok(out.includes("mqtt-user"), "a username is not a secret");
  });

  it("ignores short values that would blank out ordinary words", () => {
    registerSecret("abc", "", undefined, 42);
    assert.equal(redact("abc def"), "abc def");
  });

  it("redacts secret-shaped text even when the value was never registered", () => {
    assert.equal(redact("connect postgres://app:pw-unknown@db:5432/x failed"), `connect postgres://app:${MASK}@db:5432/x failed`);
    assert.equal(redact("Authorization: Bearer eyJhbGciOi.abc.def"), `Authorization: Bearer ${MASK}`);
    assert.equal(redact('{"password":"p@ss","user":"u"}'), `{"password":"${MASK}","user":"u"}`);
    assert.equal(redact("token=abc123&x=1"), `token=${MASK}&x=1`);
  });

  it("errorMessage (used by Catch reasons, dead letters and API answers) redacts", () => {
    registerSecret("sk_live_0123456789");
    assert.equal(errorMessage(new Error("401 from TMS with key sk_live_0123456789")), `401 from TMS with key ${MASK}`);
    assert.equal(errorMessage("plain sk_live_0123456789"), `plain ${MASK}`);
  });

  it("redactDeep masks values under secret keys and in strings, keeps __proto__ keys as data", () => {
    registerSecret("zz-top-secret");
    const input = JSON.parse('{"a":{"password":"x","note":"has zz-top-secret"},"__proto__":{"polluted":1},"list":["zz-top-secret"]}');
    const out = redactDeep(input) as Record<string, unknown>;
    assert.equal(JSON.stringify(out), `{"a":{"password":"${MASK}","note":"has ${MASK}"},"__proto__":{"polluted":1},"list":["${MASK}"]}`);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("redactSecretsIn keeps structure and depth (a dead letter stays replayable)", () => {
    let deep: unknown = { token: "keep-me-visible", v: "echo zz-top-secret" };
    for (let i = 0; i < 200; i++) deep = { d: deep };
    assert.equal(redactSecretsIn(deep), deep, "no secret registered: the same object");
    registerSecret("zz-top-secret");
    const out = redactSecretsIn(deep);
    assert.ok(!JSON.stringify(out).includes("zz-top-secret"));
    assert.equal(JSON.stringify(out).length, JSON.stringify(deep).length - "zz-top-secret".length + MASK.length);
  });
});

describe("masking", () => {
  const letter = {
    schema: "freight-charge/1",
    chargeId: "FC-1",
    amount: { currency: "USD", amountMinor: 81612, amount: "816.12" },
    lines: [{ rate: 12.5, qty: 3 }],
    parties: [{ role: "CONSIGNEE", name: "Jane Doe", address: { city: "Reno" } }],
  };

  it("masks configured fields at any depth and paths from the root; the input is unchanged", () => {
    const out = maskPayload(letter) as typeof letter & Record<string, unknown>;
    assert.equal(out.amount as unknown, MASK);
    assert.equal(out.lines[0]!.rate as unknown, MASK);
    assert.equal(out.lines[0]!.qty, 3);
    assert.equal(out.parties[0]!.name, MASK);
    assert.equal(out.parties[0]!.address as unknown, MASK);
    assert.equal(out.parties[0]!.role, "CONSIGNEE");
    assert.equal(out.chargeId, "FC-1");
    assert.equal(letter.amount.amountMinor, 81612, "input unchanged");
  });

  it("rules from a setting: names, paths with [*] and [n], comma strings; off with false", () => {
    const rules = maskingRules({ fields: "iban, SECRETCODE", paths: ["$.items[1].price", "meta.*.owner"] });
    const out = maskPayload({ iban: "DE89", secretCode: 1, items: [{ price: 1 }, { price: 2 }], meta: { a: { owner: "x" }, b: { owner: "y", k: 1 } } }, rules);
    assert.deepEqual(out, { iban: MASK, secretCode: MASK, items: [{ price: 1 }, { price: MASK }], meta: { a: { owner: MASK }, b: { owner: MASK, k: 1 } } });
    assert.deepEqual(maskPayload(letter, maskingRules(false)), letter);
    assert.equal(maskingRules(undefined), DEFAULT_MASKING);
    assert.throws(() => maskingRules({ fields: [1] }), /masking fields must be a list of strings/);
    assert.throws(() => maskingRules({ paths: ["$."] }), /names nothing/);
  });

  it("does not overflow on deep nesting or cycles, and keeps __proto__ keys as data", () => {
    let deep: Record<string, unknown> = { amount: 1 };
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    assert.doesNotThrow(() => maskPayload(deep));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.deepEqual(maskPayload(cyclic), { a: 1, self: MASK });
    const hostile = JSON.parse('{"__proto__":{"polluted":true,"amount":5}}');
    const out = maskPayload(hostile) as Record<string, { amount: unknown }>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(out["__proto__"]!.amount, MASK);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("a payload kept as text (a raw MQTT body) is masked too: JSON parsed and written back, other text by pattern", () => {
    assert.equal(maskPayload('{"seq":1,"amountMinor":5,"parties":[{"name":"Jane"}]}'), `{"seq":1,"amountMinor":"${MASK}","parties":[{"name":"${MASK}"}]}`);
    assert.equal(maskPayload('{"seq":1,"email":"a@b.c",'), `{"seq":1,"email":"${MASK}",`, "truncated JSON");
    assert.deepEqual(maskPayload({ raw: '{"price": 3}' }), { raw: `{"price": "${MASK}"}` });
  });

  it("maskText masks JSON pairs of configured fields in log text", () => {
    const line = 'parked {"amountMinor": 81612, "email":"a@b.c", "nested":{"price":{"x":1}}, "qty": 3}';
    assert.equal(maskText(line), `parked {"amountMinor": "${MASK}", "email":"${MASK}", "nested":{"price":"${MASK}"}, "qty": 3}`);
  });
});

describe("log lines and audit events", () => {
  it("a log line keeps Node-RED's format, with secrets redacted and amounts masked", () => {
    registerSecret("broker-pw-777");
    const line = formatLogLine({ level: 20, type: "lsync-tms", name: "TMS", msg: new Error('refused {"amountMinor":500} with broker-pw-777') }, DEFAULT_MASKING, new Date(2026, 10, 30, 8, 5, 3));
    assert.equal(line, `30 Nov 08:05:03 - [error] [lsync-tms:TMS] refused {"amountMinor":"${MASK}"} with ${MASK}`);
  });

  it("Node-RED audit events become audit entries: deploys and settings kept with the user, reads dropped", () => {
    const deploy = auditEntryFromLog({ event: "flows.set", type: "full", version: "v2", user: { username: "ana" }, ip: "127.0.0.1", timestamp: 5 });
    assert.deepEqual(deploy, { at: 5, user: "ana", action: "flows.set", target: "full", detail: { type: "full", version: "v2", ip: "127.0.0.1" } });
    assert.equal(auditEntryFromLog({ event: "flows.get", user: { username: "ana" } }), null);
    assert.equal(auditEntryFromLog({ event: "comms.auth" }), null);
    assert.equal(auditEntryFromLog({ event: "settings.update", username: "vic" })?.user, "vic");
    assert.equal(auditEntryFromLog({ event: "nodes.install", module: "node-red-contrib-x" })?.user, "anonymous");
    assert.equal(auditEntryFromLog({ event: "auth.login.fail.credentials", username: "x", password: "oops" })?.detail?.password, MASK);
  });
});

describe("403 for a signed-in user without the permission", () => {
  type WithUser = express.Request & { user?: { username?: string } };
  /** An app whose routes answer as Node-RED's needsPermission does when the scope falls short. */
  async function call(user: { username: string } | undefined, path: string): Promise<{ status: number; body: unknown }> {
    const app = express();
    app.use(forbiddenNot401);
    app.post("/flows", (req, res) => {
      (req as WithUser).user = user;
      res.status(401).end();
    });
    app.post("/own", (req, res) => {
      (req as WithUser).user = user;
      res.status(401).json({ own: true });
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((ok) => server.once("listening", ok));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, { method: "POST" });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    } finally {
      server.close();
    }
  }

  it("signed in → 403 with a reason; not signed in → 401 as before; a route's own 401 body is kept", async () => {
    const forbidden = await call({ username: "vic" }, "/flows");
    assert.equal(forbidden.status, 403);
    assert.match((forbidden.body as { message: string }).message, /vic is signed in but their role does not allow POST \/flows/);
    assert.equal((await call(undefined, "/flows")).status, 401);
    const own = await call({ username: "vic" }, "/own");
    assert.equal(own.status, 403);
    assert.deepEqual(own.body, { own: true });
  });
});
