/**
 * TMS simulator: load execution in an OTM / project44-like REST shape.
 *
 * Routes (JSON):
 *   GET  /api/v1/loads[?status=]                    → {loads:[Load…], count}
 *   POST /api/v1/loads                              → 201 Load (409 if loadId exists); {loadId?, reference?, stops?, carrier?,
 *                                                     serviceLevel?, constraints?} (shipment planning requirements)
 *   GET  /api/v1/loads/{loadId}                     → Load | 404
 *   POST /api/v1/loads/{loadId}/execution-events    → one event: 201 accepted | 200 duplicate | 422 rejected
 *   POST /api/v1/execution-events:batch             → {events:[…≤1000]} → 200 {results:[{eventId,status,reason?}], summary}
 *   POST /api/v1/loads/{loadId}/tender              → {carrierScac} → Load (status TENDERED)
 *   POST /api/v1/loads/{loadId}/milestones          → {type, dateTime, stopId?, description?, newEta?, newDestination?,
 *                                                     signedBy?, podDocumentRef?} → 201 (a DELIVERY with the consignee's
 *                                                     signature / the scanned POD, as the driver's app reports it)
 *   GET  /api/v1/milestones[?after=<seq>&limit=]    → {milestones:[{seq, loadId, reference?, …}], count}: every load's
 *                                                     milestones in arrival order (a "list since" feed)
 *   GET  /api/v4/shipments/{loadId}/eventhistory    → project44 v4 tracking history of the milestones
 *   GET  /api/v1/actual-shipments[?after=<seq>&limit=] → {actualShipments:[…], count}: each load once, as it was when it
 *                                                     was dispatched (OTM-like "actual shipment": carrier, stops, final
 *                                                     per-SSCC weights after re-weighs, accessorials), a "list since" feed
 *   POST /oauth/token                               → only with auth {type:"oauth2"} (client credentials)
 *
 * Execution events are deduplicated on `eventId` (the canonical idempotency key) across both
 * endpoints, so a retried batch never double counts. Rejected events are not remembered: a
 * corrected event may be re-sent under the same id. Unknown loads are created implicitly
 * (`createdImplicitly: true`) unless `implicitLoads: false`.
 */
import { isValidGtin, isValidSscc } from "./lib/gs1";
import { HttpSimulator, type SimReply, type SimRequest, type SimulatorOptions } from "./lib/server";
import { asObject, isObject, ISO_WITH_ZONE, optIsoDateTime, optString, reqString, SimHttpError, type Json } from "./lib/validate";

export const EXECUTION_EVENT_TYPES = [
  "PICKED",
  "PACKED",
  "WEIGHED",
  "MEASURED",
  "LOADED",
  "UNLOADED",
  "SHIPPED",
  "DEPARTED",
  "ARRIVED",
  "DELIVERED",
  "EXCEPTION",
] as const;
export type ExecutionEventType = (typeof EXECUTION_EVENT_TYPES)[number];

export const LOAD_STATUSES = ["PLANNED", "TENDERED", "LOADING", "DISPATCHED", "IN_TRANSIT", "DELIVERED"] as const;
export type LoadStatus = (typeof LOAD_STATUSES)[number];

/** Status an event moves a load to; a load never moves backwards (events arrive out of order). */
const STATUS_AFTER: Partial<Record<ExecutionEventType, LoadStatus>> = {
  PICKED: "LOADING",
  PACKED: "LOADING",
  WEIGHED: "LOADING",
  MEASURED: "LOADING",
  LOADED: "LOADING",
  SHIPPED: "DISPATCHED",
  DEPARTED: "IN_TRANSIT",
  ARRIVED: "IN_TRANSIT",
  DELIVERED: "DELIVERED",
};

export const MILESTONE_TYPES = [
  "ARRIVAL_AT_STOP",
  "DEPARTURE_FROM_STOP",
  "PICKED_UP",
  "OUT_FOR_DELIVERY",
  "DELIVERY",
  "DELAYED",
  "REROUTED",
  "HELD",
  "DELIVERY_MISSED",
  "PICKUP_MISSED",
  "EXCEPTION",
  "INFO",
] as const;

const MILESTONE_STATUS: Partial<Record<string, LoadStatus>> = {
  PICKED_UP: "IN_TRANSIT",
  DEPARTURE_FROM_STOP: "IN_TRANSIT",
  OUT_FOR_DELIVERY: "IN_TRANSIT",
  DELIVERY: "DELIVERED",
};

export interface Stop {
  stopId: string;
  sequence: number;
  type: "PICKUP" | "DELIVERY";
  location: Json;
  plannedArrival?: string;
}

interface HandlingUnit {
  sscc: string;
  packed: boolean;
  loaded: boolean;
  weightKg?: number;
  volumeM3?: number;
  dims?: { lengthCm: number; widthCm: number; heightCm: number };
}

interface Milestone {
  seq: number;
  loadId: string;
  type: string;
  newEta?: string;
  newDestination?: Json;
  dateTime: string;
  receivedDateTime: string;
  stopId?: string;
  description?: string;
  /** Proof of delivery on a DELIVERY: who signed, the scanned document's reference. */
  signedBy?: string;
  podDocumentRef?: string;
}

/** A load as executed, written once when it is dispatched (what freight is accrued on). */
interface ActualShipment {
  seq: number;
  loadId: string;
  reference?: string;
  carrier?: Json;
  stops: Stop[];
  accessorials: string[];
  handlingUnits: Array<{ sscc: string; weightKg?: number }>;
  grossWeightKg: number;
  sites: string[];
  dispatchedAt: string;
}

interface Load {
  loadId: string;
  status: LoadStatus;
  createdImplicitly: boolean;
  createdAt: string;
  updatedAt: string;
  reference?: string;
  carrier?: Json;
  serviceLevel?: string;
  constraints?: Json;
  /** Accessorial services ordered for the load (LIFTGATE, RESIDENTIAL, APPOINTMENT …). */
  accessorials: string[];
  stops: Stop[];
  handlingUnits: Map<string, HandlingUnit>;
  /** Weight/volume reported by events without an SSCC (summed; each eventId counted once). */
  looseWeightKg: number;
  looseVolumeM3: number;
  countsByType: Map<ExecutionEventType, number>;
  quantityByType: Map<ExecutionEventType, number>;
  sites: Set<string>;
  eventsAccepted: number;
  eventsDuplicate: number;
  eventsRejected: number;
  lastEventAt?: string;
  milestones: Milestone[];
}

/** What the planner had decided for a load the warehouse starts working before anyone created it here. */
export interface ImplicitLoadPlan {
  carrierScac?: string;
  stops?: Array<{ type: "PICKUP" | "DELIVERY"; location: Json }>;
}

export interface TmsOptions extends SimulatorOptions {
  /** Create unknown loads when an event names them (default true). */
  implicitLoads?: boolean;
  /**
   * The plan of an implicitly created load (carrier, stops), as if the TMS had planned and tendered
   * it beforehand; without it such a load has neither (and cannot be rated on executed cost).
   */
  planImplicitLoad?: (loadId: string) => ImplicitLoadPlan | null;
  /** Largest batch (default 1000). */
  maxBatch?: number;
  /** Event ids remembered for dedupe (FIFO, default 2,000,000). */
  maxEventIds?: number;
}

export type EventResult = { eventId: string; status: "accepted" | "duplicate" | "rejected"; loadId?: string; reason?: string };

/** project44 prints offsets without a colon: 2026-11-22T09:14:05+0000. */
export function p44DateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");
}

function weightKgOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0 || v > 100_000) throw new Error("weight must be a number of kg between 0 and 100000");
    return v;
  }
  if (isObject(v)) {
    const value = v.value;
    const unit = typeof v.unit === "string" ? v.unit.toUpperCase() : "KG";
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 220_000) throw new Error("weight.value must be a non-negative number");
    if (unit === "KG" || unit === "KGM") return value;
    if (unit === "LB" || unit === "LBR") return value * 0.45359237;
    if (unit === "G" || unit === "GRM") return value / 1000;
    throw new Error(`weight.unit "${String(v.unit)}" is not KG, LB or G`);
  }
  throw new Error("weight must be a number (kg) or {value, unit}");
}

function dimsOf(v: unknown): { lengthCm: number; widthCm: number; heightCm: number } | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new Error("dimensions must be an object");
  const num = (x: unknown, name: string): number => {
    if (typeof x !== "number" || !Number.isFinite(x) || x <= 0 || x > 10_000) throw new Error(`dimensions.${name} must be a positive number`);
    return x;
  };
  if (v.lengthCm !== undefined) return { lengthCm: num(v.lengthCm, "lengthCm"), widthCm: num(v.widthCm, "widthCm"), heightCm: num(v.heightCm, "heightCm") };
  const unit = typeof v.unit === "string" ? v.unit.toUpperCase() : "CM";
  const f = unit === "CM" || unit === "CMT" ? 1 : unit === "M" || unit === "MTR" ? 100 : unit === "IN" || unit === "INH" ? 2.54 : unit === "MM" || unit === "MMT" ? 0.1 : NaN;
  if (Number.isNaN(f)) throw new Error(`dimensions.unit "${String(v.unit)}" is not CM, M, MM or IN`);
  return { lengthCm: num(v.length, "length") * f, widthCm: num(v.width, "width") * f, heightCm: num(v.height, "height") * f };
}

const round = (n: number, d = 3): number => Math.round(n * 10 ** d) / 10 ** d;

export class TmsSimulator extends HttpSimulator {
  private readonly loads = new Map<string, Load>();
  /** eventId → loadId for every accepted event. */
  private readonly seenEvents = new Map<string, string>();
  /** Every milestone of every load in arrival order, for GET /api/v1/milestones. */
  private readonly milestoneLog: Milestone[] = [];
  private readonly actualShipments: ActualShipment[] = [];
  private readonly implicitLoads: boolean;
  private readonly planImplicitLoad: TmsOptions["planImplicitLoad"];
  private readonly maxBatch: number;
  private readonly maxEventIds: number;
  private totals = { accepted: 0, duplicate: 0, rejected: 0, batches: 0 };

  constructor(options: TmsOptions = {}) {
    super("tms", options);
    this.implicitLoads = options.implicitLoads ?? true;
    this.planImplicitLoad = options.planImplicitLoad;
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxEventIds = options.maxEventIds ?? 2_000_000;

    this.route("GET", "/api/v1/loads", (req) => {
      const status = req.query.get("status");
      const loads = [...this.loads.values()].filter((l) => status === null || l.status === status).map((l) => this.loadView(l));
      return { status: 200, body: { loads, count: loads.length } };
    });
    this.route("POST", "/api/v1/loads", (req) => this.createLoad(req));
    this.route("GET", "/api/v1/loads/:loadId", (req) => {
      const load = this.loads.get(req.params.loadId ?? "");
      return load ? { status: 200, body: this.loadView(load) } : this.error(404, "LOAD_NOT_FOUND", `load ${req.params.loadId} not found`);
    });
    this.route("POST", "/api/v1/loads/:loadId/execution-events", (req) => this.singleEvent(req));
    this.route("POST", "/api/v1/execution-events:batch", (req) => this.batch(req));
    this.route("POST", "/api/v1/loads/:loadId/tender", (req) => this.tender(req));
    this.route("POST", "/api/v1/loads/:loadId/milestones", (req) => this.milestone(req));
    this.route("GET", "/api/v4/shipments/:id/eventhistory", (req) => this.eventHistory(req));
    this.route("GET", "/api/v1/actual-shipments", (req) => {
      const after = Number(req.query.get("after") ?? 0);
      const limit = Number(req.query.get("limit") ?? 0);
      if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 0) return this.error(400, "INVALID_QUERY", "after and limit must be non-negative integers");
      const all = this.actualShipments.filter((a) => a.seq > after);
      const page = limit > 0 ? all.slice(0, limit) : all;
      return { status: 200, body: { actualShipments: page, count: page.length } };
    });
    this.route("GET", "/api/v1/milestones", (req) => {
      const after = Number(req.query.get("after") ?? 0);
      const limit = Number(req.query.get("limit") ?? 0);
      if (!Number.isInteger(after) || after < 0 || !Number.isInteger(limit) || limit < 0) return this.error(400, "INVALID_QUERY", "after and limit must be non-negative integers");
      const all = this.milestoneLog.filter((m) => m.seq > after);
      const page = (limit > 0 ? all.slice(0, limit) : all).map((m) => {
        const ref = this.loads.get(m.loadId)?.reference;
        return { ...m, ...(ref ? { reference: ref } : {}) };
      });
      return { status: 200, body: { milestones: page, count: page.length } };
    });
  }

  // ---- handlers ---------------------------------------------------------------------------

  private createLoad(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const loadId = optString(b, "loadId", { max: 64, pattern: /^[A-Za-z0-9._:-]+$/ }) ?? `LD-${String(this.loads.size + 1).padStart(6, "0")}`;
    if (this.loads.has(loadId)) return this.error(409, "LOAD_EXISTS", `load ${loadId} already exists`);
    const stops: Stop[] = [];
    if (b.stops !== undefined) {
      if (!Array.isArray(b.stops) || b.stops.length > 100) throw new SimHttpError(400, "INVALID_FIELD", "stops must be an array of at most 100 stops");
      b.stops.forEach((s: unknown, i: number) => {
        const so = asObject(s, `stops[${i}]`);
        const type = optString(so, "type") ?? (i === 0 ? "PICKUP" : "DELIVERY");
        if (type !== "PICKUP" && type !== "DELIVERY") throw new SimHttpError(400, "INVALID_FIELD", `stops[${i}].type must be PICKUP or DELIVERY`);
        const stop: Stop = {
          stopId: optString(so, "stopId", { max: 64 }) ?? `${loadId}-S${i + 1}`,
          sequence: i + 1,
          type,
          location: isObject(so.location) ? so.location : {},
        };
        const planned = optIsoDateTime(so, "plannedArrival");
        if (planned) stop.plannedArrival = planned;
        stops.push(stop);
      });
    }
    const load = this.newLoad(loadId, false);
    load.stops = stops;
    const ref = optString(b, "reference", { max: 64 });
    if (ref) load.reference = ref;
    if (isObject(b.carrier)) load.carrier = b.carrier;
    const level = optString(b, "serviceLevel", { max: 32 });
    if (level) load.serviceLevel = level;
    if (b.constraints !== undefined) {
      if (!isObject(b.constraints)) throw new SimHttpError(400, "INVALID_FIELD", "constraints must be an object");
      load.constraints = b.constraints;
    }
    if (b.accessorials !== undefined) {
      if (!Array.isArray(b.accessorials) || b.accessorials.length > 20 || !b.accessorials.every((a: unknown) => typeof a === "string" && /^[A-Z][A-Z0-9_]{1,31}$/.test(a))) {
        throw new SimHttpError(400, "INVALID_FIELD", "accessorials must be at most 20 codes like LIFTGATE");
      }
      load.accessorials = [...new Set(b.accessorials as string[])];
    }
    this.loads.set(loadId, load);
    return { status: 201, body: this.loadView(load), headers: { location: `/api/v1/loads/${encodeURIComponent(loadId)}` } };
  }

  private singleEvent(req: SimRequest): SimReply {
    const b = asObject(req.body);
    const pathLoad = req.params.loadId ?? "";
    if (b.loadId !== undefined && b.loadId !== pathLoad) {
      return this.error(400, "LOAD_MISMATCH", `body loadId "${String(b.loadId)}" differs from path loadId "${pathLoad}"`);
    }
    const result = this.applyEvent({ ...b, loadId: pathLoad });
    const status = result.status === "accepted" ? 201 : result.status === "duplicate" ? 200 : 422;
    return { status, body: result };
  }

  private batch(req: SimRequest): SimReply {
    const b = asObject(req.body);
    if (!Array.isArray(b.events)) return this.error(400, "INVALID_BODY", "body must be {events:[…]}");
    if (b.events.length === 0) return this.error(400, "EMPTY_BATCH", "events must not be empty");
    if (b.events.length > this.maxBatch) return this.error(400, "BATCH_TOO_LARGE", `at most ${this.maxBatch} events per batch, got ${b.events.length}`);
    this.totals.batches++;
    const results = b.events.map((e: unknown) => this.applyEvent(e));
    const summary = { accepted: 0, duplicate: 0, rejected: 0 };
    for (const r of results) summary[r.status]++;
    return { status: 200, body: { results, summary } };
  }

  private tender(req: SimRequest): SimReply {
    const load = this.loads.get(req.params.loadId ?? "");
    if (!load) return this.error(404, "LOAD_NOT_FOUND", `load ${req.params.loadId} not found`);
    const b = asObject(req.body ?? {});
    const scac = reqString(b, "carrierScac", { max: 4, pattern: /^[A-Z]{2,4}$/ });
    if (load.status !== "PLANNED" && load.status !== "TENDERED") return this.error(409, "INVALID_STATE", `load ${load.loadId} is ${load.status}; only PLANNED loads can be tendered`);
    load.status = "TENDERED";
    load.carrier = { ...(load.carrier ?? {}), scac };
    load.updatedAt = new Date().toISOString();
    return { status: 200, body: this.loadView(load) };
  }

  private milestone(req: SimRequest): SimReply {
    const load = this.loads.get(req.params.loadId ?? "");
    if (!load) return this.error(404, "LOAD_NOT_FOUND", `load ${req.params.loadId} not found`);
    const b = asObject(req.body);
    const type = reqString(b, "type");
    if (!(MILESTONE_TYPES as readonly string[]).includes(type)) return this.error(400, "INVALID_FIELD", `type must be one of ${MILESTONE_TYPES.join(", ")}`);
    const dt = reqString(b, "dateTime", { max: 40 });
    if (!ISO_WITH_ZONE.test(dt) || Number.isNaN(Date.parse(dt))) return this.error(400, "INVALID_FIELD", "dateTime must be ISO 8601 with offset");
    const m: Milestone = { seq: this.milestoneLog.length + 1, loadId: load.loadId, type, dateTime: p44DateTime(Date.parse(dt)), receivedDateTime: p44DateTime(Date.now()) };
    const newEta = optIsoDateTime(b, "newEta");
    if (newEta) m.newEta = newEta;
    if (b.newDestination !== undefined) {
      if (!isObject(b.newDestination)) return this.error(400, "INVALID_FIELD", "newDestination must be a location object");
      m.newDestination = b.newDestination;
    }
    if (type === "REROUTED" && !m.newDestination) return this.error(400, "MISSING_FIELD", "REROUTED needs newDestination");
    const stopId = optString(b, "stopId", { max: 64 });
    if (stopId) m.stopId = stopId;
    const description = optString(b, "description", { max: 500 });
    if (description) m.description = description;
    const signedBy = optString(b, "signedBy", { max: 128 });
    const podDocumentRef = optString(b, "podDocumentRef", { max: 128 });
    if ((signedBy || podDocumentRef) && type !== "DELIVERY") return this.error(400, "INVALID_FIELD", "signedBy and podDocumentRef belong to a DELIVERY milestone");
    if (signedBy) m.signedBy = signedBy;
    if (podDocumentRef) m.podDocumentRef = podDocumentRef;
    load.milestones.push(m);
    this.milestoneLog.push(m);
    const next = MILESTONE_STATUS[type];
    if (next) this.advance(load, next);
    load.updatedAt = new Date().toISOString();
    return { status: 201, body: m };
  }

  private eventHistory(req: SimRequest): SimReply {
    const load = this.loads.get(req.params.id ?? "");
    if (!load) {
      return { status: 404, body: { httpStatusCode: 404, errorMessage: `Shipment ${req.params.id} not found`, errors: [{ severity: "ERROR", message: "Shipment not found" }] } };
    }
    const events = [...load.milestones].sort((a, b) => Date.parse(a.dateTime.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")) - Date.parse(b.dateTime.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")));
    return {
      status: 200,
      body: {
        shipment: {
          id: load.loadId,
          identifiers: [{ type: "BILL_OF_LADING", value: load.reference ?? load.loadId }],
          createdDateTime: p44DateTime(Date.parse(load.createdAt)),
          stops: load.stops.map((s) => ({ id: s.stopId, stopNumber: s.sequence, stopType: s.type === "PICKUP" ? "ORIGIN" : "DESTINATION", location: s.location })),
        },
        // The feed's bookkeeping (seq, loadId) is not part of project44's event shape.
        events: events.map(({ seq: _seq, loadId: _loadId, signedBy: _signed, podDocumentRef: _pod, ...event }) => event),
      },
    };
  }

  // ---- execution events -------------------------------------------------------------------

  private applyEvent(input: unknown): EventResult {
    if (!isObject(input)) return { eventId: "", status: "rejected", reason: "event must be an object" };
    const eventId = input.eventId;
    if (typeof eventId !== "string" || eventId === "" || eventId.length > 200) {
      this.totals.rejected++;
      return { eventId: typeof eventId === "string" ? eventId.slice(0, 200) : "", status: "rejected", reason: "eventId must be a non-empty string of at most 200 characters" };
    }
    const loadIdOf = this.seenEvents.get(eventId);
    if (loadIdOf !== undefined) {
      this.totals.duplicate++;
      const load = this.loads.get(loadIdOf);
      if (load) load.eventsDuplicate++;
      return { eventId, status: "duplicate", loadId: loadIdOf };
    }
    const reject = (reason: string): EventResult => {
      this.totals.rejected++;
      const l = typeof input.loadId === "string" ? this.loads.get(input.loadId) : undefined;
      if (l) l.eventsRejected++;
      return { eventId, status: "rejected", reason };
    };
    const loadId = input.loadId;
    if (typeof loadId !== "string" || loadId === "" || loadId.length > 64) return reject("loadId must be a non-empty string of at most 64 characters");
    const type = input.type;
    if (typeof type !== "string" || !(EXECUTION_EVENT_TYPES as readonly string[]).includes(type)) return reject(`type must be one of ${EXECUTION_EVENT_TYPES.join(", ")}`);
    const t = type as ExecutionEventType;
    const occurredAt = input.occurredAt;
    if (typeof occurredAt !== "string" || !ISO_WITH_ZONE.test(occurredAt) || Number.isNaN(Date.parse(occurredAt))) return reject("occurredAt must be an ISO 8601 date-time with offset");
    if (input.site !== undefined && (typeof input.site !== "string" || input.site.length > 64)) return reject("site must be a string");
    const sscc = input.sscc;
    if (sscc !== undefined && (typeof sscc !== "string" || !isValidSscc(sscc))) return reject("sscc must be 18 digits with a valid GS1 check digit");
    if (input.gtin !== undefined && (typeof input.gtin !== "string" || !isValidGtin(input.gtin))) return reject("gtin must be a GTIN-8/12/13/14 with a valid check digit");
    if (input.sku !== undefined && (typeof input.sku !== "string" || input.sku.length > 64)) return reject("sku must be a string");
    const quantity = input.quantity;
    if (quantity !== undefined && (typeof quantity !== "number" || !Number.isFinite(quantity) || quantity < 0 || quantity > 1e9)) return reject("quantity must be a non-negative number");
    let weightKg: number | undefined;
    let dims: ReturnType<typeof dimsOf>;
    try {
      weightKg = weightKgOf(input.weight ?? input.grossWeightKg);
      dims = dimsOf(input.dimensions ?? input.dims);
    } catch (err) {
      return reject((err as Error).message);
    }
    if (t === "WEIGHED" && weightKg === undefined) return reject("WEIGHED needs weight");
    if (t === "MEASURED" && dims === undefined) return reject("MEASURED needs dimensions");
    if ((t === "LOADED" || t === "UNLOADED" || t === "PACKED") && sscc === undefined) return reject(`${t} needs sscc`);

    let load = this.loads.get(loadId);
    if (!load) {
      if (!this.implicitLoads) return reject(`unknown load ${loadId}`);
      load = this.newLoad(loadId, true);
      const plan = this.planImplicitLoad?.(loadId);
      if (plan?.carrierScac) {
        load.carrier = { scac: plan.carrierScac };
        load.status = "TENDERED";
      }
      if (plan?.stops) load.stops = plan.stops.map((st, i) => ({ stopId: `${loadId}-S${i + 1}`, sequence: i + 1, type: st.type, location: st.location }));
      this.loads.set(loadId, load);
    }

    // Accept: remember the id first so the same id later in this batch is a duplicate.
    this.seenEvents.set(eventId, loadId);
    if (this.seenEvents.size > this.maxEventIds) {
      const oldest = this.seenEvents.keys().next().value;
      if (oldest !== undefined) this.seenEvents.delete(oldest);
    }
    this.totals.accepted++;
    load.eventsAccepted++;
    load.countsByType.set(t, (load.countsByType.get(t) ?? 0) + 1);
    if (quantity !== undefined) load.quantityByType.set(t, (load.quantityByType.get(t) ?? 0) + quantity);
    if (typeof input.site === "string") load.sites.add(input.site);
    if (!load.lastEventAt || Date.parse(occurredAt) > Date.parse(load.lastEventAt)) load.lastEventAt = occurredAt;
    load.updatedAt = new Date().toISOString();

    const hu = sscc !== undefined ? this.unit(load, sscc) : undefined;
    const volumeM3 = dims ? (dims.lengthCm * dims.widthCm * dims.heightCm) / 1e6 : undefined;
    if (hu) {
      // Per-SSCC measures are "latest wins": re-weighing a pallet replaces, never adds.
      if (weightKg !== undefined) hu.weightKg = weightKg;
      if (dims && volumeM3 !== undefined) {
        hu.dims = dims;
        hu.volumeM3 = volumeM3;
      }
      if (t === "PACKED") hu.packed = true;
      if (t === "LOADED" || t === "SHIPPED") hu.loaded = true;
      if (t === "UNLOADED") hu.loaded = false;
    } else {
      if (weightKg !== undefined) load.looseWeightKg += weightKg;
      if (volumeM3 !== undefined) load.looseVolumeM3 += volumeM3;
    }
    const next = STATUS_AFTER[t];
    if (next) this.advance(load, next);
    return { eventId, status: "accepted", loadId };
  }

  private unit(load: Load, sscc: string): HandlingUnit {
    let hu = load.handlingUnits.get(sscc);
    if (!hu) {
      hu = { sscc, packed: false, loaded: false };
      load.handlingUnits.set(sscc, hu);
    }
    return hu;
  }

  private advance(load: Load, next: LoadStatus): void {
    const dispatched = LOAD_STATUSES.indexOf("DISPATCHED");
    const before = LOAD_STATUSES.indexOf(load.status);
    if (LOAD_STATUSES.indexOf(next) > before) load.status = next;
    // Leaving the dock: the load as executed is written once to the actual-shipment feed.
    if (before < dispatched && LOAD_STATUSES.indexOf(load.status) >= dispatched) this.recordActual(load);
  }

  private recordActual(load: Load): void {
    const view = this.loadView(load);
    this.actualShipments.push({
      seq: this.actualShipments.length + 1,
      loadId: load.loadId,
      ...(load.reference ? { reference: load.reference } : {}),
      ...(load.carrier ? { carrier: load.carrier } : {}),
      stops: load.stops,
      accessorials: load.accessorials,
      handlingUnits: [...load.handlingUnits.values()].map((hu) => ({ sscc: hu.sscc, ...(hu.weightKg !== undefined ? { weightKg: round(hu.weightKg) } : {}) })),
      grossWeightKg: view.grossWeightKg as number,
      sites: [...load.sites],
      dispatchedAt: new Date().toISOString(),
    });
  }

  private newLoad(loadId: string, implicit: boolean): Load {
    const now = new Date().toISOString();
    return {
      loadId,
      status: "PLANNED",
      createdImplicitly: implicit,
      createdAt: now,
      updatedAt: now,
      stops: [],
      accessorials: [],
      handlingUnits: new Map(),
      looseWeightKg: 0,
      looseVolumeM3: 0,
      countsByType: new Map(),
      quantityByType: new Map(),
      sites: new Set(),
      eventsAccepted: 0,
      eventsDuplicate: 0,
      eventsRejected: 0,
      milestones: [],
    };
  }

  private loadView(l: Load): Record<string, unknown> {
    let weight = l.looseWeightKg;
    let volume = l.looseVolumeM3;
    const loaded: string[] = [];
    for (const hu of l.handlingUnits.values()) {
      weight += hu.weightKg ?? 0;
      volume += hu.volumeM3 ?? 0;
      if (hu.loaded) loaded.push(hu.sscc);
    }
    return {
      loadId: l.loadId,
      status: l.status,
      createdImplicitly: l.createdImplicitly,
      createdAt: l.createdAt,
      updatedAt: l.updatedAt,
      ...(l.reference ? { reference: l.reference } : {}),
      ...(l.carrier ? { carrier: l.carrier } : {}),
      ...(l.serviceLevel ? { serviceLevel: l.serviceLevel } : {}),
      ...(l.constraints ? { constraints: l.constraints } : {}),
      ...(l.accessorials.length ? { accessorials: l.accessorials } : {}),
      stops: l.stops,
      handlingUnits: loaded,
      handlingUnitCount: l.handlingUnits.size,
      grossWeightKg: round(weight),
      volumeM3: round(volume, 4),
      sites: [...l.sites],
      countsByType: Object.fromEntries(l.countsByType),
      quantityByType: Object.fromEntries(l.quantityByType),
      eventsAccepted: l.eventsAccepted,
      eventsDuplicate: l.eventsDuplicate,
      eventsRejected: l.eventsRejected,
      events: l.eventsAccepted,
      ...(l.lastEventAt ? { lastEventAt: l.lastEventAt } : {}),
      milestones: l.milestones.length,
    };
  }

  // ---- simulator hooks -------------------------------------------------------------------

  /** Typed accessor for tests: the view of one load, or undefined. */
  load(loadId: string): Record<string, unknown> | undefined {
    const l = this.loads.get(loadId);
    return l ? { ...this.loadView(l), handlingUnitDetails: [...l.handlingUnits.values()] } : undefined;
  }

  protected snapshot(): Record<string, unknown> {
    // fromEntries defines own properties, so a hostile loadId like "__proto__" stays a plain key.
    const loads = Object.fromEntries([...this.loads].map(([id, l]) => [id, this.loadView(l)]));
    return {
      loads,
      loadCount: this.loads.size,
      eventsAccepted: this.totals.accepted,
      eventsDuplicate: this.totals.duplicate,
      eventsRejected: this.totals.rejected,
      batches: this.totals.batches,
      distinctEventIds: this.seenEvents.size,
    };
  }

  protected resetState(): void {
    this.loads.clear();
    this.seenEvents.clear();
    this.milestoneLog.length = 0;
    this.actualShipments.length = 0;
    this.totals = { accepted: 0, duplicate: 0, rejected: 0, batches: 0 };
  }
}

export function createTmsSimulator(options: TmsOptions = {}): TmsSimulator {
  return new TmsSimulator(options);
}
