import { compareNumbers, field, type PollSource } from "./types";

/**
 * WMS pick/pack/ship confirmations (`GET /api/confirmations?after=<id>&limit=`), oldest first.
 * The cursor is the last confirmation id taken in; the key is the confirmation id; each names the
 * site of its warehouse.
 */
export const wmsConfirmations: PollSource = {
  id: "wms-confirmations",
  system: "WMS",
  title: "WMS confirmations (pick, pack, ship)",
  topic: "wms/confirmation",
  // Ids only grow, so "from now" is simply "from the start of what the WMS still lists".
  initialCursor: () => "0",
  pagePath: (cursor, pageSize) => `/api/confirmations?after=${encodeURIComponent(cursor)}&limit=${pageSize}`,
  inclusive: false,
  items(body) {
    const list = (body as { confirmations?: unknown } | null)?.confirmations;
    if (!Array.isArray(list)) throw new Error("WMS confirmations: the answer has no confirmations list");
    return list;
  },
  cursorOf: (item) => String(field(item, "id", "WMS confirmations")),
  compareCursors: compareNumbers,
  keyOf: (item) => `CONF|${String(field(item, "id", "WMS confirmations"))}`,
  payloadOf: (item) => item,
  // The site of the picking's warehouse: one WMS serves several sites.
  siteOf: (item) => {
    const site = (item as { warehouse?: unknown } | null)?.warehouse;
    return typeof site === "string" && site !== "" ? site : undefined;
  },
};

/**
 * Pick confirmations only (`type=pick`), each naming its warehouse's site: what the warehouse-to-
 * transport handoff takes from sites that report their picks through the WMS. Pack and ship
 * confirmations name no SSCC; the scanners report those.
 */
export const wmsPickConfirmations: PollSource = {
  ...wmsConfirmations,
  id: "wms-pick-confirmations",
  title: "WMS pick confirmations",
  topic: "wms/pick-confirmation",
  pagePath: (cursor, pageSize) => `/api/confirmations?type=pick&after=${encodeURIComponent(cursor)}&limit=${pageSize}`,
  accept: (item) => (item as { type?: unknown } | null)?.type === "pick",
};

/** The confirmations with a line picked short of what was ordered: what exception management takes. */
export const wmsShortPicks: PollSource = {
  ...wmsConfirmations,
  id: "wms-short-picks",
  title: "WMS short picks (confirmations picked short)",
  topic: "wms/short-pick",
  accept(item) {
    const lines = (item as { lines?: Array<{ quantity?: unknown; ordered?: unknown }> } | null)?.lines;
    return Array.isArray(lines) && lines.some((l) => typeof l.quantity === "number" && typeof l.ordered === "number" && l.quantity < l.ordered);
  },
};
