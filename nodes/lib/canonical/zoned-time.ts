/**
 * Wall-clock time in an IANA zone → an instant with its offset, for sources that send local time
 * only (SAP dates, UPS activity, X12 AT7 with time code LT). Node's ICU carries the tz database,
 * so the zone rules (DST included) come from Intl, not from a table of our own.
 *
 * DST edges, decided the way calendar software does (RFC 5545 §3.3.5):
 * - a time that does not exist (the clock jumps 02:00 → 03:00): moved forward by the jump,
 *   "02:30" becomes 03:30 at the new offset;
 * - a time that exists twice (03:00 → 02:00): the first one, at the earlier (summer) offset.
 */
import { InputError } from "../errors";

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    } catch {
      throw new InputError(`timeZone "${zone}" is not an IANA time zone (e.g. Europe/Berlin)`, { rule: "time-zone", field: "timeZone" });
    }
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at instant `ms`, in minutes (east positive). */
export function offsetMinutesAt(zone: string, ms: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * "2026-03-29T02:30:00" in "Europe/Berlin" → "2026-03-29T03:30:00+02:00". Seconds and fractions
 * are kept as given. A malformed local time or an unknown zone is an InputError naming the field.
 */
export function zonedToInstant(local: string, zone: string): string {
  const m = LOCAL.exec(local);
  if (!m) throw new InputError(`localDateTime "${local}" is not a local date-time (YYYY-MM-DDTHH:MM[:SS])`, { rule: "local-date-time", field: "localDateTime" });
  const [, y, mo, d, h, mi, s, frac] = m;
  const wallAsUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(wallAsUtc) || new Date(wallAsUtc).getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) {
    throw new InputError(`localDateTime "${local}" is not a valid date-time`, { rule: "local-date-time", field: "localDateTime" });
  }
  // The offsets in force a day either side cover every transition near this wall time.
  const before = offsetMinutesAt(zone, wallAsUtc - 86_400_000);
  const after = offsetMinutesAt(zone, wallAsUtc + 86_400_000);
  // Candidates: the wall time read at each offset; keep those whose offset really applies there.
  const fits = [...new Set([before, after])]
    .map((off) => ({ off, at: wallAsUtc - off * 60_000 }))
    .filter((c) => offsetMinutesAt(zone, c.at) === c.off)
    .sort((a, b) => a.at - b.at);
  let chosen: { off: number; at: number };
  if (fits.length > 0) chosen = fits[0]!; // twice: the first occurrence
  else {
    // In the gap: moved forward by the jump, at the offset after it.
    chosen = { off: after, at: wallAsUtc - before * 60_000 };
  }
  const wall = new Date(chosen.at + chosen.off * 60_000);
  const text = `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
  return `${text}${frac ?? ""}${formatOffset(chosen.off)}`;
}

/**
 * A canonical object that has only wall-clock time (localDateTime + timeZone, no occurredAt) gets
 * its occurredAt here, after mapping and before validation; one that has occurredAt is unchanged.
 * Anything that is not such an object passes through as it is.
 */
export function resolveOccurredAt<T>(object: T): T {
  if (!object || typeof object !== "object" || Array.isArray(object)) return object;
  const o = object as Record<string, unknown>;
  if (o.occurredAt !== undefined || typeof o.localDateTime !== "string" || typeof o.timeZone !== "string") return object;
  return { ...o, occurredAt: zonedToInstant(o.localDateTime, o.timeZone) } as T;
}

/** `$zonedTime(local, zone)` for mappings: undefined in, undefined out (like JSONata's own functions). */
export function zonedTimeForJsonata(local: unknown, zone: unknown): string | undefined {
  if (local === undefined || local === null || local === "") return undefined;
  if (typeof local !== "string" || typeof zone !== "string") throw new InputError(`$zonedTime: expected a local date-time and an IANA zone name, got ${typeof local} and ${typeof zone}`);
  return zonedToInstant(local, zone);
}
