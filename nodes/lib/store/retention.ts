import type { LsyncStore, PurgeCounts } from "./types";

/**
 * How long the store keeps what it no longer needs (settings.ts `lsyncRetention`):
 * - settledDays (LSYNC_RETENTION_DAYS, default 30): settled inbox items and delivered or dead
 *   outbox rows. While a row is kept, a resend with its idempotency key is still recognised; keep
 *   it at least as long as an upstream system may resend.
 * - ledgerDays (LSYNC_LEDGER_DAYS, default 400): the file ledger (SFTP files and webhook keys,
 *   by content hash). After that, the same file dropped again is taken in again.
 * 0 keeps forever. Expired dedupe keys go with the same hourly sweep.
 */
export interface RetentionSettings {
  settledDays: number;
  ledgerDays: number;
}

export const DEFAULT_RETENTION: RetentionSettings = { settledDays: 30, ledgerDays: 400 };

const DAY_MS = 24 * 3600 * 1000;
const SWEEP_EVERY_MS = 3600 * 1000;
/** "0 = forever" as a cutoff no row is older than. */
const NEVER = Number.MIN_SAFE_INTEGER;

/** Settings from settings.ts (any shape): each value a whole number of days in 0..36,500, else the default. */
export function retentionSettings(raw: unknown): RetentionSettings {
  const given = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const days = (name: keyof RetentionSettings): number => {
    const v = Number(given[name]);
    return Number.isInteger(v) && v >= 0 && v <= 36_500 ? v : DEFAULT_RETENTION[name];
  };
  return { settledDays: days("settledDays"), ledgerDays: days("ledgerDays") };
}

/** One sweep at `now`: what is past its retention goes, plus expired dedupe keys. */
export async function sweepStore(store: LsyncStore, settings: RetentionSettings, now: number): Promise<PurgeCounts & { dedupe: number }> {
  const cutoff = (days: number) => (days > 0 ? now - days * DAY_MS : NEVER);
  const counts = await store.purgeSettled({ settledBefore: cutoff(settings.settledDays), ledgerBefore: cutoff(settings.ledgerDays) });
  return { ...counts, dedupe: await store.purgeDedupe(now) };
}

/** Sweeps now and then hourly; returns the function that stops it. */
export function startRetention(
  store: LsyncStore,
  settings: RetentionSettings,
  onSwept: (counts: PurgeCounts & { dedupe: number }) => void,
  onError: (err: Error) => void,
  now: () => number = Date.now,
): () => void {
  const sweep = () => void sweepStore(store, settings, now()).then(onSwept, onError);
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
