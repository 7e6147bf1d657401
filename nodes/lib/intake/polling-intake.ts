import type { EndpointClient } from "../http/endpoint-client";
import type { InboxItem, LsyncStore } from "../store";
import { InFlightWindow } from "./in-flight";
import type { PollSource } from "./poll-sources";
import { registerIntake } from "./settlement";

export interface PollingIntakeOptions {
  client: Pick<EndpointClient, "call">;
  store: LsyncStore;
  /** The intake's identity in the store (its node id): cursor, keys and inbox rows are its own. */
  source: string;
  definition: PollSource;
  intervalMs: number;
  pageSize: number;
  /** Where a first poll starts (no stored cursor yet). */
  startAt: "now" | "beginning";
  /**
   * Only items of these sites are taken in (for a source that names sites, see PollSource.siteOf);
   * empty or absent = every item.
   */
  sites?: ReadonlySet<string>;
  /** Items handed to the flow and not yet settled before polling pauses. */
  maxInFlight: number;
  /** Hands a stored item to the flow (its payload parsed back from the inbox). */
  emit: (item: InboxItem, resumed: boolean) => void;
  onState?: (state: PollState) => void;
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface PollState {
  /** "failing" while the last poll could not read the source (it is tried again next interval). */
  health: "starting" | "ok" | "failing" | "stopped";
  takenIn: number;
  inFlight: number;
  cursor: string | null;
  lastError: string | null;
  lastPollAt: number | null;
  /** True while polling waits because the flow has maxInFlight items unsettled. */
  paused: boolean;
}

/**
 * Durable polling intake for "list since" APIs. Each poll reads the pages after the stored cursor
 * and stores the new items and the new cursor in one store transaction before the flow sees any
 * of them; so after a crash the next poll starts where the last stored page ended, and items
 * stored but not settled are emitted again on start (resumed), like the MQTT intake's. An item
 * whose key was taken in before (a page read twice, an inclusive cursor) is not taken in again.
 */
export class PollingIntake {
  private readonly inFlight: InFlightWindow;
  private readonly unregister: () => void;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private state: PollState = { health: "starting", takenIn: 0, inFlight: 0, cursor: null, lastError: null, lastPollAt: null, paused: false };

  constructor(private readonly options: PollingIntakeOptions) {
    this.inFlight = new InFlightWindow(options.maxInFlight);
    this.unregister = registerIntake(options.source, options.store, (id) => this.release(id));
  }

  async start(): Promise<void> {
    await this.resume();
    if (this.stopped) return;
    this.state.cursor = await this.options.store.pollCursor(this.options.source);
    this.schedule(0);
  }

  /** Polls now (an inject "poll now"); a poll already running is followed by one more. */
  pollNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.polling = this.pollOnce()
      .catch((err: Error) => {
        this.state.health = "failing";
        this.state.lastError = err.message;
        this.options.onError?.(err);
      })
      .finally(() => {
        this.polling = null;
        this.report();
        if (this.again) {
          this.again = false;
          void this.pollNow();
        } else this.schedule(this.options.intervalMs);
      });
    return this.polling;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pollNow(), delayMs);
    this.timer.unref?.();
  }

  private async resume(): Promise<void> {
    let after = 0;
    for (;;) {
      const items = await this.options.store.pendingInbox(this.options.source, 500, after);
      if (items.length === 0 || this.stopped) return;
      for (const item of items) {
        this.inFlight.add(item.id);
        this.options.emit(item, true);
        after = item.id;
      }
    }
  }

  private async pollOnce(): Promise<void> {
    const { definition: src, store, source, pageSize } = this.options;
    // The flow is behind: leave the items at the source (nothing is lost) until it catches up.
    if (this.inFlight.full) {
      this.state.paused = true;
      return;
    }
    this.state.paused = false;
    const now = (this.options.now ?? Date.now)();
    let from = (await store.pollCursor(source)) ?? src.initialCursor(this.options.startAt, now);
    let cursor = from;
    for (let offset = 0; !this.stopped; ) {
      const path = src.pagePath(src.inclusive ? from : cursor, pageSize, src.inclusive ? offset : 0);
      const outcome = await this.options.client.call("GET", path, undefined);
      if (!outcome.ok) throw new Error(`${src.title}: ${outcome.error}`);
      const page = src.items(outcome.data);
      const fresh = page.map((raw) => ({
        key: src.keyOf(raw),
        cursor: src.cursorOf(raw),
        payload: JSON.stringify(src.payloadOf(raw)),
      }));
      for (const f of fresh) if (src.compareCursors(f.cursor, cursor) > 0) cursor = f.cursor;
      // Items and cursor in one transaction: the flow sees only what is stored for good.
      const wanted = fresh.filter((_f, i) => (src.accept?.(page[i]) ?? true) && this.ofWantedSite(page[i]));
      const taken = await store.takeInPolled(
        source,
        wanted.map((f) => ({ source, key: f.key, topic: src.topic, payload: f.payload })),
        cursor,
      );
      this.state.cursor = cursor;
      for (const item of taken) {
        this.inFlight.add(item.id);
        this.state.takenIn++;
        this.options.emit(item, false);
      }
      if (page.length < pageSize || this.inFlight.full) break;
      // Inclusive sources page on from the last cursor seen (keyset), not by offset from where
      // the poll began: an item of an earlier page that changes meanwhile moves to the end of the
      // list and would shift the next offset page past an item never seen (its cursor is behind
      // the stored one, so no later poll finds it either). What the next page reads again is
      // absorbed by the keys. Only a full page that did not move the cursor steps on by offset.
      const last = fresh[fresh.length - 1]!.cursor;
      if (src.inclusive && src.compareCursors(last, from) > 0) {
        from = last;
        offset = 0;
      } else offset += page.length;
    }
    this.state.health = "ok";
    this.state.lastError = null;
    this.state.lastPollAt = now;
  }

  /** True when the item's site is one the intake is limited to (or it is limited to none). */
  private ofWantedSite(item: unknown): boolean {
    const { sites, definition } = this.options;
    if (!definition.siteOf) return true;
    return siteWanted(sites, definition.siteOf(item));
  }

  private release(id: number): void {
    if (!this.inFlight.release(id)) return;
    this.report();
  }

  current(): PollState {
    return { ...this.state, inFlight: this.inFlight.size };
  }

  private report(): void {
    this.options.onState?.(this.current());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unregister();
    this.inFlight.close();
    this.state.health = "stopped";
    await this.polling?.catch(() => undefined);
  }
}

/** The site rule of a polling intake: no sites listed takes every site; otherwise only the listed ones. */
export function siteWanted(sites: ReadonlySet<string> | undefined, site: string | undefined): boolean {
  if (!sites || sites.size === 0) return true;
  return site !== undefined && sites.has(site);
}
