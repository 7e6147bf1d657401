/**
 * Plays a generated month (generate.ts) into the running product's simulators through the channels
 * the scenario flows read, the way the systems' users would: sales orders entered released in the
 * ERP, picks confirmed (short where the month says so) in the WMS, milestones reported to the TMS
 * (delays, re-routes, and the resent ones twice). It goes simulated day by day, as fast as the
 * product keeps up: each day's orders are handed over before the day's picks and milestones are
 * played. Then it reads back the final state of every system and the exception team queues.
 *
 * Plain functions; the product is reached only over HTTP and MQTT on the URLs given.
 */
import mqtt from "mqtt";
import { SITES, siteInfo } from "../lib/catalog";
import { withCheckDigit } from "../lib/gs1";
import { contractFor, pickedShipments } from "./truth";
import type { CarrierInvoice, ChargeType, Customer, Month, Order, Shipment } from "./model";

export interface MonthEndpoints {
  erp: string;
  wms: string;
  tms: string;
  portal: string;
  finance?: string;
  /** The product's editor/admin URL: /lsync/metrics tells when nothing is in flight. */
  editorUrl?: string;
  mqttUrl: string;
  /**
   * Freight (the reconciliation tab): each month shipment is also run as a TMS load of its own
   * (loadId = shipment id, carrier per the DC's contract, weighed and re-weighed, dispatched), and
   * the carrier's invoices are sent through the carrier simulator's billing API to the product's
   * signed webhook. Off when not given.
   */
  freight?: { carrier: string; webhookUrl: string; secret: string };
  /**
   * Billing (the delivery-to-finance and billing-rules tabs): each shipment becomes an ERP outbound
   * delivery on its order's load (bill of lading SO-<order>) with its goods issue at ship time, and
   * the POD is a DELIVERY milestone with the consignee's signature. Off when false or missing.
   */
  billing?: boolean;
  /** The WMS login the warehouse staff's handhelds use (JSON-RPC execute_kw). */
  wmsLogin: { db: string; uid: number; password: string };
}

export interface DriveOptions {
  /** Longest wait for the product to catch up with one day, and for the end state (ms). */
  stepTimeoutMs?: number;
  /** Requests in flight at once towards one simulator. */
  concurrency?: number;
  /** SoldToParty in the ERP for a month customer (the product's master data knows these). */
  soldToOf?: (customerId: string, month: Month) => string;
  onProgress?: (line: string) => void;
}

/** A message seen on an exception team queue (MQTT exceptions/<team>). */
export interface QueuedException {
  topic: string;
  team: string;
  type: string;
  exceptionId: string;
  orderRef: string | null;
}

/** What the driver sent, with the wall-clock time its request left (for before/after comparisons). */
export interface SentEvent {
  orderId: string;
  shipmentId: string;
  kind: string;
  simAt: string;
  sentAt: number;
  resent: boolean;
}

export interface FinalState {
  /** ERP sales orders the month entered: month order → view. */
  erpOrders: Array<{ salesOrder: string; poRef: string; status: string; expectedDelivery: string | null; exposure: string }>;
  wmsPickings: Array<{ id: number; origin: string | false; state: string }>;
  wmsConfirmations: Array<{ id: number; origin: string | false; lines: Array<{ sku: string; quantity: number; ordered: number }> }>;
  tmsLoads: Array<{ loadId: string; reference?: string; status: string }>;
  tmsMilestones: number;
  portalAlerts: Array<{ alertId?: string; orderId: string; type: string }>;
  queues: QueuedException[];
  finance: Record<string, unknown> | null;
  /** The ERP's material document items of WMS picks (item text WMS|PICK|<confirmation>|<line>). */
  erpPickPostings: Array<{ key: string; movementType: string; material: string; plant: string; from: string; to: string; quantity: number }>;
  /** What the product parked (GET /lsync/dead-letters), when its admin API can be read. */
  deadLetters: Array<{ nodeName: string | null; reason: string; correlationId: string | null }> | null;
}

export interface DriveResult {
  /** Month order → ERP sales order number. */
  salesOrderOf: Map<string, string>;
  sent: SentEvent[];
  final: FinalState;
  timings: { enterMs: number; handoverWaitMs: number; playMs: number; settleMs: number; totalMs: number };
  /** Freight loads dispatched and carrier invoices sent (0 without `freight`). */
  freightSent: { loads: number; invoices: number };
  /** Outbound deliveries goods-issued in the ERP (none without `billing`). */
  goodsIssued: Array<{ orderId: string; shipmentId: string; delivery: string; sentAt: number }>;
}

/**
 * The product's environment for a month run: its polled intakes ask every second (shipped default
 * 5 s), and every site reports its picks in the WMS (the month's pickers validate them there; no RF
 * pick scans), so the handoff takes all three sites' pick confirmations from the WMS API.
 * A 1 GB heap: under npm start the six simulators run in the product's process, and by the end of
 * a 5,000-order month they hold all five systems' documents in that heap too (with the 512 MB
 * default the run died out of memory once the KPI node read its 24 h window on top).
 */
export function monthProductEnv(webhookSecret: string): Record<string, string> {
  return { LSYNC_POLL_SECONDS: "1", CARRIER_WEBHOOK_SECRET: webhookSecret, LSYNC_WMS_PICK_SITES: SITES.map((s) => s.site).join(","), LSYNC_MAX_HEAP_MB: "1024" };
}

/**
 * The endpoints of a product started as test/helpers/product.ts does; freight is driven when the
 * product has the freight reconciliation tab (flows/freight-reconciliation.json).
 */
export function monthEndpoints(
  product: { editorUrl: string; mqttUrl: string; simulators: Record<string, string> },
  wmsLogin: MonthEndpoints["wmsLogin"],
  freight: { secret: string } | null,
  billing = false,
): MonthEndpoints {
  const s = product.simulators;
  const need = (name: string) => {
    const url = s[name];
    if (!url) throw new Error(`the product started no ${name} simulator`);
    return url;
  };
  return {
    erp: need("erp"),
    wms: need("wms"),
    tms: need("tms"),
    portal: need("portal"),
    finance: need("finance"),
    editorUrl: product.editorUrl,
    mqttUrl: product.mqttUrl,
    wmsLogin,
    billing,
    ...(freight
      ? { freight: { carrier: need("carrier"), secret: freight.secret, webhookUrl: `${product.editorUrl.replace("//localhost:", "//127.0.0.1:")}/api/lsync/webhooks/carrier-invoices` } }
      : {}),
  };
}

const HOUR = 3_600_000;
const SO_PATH = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder";

/**
 * A month customer → the sold-to party in the product's master data (order-to-ship's customer list)
 * whose billing rule (billing-rules tab: 17100001 bills each shipment when shipped, 17100002 each
 * shipment when delivered, 17100003 on POD once complete) has the customer's trigger. The world's
 * partial policy is not always the rule's: the comparison judges by the world's.
 */
/**
 * The ERP sold-to party whose billing terms (the billing rules tab's rows) are the month customer's:
 * trigger and partial-shipment policy. The ERP knows six parties; the month's 60 customers share them.
 */
const SOLD_TO_BY_TERMS: Record<`${Customer["trigger"]}/${Customer["partials"]}`, string> = {
  "SHIPPED/PER_SHIPMENT": "17100001",
  "DELIVERED/PER_SHIPMENT": "17100002",
  "POD_RECEIVED/ON_COMPLETION": "17100003",
  "SHIPPED/ON_COMPLETION": "10100001",
  "DELIVERED/ON_COMPLETION": "10100002",
  "POD_RECEIVED/PER_SHIPMENT": "10100003",
};

export function defaultSoldTo(customerId: string, month: Month): string {
  const customer = month.customers.find((c) => c.customerId === customerId);
  if (!customer) throw new Error(`unknown customer ${customerId}`);
  return SOLD_TO_BY_TERMS[`${customer.trigger}/${customer.partials}`];
}

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", accept: "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Polls `probe` until `done` accepts its value; fails with `what` and the last value after the deadline. */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string, pauseMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

function wmsRpc(urls: MonthEndpoints, model: string, method: string, args: unknown[], kwargs?: Record<string, unknown>): Promise<unknown> {
  const { db, uid, password } = urls.wmsLogin;
  return call(`${urls.wms}/jsonrpc`, "POST", {
    jsonrpc: "2.0",
    method: "call",
    id: 1,
    params: { service: "object", method: "execute_kw", args: [db, uid, password, model, method, args, ...(kwargs ? [kwargs] : [])] },
  }).then((reply) => {
    const r = reply as { result?: unknown; error?: { data?: { message?: string } } };
    if (r.error) throw new Error(`WMS ${model}.${method}: ${r.error.data?.message ?? JSON.stringify(r.error)}`);
    return r.result;
  });
}

function plantOf(site: string): string {
  const info = SITES.find((s) => s.site === site);
  if (!info) throw new Error(`unknown site ${site}`);
  return info.plant;
}

function odataDate(iso: string): string {
  return `/Date(${Math.floor(Date.parse(iso) / 86_400_000) * 86_400_000})/`;
}

/** Carrier charge codes on an invoice (the carrier-invoice-json profile's table). */
const CHARGE_CODE: Record<ChargeType, string> = { LINEHAUL: "400", FUEL: "405", LIFTGATE: "LFT", RESIDENTIAL: "RES", APPOINTMENT: "APT", DETENTION: "DET" };

/** The TMS milestone type a month milestone is reported as (POD has no TMS type on its own: INFO). */
const TMS_TYPE = { SHIPPED: "PICKED_UP", DELIVERED: "DELIVERY", POD_RECEIVED: "INFO" } as const;

interface PlayItem {
  at: number;
  order: Order;
  shipment?: Shipment;
  what: "PICK" | "MILESTONE" | "DELAY" | "REROUTE" | "DISPATCH" | "INVOICE" | "GOODS_ISSUE";
  kind?: Shipment["milestones"][number]["kind"];
  resent?: boolean;
  invoice?: CarrierInvoice;
}

/** Everything that happens after release, in simulated time order. */
function playList(month: Month, freight: boolean, billing: boolean): PlayItem[] {
  const orders = new Map(month.orders.map((o) => [o.orderId, o]));
  const exceptionOf = new Map(month.exceptions.map((e) => [e.orderId, e]));
  const items: PlayItem[] = [];
  const firstShipment = new Set<string>();
  for (const s of month.shipments) {
    const order = orders.get(s.orderId)!;
    const first = !firstShipment.has(s.orderId);
    firstShipment.add(s.orderId);
    const shipped = Date.parse(s.milestones[0]!.at);
    // The WMS holds one pick per order: it is confirmed when the first shipment leaves.
    if (first) items.push({ at: shipped - HOUR, order, shipment: s, what: "PICK" });
    for (const m of s.milestones) {
      items.push({ at: Date.parse(m.at), order, shipment: s, what: "MILESTONE", kind: m.kind });
      if (s.resentMilestones.includes(m.kind)) items.push({ at: Date.parse(m.at) + 1, order, shipment: s, what: "MILESTONE", kind: m.kind, resent: true });
    }
    const exception = exceptionOf.get(s.orderId);
    if (first && exception && (exception.kind === "DELAY" || exception.kind === "REROUTE")) {
      items.push({ at: Date.parse(exception.at) + HOUR, order, shipment: s, what: exception.kind });
    }
  }
  // The shipping clerk's delivery and goods issue come just before the truck's pickup milestone.
  if (billing) for (const s of month.shipments) items.push({ at: Date.parse(s.milestones[0]!.at) - 2, order: orders.get(s.orderId)!, shipment: s, what: "GOODS_ISSUE" });
  if (freight) {
    // The load as the carrier executes it leaves at the shipment's SHIPPED time; invoices come later.
    const shipments = new Map(month.shipments.map((s) => [s.shipmentId, s]));
    for (const s of month.shipments) items.push({ at: Date.parse(s.milestones[0]!.at) - 1, order: orders.get(s.orderId)!, shipment: s, what: "DISPATCH" });
    for (const inv of month.invoices) {
      const s = shipments.get(inv.shipmentId)!;
      items.push({ at: Date.parse(inv.invoiceDate) + (inv.duplicateOf ? HOUR : 0), order: orders.get(s.orderId)!, shipment: s, what: "INVOICE", invoice: inv });
    }
  }
  return items.sort((a, b) => a.at - b.at);
}

/**
 * How long the truck stood at the delivery stop before unloading was done: within the 2 h free
 * time without detention; with it, 30 min into the last of its detention hours (so the started
 * hours are exactly the month's).
 */
function dwellMs(s: Shipment): number {
  return s.detentionHours > 0 ? (2 * 60 + s.detentionHours * 60 - 30) * 60_000 : 45 * 60_000;
}

/** A load as the DC executes it: what the freight tab rates (final weight, the delivery stop's zone, accessorials, carrier). */
export interface LoadToDispatch {
  loadId: string;
  reference: string;
  site: string;
  zone: string;
  scac: string;
  accessorials: readonly string[];
  plannedWeightKg: number;
  /** After the re-weigh; equal to the planned weight when the pallet was not re-weighed. */
  executedWeightKg: number;
  shippedAt: string;
}

/** The DC plans the load, tenders it to the carrier, weighs (and re-weighs) its pallet and ships it. */
export async function dispatchLoad(tms: string, load: LoadToDispatch): Promise<void> {
  const loadUrl = `${tms}/api/v1/loads`;
  const sscc = withCheckDigit(`34012345${load.loadId.replace(/\D/g, "").slice(-9).padStart(9, "0")}`);
  await call(loadUrl, "POST", {
    loadId: load.loadId,
    reference: load.reference,
    stops: [
      { type: "PICKUP", location: { name: `${load.site} dock`, siteId: load.site } },
      { type: "DELIVERY", location: { name: `customer in ${load.zone}`, zone: load.zone } },
    ],
    accessorials: load.accessorials,
  });
  await call(`${loadUrl}/${load.loadId}/tender`, "POST", { carrierScac: load.scac });
  const event = (eventId: string, type: string, extra: Record<string, unknown>) =>
    call(`${loadUrl}/${load.loadId}/execution-events`, "POST", { eventId, type, occurredAt: load.shippedAt, site: load.site, sscc, ...extra });
  await event(`${load.loadId}-W0`, "WEIGHED", { weight: { value: load.plannedWeightKg, unit: "KG" } });
  if (load.executedWeightKg !== load.plannedWeightKg) await event(`${load.loadId}-W1`, "WEIGHED", { weight: { value: load.executedWeightKg, unit: "KG" } });
  await event(`${load.loadId}-S`, "SHIPPED", {});
}

export async function driveMonth(month: Month, urls: MonthEndpoints, options: DriveOptions = {}): Promise<DriveResult> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 120_000;
  const concurrency = options.concurrency ?? 8;
  const soldToOf = options.soldToOf ?? defaultSoldTo;
  const progress = options.onProgress ?? (() => undefined);
  const started = Date.now();
  const timings = { enterMs: 0, handoverWaitMs: 0, playMs: 0, settleMs: 0, totalMs: 0 };

  // The teams' tools subscribe to their queues before anything happens.
  const queues: QueuedException[] = [];
  const watcher = await mqtt.connectAsync(urls.mqttUrl, { protocolVersion: 4, connectTimeout: 10_000 });
  await watcher.subscribeAsync("exceptions/#", { qos: 1 });
  watcher.on("message", (topic, payload) => {
    try {
      const msg = JSON.parse(payload.toString()) as { type?: string; exceptionId?: string; subjectRefs?: Array<{ type: string; value: string }> };
      queues.push({
        topic,
        team: topic.split("/")[1] ?? "",
        type: msg.type ?? "",
        exceptionId: msg.exceptionId ?? "",
        orderRef: msg.subjectRefs?.find((r) => r.type === "SO")?.value ?? null,
      });
    } catch {
      queues.push({ topic, team: topic.split("/")[1] ?? "", type: "UNPARSEABLE", exceptionId: "", orderRef: null });
    }
  });

  const salesOrderOf = new Map<string, string>();
  const pickingOf = new Map<string, { id: number; moveIds: number[] }>();
  const sent: SentEvent[] = [];
  const exceptionOf = new Map(month.exceptions.map((e) => [e.orderId, e]));
  const dayOf = (ms: number) => Math.floor((ms - Date.parse(month.start)) / (24 * HOUR));
  const releasesByDay = new Map<number, Order[]>();
  for (const o of month.orders) {
    const d = dayOf(Date.parse(o.releasedAt));
    releasesByDay.set(d, [...(releasesByDay.get(d) ?? []), o]);
  }
  const plays = playList(month, Boolean(urls.freight), urls.billing === true);
  const goodsIssued: Array<{ orderId: string; shipmentId: string; delivery: string; sentAt: number }> = [];
  const DLV = "/sap/opu/odata/sap/API_OUTBOUND_DELIVERY_SRV";
  const pickedShipmentOf = pickedShipments(month);
  /** The shipping clerk: an outbound delivery of the shipment's lines on the order's load, then its goods issue. */
  const issue = async (item: PlayItem) => {
    const so = salesOrderOf.get(item.order.orderId)!;
    // A pick moved the goods to staging, and they are issued from there; the rest of a short-picked
    // line was never picked in the WMS (the month plays no second picking) and leaves from storage.
    const picked = pickedShipmentOf.get(item.order.orderId)?.shipmentId === item.shipment!.shipmentId;
    const site = siteInfo(item.order.site);
    const reply = (await call(`${urls.erp}${DLV}/A_OutbDeliveryHeader`, "POST", {
      // The bill of lading names the load the goods travel on: the one the carrier executes, when freight runs.
      BillOfLading: urls.freight ? item.shipment!.shipmentId : `SO-${so}`,
      to_DeliveryDocumentItem: {
        results: item.shipment!.lines.map((l) => ({ ReferenceSDDocument: so, ReferenceSDDocumentItem: String(l.lineNo), ActualDeliveryQuantity: String(l.quantity), StorageLocation: picked ? site.stagingLocation : site.storageLocation })),
      },
    })) as { d: { DeliveryDocument: string } };
    // The goods are issued once the pick is staged: the handoff posts the pick to the ERP a poll
    // after the WMS confirmed it, so stock missing at staging is waited out, within the step's time.
    let sentAt = 0;
    await until(
      async () => {
        // Noted as the request leaves: the product may act on the trigger before its reply reaches the driver.
        sentAt = Date.now();
        try {
          await call(`${urls.erp}${DLV}/PostGoodsIssue?DeliveryDocument='${reply.d.DeliveryDocument}'`, "POST", {});
          return null;
        } catch (err) {
          // Not staged yet: no batch with stock at staging (M7/018), or too little (M7/021).
          if (picked && /M7\/0(18|21)/.test((err as Error).message)) return (err as Error).message;
          throw err;
        }
      },
      (deficit) => deficit === null,
      stepTimeoutMs,
      `the goods issue of ${item.shipment!.shipmentId} from staging (its pick in the ERP)`,
    );
    goodsIssued.push({ orderId: item.order.orderId, shipmentId: item.shipment!.shipmentId, delivery: reply.d.DeliveryDocument, sentAt });
  };
  const freightSent = { loads: 0, invoices: 0 };
  if (urls.freight) await call(`${urls.freight.carrier}/_sim/webhooks`, "POST", { url: urls.freight.webhookUrl, secret: urls.freight.secret, events: ["invoice"] });

  const dispatched = new Map<string, Promise<void>>();
  const shipmentById = new Map(month.shipments.map((x) => [x.shipmentId, x]));
  const dispatch = (s: Shipment) => {
    const done = dispatchLoad(urls.tms, { loadId: s.shipmentId, reference: s.orderId, site: s.site, zone: s.zone, scac: s.scac, accessorials: s.accessorials, plannedWeightKg: s.plannedWeightKg, executedWeightKg: s.executedWeightKg, shippedAt: s.milestones[0]!.at }).then(() => {
      freightSent.loads++;
    });
    dispatched.set(s.shipmentId, done);
    return done;
  };
  /** The carrier's billing run sends an invoice (a resubmission sends the same number again). */
  const sendInvoice = async (inv: CarrierInvoice) => {
    const c = contractFor(month, inv.scac);
    // Days pass in seconds here, the last ones in milliseconds: a carrier bills days after the
    // delivery, so wait until the product has seen the load (its accrual) and, with detention, the
    // delivery (the accrual's adjustment) before the invoice comes.
    if (urls.finance) {
      const detention = urls.billing === true && (shipmentById.get(inv.shipmentId)?.detentionHours ?? 0) > 0;
      await until(
        async () => ((await call(`${urls.finance}/api/v1/accruals?shipmentId=${encodeURIComponent(inv.shipmentId)}`, "GET")) as { items: Array<{ adjustments: unknown[] }> }).items,
        (items) => items.some((a) => !detention || a.adjustments.length > 0),
        stepTimeoutMs,
        `the accrual of ${inv.shipmentId}${detention ? " with its detention" : ""} before its invoice`,
        500,
      );
    }
    const total = inv.lines.reduce((n, l) => n + l.amount.amountMinor, 0);
    await call(`${urls.freight!.carrier}/_sim/invoices`, "POST", {
      invoiceNumber: inv.invoiceNumber,
      scac: inv.scac,
      invoiceDate: inv.invoiceDate.slice(0, 10),
      currency: c.currency,
      shipment: { proNumber: inv.invoiceNumber, shipmentId: inv.shipmentId },
      charges: inv.lines.map((l, i) => ({ lineNo: i + 1, code: CHARGE_CODE[l.chargeType], description: l.chargeType, amount: (l.amount.amountMinor / 100).toFixed(2) })),
      totalAmount: (total / 100).toFixed(2),
    });
    freightSent.invoices++;
  };
  const lastDay = Math.max(month.days - 1, ...plays.map((p) => dayOf(p.at)));
  let p = 0;

  try {
    const releasedOn = (day: number) => (releasesByDay.get(day) ?? []).sort((a, b) => a.releasedAt.localeCompare(b.releasedAt));
    const enter = async (orders: Order[]) => {
      const t0 = Date.now();
      await inParallel(orders, concurrency, async (o) => {
        const plant = plantOf(o.site);
        const reply = (await call(`${urls.erp}${SO_PATH}`, "POST", {
          SoldToParty: soldToOf(o.customerId, month),
          PurchaseOrderByCustomer: o.orderId,
          RequestedDeliveryDate: odataDate(o.promisedBy),
          DeliveryBlockReason: "",
          to_Item: o.lines.map((l) => ({ SalesOrderItem: String(l.lineNo), Material: l.sku, RequestedQuantity: String(l.quantity), Plant: plant })),
        })) as { d: { SalesOrder: string } };
        salesOrderOf.set(o.orderId, reply.d.SalesOrder);
      });
      timings.enterMs += Date.now() - t0;
    };
    await enter(releasedOn(0));
    for (let day = 0; day <= lastDay; day++) {
      const released = releasedOn(day);
      // The next day's orders go in first, so the product takes them over while this day plays.
      await enter(releasedOn(day + 1));
      let t = Date.now();

      // The day's orders handed over: one load in the TMS each (the flow's last step, after the
      // WMS pick), asked for one by one and only while missing; then their picks in one query.
      if (released.length > 0) {
        const origins = released.map((o) => salesOrderOf.get(o.orderId)!);
        const missing = new Set(origins);
        await until(
          async () => {
            await inParallel([...missing], concurrency, async (so) => {
              const res = await fetch(`${urls.tms}/api/v1/loads/${encodeURIComponent(`SO-${so}`)}`, { signal: AbortSignal.timeout(30_000) });
              await res.arrayBuffer();
              if (res.ok) missing.delete(so);
            });
            return missing.size;
          },
          (n) => n === 0,
          stepTimeoutMs,
          `the TMS loads of day ${day + 1}'s ${origins.length} orders`,
        );
        const rows = await until(
          async () => (await wmsRpc(urls, "stock.picking", "search_read", [[["origin", "in", origins]]], { fields: ["origin", "state", "move_ids"] })) as Array<{ id: number; origin: string; state: string; move_ids: number[] }>,
          (list) => list.filter((r) => r.state === "assigned").length >= origins.length,
          stepTimeoutMs,
          `the WMS picks of day ${day + 1}'s ${origins.length} orders`,
        );
        for (const r of rows) if (!pickingOf.has(r.origin)) pickingOf.set(r.origin, { id: r.id, moveIds: [...r.move_ids].sort((a, b) => a - b) });
      }
      timings.handoverWaitMs += Date.now() - t;

      // Then the day's picks and milestones, in simulated time order.
      t = Date.now();
      const endOfDay = Date.parse(month.start) + (day + 1) * 24 * HOUR;
      const todays: PlayItem[] = [];
      while (p < plays.length && (plays[p]!.at < endOfDay || day === lastDay)) todays.push(plays[p++]!);
      const fullPicks: number[] = [];
      for (const item of todays.filter((i) => i.what === "PICK")) {
        const so = salesOrderOf.get(item.order.orderId)!;
        const picking = pickingOf.get(so);
        if (!picking) throw new Error(`no WMS pick known for ${item.order.orderId} (${so})`);
        const exception = exceptionOf.get(item.order.orderId);
        if (exception?.kind === "SHORT_PICK") {
          // The first line is found short by what the month's second shipment carries.
          const shipped = item.shipment!.lines[0]!.quantity;
          await wmsRpc(urls, "stock.move", "write", [[picking.moveIds[0]!], { quantity: shipped }]);
          await wmsRpc(urls, "stock.picking", "button_validate", [[picking.id]]);
        } else fullPicks.push(picking.id);
      }
      for (let i = 0; i < fullPicks.length; i += 200) await wmsRpc(urls, "stock.picking", "button_validate", [fullPicks.slice(i, i + 200)]);
      await inParallel(
        todays.filter((i) => i.what !== "PICK"),
        concurrency,
        async (item) => {
          if (item.what === "DISPATCH") return dispatch(item.shipment!);
          if (item.what === "INVOICE") return sendInvoice(item.invoice!);
          if (item.what === "GOODS_ISSUE") return issue(item);
          const so = salesOrderOf.get(item.order.orderId)!;
          const load = `${urls.tms}/api/v1/loads/${encodeURIComponent(`SO-${so}`)}/milestones`;
          const simAt = new Date(item.at).toISOString();
          // Set as the item's own request leaves (see issue above).
          let sentAt = 0;
          if (item.what === "MILESTONE") {
            const s = item.shipment!;
            const at = new Date(Date.parse(s.milestones.find((m) => m.kind === item.kind)!.at)).toISOString();
            const body: Record<string, unknown> = { type: TMS_TYPE[item.kind!], dateTime: at, description: `${item.kind} ${s.shipmentId}` };
            // With freight running, the delivery is reported on the load the carrier executed (rated at dispatch).
            // (the planned SO-<order> load keeps the delays and re-routes; it is never dispatched itself).
            const onExecuted = urls.freight && urls.billing;
            const target = onExecuted ? `${urls.tms}/api/v1/loads/${encodeURIComponent(s.shipmentId)}/milestones` : load;
            const stop = onExecuted ? `${s.shipmentId}-S2` : `SO-${so}-S2`;
            // With the billing tabs a POD is the delivery as signed for: a DELIVERY with the signature.
            if (urls.billing && item.kind === "POD_RECEIVED") Object.assign(body, { type: "DELIVERY", stopId: stop, signedBy: "Consignee", podDocumentRef: `POD-${s.shipmentId}` });
            else if (urls.billing && item.kind === "DELIVERED") body.stopId = stop;
            if (onExecuted) await dispatched.get(s.shipmentId);
            // The truck's arrival at the stop first: the dwell until unloading decides detention.
            if (onExecuted && item.kind === "DELIVERED" && !item.resent) {
              await call(target, "POST", { type: "ARRIVAL_AT_STOP", stopId: stop, dateTime: new Date(Date.parse(at) - dwellMs(s)).toISOString(), description: `arrived ${s.shipmentId}` });
            }
            sentAt = Date.now();
            await call(target, "POST", body);
          } else if (item.what === "DELAY") {
            const newEta = item.shipment!.milestones.find((m) => m.kind === "DELIVERED")!.at;
            sentAt = Date.now();
            await call(load, "POST", { type: "DELAYED", dateTime: simAt, description: `Delay of ${item.shipment!.shipmentId}`, newEta });
          } else {
            const site = SITES.find((s) => s.site === item.order.site)!;
            sentAt = Date.now();
            await call(load, "POST", { type: "REROUTED", dateTime: simAt, newDestination: { city: `Zone ${item.shipment!.zone}`, postalCode: "00000", country: site.countryCode } });
          }
          sent.push({ orderId: item.order.orderId, shipmentId: item.shipment!.shipmentId, kind: item.what === "MILESTONE" ? item.kind! : item.what, simAt, sentAt, resent: item.resent === true });
        },
      );
      timings.playMs += Date.now() - t;
      progress(`day ${String(day + 1).padStart(2)}: ${released.length} orders released, ${todays.length} picks/milestones played (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }

    // The end state: every exception through to the ERP, the portal and the queues, then quiet.
    const t = Date.now();
    const exceptionOrders = new Set(month.exceptions.map((e) => salesOrderOf.get(e.orderId)!));
    await until(
      async () => ((await call(`${urls.portal}/api/v1/alerts`, "GET")) as { items: Array<{ orderId: string }> }).items.filter((a) => exceptionOrders.has(a.orderId)).length,
      (n) => n >= month.exceptions.length,
      stepTimeoutMs,
      `portal alerts for the month's ${month.exceptions.length} exceptions`,
    );
    await until(async () => queues.length, (n) => n >= month.exceptions.length, stepTimeoutMs, "the exceptions on the team queues");
    if (urls.freight && urls.finance) {
      await until(
        async () => ((await call(`${urls.finance}/api/v1/accruals`, "GET")) as { count: number }).count,
        (n) => n >= month.shipments.length,
        stepTimeoutMs,
        `an accrual for each of the month's ${month.shipments.length} shipments`,
      );
    }
    // Quiet: nothing in flight in the product (when its metrics can be read) and nothing new
    // reached any system or queue across a few product poll cycles.
    let last = "";
    let same = 0;
    await until(
      async () => {
        const now = JSON.stringify([await counts(urls), queues.length]);
        same = now === last && (await quiet(urls)) ? same + 1 : 0;
        last = now;
        return same;
      },
      (n) => n >= 3,
      stepTimeoutMs,
      "the systems to go quiet",
      2_000,
    );
    timings.settleMs = Date.now() - t;
    const final = await readFinalState(urls, queues);
    timings.totalMs = Date.now() - started;
    return { salesOrderOf, sent, final, timings, freightSent, goodsIssued };
  } finally {
    await watcher.endAsync().catch(() => undefined);
  }
}

async function counts(urls: MonthEndpoints): Promise<unknown[]> {
  const portal = (await call(`${urls.portal}/api/v1/alerts`, "GET")) as { count: number };
  const loads = (await call(`${urls.tms}/api/v1/loads`, "GET")) as { count: number };
  const picks = (await wmsRpc(urls, "stock.picking", "search_count", [[]])) as number;
  const finance = urls.finance ? ((await call(`${urls.finance}/_sim/state`, "GET")) as { counts?: unknown }).counts : null;
  return [portal.count, loads.count, picks, finance];
}

/** True when the product reports nothing taken in and unsettled and no outbound call pending (/lsync/metrics). */
async function quiet(urls: MonthEndpoints): Promise<boolean> {
  if (!urls.editorUrl) return true;
  const res = await fetch(`${urls.editorUrl}/lsync/metrics?window=60`, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) return true;
  const text = await res.text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? "NaN");
  return value(/^lsync_inbox_pending(?:\{[^}]*\})? (\S+)$/m) === 0 && value(/^lsync_outbox_rows\{state="pending"\} (\S+)$/m) === 0;
}

export async function readFinalState(urls: MonthEndpoints, queues: QueuedException[]): Promise<FinalState> {
  const erp = (await call(`${urls.erp}/_sim/state`, "GET")) as { salesOrders?: Array<Record<string, unknown>>; materialDocuments?: Array<{ to_MaterialDocumentItem: { results: Array<Record<string, string>> } }> };
  const wms = (await call(`${urls.wms}/_sim/state`, "GET")) as { pickings: FinalState["wmsPickings"] };
  const confirmations = (await call(`${urls.wms}/api/confirmations`, "GET")) as { confirmations: FinalState["wmsConfirmations"] };
  const tms = (await call(`${urls.tms}/api/v1/loads`, "GET")) as { loads: FinalState["tmsLoads"] };
  const milestones = (await call(`${urls.tms}/api/v1/milestones`, "GET")) as { count: number };
  const portal = (await call(`${urls.portal}/api/v1/alerts`, "GET")) as { items: FinalState["portalAlerts"] };
  const finance = urls.finance ? ((await call(`${urls.finance}/_sim/state`, "GET")) as Record<string, unknown>) : null;
  const parked = urls.editorUrl ? ((await call(`${urls.editorUrl}/lsync/dead-letters?state=parked&limit=1000`, "GET")) as { deadLetters: FinalState["deadLetters"] }).deadLetters : null;
  return {
    erpOrders: (erp.salesOrders ?? []).map((so) => ({
      salesOrder: String(so.SalesOrder),
      poRef: String(so.PurchaseOrderByCustomer ?? ""),
      status: String(so.YY1_LogisticsStatus_SDH ?? ""),
      expectedDelivery: (so.YY1_ExpectedDeliveryDate_SDH as string | null) ?? null,
      exposure: String(so.YY1_ExposureAmount_SDH ?? ""),
    })),
    wmsPickings: wms.pickings.map((pk) => ({ id: pk.id, origin: pk.origin, state: pk.state })),
    wmsConfirmations: confirmations.confirmations,
    tmsLoads: tms.loads.map((l) => ({ loadId: l.loadId, ...(l.reference ? { reference: l.reference } : {}), status: l.status })),
    tmsMilestones: milestones.count,
    portalAlerts: portal.items.map((a) => ({ ...(a.alertId ? { alertId: a.alertId } : {}), orderId: a.orderId, type: a.type })),
    queues: [...queues],
    finance,
    erpPickPostings: (erp.materialDocuments ?? [])
      .flatMap((d) => d.to_MaterialDocumentItem.results)
      .filter((i) => String(i.MaterialDocumentItemText).startsWith("WMS|PICK|"))
      .map((i) => ({ key: i.MaterialDocumentItemText!, movementType: i.GoodsMovementType!, material: i.Material!, plant: i.Plant!, from: i.StorageLocation!, to: i.IssuingOrReceivingStorageLoc ?? "", quantity: Number(i.QuantityInEntryUnit) })),
    deadLetters: parked,
  };
}
