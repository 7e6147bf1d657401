/** Backoff and Retry-After handling shared by every outbound caller. */

export interface BackoffPolicy {
  /** First delay in ms. */
  baseMs: number;
  /** Ceiling for one delay in ms. */
  maxMs: number;
  /** Attempts before a call is dead-lettered (0 = retry forever). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000, maxAttempts: 0 };

/**
 * Exponential backoff with "full jitter": a random delay in [0, base*2^n], capped. Jitter keeps
 * many instances that failed together from retrying in lockstep against a recovering system.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(policy.baseMs / 4, Math.round(random() * ceiling));
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date. Returns ms to wait, or null when
 * absent or unreadable (the caller then uses its own backoff).
 */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | null {
  if (value == null || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read "1.5" or "-5" as a
  // date in the past and so turn a malformed header into "retry now".
  if (!/^[A-Za-z]{3}/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
