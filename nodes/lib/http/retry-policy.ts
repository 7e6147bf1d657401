import { backoffDelay } from "../retry";

/**
 * Retries inside one call, for short blips. Only a call that is safe to repeat is retried: an
 * idempotent method, or one that carries the caller's Idempotency-Key (the server answers a
 * repeat from its store). Anything longer is left to the caller (the outbox) with the outcome's
 * retryAfterMs.
 */
export interface RetryPolicy {
  /** Extra attempts after the first; 0 = none. */
  retries: number;
  baseMs: number;
  maxMs: number;
  /** A Retry-After longer than this is not waited for here; the outcome hands it to the caller. */
  maxRetryAfterMs: number;
}

export const NO_RETRY: RetryPolicy = { retries: 0, baseMs: 200, maxMs: 5_000, maxRetryAfterMs: 5_000 };

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export function isSafeToRepeat(method: string, callerKey: string | undefined): boolean {
  return IDEMPOTENT.has(method.toUpperCase()) || (typeof callerKey === "string" && callerKey !== "");
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 0), or null to stop:
 * retries used up, or the server asks for a longer pause than we wait for in-call.
 */
export function retryDelay(attempt: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number = Math.random): number | null {
  if (attempt >= policy.retries) return null;
  if (retryAfterMs !== null) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : null;
  return backoffDelay(attempt, { baseMs: policy.baseMs, maxMs: policy.maxMs, maxAttempts: 0 }, random);
}
