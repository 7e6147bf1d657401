import type { InboxItem, LsyncStore } from "../store";

/**
 * The in-flight window of an intake: the ids of items handed to the flow and not yet settled. An
 * intake takes in no more than `max` at a time, so a flow that falls behind slows the senders
 * down (an MQTT intake stops acknowledging, a webhook answers 503) instead of growing memory.
 */
export class InFlightWindow {
  private readonly ids = new Set<number>();
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  /** Slots held by items whose store write is under way: a burst cannot overrun the window while commits are pending. */
  private reserved = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.ids.size;
  }

  get full(): boolean {
    return this.ids.size + this.reserved >= this.max;
  }

  /** True while someone waits for room (the intake is holding its source back). */
  get holding(): boolean {
    return this.waiting.length > 0;
  }

  add(id: number): void {
    this.ids.add(id);
  }

  /** Holds a slot for an item whose store write is under way; then `stored(id)` or `cancel()`. */
  reserve(): void {
    this.reserved++;
  }

  /** The reserved item is stored: its slot now belongs to its id. */
  stored(id: number): void {
    this.reserved--;
    this.ids.add(id);
  }

  /** The reserved item was not stored: its slot is free again. */
  cancel(): void {
    this.reserved--;
    this.waiting.shift()?.();
  }

  /** Frees the slot of a settled item; false when the id was not in flight here. */
  release(id: number): boolean {
    if (!this.ids.delete(id)) return false;
    this.waiting.shift()?.();
    return true;
  }

  /** Resolves when there is room (at once after close, so a stopping intake does not hang). */
  room(): Promise<void> {
    if (!this.full || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/**
 * Re-emits the items of `source` that were taken in and not settled before this start, oldest
 * first, each waiting for room in the window. Items received at or after `before` are this run's
 * own (an intake that already takes in while it resumes) and end the resume. Returns how many.
 */
export async function resumePending(
  store: LsyncStore,
  source: string,
  window: InFlightWindow,
  emit: (item: InboxItem) => void,
  options: { before?: number; stopped: () => boolean; waitForRoom?: () => Promise<void> },
): Promise<number> {
  let after = 0;
  let resumed = 0;
  for (;;) {
    const items = await store.pendingInbox(source, 500, after);
    if (items.length === 0 || options.stopped()) return resumed;
    for (const item of items) {
      if (options.before !== undefined && item.receivedAt >= options.before) return resumed;
      await (options.waitForRoom ? options.waitForRoom() : window.room());
      if (options.stopped()) return resumed;
      window.add(item.id);
      emit(item);
      after = item.id;
      resumed++;
    }
  }
}
