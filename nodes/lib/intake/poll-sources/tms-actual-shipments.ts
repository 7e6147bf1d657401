import { compareNumbers, field, type PollSource } from "./types";

/**
 * TMS actual shipments (`GET /api/v1/actual-shipments?after=<seq>&limit=`): each load once, as it
 * left the dock (carrier, stops, final weights after re-weighs, accessorials), the moment freight
 * is accrued on. The cursor is the feed's sequence number; the key is the load, so a load is taken
 * in once even if the TMS lists it again.
 */
export const tmsActualShipments: PollSource = {
  id: "tms-actual-shipments",
  system: "TMS",
  title: "TMS actual shipments (dispatched loads, final weights)",
  topic: "tms/actual-shipment",
  initialCursor: () => "0",
  pagePath: (cursor, pageSize) => `/api/v1/actual-shipments?after=${encodeURIComponent(cursor)}&limit=${pageSize}`,
  inclusive: false,
  items(body) {
    const list = (body as { actualShipments?: unknown } | null)?.actualShipments;
    if (!Array.isArray(list)) throw new Error("TMS actual shipments: the answer has no actualShipments list");
    return list;
  },
  cursorOf: (item) => String(field(item, "seq", "TMS actual shipments")),
  compareCursors: compareNumbers,
  keyOf: (item) => `ACTUAL|${String(field(item, "loadId", "TMS actual shipments"))}`,
  payloadOf: (item) => item,
};
