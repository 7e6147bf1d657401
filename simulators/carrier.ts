/**
 * Carrier simulator: FedEx Track API v1-like.
 *
 *   POST /track/v1/trackingnumbers  {includeDetailedScans?, trackingInfo:[{trackingNumberInfo:{trackingNumber}}] (≤30)}
 *        → {transactionId, output:{completeTrackResults:[{trackingNumber, trackResults:[{trackingNumberInfo,
 *           latestStatusDetail, dateAndTimes, scanEvents[] (newest first, like FedEx)}]}]}}
 *        Unknown numbers come back inside the 200 with trackResults[0].error TRACKING.TRACKINGNUMBER.NOTFOUND.
 *   POST /oauth/token               only with auth {type:"oauth2"} (FedEx uses client credentials)
 *
 * Control (no auth, no faults):
 *   POST /_sim/shipments                 {trackingNumber?, serviceType?, shipDate?, origin?, destination?, scans?:[…]} → 201 shipment
 *   POST /_sim/shipments/{tn}/scans      {eventType, date?, scanLocation?, eventDescription?, exceptionCode?, exceptionDescription?} → 201 scan
 *   POST /_sim/webhooks                  {url, secret?, events?: ["tracking"|"invoice"]} → pushes each new scan's track
 *                                        result (and each invoice) to url with an Idempotency-Key (tracking number + scan
 *                                        count; invoice number + how often it was sent) and, given a secret, an
 *                                        `X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; a 5xx or
 *                                        network error is retried twice, 1 s apart (outcomes in state)
 *   POST /_sim/invoices                  {invoiceNumber, scac, invoiceDate, currency, shipment:{proNumber?, bolNumber?,
 *                                        shipmentId?}, charges:[{lineNo, code, description?, amount:"12.34"}], totalAmount}
 *                                        → the carrier's billing system sends the invoice to the "invoice" webhooks as
 *                                        {eventType:"INVOICE", invoice}; sending the same number again is a resubmission
 *                                        (a new Idempotency-Key, as carriers' billing runs do)
 *
 * Scan `eventType` ∈ PU AR DP IT OD DL DE OC (plus a few more); `derivedStatusCode` follows FedEx's
 * mapping (AR/DP/IT → IT, OC → IN "Label created"). Dates are ISO 8601 with the scan location's offset.
 */
import { createHmac } from "node:crypto";
import { HttpSimulator, type SimReply, type SimRequest, type SimulatorOptions } from "./lib/server";
import { asObject, isObject, ISO_WITH_ZONE, optString, reqString, SimHttpError, type Json } from "./lib/validate";

/** eventType → [eventDescription, derivedStatusCode, derivedStatus]. */
export const SCAN_TYPES: Record<string, [string, string, string]> = {
  OC: ["Shipment information sent to FedEx", "IN", "Label created"],
  PU: ["Picked up", "PU", "Picked up"],
  AR: ["Arrived at FedEx location", "IT", "In transit"],
  DP: ["Departed FedEx location", "IT", "In transit"],
  IT: ["In transit", "IT", "In transit"],
  AF: ["At local FedEx facility", "IT", "In transit"],
  OD: ["On FedEx vehicle for delivery", "OD", "Out for delivery"],
  DL: ["Delivered", "DL", "Delivered"],
  DE: ["Delivery exception", "DE", "Delivery exception"],
  SE: ["Shipment exception", "SE", "Shipment exception"],
  HL: ["Ready for recipient pickup", "HL", "Hold at location"],
};

interface ScanLocation {
  streetLines: string[];
  city: string;
  stateOrProvinceCode: string;
  postalCode: string;
  countryCode: string;
  residential: boolean;
}

interface Scan {
  date: string;
  eventType: string;
  eventDescription: string;
  exceptionCode: string;
  exceptionDescription: string;
  scanLocation: ScanLocation;
  locationType: string;
  derivedStatusCode: string;
  derivedStatus: string;
}

interface Shipment {
  trackingNumber: string;
  serviceType: string;
  shipDate: string;
  origin: ScanLocation;
  destination: ScanLocation;
  scans: Scan[];
  estimatedDelivery?: string;
}

interface WebhookOutcome {
  url: string;
  trackingNumber: string;
  status: number | "error";
  at: string;
}

function location(v: unknown): ScanLocation {
  const o: Json = isObject(v) ? v : {};
  const s = (k: string, max = 60) => optString(o, k, { max }) ?? "";
  return {
    streetLines: Array.isArray(o.streetLines) ? o.streetLines.filter((x): x is string => typeof x === "string").slice(0, 3) : [""],
    city: s("city"),
    stateOrProvinceCode: s("stateOrProvinceCode", 10),
    postalCode: s("postalCode", 12),
    countryCode: s("countryCode", 2),
    residential: o.residential === true,
  };
}

/** ISO with a numeric offset (FedEx sends the local offset, e.g. 2026-11-22T09:14:00-05:00). */
function isoLocal(ms: number, offsetMinutes = 0): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export class CarrierSimulator extends HttpSimulator {
  private readonly shipments = new Map<string, Shipment>();
  /** url → signing secret ("" = unsigned) and the events it gets. */
  private readonly webhooks = new Map<string, { secret: string; events: Set<string> }>();
  /** invoice number → how often it was sent. */
  private readonly invoicesSent = new Map<string, number>();
  private readonly webhookOutcomes: WebhookOutcome[] = [];
  private nextTn = 794_600_000_001;

  constructor(options: SimulatorOptions = {}) {
    super("carrier", options);
    this.route("POST", "/track/v1/trackingnumbers", (req) => this.track(req));
    this.controlRoute("POST", "/_sim/shipments", (req) => this.control(() => this.createShipment(req)));
    this.controlRoute("POST", "/_sim/shipments/:tn/scans", (req) => this.control(() => this.appendScan(req)));
    this.controlRoute("POST", "/_sim/invoices", (req) => this.control(() => this.sendInvoice(req)));
    this.controlRoute("POST", "/_sim/webhooks", (req) =>
      this.control(() => {
        const b = asObject(req.body);
        const url = reqString(b, "url", { max: 500, pattern: /^https?:\/\// });
        const events = Array.isArray(b.events) ? b.events.filter((e: unknown): e is string => e === "tracking" || e === "invoice") : ["tracking", "invoice"];
        this.webhooks.set(url, { secret: optString(b, "secret", { max: 200 }) ?? "", events: new Set(events) });
        return { status: 201, body: { webhooks: [...this.webhooks.keys()] } };
      }),
    );
  }

  /** The billing run sends one invoice to the invoice webhooks (a resubmission under a new key). */
  private sendInvoice(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const invoiceNumber = reqString(b, "invoiceNumber", { max: 30 });
    reqString(b, "scac", { max: 4, pattern: /^[A-Z]{2,4}$/ });
    reqString(b, "currency", { max: 3, pattern: /^[A-Z]{3}$/ });
    reqString(b, "totalAmount", { max: 20, pattern: /^-?\d{1,12}(\.\d{1,3})?$/ });
    if (!Array.isArray(b.charges) || b.charges.length === 0 || b.charges.length > 200) throw new SimHttpError(400, "INVALID_FIELD", "charges must be 1 to 200 charge lines");
    const sent = (this.invoicesSent.get(invoiceNumber) ?? 0) + 1;
    this.invoicesSent.set(invoiceNumber, sent);
    const body = JSON.stringify({ eventType: "INVOICE", invoice: b });
    const targets = [...this.webhooks].filter(([, w]) => w.events.has("invoice"));
    for (const [url, w] of targets) void this.deliver(url, w.secret, `INV:${invoiceNumber}:${sent}`, body, invoiceNumber);
    return { status: 202, body: { invoiceNumber, sent, webhooks: targets.length } };
  }

  /** Control routes bypass the server's error wrapper for vendor routes; map our validation errors here. */
  private control(fn: () => SimReply): SimReply {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SimHttpError) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
      throw err;
    }
  }

  protected override formatError(status: number, code: string, message: string): unknown {
    // FedEx API error envelope.
    return { transactionId: `sim-${Date.now()}`, errors: [{ code: status === 401 ? "NOT.AUTHORIZED.ERROR" : code, message }] };
  }

  /** Creates a shipment (also used directly by tests). */
  createShipment(req: SimRequest | { body: unknown }): SimReply {
    const b = asObject(req.body ?? {});
    const trackingNumber = optString(b, "trackingNumber", { max: 34, pattern: /^[0-9A-Z]{8,34}$/ }) ?? String(this.nextTn++);
    if (this.shipments.has(trackingNumber)) return { status: 409, body: { error: { code: "EXISTS", message: `tracking number ${trackingNumber} exists` } } };
    const shipDate = optString(b, "shipDate", { max: 10, pattern: /^\d{4}-\d{2}-\d{2}$/ }) ?? new Date().toISOString().slice(0, 10);
    const s: Shipment = {
      trackingNumber,
      serviceType: optString(b, "serviceType", { max: 40 }) ?? "FEDEX_GROUND",
      shipDate,
      origin: location(b.origin ?? { city: "MEMPHIS", stateOrProvinceCode: "TN", postalCode: "38118", countryCode: "US" }),
      destination: location(b.destination ?? { city: "COLUMBUS", stateOrProvinceCode: "OH", postalCode: "43215", countryCode: "US" }),
      scans: [],
    };
    const eta = optString(b, "estimatedDelivery", { max: 40 });
    if (eta) s.estimatedDelivery = eta;
    this.shipments.set(trackingNumber, s);
    if (Array.isArray(b.scans)) for (const scan of b.scans.slice(0, 200)) this.addScan(s, asObject(scan, "scan"));
    return { status: 201, body: this.trackResult(s) };
  }

  private appendScan(req: SimRequest): SimReply {
    const s = this.shipments.get(req.params.tn ?? "");
    if (!s) return { status: 404, body: { error: { code: "NOT_FOUND", message: `tracking number ${req.params.tn} unknown` } } };
    const scan = this.addScan(s, asObject(req.body));
    return { status: 201, body: scan };
  }

  private addScan(s: Shipment, b: Json): Scan {
    const eventType = reqString(b, "eventType", { max: 2 });
    const def = SCAN_TYPES[eventType];
    if (!def) throw new SimHttpError(400, "INVALID_FIELD", `eventType must be one of ${Object.keys(SCAN_TYPES).join(", ")}`);
    let date = optString(b, "date", { max: 40 });
    if (date !== undefined && (!ISO_WITH_ZONE.test(date) || Number.isNaN(Date.parse(date)))) throw new SimHttpError(400, "INVALID_FIELD", "date must be ISO 8601 with offset");
    date ??= isoLocal(Date.now(), typeof b.utcOffsetMinutes === "number" ? Math.max(-720, Math.min(840, Math.trunc(b.utcOffsetMinutes))) : 0);
    const scan: Scan = {
      date,
      eventType,
      eventDescription: optString(b, "eventDescription", { max: 200 }) ?? def[0],
      exceptionCode: optString(b, "exceptionCode", { max: 10 }) ?? "",
      exceptionDescription: optString(b, "exceptionDescription", { max: 200 }) ?? "",
      scanLocation: location(b.scanLocation ?? (eventType === "DL" || eventType === "OD" ? s.destination : s.origin)),
      locationType: eventType === "DL" ? "DELIVERY_LOCATION" : eventType === "PU" ? "PICKUP_LOCATION" : "FEDEX_FACILITY",
      derivedStatusCode: def[1],
      derivedStatus: def[2],
    };
    s.scans.push(scan);
    this.push(s);
    return scan;
  }

  private push(s: Shipment): void {
    const targets = [...this.webhooks].filter(([, w]) => w.events.has("tracking"));
    if (targets.length === 0) return;
    const body = JSON.stringify({ output: { completeTrackResults: [{ trackingNumber: s.trackingNumber, trackResults: [this.trackResult(s)] }] } });
    const key = `${s.trackingNumber}:${s.scans.length}`;
    for (const [url, w] of targets) void this.deliver(url, w.secret, key, body, s.trackingNumber);
  }

  /** Like a carrier's webhook sender: signs, retries a 5xx or a network error twice, 1 s apart. */
  private async deliver(url: string, secret: string, key: string, body: string, trackingNumber: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { "content-type": "application/json", "idempotency-key": key };
      if (secret) {
        const t = String(Math.floor(Date.now() / 1000));
        headers["x-signature"] = `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
      }
      let status: number | "error";
      try {
        status = (await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(5000) })).status;
      } catch {
        status = "error";
      }
      if ((status === "error" || status >= 500) && attempt < 3) {
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      this.outcome({ url, trackingNumber, status, at: new Date().toISOString() });
      return;
    }
  }

  private outcome(o: WebhookOutcome): void {
    this.webhookOutcomes.push(o);
    if (this.webhookOutcomes.length > 1000) this.webhookOutcomes.shift();
  }

  private sortedScans(s: Shipment): Scan[] {
    return [...s.scans].sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  }

  private trackResult(s: Shipment): Record<string, unknown> {
    const scans = this.sortedScans(s);
    const latest = scans[0];
    const dateAndTimes: Array<{ type: string; dateTime: string }> = [{ type: "SHIP", dateTime: `${s.shipDate}T00:00:00+00:00` }];
    const delivered = scans.find((x) => x.eventType === "DL");
    if (delivered) dateAndTimes.push({ type: "ACTUAL_DELIVERY", dateTime: delivered.date });
    const pickedUp = scans.filter((x) => x.eventType === "PU").pop();
    if (pickedUp) dateAndTimes.push({ type: "ACTUAL_PICKUP", dateTime: pickedUp.date });
    if (s.estimatedDelivery) dateAndTimes.push({ type: "ESTIMATED_DELIVERY", dateTime: s.estimatedDelivery });
    return {
      trackingNumberInfo: { trackingNumber: s.trackingNumber, trackingNumberUniqueId: `12029~${s.trackingNumber}~FDEG`, carrierCode: "FDXG" },
      latestStatusDetail: latest
        ? { code: latest.derivedStatusCode, derivedCode: latest.derivedStatusCode, statusByLocale: latest.derivedStatus, description: latest.eventDescription, scanLocation: latest.scanLocation }
        : { code: "IN", derivedCode: "IN", statusByLocale: "Label created", description: "Shipment information sent to FedEx" },
      dateAndTimes,
      serviceDetail: { type: s.serviceType },
      shipperInformation: { address: s.origin },
      recipientInformation: { address: s.destination },
      scanEvents: scans,
    };
  }

  private track(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const info = b.trackingInfo;
    if (!Array.isArray(info) || info.length === 0) return this.error(400, "TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number.");
    if (info.length > 30) return this.error(400, "TRACKING.TRACKINGNUMBER.LIMIT", "A maximum of 30 tracking numbers per request is allowed.");
    const detailed = b.includeDetailedScans !== false;
    const completeTrackResults = info.map((entry: unknown) => {
      const tn = isObject(entry) && isObject(entry.trackingNumberInfo) && typeof entry.trackingNumberInfo.trackingNumber === "string" ? entry.trackingNumberInfo.trackingNumber.slice(0, 40) : "";
      const s = this.shipments.get(tn);
      if (!s) {
        return {
          trackingNumber: tn,
          trackResults: [
            {
              trackingNumberInfo: { trackingNumber: tn, trackingNumberUniqueId: "", carrierCode: "" },
              error: { code: "TRACKING.TRACKINGNUMBER.NOTFOUND", message: "Tracking number cannot be found. Please correct the tracking number and try again." },
            },
          ],
        };
      }
      const result = this.trackResult(s);
      if (!detailed) result.scanEvents = [];
      return { trackingNumber: tn, trackResults: [result] };
    });
    return { status: 200, body: { transactionId: `sim-${Date.now().toString(36)}`, output: { completeTrackResults } } };
  }

  protected snapshot(): Record<string, unknown> {
    return {
      shipments: [...this.shipments.values()].map((s) => ({ trackingNumber: s.trackingNumber, serviceType: s.serviceType, shipDate: s.shipDate, scans: s.scans.length, latest: this.sortedScans(s)[0]?.eventType ?? null })),
      count: this.shipments.size,
      webhooks: [...this.webhooks.keys()],
      webhookDeliveries: this.webhookOutcomes,
    };
  }

  protected resetState(): void {
    this.shipments.clear();
    this.webhooks.clear();
    this.invoicesSent.clear();
    this.webhookOutcomes.length = 0;
    this.nextTn = 794_600_000_001;
  }
}

export function createCarrierSimulator(options: SimulatorOptions = {}): CarrierSimulator {
  return new CarrierSimulator(options);
}
