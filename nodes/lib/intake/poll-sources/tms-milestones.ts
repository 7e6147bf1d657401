import { compareNumbers, field, type PollSource } from "./types";

/**
 * TMS milestones of every load (`GET /api/v1/milestones?after=<seq>&limit=`): delays, re-routes,
 * pick-ups, deliveries. The cursor is the last sequence number; the key is the sequence number.
 */
export const tmsMilestones: PollSource = {
  id: "tms-milestones",
  system: "TMS",
  title: "TMS milestones (delay, re-route, delivery …)",
  topic: "tms/milestone",
  initialCursor: () => "0",
  pagePath: (cursor, pageSize) => `/api/v1/milestones?after=${encodeURIComponent(cursor)}&limit=${pageSize}`,
  inclusive: false,
  items(body) {
    const list = (body as { milestones?: unknown } | null)?.milestones;
    if (!Array.isArray(list)) throw new Error("TMS milestones: the answer has no milestones list");
    return list;
  },
  cursorOf: (item) => String(field(item, "seq", "TMS milestones")),
  compareCursors: compareNumbers,
  keyOf: (item) => `MS|${String(field(item, "seq", "TMS milestones"))}`,
  payloadOf: (item) => item,
};

/** Milestones that change the plan: a delay (with a new ETA) or a re-route (with a new destination). */
export const tmsExceptionMilestones: PollSource = {
  ...tmsMilestones,
  id: "tms-exception-milestones",
  title: "TMS delays and re-routes",
  topic: "tms/exception-milestone",
  accept: (item) => ["DELAYED", "REROUTED"].includes(String((item as { type?: unknown } | null)?.type)),
};

/**
 * Milestones that end a load's run and decide billing and the final freight cost: the delivery
 * (with the consignee's signature or POD document when the driver's app has it) and the
 * exceptions on the way (held, delivery missed, damage and other exceptions).
 */
export const tmsDeliveryMilestones: PollSource = {
  ...tmsMilestones,
  id: "tms-delivery-milestones",
  title: "TMS deliveries, POD and delivery exceptions",
  topic: "tms/delivery-milestone",
  accept: (item) => ["DELIVERY", "HELD", "DELIVERY_MISSED", "EXCEPTION"].includes(String((item as { type?: unknown } | null)?.type)),
};
