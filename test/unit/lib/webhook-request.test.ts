import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { authenticate, parseEvent, readBody, type Rejection } from "../../../nodes/lib/intake/webhook/request";
import { signPayload, verifySignature } from "../../../nodes/lib/intake/webhook/signature";

const NOW = Date.parse("2026-11-30T12:00:00Z");
const body = Buffer.from('{"id":"evt-1","status":"DL"}');

function request(headers: Record<string, string>, chunks: Buffer[] = []): IncomingMessage {
  const stream = Readable.from(chunks) as unknown as IncomingMessage;
  stream.headers = headers;
  return stream;
}

describe("webhook signatures", () => {
  it("accepts its own signature and either of two secrets while they rotate", () => {
    const header = signPayload("new-secret", body, NOW);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.deepEqual(verifySignature(header, body, ["new-secret"], NOW, 300), { ok: true });
    assert.deepEqual(verifySignature(header, body, ["old-secret", "new-secret"], NOW, 300), { ok: true });
  });

  it("refuses a changed body, a wrong secret, a stale or future timestamp, and junk, each with its rule", () => {
    const header = signPayload("s3cret", body, NOW);
    const rule = (v: ReturnType<typeof verifySignature>) => (v.ok ? "ok" : v.rule);
    assert.equal(rule(verifySignature(header, Buffer.from('{"id":"evt-1","status":"XX"}'), ["s3cret"], NOW, 300)), "signature-mismatch");
    assert.equal(rule(verifySignature(header, body, ["other"], NOW, 300)), "signature-mismatch");
    assert.equal(rule(verifySignature(header, body, ["s3cret"], NOW + 301_000, 300)), "signature-stale");
    assert.equal(rule(verifySignature(header, body, ["s3cret"], NOW - 301_000, 300)), "signature-stale");
    assert.equal(rule(verifySignature(undefined, body, ["s3cret"], NOW, 300)), "signature-missing");
    assert.equal(rule(verifySignature("v1=abc", body, ["s3cret"], NOW, 300)), "signature-malformed");
    assert.equal(rule(verifySignature(header, body, [""], NOW, 300)), "signature-mismatch", "an empty secret never verifies");
  });
});

describe("webhook requests", () => {
  it("reads a body up to the limit and refuses one beyond it, declared or streamed", async () => {
    assert.deepEqual(await readBody(request({}, [body]), 100), body);
    const declared = (await readBody(request({ "content-length": "101" }, [body]), 100)) as Rejection;
    assert.equal(declared.status, 413);
    const streamed = (await readBody(request({}, [Buffer.alloc(60), Buffer.alloc(60)]), 100)) as Rejection;
    assert.equal(streamed.status, 413);
  });

  it("authenticates by API key in constant time and names the header it wants", () => {
    const auth = { kind: "api-key" as const, keys: ["k-1"], header: "x-api-key" };
    assert.equal(authenticate(request({ "x-api-key": "k-1" }), body, auth, NOW), null);
    assert.equal(authenticate(request({ "x-api-key": "k-2" }), body, auth, NOW)?.rule, "api-key-mismatch");
    assert.deepEqual(authenticate(request({}), body, auth, NOW), { status: 401, rule: "api-key-missing", error: "the x-api-key header is missing", field: "x-api-key" });
  });

  it("wants a JSON object in UTF-8 with an idempotency key, from a header or a body path", () => {
    const json = { "content-type": "application/json; charset=utf-8" };
    const byHeader = parseEvent(request({ ...json, "idempotency-key": " k1 " }), body, { from: "header", name: "Idempotency-Key" });
    assert.deepEqual(byHeader, { key: "k1", body: { id: "evt-1", status: "DL" }, text: body.toString() });
    const nested = Buffer.from('{"event":{"id":42}}');
    assert.equal((parseEvent(request(json), nested, { from: "body", path: "event.id" }) as { key: string }).key, "42");
    const status = (headers: Record<string, string>, raw: Buffer, path = "id") => (parseEvent(request(headers), raw, { from: "body", path }) as Rejection).status;
    assert.equal(status({ "content-type": "text/plain" }, body), 415);
    assert.equal(status(json, Buffer.from('{"id": ')), 400);
    assert.equal(status(json, Buffer.from("[1,2]")), 400);
    assert.equal(status(json, Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])), 400, "invalid UTF-8");
    assert.equal(status(json, body, "missing.path"), 422);
    assert.equal(status(json, Buffer.from('{"id":"x"}'), "constructor.name"), 422, "no key from the prototype chain");
  });
});
