/**
 * The event log's writer and its process-wide sink.
 *
 * Recording must not slow the scanner path or join a message's own transaction: `recordEvent`
 * only snapshots the entry into a memory buffer; the writer appends the buffer to the store in one
 * transaction every `flushMs` (or as soon as `maxBatch` entries wait). The log is for seeing what
 * happened, not part of "nothing lost": a crash loses at most the last flushMs of entries, and a
 * store that cannot keep up drops the oldest buffered entries beyond `maxBuffered` (counted, and
 * warned about) rather than grow without bound.
 *
 * The sink is the first store config node that registers (lsync-store does, unless the settings
 * turn the log off); every recording place (canonical map and validate, egress and dispatcher,
 * dead letters, drift) calls `recordEvent` and needs nothing else.
 */
import type { EventLogStore, LsyncStore, NewEventLogEntry } from "../store";

export interface EventLogSettings {
  /** Days an entry is kept; older ones are purged hourly. 0 keeps them forever. */
  retentionDays: number;
  flushMs: number;
  maxBatch: number;
  maxBuffered: number;
}

export const DEFAULT_EVENT_LOG_SETTINGS: EventLogSettings = { retentionDays: 30, flushMs: 500, maxBatch: 500, maxBuffered: 100_000 };

/** `detail` beyond this many characters of JSON is cut down to its top-level scalars. */
export const MAX_DETAIL_CHARS = 8192;
const PURGE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The settings as Node-RED's settings file gives them (`lsyncEventLog: {...}`), each field checked:
 * a value that is missing or out of range takes its default.
 */
export function eventLogSettings(raw: unknown): EventLogSettings & { enabled: boolean } {
  const given = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const pick = (name: keyof EventLogSettings, min: number, max: number): number => {
    const n = Number(given[name]);
    return given[name] !== undefined && given[name] !== "" && Number.isFinite(n) && n >= min && n <= max ? n : DEFAULT_EVENT_LOG_SETTINGS[name];
  };
  return {
    enabled: given.enabled !== false,
    retentionDays: pick("retentionDays", 0, 36_500),
    flushMs: pick("flushMs", 10, 60_000),
    maxBatch: pick("maxBatch", 1, 10_000),
    maxBuffered: pick("maxBuffered", 100, 10_000_000),
  };
}

/** The JSON of a detail value, cut down to its top-level scalars when it is too large. */
export function snapshotDetail(detail: unknown): string | null {
  if (detail === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(detail);
  } catch {
    return JSON.stringify({ unserialisable: true });
  }
  if (json === undefined) return null;
  if (json.length <= MAX_DETAIL_CHARS || !detail || typeof detail !== "object") return json;
  const scalars: Record<string, unknown> = { truncated: true };
  for (const [k, v] of Object.entries(detail as Record<string, unknown>)) {
    if (v === null || ["string", "number", "boolean"].includes(typeof v)) scalars[k] = typeof v === "string" ? v.slice(0, 200) : v;
  }
  return JSON.stringify(scalars);
}

export class EventLogWriter {
  private buffer: NewEventLogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  /** Entries dropped because the buffer was full (the store did not keep up). */
  dropped = 0;
  written = 0;

  constructor(
    readonly store: EventLogStore,
    readonly settings: EventLogSettings = DEFAULT_EVENT_LOG_SETTINGS,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  /** Purges now and then hourly (when a retention is set). */
  startRetention(now: () => number = Date.now): void {
    if (this.settings.retentionDays <= 0 || this.purgeTimer) return;
    const purge = () => void this.purge(now()).catch((err: Error) => this.onError(err));
    purge();
    this.purgeTimer = setInterval(purge, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  /** Removes entries older than the retention (none when it is 0). */
  purge(now = Date.now()): Promise<number> {
    if (this.settings.retentionDays <= 0) return Promise.resolve(0);
    return this.store.purgeEvents(now - this.settings.retentionDays * DAY_MS);
  }

  /** Buffers one entry (its detail snapshotted now); the store sees it at the next flush. */
  record(entry: NewEventLogEntry): void {
    if (this.stopped) return;
    const { detail, ...rest } = entry;
    this.buffer.push(entry.detailJson !== undefined ? entry : { ...rest, detailJson: snapshotDetail(detail) });
    if (this.buffer.length > this.settings.maxBuffered) {
      const over = this.buffer.length - this.settings.maxBuffered;
      this.buffer.splice(0, over);
      if (this.dropped === 0) this.onError(new Error(`event log: the store does not keep up; dropping the oldest buffered entries`));
      this.dropped += over;
    }
    if (this.buffer.length >= this.settings.maxBatch) this.schedule(0);
    else this.schedule(this.settings.flushMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
  }

  /** Writes what is buffered, in batches of maxBatch; resolves when it is in the store. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const run = (async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.splice(0, this.settings.maxBatch);
        try {
          await this.store.appendEvents(batch);
          this.written += batch.length;
          // SQLite writes synchronously: let waiting I/O (the scanner intake) in between batches.
          if (this.buffer.length > 0) await new Promise((resolve) => setImmediate(resolve));
        } catch (err) {
          // Put the batch back for the next flush (bounded by maxBuffered) and stop for now.
          this.buffer.unshift(...batch);
          this.onError(err as Error);
          if (!this.stopped) this.schedule(Math.max(this.settings.flushMs, 1000));
          return;
        }
      }
    })();
    this.flushing = run;
    try {
      await run;
    } finally {
      this.flushing = null;
    }
  }

  /** Stops taking entries, writes the buffer out and stops the timers. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.timer = this.purgeTimer = null;
    await this.flush().catch((err: Error) => this.onError(err));
  }

  pending(): number {
    return this.buffer.length;
  }
}

// ---- the process-wide sink ------------------------------------------------------------------

interface Sink {
  storeId: string;
  store: LsyncStore;
  writer: EventLogWriter;
}
/** In registration order: the first is written to; the next takes over when it closes. */
const sinks: Sink[] = [];

/**
 * Makes a store config node's store the event log (when it is the first to register). Returns the
 * unregister function for its close handler, which flushes what is buffered.
 */
export function registerEventLogStore(
  storeId: string,
  store: LsyncStore,
  settings: EventLogSettings = DEFAULT_EVENT_LOG_SETTINGS,
  onError?: (err: Error) => void,
): () => Promise<void> {
  const writer = new EventLogWriter(store, settings, onError);
  const sink = { storeId, store, writer };
  sinks.push(sink);
  if (sinks[0] === sink) writer.startRetention();
  return async () => {
    const at = sinks.indexOf(sink);
    if (at < 0) return;
    sinks.splice(at, 1);
    await writer.stop();
    if (at === 0) sinks[0]?.writer.startRetention();
  };
}

/** The store the event log is written to, and its writer; null when no store registered. */
export function activeEventLog(): Sink | null {
  return sinks[0] ?? null;
}

/** Records one entry in the active event log; a no-op when there is none. Never throws. */
export function recordEvent(entry: NewEventLogEntry): void {
  try {
    sinks[0]?.writer.record(entry);
  } catch {
    // Seeing what happened must never stop it from happening.
  }
}

/** Writes out what is buffered (tests, and the trace API before it reads). */
export async function flushEventLog(): Promise<void> {
  await sinks[0]?.writer.flush();
}
