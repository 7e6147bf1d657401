/**
 * GS1 6-digit dates (YYMMDD) as calendar strings.
 *
 * Why strings and not `Date`: a GS1 date is a calendar day with no time zone. A `Date` at UTC midnight
 * renders as the previous day anywhere west of UTC (domain.md §3.1), so the parser returns
 * `YYYY-MM-DD` and leaves time zones to whoever knows the site.
 */

/**
 * Full year for a 2-digit year under GS1's sliding century window (General Specifications §7.12):
 * with `currentYear` = C, the difference d = YY − (C mod 100) puts the year in the previous century
 * when d is 51…99, in the next century when d is −99…−50, else in the current century. The result
 * always lies in [C − 49, C + 50].
 */
export function resolveCentury(yy: number, currentYear: number): number {
  const cur = ((currentYear % 100) + 100) % 100;
  const base = currentYear - cur;
  const diff = yy - cur;
  if (diff >= 51) return base - 100 + yy;
  if (diff <= -50) return base + 100 + yy;
  return base + yy;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1–12) of `year`, leap years included. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

export type DateResult =
  | { ok: true; date: string; year: number; month: number; day: number; dayOmitted: boolean }
  | { ok: false; reason: string };

function two(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

function pad4(n: number): string {
  return n < 1000 ? String(n).padStart(4, "0") : String(n);
}

/**
 * Reads YYMMDD at `s[at, at+6)`.
 *
 * `allowDayZero` is the GS1 `yymmd0` rule of AIs 11–17: DD = 00 means no day was given; for the
 * expiry-type dates the General Specifications read it as the last day of the month, and we do that
 * for all of them (leap years included) and say so with `dayOmitted`.
 */
export function parseYymmdd(s: string, at: number, allowDayZero: boolean, currentYear: number): DateResult {
  if (at + 6 > s.length) return { ok: false, reason: "is not a 6-digit date YYMMDD" };
  const yy = two(s, at);
  const mm = two(s, at + 2);
  const dd = two(s, at + 4);
  if (yy < 0 || mm < 0 || dd < 0) return { ok: false, reason: "is not a 6-digit date YYMMDD" };
  if (mm < 1 || mm > 12) return { ok: false, reason: `month ${pad2(mm)} is not 01-12` };
  const year = resolveCentury(yy, currentYear);
  const last = daysInMonth(year, mm);
  let day = dd;
  let dayOmitted = false;
  if (dd === 0) {
    if (!allowDayZero) return { ok: false, reason: "day 00 is not allowed for this AI" };
    day = last;
    dayOmitted = true;
  } else if (dd > last) {
    return { ok: false, reason: `day ${pad2(dd)} does not exist in ${pad4(year)}-${pad2(mm)}` };
  }
  return { ok: true, date: `${pad4(year)}-${pad2(mm)}-${pad2(day)}`, year, month: mm, day, dayOmitted };
}

/** Reads HHMM at `s[at, at+4)` as `HH:MM`, or null when it is not a valid 24-hour time. */
export function parseHhmm(s: string, at: number): string | null {
  const hh = two(s, at);
  const mi = two(s, at + 2);
  if (hh < 0 || hh > 23 || mi < 0 || mi > 59) return null;
  return `${pad2(hh)}:${pad2(mi)}`;
}

/** Reads a 2-digit value at `s[at, at+2)` and returns it when ≤ `max`, else -1. */
export function parseTwoDigits(s: string, at: number, max: number): number {
  const v = two(s, at);
  return v > max ? -1 : v;
}
