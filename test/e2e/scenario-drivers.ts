/**
 * Drives the simulators the way the systems' users would: an order entered and released in the
 * ERP, a picker confirming (short) in the WMS, a dispatcher reporting a delay or re-route in the
 * TMS; and reads their state back. Shared by the scenario end-to-end tests. Not a test file.
 */
import mqtt from "mqtt";
import type { Trace } from "../../nodes/lib/events/trace";
import { mulberry32 } from "../../simulators/lib/rng";
import { makeScannerEvent, toMqttMessage, type ScanContext, type ScannerEvent } from "../../simulators/scanner-publisher";
import { getJson, TEST_WMS_LOGIN } from "../helpers/product";

export const SO_PATH = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder";

async function send(url: string, method: string, body: unknown): Promise<Response> {
  const res = await fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

export interface SalesOrderView {
  SalesOrder: string;
  LastChangeDateTime: string;
  YY1_LogisticsStatus_SDH: string;
  YY1_ExpectedDeliveryDate_SDH: string | null;
  YY1_ExposureAmount_SDH: string;
  YY1_ExposureCurrency_SDH: string;
}

/**
 * Enters a sales order in the ERP (blocked for delivery unless `released`), shipped from `plant`
 * (the ERP's default when absent), and returns its number.
 */
export async function enterOrder(erp: string, soldTo: string, lines: Array<[string, number]>, released = false, plant?: string): Promise<string> {
  const res = await send(`${erp}${SO_PATH}`, "POST", {
    SoldToParty: soldTo,
    PurchaseOrderByCustomer: `PO-${soldTo}`,
    RequestedDeliveryDate: "/Date(1796342400000)/",
    DeliveryBlockReason: released ? "" : "01",
    to_Item: lines.map(([Material, qty]) => ({ Material, RequestedQuantity: String(qty), ...(plant ? { Plant: plant } : {}) })),
  });
  return ((await res.json()) as { d: { SalesOrder: string } }).d.SalesOrder;
}

/** Releases an order to logistics: clears its delivery block (what the poll-in looks for). */
export async function releaseOrder(erp: string, order: string): Promise<void> {
  await send(`${erp}${SO_PATH}('${order}')`, "PATCH", { DeliveryBlockReason: "" });
}

export async function readOrder(erp: string, order: string): Promise<SalesOrderView> {
  return (await getJson<{ d: SalesOrderView }>(`${erp}${SO_PATH}('${order}')`)).d;
}

export interface Picking {
  id: number;
  origin: string | false;
  state: string;
  picking_type_id: [number, string];
  moves: Array<{ id: number; product_id: [number, string]; product_uom_qty: number; quantity: number; state: string }>;
}

export async function pickingsOf(wms: string, order: string): Promise<Picking[]> {
  const state = await getJson<{ pickings: Picking[] }>(`${wms}/_sim/state`);
  return state.pickings.filter((p) => p.origin === order);
}

/** The WMS's JSON-RPC as a picker's handheld would call it (the embedded WMS checks no login). */
export async function wmsCall(wms: string, model: string, method: string, args: unknown[]): Promise<unknown> {
  const res = await send(`${wms}/jsonrpc`, "POST", { jsonrpc: "2.0", method: "call", id: 1, params: { service: "object", method: "execute_kw", args: [TEST_WMS_LOGIN.db, TEST_WMS_LOGIN.uid, TEST_WMS_LOGIN.password, model, method, args] } });
  const body = (await res.json()) as { result?: unknown; error?: { data: { message: string } } };
  if (body.error) throw new Error(`WMS ${model}.${method}: ${body.error.data.message}`);
  return body.result;
}

/** The picker confirms the pick with `picked` of every move (a short pick when below the demand). */
export async function confirmPick(wms: string, picking: Picking, picked: (move: Picking["moves"][number]) => number): Promise<void> {
  for (const move of picking.moves) await wmsCall(wms, "stock.move", "write", [[move.id], { quantity: picked(move) }]);
  await wmsCall(wms, "stock.picking", "button_validate", [[picking.id]]);
}

/**
 * A warehouse worker's RF handheld confirms scans (pick, pack, weigh, …) to the broker, one device
 * numbering them 1, 2, …, built as the scanner simulator builds them; what a scan leaves out
 * (batch, bin, operator) is drawn from a fixed seed. Returns the scans sent.
 */
export async function confirmScans(mqttUrl: string, scans: Array<Omit<ScanContext, "site" | "deviceId" | "seq" | "at">>, device = { site: "DC1", deviceId: "RF-201" }): Promise<ScannerEvent[]> {
  const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4 });
  try {
    const sent: ScannerEvent[] = [];
    for (const [i, scan] of scans.entries()) {
      const event = makeScannerEvent(mulberry32(i + 1), { ...scan, ...device, seq: i + 1, at: Date.now() });
      const message = toMqttMessage(event, false, 4);
      await client.publishAsync(message.topic, message.payload, message.options);
      sent.push(event);
    }
    return sent;
  } finally {
    await client.endAsync();
  }
}

export async function milestone(tms: string, loadId: string, body: Record<string, unknown>): Promise<void> {
  await send(`${tms}/api/v1/loads/${encodeURIComponent(loadId)}/milestones`, "POST", { dateTime: new Date().toISOString(), ...body });
}

export interface Load {
  loadId: string;
  status: string;
  reference?: string;
  serviceLevel?: string;
  constraints?: Record<string, unknown>;
  carrier?: { scac?: string };
  stops: Array<{ type: string; location: Record<string, unknown> }>;
}

export async function loadsOf(tms: string, order: string): Promise<Load[]> {
  const state = await getJson<{ loads: Record<string, Load> }>(`${tms}/_sim/state`);
  return Object.values(state.loads).filter((l) => l.reference === order);
}

export interface Alert {
  alertId?: string;
  orderId: string;
  shipmentId?: string;
  type: string;
  severity: string;
  message: string;
  newEta?: string;
}

export async function alertsOf(portal: string, order: string): Promise<Alert[]> {
  return (await getJson<{ items: Alert[] }>(`${portal}/api/v1/alerts?orderId=${encodeURIComponent(order)}`)).items;
}

interface Received {
  seq: number;
  method: string;
  path: string;
  query: string;
}

/** Requests a simulator received (newest last). */
export async function received(url: string): Promise<Received[]> {
  const log = await getJson<{ entries: Received[] }>(`${url}/_sim/received?limit=10000`);
  return log.entries;
}

/** The trace admin route (GET /lsync/trace) of a business key or correlation id. */
export async function traceOf(editorUrl: string, key: string): Promise<Trace> {
  return getJson<Trace>(`${editorUrl}/lsync/trace?key=${encodeURIComponent(key)}`);
}

/** The deployed flows' nodes, id to type (the editor's GET /flows). */
export async function deployedNodes(editorUrl: string): Promise<Map<string, string>> {
  const nodes = await getJson<Array<{ id: string; type: string }>>(`${editorUrl}/flows`);
  return new Map(nodes.map((n) => [n.id, n.type]));
}
