/**
 * The in-flight window of an intake: the ids of items handed to the flow and not yet settled. An
 * intake takes in no more than `max` at a time, so a flow that falls behind slows the senders
 * down (an MQTT intake stops acknowledging, a webhook answers 503) instead of growing memory.
 */
export class InFlightWindow {
  private readonly ids = new Set<number>();
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.ids.size;
  }

  get full(): boolean {
    return this.ids.size >= this.max;
  }

  /** True while someone waits for room (the intake is holding its source back). */
  get holding(): boolean {
    return this.waiting.length > 0;
  }

  add(id: number): void {
    this.ids.add(id);
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
