import { compareNumbers, field, type PollSource } from "./types";

const PATH = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder";

/** `/Date(1764500000000+0000)/` → ms. */
function odataMillis(v: unknown): number {
  const m = typeof v === "string" ? /^\/Date\((-?\d+)/.exec(v) : null;
  if (!m?.[1]) throw new Error(`ERP released sales orders: LastChangeDateTime ${JSON.stringify(v)} is not an OData /Date(ms)/`);
  return Number(m[1]);
}

/**
 * SAP S/4HANA sales orders released to logistics (no delivery block), changed since the cursor:
 * `LastChangeDateTime ge …` ordered by it, items expanded. The cursor is the last change time in
 * ms; an order is taken in once (its key is the order number), so later changes to it (an
 * exception written back) do not release it again.
 */
export const erpReleasedSalesOrders: PollSource = {
  id: "erp-released-sales-orders",
  system: "ERP",
  title: "ERP released sales orders (A_SalesOrder)",
  topic: "erp/sales-order/released",
  initialCursor: (startAt, now) => String(startAt === "now" ? now : 0),
  pagePath(cursor, pageSize, offset) {
    const since = new Date(Number(cursor)).toISOString().replace(/\.\d{3}Z$/, "Z");
    const filter = `DeliveryBlockReason eq '' and LastChangeDateTime ge datetimeoffset'${since}'`;
    return `${PATH}?$filter=${encodeURIComponent(filter)}&$orderby=LastChangeDateTime%20asc&$expand=to_Item&$top=${pageSize}&$skip=${offset}`;
  },
  inclusive: true,
  items(body) {
    const results = (body as { d?: { results?: unknown } } | null)?.d?.results;
    if (!Array.isArray(results)) throw new Error("ERP released sales orders: the answer has no d.results list");
    return results;
  },
  cursorOf: (item) => String(odataMillis(field(item, "LastChangeDateTime", "ERP released sales orders"))),
  compareCursors: compareNumbers,
  keyOf: (item) => `SO|${String(field(item, "SalesOrder", "ERP released sales orders"))}`,
  // The shape the sap-sales-order profile reads for one order.
  payloadOf: (item) => ({ d: item }),
};
