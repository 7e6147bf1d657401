/**
 * Failure injection. Every request in scope draws the same number of random numbers from one
 * seeded PRNG whatever is switched on, so a given seed and request sequence always fail the same
 * way, and switching one fault on does not reshuffle when the others fire.
 */
import { mulberry32, type Rng } from "./rng";

export interface FaultConfig {
  /** Seed for the fault PRNG; setting faults re-seeds, so the sequence restarts. */
  seed?: number;
  /** Share (0..1) of requests answered with `errorStatus`. */
  errorRate?: number;
  /** Status for `errorRate` and `failNext` (500..599). Default 500. */
  errorStatus?: number;
  /** The next N requests in scope fail with `errorStatus` (counts down; deterministic). */
  failNext?: number;
  /** Added before answering, in ms. */
  latencyMs?: number;
  /** Extra random latency in [0, latencyJitterMs). */
  latencyJitterMs?: number;
  /** Share (0..1) of requests that are accepted and then never answered. */
  timeoutRate?: number;
  /** How long a hung request is held before its socket is dropped; 0 or absent: until the client gives up. */
  timeoutMs?: number;
  /** Share (0..1) of requests answered 429 with Retry-After. */
  rateLimitRate?: number;
  /** Retry-After seconds for 429. Default 1. */
  retryAfterSeconds?: number;
  /** Write-only convenience: answer 503 (with Retry-After) for the next N seconds. */
  outageSeconds?: number;
  /** Epoch ms until which the outage lasts (what `outageSeconds` sets; readable in GET). */
  outageUntil?: number;
  /** Regular expression (string): faults apply only to request paths that match. */
  pathPattern?: string;
  /** Faults apply only to these methods (upper case). Absent: all. */
  methods?: string[];
}

export type FaultDecision =
  | { kind: "none"; delayMs: number }
  | { kind: "error"; status: number; delayMs: number }
  | { kind: "rateLimit"; retryAfterSeconds: number; delayMs: number }
  | { kind: "outage"; retryAfterSeconds: number; delayMs: number }
  | { kind: "timeout"; holdMs: number };

const SHARES = ["errorRate", "timeoutRate", "rateLimitRate"] as const;
const NON_NEGATIVE = ["failNext", "latencyMs", "latencyJitterMs", "timeoutMs", "retryAfterSeconds", "outageSeconds", "outageUntil"] as const;

/** Validates a fault config from JSON. Returns an error message or the clean config. */
export function parseFaultConfig(input: unknown): { ok: true; config: FaultConfig } | { ok: false; error: string } {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return { ok: false, error: "fault config must be a JSON object" };
  const src = input as Record<string, unknown>;
  const known = new Set<string>(["seed", "errorStatus", "pathPattern", "methods", ...SHARES, ...NON_NEGATIVE]);
  for (const key of Object.keys(src)) if (!known.has(key)) return { ok: false, error: `unknown fault setting "${key}"` };
  const out: FaultConfig = {};
  for (const key of SHARES) {
    const v = src[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) return { ok: false, error: `${key} must be a number between 0 and 1` };
    out[key] = v;
  }
  for (const key of NON_NEGATIVE) {
    const v = src[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) return { ok: false, error: `${key} must be a non-negative number` };
    out[key] = v;
  }
  if (src.seed !== undefined) {
    if (typeof src.seed !== "number" || !Number.isInteger(src.seed)) return { ok: false, error: "seed must be an integer" };
    out.seed = src.seed;
  }
  if (src.errorStatus !== undefined) {
    const s = src.errorStatus;
    if (typeof s !== "number" || !Number.isInteger(s) || s < 500 || s > 599) return { ok: false, error: "errorStatus must be an integer 500..599" };
    out.errorStatus = s;
  }
  if (src.pathPattern !== undefined) {
    if (typeof src.pathPattern !== "string") return { ok: false, error: "pathPattern must be a string" };
    try {
      new RegExp(src.pathPattern);
    } catch (err) {
      return { ok: false, error: `pathPattern is not a valid regular expression: ${(err as Error).message}` };
    }
    out.pathPattern = src.pathPattern;
  }
  if (src.methods !== undefined) {
    if (!Array.isArray(src.methods) || !src.methods.every((m): m is string => typeof m === "string")) {
      return { ok: false, error: "methods must be an array of strings" };
    }
    out.methods = src.methods.map((m) => m.toUpperCase());
  }
  return { ok: true, config: out };
}

export class FaultInjector {
  private config: FaultConfig = {};
  private rng: Rng;
  private pathRe: RegExp | null = null;
  private failNextLeft = 0;
  private outageUntil = 0;

  constructor(
    initial: FaultConfig = {},
    private readonly defaultSeed = 1,
    private readonly now: () => number = Date.now,
  ) {
    this.rng = mulberry32(defaultSeed);
    this.set(initial);
  }

  /** Replaces the whole configuration (an empty object switches every fault off). */
  set(config: FaultConfig): void {
    this.config = { ...config };
    delete this.config.outageSeconds;
    this.rng = mulberry32(config.seed ?? this.defaultSeed);
    this.pathRe = config.pathPattern ? new RegExp(config.pathPattern) : null;
    this.failNextLeft = Math.floor(config.failNext ?? 0);
    this.outageUntil = config.outageSeconds ? this.now() + config.outageSeconds * 1000 : (config.outageUntil ?? 0);
  }

  /** The current configuration, with live counters (failNext left, outage end). */
  get(): FaultConfig & { outageRemainingMs: number } {
    const out: FaultConfig & { outageRemainingMs: number } = { ...this.config, outageRemainingMs: Math.max(0, this.outageUntil - this.now()) };
    if (this.config.failNext !== undefined) out.failNext = this.failNextLeft;
    if (this.outageUntil) out.outageUntil = this.outageUntil;
    return out;
  }

  decide(method: string, path: string): FaultDecision {
    const c = this.config;
    if (this.pathRe && !this.pathRe.test(path)) return { kind: "none", delayMs: 0 };
    if (c.methods && !c.methods.includes(method)) return { kind: "none", delayMs: 0 };
    // Always four draws, in a fixed order (see the file comment).
    const rTimeout = this.rng();
    const rRate = this.rng();
    const rError = this.rng();
    const rJitter = this.rng();
    const delayMs = (c.latencyMs ?? 0) + Math.floor(rJitter * (c.latencyJitterMs ?? 0));
    const now = this.now();
    if (this.outageUntil > now) {
      return { kind: "outage", retryAfterSeconds: Math.max(1, Math.ceil((this.outageUntil - now) / 1000)), delayMs };
    }
    if (this.failNextLeft > 0) {
      this.failNextLeft--;
      return { kind: "error", status: c.errorStatus ?? 500, delayMs };
    }
    if (rTimeout < (c.timeoutRate ?? 0)) return { kind: "timeout", holdMs: c.timeoutMs ?? 0 };
    if (rRate < (c.rateLimitRate ?? 0)) return { kind: "rateLimit", retryAfterSeconds: c.retryAfterSeconds ?? 1, delayMs };
    if (rError < (c.errorRate ?? 0)) return { kind: "error", status: c.errorStatus ?? 500, delayMs };
    return { kind: "none", delayMs };
  }
}
