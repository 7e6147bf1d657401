/**
 * Webhook signatures: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 *
 * The timestamp is inside the signed text, so a captured request cannot be replayed after the
 * tolerance window, and the header carries several `v1=` values while a secret is rotated. This is
 * the scheme Stripe and others use; senders can implement it in a few lines of any language.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-signature";

export type SignatureRule = "signature-missing" | "signature-malformed" | "signature-stale" | "signature-mismatch";
export type SignatureVerdict = { ok: true } | { ok: false; rule: SignatureRule; reason: string };

function hmacHex(secret: string, timestamp: string, rawBody: Buffer): Buffer {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** The header value a sender puts on `rawBody` at `nowMs`. */
export function signPayload(secret: string, rawBody: Buffer | string, nowMs = Date.now()): string {
  const t = String(Math.floor(nowMs / 1000));
  return `t=${t},v1=${hmacHex(secret, t, Buffer.from(rawBody)).toString("hex")}`;
}

/**
 * Checks a signature header against every current secret, in constant time per comparison.
 * `toleranceSeconds` bounds how old (or how far in the future) the signed timestamp may be.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
  nowMs: number,
  toleranceSeconds: number,
): SignatureVerdict {
  if (!header) return { ok: false, rule: "signature-missing", reason: `the ${SIGNATURE_HEADER} header is missing` };
  let t: string | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t" && /^\d{1,12}$/.test(value)) t = value;
    else if (name === "v1" && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, "hex"));
  }
  if (t === null || signatures.length === 0) {
    return { ok: false, rule: "signature-malformed", reason: `the ${SIGNATURE_HEADER} header must be "t=<unix seconds>,v1=<hex HMAC-SHA256>"` };
  }
  const age = nowMs / 1000 - Number(t);
  if (Math.abs(age) > toleranceSeconds) {
    return {
      ok: false,
      rule: "signature-stale",
      reason: `the signature timestamp is ${Math.round(Math.abs(age))} s ${age > 0 ? "old" : "in the future"} (tolerance ${toleranceSeconds} s)`,
    };
  }
  for (const secret of secrets) {
    if (!secret) continue;
    const expected = hmacHex(secret, t, rawBody);
    if (signatures.some((s) => timingSafeEqual(s, expected))) return { ok: true };
  }
  return { ok: false, rule: "signature-mismatch", reason: "the signature does not match the body" };
}
