import { backoffDelay, type BackoffPolicy } from "../retry";
import type { LsyncStore, OutboxBatch, OutboxRow } from "../store";

export type RowOutcome =
  | { row: OutboxRow; result: "sent" }
  /** `notSent`: nothing left this process (a circuit breaker refused): not an attempt that counts. */
  | { row: OutboxRow; result: "retry"; error: string; retryAfterMs: number | null; notSent?: boolean }
  | { row: OutboxRow; result: "dead"; error: string };

export interface DispatcherOptions {
  store: LsyncStore;
  /** Which outbox rows this dispatcher owns (the egress node id). */
  target: string;
  /** Rows sent in one call (1 = one call per row). */
  batchSize: number;
  /** How long a partial batch may wait for company before it is sent anyway. */
  maxWaitMs: number;
  backoff: BackoffPolicy;
  /** Sends a batch (as one call or several) and says what became of each row. Must not throw. */
  deliver: (batch: OutboxBatch) => Promise<RowOutcome[]>;
  /** Records a row that will not be delivered (dead-letter store). */
  onDead: (row: OutboxRow, error: string) => Promise<void>;
  onState?: (state: DispatcherState) => void;
  onError?: (err: Error) => void;
  /** Told what became of every delivery attempt and how long it took (the event log). Must not throw. */
  onDelivered?: (batch: OutboxBatch, outcomes: RowOutcome[], durationMs: number) => void;
}

export interface DispatcherState {
  sent: number;
  calls: number;
  dead: number;
  /** Consecutive failed calls; 0 when the last call went through. */
  failing: number;
  lastError: string | null;
  nextRetryAt: number | null;
}

const IDLE_POLL_MS = 1000;

/**
 * Drains one target's outbox: rows were stored before anyone was told they would be sent, so a
 * crash at any point leaves them pending and they go out again with the same Idempotency-Key.
 */
export class OutboxDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = Infinity;
  private running = false;
  private stopped = false;
  private queuedSinceFlush = 0;
  private readonly state: DispatcherState = { sent: 0, calls: 0, dead: 0, failing: 0, lastError: null, nextRetryAt: null };

  constructor(private readonly options: DispatcherOptions) {}

  /** Starts draining whatever is pending from before (a restart resumes here). */
  start(): void {
    this.schedule(0);
  }

  /** Called after rows were enqueued: a full batch goes at once, a partial one after maxWaitMs. */
  notifyEnqueued(count: number): void {
    this.queuedSinceFlush += count;
    if (this.state.failing > 0) return; // the retry timer is in charge while the target fails
    if (this.queuedSinceFlush >= this.options.batchSize) this.schedule(0);
    else this.schedule(this.options.maxWaitMs);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (this.timer) {
      // Keep the earlier of the two wake-ups.
      if (at >= this.wakeAt) return;
      clearTimeout(this.timer);
    }
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wakeAt = Infinity;
      void this.flush();
    }, delayMs);
  }

  private async flush(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let again = false;
    try {
      this.queuedSinceFlush = 0;
      const batch = await this.options.store.claimOutboxBatch(this.options.target, this.options.batchSize);
      if (!batch) {
        // A retry timer can fire a moment before its rows are due (timers run on the event loop's
        // cached clock, due times on Date.now()): try again when they are, not after an idle poll.
        const dueIn = this.state.nextRetryAt === null ? 0 : this.state.nextRetryAt - Date.now();
        this.schedule(dueIn > 0 ? dueIn + 1 : this.idlePollMs());
        return;
      }
      const started = performance.now();
      const outcomes = await this.options.deliver(batch);
      this.state.calls++;
      this.options.onDelivered?.(batch, outcomes, performance.now() - started);
      await this.apply(outcomes);
      // Only a full batch suggests a backlog worth draining at once; a partial one means we are
      // caught up, and the next rows wait up to maxWaitMs for company.
      again = batch.rows.length >= this.options.batchSize && this.state.failing === 0;
    } catch (err) {
      this.options.onError?.(err as Error);
      this.schedule(this.idlePollMs());
    } finally {
      this.running = false;
      this.options.onState?.({ ...this.state });
    }
    if (again) this.schedule(0);
  }

  private async apply(outcomes: RowOutcome[]): Promise<void> {
    const sent = outcomes.filter((o) => o.result === "sent").map((o) => o.row.id);
    await this.options.store.markOutboxSent(sent);
    this.state.sent += sent.length;

    for (const o of outcomes) {
      if (o.result !== "dead") continue;
      await this.options.onDead(o.row, o.error);
      await this.options.store.markOutboxDead([o.row.id], o.error);
      this.state.dead++;
    }

    const retries = outcomes.filter((o): o is Extract<RowOutcome, { result: "retry" }> => o.result === "retry");
    if (retries.length === 0) {
      this.state.failing = 0;
      this.state.nextRetryAt = null;
      this.schedule(this.queuedSinceFlush > 0 ? this.options.maxWaitMs : this.idlePollMs());
      return;
    }
    this.state.failing++;
    const first = retries[0]!;
    this.state.lastError = first.error;
    const exhausted = retries.filter(
      (o) => !o.notSent && this.options.backoff.maxAttempts > 0 && o.row.attempts + 1 >= this.options.backoff.maxAttempts,
    );
    for (const o of exhausted) {
      const error = `gave up after ${o.row.attempts + 1} attempts: ${o.error}`;
      await this.options.onDead(o.row, error);
      await this.options.store.markOutboxDead([o.row.id], error);
      this.state.dead++;
    }
    // A server's Retry-After wins over our own backoff: it knows when it will be ready.
    const delay = first.retryAfterMs ?? backoffDelay(this.state.failing - 1, this.options.backoff);
    const nextAt = Date.now() + delay;
    const later = retries.filter((o) => !exhausted.includes(o));
    const tried = later.filter((o) => !o.notSent).map((o) => o.row.id);
    const untried = later.filter((o) => o.notSent).map((o) => o.row.id);
    await this.options.store.markOutboxRetry(tried, nextAt, first.error);
    // A call the breaker refused never reached the target: it must not use up maxAttempts.
    await this.options.store.markOutboxRetry(untried, nextAt, first.error, { countAttempt: false });
    this.state.nextRetryAt = nextAt;
    this.schedule(delay);
  }

  /**
   * How often an idle dispatcher looks for rows it was not told about (retries come due, another
   * instance sharing the store enqueued): never sooner than a partial batch may wait.
   */
  private idlePollMs(): number {
    return Math.max(IDLE_POLL_MS, this.options.maxWaitMs);
  }

  snapshot(): DispatcherState {
    return { ...this.state };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
