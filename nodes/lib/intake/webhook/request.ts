/**
 * What a webhook request must be before it is taken in: authenticated, JSON, not too large, with
 * an idempotency key. Each check fails with the HTTP status and a reason the sender can act on.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { verifySignature } from "./signature";

export type WebhookAuth =
  | { kind: "hmac"; secrets: string[]; header: string; toleranceSeconds: number }
  | { kind: "api-key"; keys: string[]; header: string }
  | { kind: "none" };

/** Where the event's idempotency key comes from: a header, or a dot path into the JSON body. */
export type KeySource = { from: "header"; name: string } | { from: "body"; path: string };

export interface Rejection {
  status: 400 | 401 | 413 | 415 | 422;
  error: string;
  rule: string;
  field?: string;
}

export interface AcceptedRequest {
  key: string;
  body: unknown;
  text: string;
}

/** Reads the raw body, refusing (413) as soon as it passes `maxBytes` rather than buffering it all. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | Rejection> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      resolve(tooLarge(maxBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        resolve(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => {
      if (!done) reject(err);
    });
  });
}

function tooLarge(maxBytes: number): Rejection {
  return { status: 413, rule: "size", error: `the body is larger than ${maxBytes} bytes` };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: Pick<IncomingMessage, "headers">, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function authenticate(req: Pick<IncomingMessage, "headers">, raw: Buffer, auth: WebhookAuth, nowMs: number): Rejection | null {
  if (auth.kind === "none") return null;
  if (auth.kind === "api-key") {
    const given = header(req, auth.header);
    if (!given) return { status: 401, rule: "api-key-missing", error: `the ${auth.header} header is missing`, field: auth.header };
    return auth.keys.some((k) => k && safeEqual(k, given)) ? null : { status: 401, rule: "api-key-mismatch", error: "the API key is not valid", field: auth.header };
  }
  const verdict = verifySignature(header(req, auth.header), raw, auth.secrets, nowMs, auth.toleranceSeconds);
  return verdict.ok ? null : { status: 401, rule: verdict.rule, error: verdict.reason, field: auth.header };
}

function valueAt(body: unknown, path: string): unknown {
  let cur = body;
  for (const step of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !Object.prototype.hasOwnProperty.call(cur, step)) return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

/** After authentication: the body must be JSON and carry the idempotency key. */
export function parseEvent(req: Pick<IncomingMessage, "headers">, raw: Buffer, keySource: KeySource): Rejection | AcceptedRequest {
  const type = (header(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !type.endsWith("+json")) {
    return { status: 415, rule: "content-type", error: `the body must be application/json, not ${type || "untyped"}`, field: "content-type" };
  }
  const text = raw.toString("utf8");
  if (text.includes("\uFFFD") && !Buffer.from(text, "utf8").equals(raw)) {
    return { status: 400, rule: "utf-8", error: "the body is not valid UTF-8" };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { status: 400, rule: "json", error: `the body is not valid JSON: ${(err as Error).message}` };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return { status: 400, rule: "json-object", error: "the body must be a JSON object (one event per call)" };
  }
  const raw_key = keySource.from === "header" ? header(req, keySource.name) : valueAt(body, keySource.path);
  const key = typeof raw_key === "number" && Number.isFinite(raw_key) ? String(raw_key) : raw_key;
  const field = keySource.from === "header" ? keySource.name : keySource.path;
  if (typeof key !== "string" || key.trim() === "") {
    return { status: 422, rule: "idempotency-key", error: `the event has no idempotency key: ${keySource.from === "header" ? "header" : "body field"} ${field} is missing or empty`, field };
  }
  if (key.length > 200) return { status: 422, rule: "idempotency-key", error: `the idempotency key in ${field} is longer than 200 characters`, field };
  return { key: key.trim(), body, text };
}
