import { compareNumbers, field, type PollSource } from "./types";

const PATH = "/sap/opu/odata/sap/API_OUTBOUND_DELIVERY_SRV/A_OutbDeliveryHeader";

/** `/Date(1764500000000+0000)/` → ms. */
function odataMillis(v: unknown): number {
  const m = typeof v === "string" ? /^\/Date\((-?\d+)/.exec(v) : null;
  if (!m?.[1]) throw new Error(`ERP goods-issued deliveries: LastChangeDateTime ${JSON.stringify(v)} is not an OData /Date(ms)/`);
  return Number(m[1]);
}

/**
 * SAP S/4HANA outbound deliveries goods-issued (OverallGoodsMovementStatus C) and changed since
 * the cursor, items expanded: the "shipped" fact of a delivery as the ERP books it. The cursor is
 * the last change time in ms (inclusive, the last ones come again and are absorbed by their keys);
 * a delivery is taken in once (key: delivery number), as goods issue happens once per delivery.
 */
export const erpGoodsIssuedDeliveries: PollSource = {
  id: "erp-goods-issued-deliveries",
  system: "ERP",
  title: "ERP goods-issued deliveries (A_OutbDeliveryHeader)",
  topic: "erp/delivery/goods-issued",
  initialCursor: (startAt, now) => String(startAt === "now" ? now : 0),
  pagePath(cursor, pageSize, offset) {
    const since = new Date(Number(cursor)).toISOString().replace(/\.\d{3}Z$/, "Z");
    const filter = `OverallGoodsMovementStatus eq 'C' and LastChangeDateTime ge datetimeoffset'${since}'`;
    return `${PATH}?$filter=${encodeURIComponent(filter)}&$orderby=LastChangeDateTime%20asc&$expand=to_DeliveryDocumentItem&$top=${pageSize}&$skip=${offset}`;
  },
  inclusive: true,
  items(body) {
    const results = (body as { d?: { results?: unknown } } | null)?.d?.results;
    if (!Array.isArray(results)) throw new Error("ERP goods-issued deliveries: the answer has no d.results list");
    return results;
  },
  cursorOf: (item) => String(odataMillis(field(item, "LastChangeDateTime", "ERP goods-issued deliveries"))),
  compareCursors: compareNumbers,
  keyOf: (item) => `DLV|${String(field(item, "DeliveryDocument", "ERP goods-issued deliveries"))}`,
  // The shape the sap-outbound-delivery profile reads for one delivery.
  payloadOf: (item) => ({ d: item }),
};
