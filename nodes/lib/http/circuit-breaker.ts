/**
 * A circuit breaker per endpoint: after `failureThreshold` consecutive failed calls it opens and
 * refuses calls for `coolDownMs` (they fail at once, retryable, with the time of the next try);
 * then it lets one probe through (half-open): success closes it, failure opens it again.
 * A threshold of 0 switches it off.
 */
export type CircuitState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; 0 = never open. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before it lets a probe through, in ms. */
  coolDownMs: number;
  now?: () => number;
}

export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryAt: number; failures: number };

export class CircuitBreaker {
  private state: CircuitState = "closed";
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.failureThreshold > 0;
  }

  /** Asks to make a call. An allowed call must be followed by exactly one `record()`. */
  admit(): Admission {
    if (!this.enabled || this.state === "closed") return { allowed: true, probe: false };
    const now = this.now();
    const retryAt = this.openedAt + this.options.coolDownMs;
    if (this.state === "open" && now >= retryAt) {
      this.state = "half-open";
      this.probing = false;
    }
    if (this.state === "half-open" && !this.probing) {
      this.probing = true;
      return { allowed: true, probe: true };
    }
    // Open, or half-open with its one probe under way: the next try is after (another) cool-down.
    const next = this.state === "half-open" ? now + Math.min(this.options.coolDownMs, 1000) : retryAt;
    return { allowed: false, retryAt: next, failures: this.failures };
  }

  /** The outcome of an admitted call: `true` = the endpoint answered sanely. */
  record(success: boolean): void {
    if (!this.enabled) return;
    if (success) {
      this.failures = 0;
      this.state = "closed";
      this.probing = false;
      return;
    }
    this.failures++;
    if (this.state === "half-open" || this.failures >= this.options.failureThreshold) {
      this.state = "open";
      this.openedAt = this.now();
      this.probing = false;
    }
  }

  snapshot(): { state: CircuitState; failures: number; retryAt: number | null } {
    // An open circuit whose cool-down is over reads as half-open even before anyone asked.
    const retryAt = this.state === "closed" ? null : this.openedAt + this.options.coolDownMs;
    const state = this.state === "open" && retryAt !== null && this.now() >= retryAt ? "half-open" : this.state;
    return { state, failures: this.failures, retryAt };
  }
}
