/**
 * Durable webhook intake: an event is answered 2xx only once it is in the store, so a sender that
 * got 202 can forget it, and a crash after that answer loses nothing (the item resumes on start).
 * The same event pushed again (same idempotency key) is answered 200 "duplicate" and not taken in
 * twice; while the flow is behind, new events get 503 with Retry-After instead of growing memory.
 */
import type { InboxItem, LsyncStore, NewInboxItem } from "../../store";
import { InFlightWindow, resumePending } from "../in-flight";
import { registerIntake } from "../settlement";

/** Stores the item unless its key was taken in before (atomically: two racing calls take it once). */
export type TakeInOnce = (key: string, item: NewInboxItem) => Promise<{ duplicate: false; id: number } | { duplicate: true; firstAt: number }>;

export interface WebhookIntakeOptions {
  store: LsyncStore;
  /** The intake's identity in the store (its node id). */
  source: string;
  maxInFlight: number;
  takeInOnce: TakeInOnce;
  emit: (item: InboxItem, resumed: boolean) => void;
  onState?: (state: WebhookIntakeState) => void;
}

export interface WebhookIntakeState {
  takenIn: number;
  duplicates: number;
  rejected: number;
  busy: number;
  inFlight: number;
}

export type TakeInAnswer =
  | { status: 202; id: number }
  | { status: 200; duplicate: true; firstAt: number }
  | { status: 503; retryAfterSeconds: number };

export class WebhookIntake {
  private readonly inFlight: InFlightWindow;
  private readonly unregister: () => void;
  private stopped = false;
  private readonly counts = { takenIn: 0, duplicates: 0, rejected: 0, busy: 0 };

  constructor(private readonly options: WebhookIntakeOptions) {
    this.inFlight = new InFlightWindow(options.maxInFlight);
    this.unregister = registerIntake(options.source, options.store, (id) => this.release(id));
  }

  /** Re-emits what was stored and not settled before the last stop, oldest first. */
  async resume(): Promise<void> {
    await resumePending(this.options.store, this.options.source, this.inFlight, (item) => this.options.emit(item, true), { stopped: () => this.stopped });
  }

  async take(key: string, item: Omit<NewInboxItem, "source" | "key">): Promise<TakeInAnswer> {
    if (this.inFlight.full || this.stopped) {
      this.counts.busy++;
      this.report();
      return { status: 503, retryAfterSeconds: 5 };
    }
    const taken = await this.options.takeInOnce(key, { ...item, source: this.options.source, key });
    if (taken.duplicate) {
      this.counts.duplicates++;
      this.report();
      return { status: 200, duplicate: true, firstAt: taken.firstAt };
    }
    this.counts.takenIn++;
    this.inFlight.add(taken.id);
    this.options.emit({ ...item, source: this.options.source, key, id: taken.id, receivedAt: Date.now(), props: item.props ?? null }, false);
    this.report();
    return { status: 202, id: taken.id };
  }

  /** Counts a request refused before it reached the store (auth, size, format). */
  rejected(): void {
    this.counts.rejected++;
    this.report();
  }

  state(): WebhookIntakeState {
    return { ...this.counts, inFlight: this.inFlight.size };
  }

  private release(id: number): void {
    if (this.inFlight.release(id)) this.report();
  }

  private report(): void {
    this.options.onState?.(this.state());
  }

  stop(): void {
    this.stopped = true;
    this.unregister();
    this.inFlight.close();
  }
}
