/**
 * Token bucket: at most `perSecond` calls a second on average, bursts up to `burst`. Waiters
 * are served in arrival order. `perSecond` 0 switches it off.
 */
export interface RateLimitOptions {
  perSecond: number;
  /** Bucket size; defaults to max(1, perSecond). */
  burst?: number;
  now?: () => number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly queue: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
    this.capacity = Math.max(1, options.burst ?? options.perSecond);
    this.tokens = this.capacity;
    this.last = this.now();
  }

  get enabled(): boolean {
    return this.options.perSecond > 0;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.options.perSecond);
    this.last = now;
  }

  /** Resolves when the call may go. */
  take(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.queue.push(resolve);
      this.drainLater();
    });
  }

  private drainLater(): void {
    if (this.timer) return;
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) / this.options.perSecond) * 1000));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refill();
      while (this.queue.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.queue.shift()!();
      }
      if (this.queue.length > 0) this.drainLater();
    }, wait);
  }

  /** Lets every waiter go (on close), so no call hangs. */
  release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const resolve of this.queue.splice(0)) resolve();
  }
}

/** Bounds how many calls are in flight at once; the rest wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next(); // the slot passes straight on
      else this.active--;
    };
  }

  get inFlight(): number {
    return this.active;
  }
}
