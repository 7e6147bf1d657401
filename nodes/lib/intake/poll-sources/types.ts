/**
 * A system that offers a "list since" API, described once so the polling intake needs nothing
 * system-specific: where a page is, which items it holds, where the next poll starts (the cursor)
 * and what identifies an item (its key, taken in once per intake).
 */
export interface PollSource {
  id: string;
  system: "ERP" | "WMS" | "TMS" | "FINANCE" | "CARRIER" | "PORTAL";
  title: string;
  /** msg.topic of the items this source yields. */
  topic: string;
  /** The cursor of a first poll: from `now` (only what changes from now on) or from the beginning. */
  initialCursor(startAt: "now" | "beginning", now: number): string;
  /** Path (with query) of the page at `offset` of everything at or after `cursor`. */
  pagePath(cursor: string, pageSize: number, offset: number): string;
  /**
   * True when the cursor is inclusive (the page starts *at* it, so the last items come again and
   * are absorbed by their keys); an exclusive cursor pages by offset 0 only.
   */
  inclusive: boolean;
  /** The items of one response body, in cursor order. */
  items(body: unknown): unknown[];
  /** The item's position; the new cursor is the greatest seen (compared by `compareCursors`). */
  cursorOf(item: unknown): string;
  compareCursors(a: string, b: string): number;
  /** The item's identity: an item with a key taken in before is not taken in again. */
  keyOf(item: unknown): string;
  /**
   * Only items it accepts are taken in (a feed of every confirmation, read for the short picks);
   * the others still move the cursor on. Absent = every item.
   */
  accept?(item: unknown): boolean;
  /**
   * The site an item belongs to (a WMS warehouse), for sources that serve several: a poll-in limited
   * to some sites takes in only theirs, and the others only move the cursor on. Absent = no sites.
   */
  siteOf?(item: unknown): string | undefined;
  /** The stored payload (what the flow's canonical map reads). */
  payloadOf(item: unknown): unknown;
}

/** Reads a field that must be there: a source that answers without it is not what we expect. */
export function field(item: unknown, name: string, what: string): unknown {
  const value = item !== null && typeof item === "object" ? (item as Record<string, unknown>)[name] : undefined;
  if (value === undefined || value === null || value === "") throw new Error(`${what}: item without ${name}: ${JSON.stringify(item)?.slice(0, 120)}`);
  return value;
}

export const compareNumbers = (a: string, b: string): number => Number(a) - Number(b);
