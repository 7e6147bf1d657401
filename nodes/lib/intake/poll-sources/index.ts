import { erpGoodsIssuedDeliveries } from "./erp-goods-issued-deliveries";
import { erpReleasedSalesOrders } from "./erp-released-sales-orders";
import { tmsActualShipments } from "./tms-actual-shipments";
import { tmsDeliveryMilestones, tmsExceptionMilestones, tmsMilestones } from "./tms-milestones";
import type { PollSource } from "./types";
import { wmsConfirmations, wmsPickConfirmations, wmsShortPicks } from "./wms-confirmations";

export type { PollSource } from "./types";

/** One small definition per system; adding a source is one file (or entry) and one line here. */
export const POLL_SOURCES: PollSource[] = [
  erpReleasedSalesOrders,
  wmsConfirmations,
  wmsPickConfirmations,
  wmsShortPicks,
  tmsMilestones,
  tmsExceptionMilestones,
  erpGoodsIssuedDeliveries,
  tmsDeliveryMilestones,
  tmsActualShipments,
];

export function findPollSource(id: string): PollSource | undefined {
  return POLL_SOURCES.find((s) => s.id === id);
}
