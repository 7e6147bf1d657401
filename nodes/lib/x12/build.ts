/**
 * Writing X12: a segment writer that refuses an element containing a delimiter (naming the
 * element), an interchange/group envelope with correct counts, and builders for 204, 940, 990 and
 * 997 from plain input objects. Builders collect every problem and return { ok: false, errors }:
 * they never throw, whatever the input.
 */
import type { Delimiters } from "./preclean";

export const DEFAULT_DELIMITERS: Delimiters = { element: "*", component: ">", repetition: null, segment: "~" };

export type BuildResult = { ok: true; text: string; segmentCounts: number[] } | { ok: false; errors: string[] };

/** One segment: its ID, then elements 01.. (undefined/null = empty; trailing empties dropped). */
export type SegmentSpec = [string, ...Array<string | number | null | undefined>];

/** Collects errors while a document is written. */
export class Writer {
  readonly errors: string[] = [];
  constructor(readonly delimiters: Delimiters = DEFAULT_DELIMITERS) {}

  segment(spec: SegmentSpec): string {
    const [name, ...values] = spec;
    if (!/^[A-Z0-9]{2,3}$/.test(name)) this.errors.push(`segment ID ${JSON.stringify(name)} is not 2-3 capital letters/digits`);
    const elements = values.map((v, i) => this.element(name, i + 1, v));
    while (elements.length && elements[elements.length - 1] === "") elements.pop();
    return [name, ...elements].join(this.delimiters.element) + this.delimiters.segment;
  }

  private element(segment: string, position: number, value: unknown): string {
    if (value === undefined || value === null) return "";
    const label = `${segment}${String(position).padStart(2, "0")}`;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        this.errors.push(`${label}: ${value} is not a finite number`);
        return "";
      }
      value = String(value);
    }
    if (typeof value !== "string") {
      this.errors.push(`${label}: expected text or a number, got ${typeof value}`);
      return "";
    }
    const d = this.delimiters;
    const named: Array<[string | null, string]> = [
      [d.element, "element separator"],
      [d.component, "component separator"],
      [d.repetition, "repetition separator"],
      [d.segment, "segment terminator"],
    ];
    for (const [delim, what] of named) {
      if (delim && value.includes(delim)) this.errors.push(`${label} ${JSON.stringify(value)} contains the ${what} ${JSON.stringify(delim)}`);
    }
    if (/[\r\n]/.test(value) && d.segment !== "\n") this.errors.push(`${label} ${JSON.stringify(value)} contains a line break`);
    return value;
  }
}

export interface Party {
  qualifier: string;
  id: string;
}

export interface EnvelopeInput {
  sender: Party;
  receiver: Party;
  /** GS02 / GS03: default to the interchange IDs. */
  applicationSender?: string;
  applicationReceiver?: string;
  /** ISA13 (1-999999999), GS06 and the first ST02 (each next transaction +1). */
  interchangeControlNumber: number | string;
  groupControlNumber: number | string;
  transactionControlNumber?: number | string;
  /** Default now. */
  date?: Date | string;
  /** "P" production (default) or "T" test. */
  usage?: "P" | "T";
  /** ISA14: "0" (default) or "1" to ask for a TA1. */
  ackRequested?: "0" | "1";
  /** GS08, default "004010" (ISA12 follows: "00401"). */
  version?: string;
  delimiters?: Partial<Delimiters>;
}

const pad = (v: string, n: number) => v.padEnd(n, " ");

export function stamp(date: Date | string | undefined): { ccyymmdd: string; hhmm: string } | null {
  const d = date === undefined ? new Date() : new Date(date);
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString();
  return { ccyymmdd: iso.slice(0, 10).replace(/-/g, ""), hhmm: iso.slice(11, 16).replace(":", "") };
}

export function controlNumber(value: unknown, label: string, errors: string[], width?: number): string {
  const s = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  if (!/^\d{1,9}$/.test(s) || Number(s) === 0) {
    errors.push(`${label} ${JSON.stringify(value)} must be a number from 1 to 999999999`);
    return "0".repeat(width ?? 1);
  }
  return width ? s.padStart(width, "0") : String(Number(s));
}

export function checkParty(p: unknown, label: string, errors: string[]): Party {
  const party = (p ?? {}) as Partial<Party>;
  const qualifier = typeof party.qualifier === "string" ? party.qualifier : "";
  const id = typeof party.id === "string" ? party.id : "";
  if (!/^[A-Z0-9]{2}$/.test(qualifier)) errors.push(`${label}.qualifier ${JSON.stringify(party.qualifier)} must be 2 characters (ZZ, 01, 02, ...)`);
  if (id.length < 1 || id.length > 15) errors.push(`${label}.id ${JSON.stringify(party.id)} must be 1-15 characters`);
  return { qualifier, id };
}

export interface TransactionBody {
  set: string;
  segments: SegmentSpec[];
}

/** The fixed-width ISA (106 characters with one-character delimiters) from checked values. */
export function isaSegment(
  v: { sender: Party; receiver: Party; ccyymmdd: string; hhmm: string; version: string; isa13: string; ackRequested: "0" | "1"; usage: "P" | "T" },
  delimiters: Delimiters,
): string {
  const isa11 = delimiters.repetition && v.version >= "00403" ? delimiters.repetition : "U";
  return (
    [
      "ISA", "00", pad("", 10), "00", pad("", 10),
      v.sender.qualifier, pad(v.sender.id, 15), v.receiver.qualifier, pad(v.receiver.id, 15),
      v.ccyymmdd.slice(2), v.hhmm, isa11, v.version, v.isa13, v.ackRequested, v.usage, delimiters.component,
    ].join(delimiters.element) + delimiters.segment
  );
}

/** Wraps transaction bodies (without ST/SE) in ST/SE, one GS/GE and ISA/IEA with correct counts. */
export function envelope(input: EnvelopeInput, functionalId: string, bodies: TransactionBody[], errors: string[] = []): BuildResult {
  const delimiters: Delimiters = { ...DEFAULT_DELIMITERS, ...(input?.delimiters ?? {}) };
  const w = new Writer(delimiters);
  const sender = checkParty(input?.sender, "sender", errors);
  const receiver = checkParty(input?.receiver, "receiver", errors);
  const isa13 = controlNumber(input?.interchangeControlNumber, "interchangeControlNumber", errors, 9);
  const gs06 = controlNumber(input?.groupControlNumber, "groupControlNumber", errors);
  const st02start = Number(controlNumber(input?.transactionControlNumber ?? 1, "transactionControlNumber", errors));
  const when = stamp(input?.date);
  if (!when) errors.push(`date ${JSON.stringify(input?.date)} is not a date`);
  const version = typeof input?.version === "string" && /^\d{6}$/.test(input.version) ? input.version : "004010";
  if (input?.version !== undefined && version !== input.version) errors.push(`version ${JSON.stringify(input.version)} must be 6 digits such as 004010`);
  for (const [k, v] of Object.entries(delimiters)) {
    if (k === "repetition" && v === null) continue;
    if (typeof v !== "string" || [...v].length !== 1 || /[A-Za-z0-9 ]/.test(v)) errors.push(`delimiters.${k} ${JSON.stringify(v)} must be one character, not a letter, digit or space`);
  }
  const used = [delimiters.element, delimiters.component, delimiters.segment, delimiters.repetition].filter(Boolean);
  if (new Set(used).size !== used.length) errors.push("delimiters must be distinct");
  if (bodies.length === 0) errors.push("no transaction set to send");
  if (errors.length) return { ok: false, errors };

  let text = isaSegment({ sender, receiver, ccyymmdd: when!.ccyymmdd, hhmm: when!.hhmm, version: version.slice(0, 5), isa13, ackRequested: input.ackRequested ?? "0", usage: input.usage ?? "P" }, delimiters);
  text += w.segment(["GS", functionalId, input.applicationSender ?? sender.id, input.applicationReceiver ?? receiver.id, when!.ccyymmdd, when!.hhmm, gs06, "X", version]);
  const segmentCounts: number[] = [];
  bodies.forEach((body, n) => {
    const st02 = String(st02start + n).padStart(4, "0");
    const all: SegmentSpec[] = [["ST", body.set, st02], ...body.segments];
    all.push(["SE", all.length + 1, st02]);
    segmentCounts.push(all.length);
    for (const s of all) text += w.segment(s);
  });
  text += w.segment(["GE", bodies.length, gs06]);
  text += w.segment(["IEA", 1, isa13]);
  if (w.errors.length) return { ok: false, errors: w.errors };
  return { ok: true, text, segmentCounts };
}

// ---------------------------------------------------------------------------------------------
// Set builders. Inputs stay close to the canonical Shipment / Order fields.

export interface X12Address {
  lines?: string[];
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

export interface X12Party {
  /** Canonical role (SHIPPER, CONSIGNEE, SHIP_FROM, SHIP_TO, BILL_TO, WAREHOUSE, DEPOSITOR, ...) or an X12 entity code (98). */
  role: string;
  name?: string;
  ids?: Array<{ scheme: string; value: string }>;
  address?: X12Address;
}

export interface X12Reference {
  /** Canonical reference type (BOL, PO, PRO, SHIPPER_REF, CUSTOMER_REF, ...) or an X12 qualifier (128). */
  type: string;
  value: string;
}

const ROLE_TO_N101: Record<string, string> = {
  SHIPPER: "SH", CONSIGNEE: "CN", SHIP_FROM: "SF", SHIP_TO: "ST", BILL_TO: "BT", CARRIER: "CA", PAYER: "PR",
  WAREHOUSE: "WH", DEPOSITOR: "DE", BUYER: "BY", SOLD_TO: "SO", SELLER: "SE", NOTIFY: "N1",
};
const SCHEME_TO_N103: Record<string, string> = { DUNS: "1", SCAC: "2", GLN: "UL", DUNS4: "9" };
const REF_TO_128: Record<string, string> = {
  BOL: "BM", PO: "PO", PRO: "CN", SHIPPER_REF: "SI", CUSTOMER_REF: "CR", SEAL: "SN", LOAD: "LO", APPOINTMENT: "AO", SO: "SO",
};
const PAYMENT: Record<string, string> = { PREPAID: "PP", COLLECT: "CC", THIRD_PARTY: "TP" };
const UOM_TO_355: Record<string, string> = { EA: "EA", H87: "PC", CS: "CA", KGM: "KG", LBR: "LB", DZN: "DZ" };
const WEIGHT_UNIT: Record<string, string> = { LBR: "L", KGM: "K" };

function ymd(value: unknown, label: string, errors: string[]): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const m = typeof value === "string" ? /^(\d{4})-?(\d{2})-?(\d{2})/.exec(value) : null;
  if (!m) {
    errors.push(`${label} ${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
    return undefined;
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

function hm(value: unknown): string | undefined {
  const m = typeof value === "string" ? /T(\d{2}):(\d{2})/.exec(value) : null;
  return m ? `${m[1]}${m[2]}` : undefined;
}

function str(value: unknown, label: string, errors: string[], required = false): string | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) errors.push(`${label} is required`);
    return undefined;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") {
    errors.push(`${label}: expected text, got ${typeof value}`);
    return undefined;
  }
  return value;
}

function arr<T>(value: unknown, label: string, errors: string[]): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.push(`${label}: expected a list`);
    return [];
  }
  return value as T[];
}

function partySegments(parties: unknown, label: string, errors: string[]): SegmentSpec[] {
  const out: SegmentSpec[] = [];
  arr<X12Party>(parties, label, errors).forEach((p, i) => {
    const at = `${label}[${i}]`;
    if (!p || typeof p !== "object") {
      errors.push(`${at}: expected a party object`);
      return;
    }
    const role = str(p.role, `${at}.role`, errors, true);
    if (!role) return;
    const code = ROLE_TO_N101[role] ?? (/^[A-Z0-9]{2,3}$/.test(role) ? role : undefined);
    if (!code) errors.push(`${at}.role ${JSON.stringify(role)} has no X12 entity code`);
    const id = Array.isArray(p.ids) ? p.ids[0] : undefined;
    const idQualifier = id ? SCHEME_TO_N103[id.scheme] ?? "92" : undefined;
    out.push(["N1", code, str(p.name, `${at}.name`, errors), idQualifier, id ? str(id.value, `${at}.ids[0].value`, errors) : undefined]);
    const a = p.address;
    if (a && typeof a === "object") {
      const lines = arr<string>(a.lines, `${at}.address.lines`, errors);
      if (lines.length) out.push(["N3", str(lines[0], `${at}.address.lines[0]`, errors), str(lines[1], `${at}.address.lines[1]`, errors)]);
      if (a.city || a.region || a.postalCode || a.country) {
        out.push(["N4", str(a.city, `${at}.address.city`, errors), str(a.region, `${at}.address.region`, errors),
          str(a.postalCode, `${at}.address.postalCode`, errors), str(a.country, `${at}.address.country`, errors)]);
      }
    }
  });
  return out;
}

function refCode(type: string): string | undefined {
  return REF_TO_128[type] ?? (/^[A-Z0-9]{2,3}$/.test(type) ? type : undefined);
}

function referenceSegments(name: "L11" | "N9", refs: unknown, label: string, errors: string[]): SegmentSpec[] {
  return arr<X12Reference>(refs, label, errors).flatMap((r, i): SegmentSpec[] => {
    const at = `${label}[${i}]`;
    const type = str(r?.type, `${at}.type`, errors, true);
    const value = str(r?.value, `${at}.value`, errors, true);
    if (!type || !value) return [];
    const code = refCode(type);
    if (!code) {
      errors.push(`${at}.type ${JSON.stringify(type)} has no X12 reference qualifier`);
      return [];
    }
    return name === "L11" ? [["L11", value, code]] : [["N9", code, value]];
  });
}

/** 204 Motor Carrier Load Tender (GS01 SM), close to a canonical Shipment plus the tender fields. */
export interface Tender204Input {
  shipmentId: string;
  carrier: { scac: string; name?: string };
  /** B2A-01: "00" original (default), "01" cancel, "04" change. */
  purpose?: "00" | "01" | "04";
  freightTerms?: "PREPAID" | "COLLECT" | "THIRD_PARTY";
  references?: X12Reference[];
  parties?: X12Party[];
  stops: Array<{
    seq: number;
    type: "PICKUP" | "DELIVERY" | "CROSSDOCK" | "STOP_OFF";
    /** Appointment window (ISO 8601 local or with offset): G62 from / to. */
    appointment?: { from?: string; to?: string };
    party?: X12Party;
    weight?: { value: string | number; unit: "LBR" | "KGM" };
    pieces?: number;
  }>;
  totals?: { weight?: { value: string | number; unit: "LBR" | "KGM" }; pieces?: number };
}

export function body204(input: Tender204Input, errors: string[]): TransactionBody {
  const i = (input ?? {}) as Partial<Tender204Input>;
  const segs: SegmentSpec[] = [];
  const scac = str(i.carrier?.scac, "carrier.scac", errors, true);
  const shipmentId = str(i.shipmentId, "shipmentId", errors, true);
  const payment = i.freightTerms ? PAYMENT[i.freightTerms] : "PP";
  if (!payment) errors.push(`freightTerms ${JSON.stringify(i.freightTerms)} must be PREPAID, COLLECT or THIRD_PARTY`);
  segs.push(["B2", undefined, scac, undefined, shipmentId, undefined, payment]);
  segs.push(["B2A", i.purpose ?? "00"]);
  segs.push(...referenceSegments("L11", i.references, "references", errors));
  segs.push(...partySegments(i.parties, "parties", errors));
  const stops = arr<Tender204Input["stops"][number]>(i.stops, "stops", errors);
  if (stops.length === 0) errors.push("stops: a load tender needs at least one stop");
  const reason: Record<string, string> = { PICKUP: "CL", DELIVERY: "CU", CROSSDOCK: "CL", STOP_OFF: "LD" };
  stops.forEach((s, n) => {
    const at = `stops[${n}]`;
    const r = reason[s?.type as string];
    if (!r) errors.push(`${at}.type ${JSON.stringify(s?.type)} must be PICKUP, DELIVERY, CROSSDOCK or STOP_OFF`);
    const seq = typeof s?.seq === "number" && Number.isInteger(s.seq) && s.seq >= 0 ? s.seq : n + 1;
    segs.push(["S5", seq, r, s?.weight?.value, s?.weight ? WEIGHT_UNIT[s.weight.unit] : undefined, s?.pieces, s?.pieces !== undefined ? "PLT" : undefined]);
    const pickup = s?.type === "PICKUP" || s?.type === "CROSSDOCK";
    // G62 qualifiers: 37/38 ship no earlier/later than (pickup), 53/54 deliver no earlier/later than.
    if (s?.appointment?.from) segs.push(["G62", pickup ? "37" : "53", ymd(s.appointment.from, `${at}.appointment.from`, errors), hm(s.appointment.from) ? "U" : undefined, hm(s.appointment.from)]);
    if (s?.appointment?.to) segs.push(["G62", pickup ? "38" : "54", ymd(s.appointment.to, `${at}.appointment.to`, errors), hm(s.appointment.to) ? "U" : undefined, hm(s.appointment.to)]);
    if (s?.party) segs.push(...partySegments([s.party], `${at}.party`, errors));
  });
  if (i.totals && (i.totals.weight || i.totals.pieces !== undefined)) {
    const w = i.totals.weight;
    segs.push(["L3", w?.value, w ? "G" : undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, i.totals.pieces, w ? WEIGHT_UNIT[w.unit] : undefined]);
  }
  return { set: "204", segments: segs };
}

/** 940 Warehouse Shipping Order (GS01 OW), close to a canonical Order. */
export interface ShipOrder940Input {
  orderId: string;
  /** W05-03 purchase order. */
  purchaseOrder?: string;
  /** W05-01: "N" original (default), "C" cancel, "R" replace. */
  purpose?: "N" | "C" | "R";
  references?: X12Reference[];
  parties?: X12Party[];
  requestedShipDate?: string;
  requestedDeliveryDate?: string;
  carrier?: { scac?: string; name?: string };
  /** W66-01 shipment method of payment. */
  freightTerms?: "PREPAID" | "COLLECT" | "THIRD_PARTY";
  lines: Array<{ lineNo: number; sku?: string; gtin?: string; description?: string; quantity: { value: string | number; uom: string } }>;
}

export function body940(input: ShipOrder940Input, errors: string[]): TransactionBody {
  const i = (input ?? {}) as Partial<ShipOrder940Input>;
  const segs: SegmentSpec[] = [];
  segs.push(["W05", i.purpose ?? "N", str(i.orderId, "orderId", errors, true), str(i.purchaseOrder, "purchaseOrder", errors)]);
  segs.push(...partySegments(i.parties, "parties", errors));
  segs.push(...referenceSegments("N9", i.references, "references", errors));
  const ship = ymd(i.requestedShipDate, "requestedShipDate", errors);
  if (ship) segs.push(["G62", "10", ship]);
  const deliver = ymd(i.requestedDeliveryDate, "requestedDeliveryDate", errors);
  if (deliver) segs.push(["G62", "02", deliver]);
  if (i.carrier?.scac || i.freightTerms) {
    const payment = i.freightTerms ? PAYMENT[i.freightTerms] : "PP";
    if (!payment) errors.push(`freightTerms ${JSON.stringify(i.freightTerms)} must be PREPAID, COLLECT or THIRD_PARTY`);
    segs.push(["W66", payment, "M", undefined, undefined, undefined, undefined, undefined, undefined, undefined, str(i.carrier?.scac, "carrier.scac", errors)]);
  }
  const lines = arr<ShipOrder940Input["lines"][number]>(i.lines, "lines", errors);
  if (lines.length === 0) errors.push("lines: a shipping order needs at least one line");
  let units = 0;
  lines.forEach((l, n) => {
    const at = `lines[${n}]`;
    const qty = str(l?.quantity?.value, `${at}.quantity.value`, errors, true);
    if (qty !== undefined && !/^\d+(\.\d+)?$/.test(qty)) errors.push(`${at}.quantity.value ${JSON.stringify(qty)} is not a positive decimal`);
    const uom = str(l?.quantity?.uom, `${at}.quantity.uom`, errors, true);
    const unit = uom ? UOM_TO_355[uom] ?? (/^[A-Z0-9]{2}$/.test(uom) ? uom : undefined) : undefined;
    if (uom && !unit) errors.push(`${at}.quantity.uom ${JSON.stringify(uom)} has no X12 unit code (355)`);
    if (!l?.sku && !l?.gtin) errors.push(`${at}: needs a sku or a gtin`);
    const upc = l?.gtin && /^\d{14}$/.test(l.gtin) && l.gtin.startsWith("00") ? l.gtin.slice(2) : undefined;
    if (l?.gtin && !upc) errors.push(`${at}.gtin ${JSON.stringify(l.gtin)}: W01 carries a 12-digit UPC (a GTIN-14 starting with 00)`);
    segs.push(["LX", typeof l?.lineNo === "number" ? l.lineNo : n + 1]);
    // W01-03 UPC case code stays empty; W01-04/05 and W01-06/07: vendor item (VN) and UPC (UP).
    const ids: Array<string | undefined> = [];
    if (l?.sku) ids.push("VN", str(l.sku, `${at}.sku`, errors));
    if (upc) ids.push("UP", upc);
    segs.push(["W01", qty, unit, undefined, ...ids]);
    if (l?.description) segs.push(["G69", str(l.description, `${at}.description`, errors)]);
    units += qty !== undefined && /^\d+(\.\d+)?$/.test(qty) ? Number(qty) : 0;
  });
  segs.push(["W76", units]);
  return { set: "940", segments: segs };
}

/** 990 Response to a Load Tender (GS01 GF). */
export interface Response990Input {
  scac: string;
  /** B102: the tender's shipment ID (204 B204). */
  shipmentId: string;
  date?: string;
  /** B104: "A" accepted, "D" declined (others as X12 558). */
  action: "A" | "D" | string;
  /** B106 decline reason. */
  reason?: string;
  references?: X12Reference[];
  remarks?: string[];
}

export function body990(input: Response990Input, errors: string[]): TransactionBody {
  const i = (input ?? {}) as Partial<Response990Input>;
  const action = str(i.action, "action", errors, true);
  if (action && !/^[A-Z0-9]$/.test(action)) errors.push(`action ${JSON.stringify(action)} must be one reservation action code (A accepted, D declined)`);
  const segs: SegmentSpec[] = [
    ["B1", str(i.scac, "scac", errors, true), str(i.shipmentId, "shipmentId", errors, true), ymd(i.date ?? new Date().toISOString(), "date", errors), action, undefined, str(i.reason, "reason", errors)],
  ];
  segs.push(...referenceSegments("N9", i.references, "references", errors));
  arr<string>(i.remarks, "remarks", errors).forEach((r, n) => segs.push(["K1", str(r, `remarks[${n}]`, errors)]));
  return { set: "990", segments: segs };
}

/** 997 Functional Acknowledgment (GS01 FA) for one received group. */
export interface Ack997Input {
  /** AK101 / AK102: the acknowledged group's GS01 and GS06. */
  functionalId: string;
  groupControlNumber: string;
  transactions: Array<{
    set: string;
    controlNumber: string;
    status: "A" | "E" | "R";
    codes?: string[];
    segmentErrors?: Array<{
      segmentId: string;
      position: number;
      loopId?: string;
      code: string;
      elements?: Array<{ position: number; reference?: string; code: string; badValue?: string }>;
    }>;
  }>;
  /** AK9. */
  status: "A" | "E" | "P" | "R";
  included: number;
  received: number;
  accepted: number;
  codes?: string[];
}

export function body997(input: Ack997Input, errors: string[]): TransactionBody {
  const i = (input ?? {}) as Partial<Ack997Input>;
  const segs: SegmentSpec[] = [["AK1", str(i.functionalId, "functionalId", errors, true), str(i.groupControlNumber, "groupControlNumber", errors, true)]];
  arr<Ack997Input["transactions"][number]>(i.transactions, "transactions", errors).forEach((t, n) => {
    const at = `transactions[${n}]`;
    segs.push(["AK2", str(t?.set, `${at}.set`, errors, true), str(t?.controlNumber, `${at}.controlNumber`, errors, true)]);
    for (const s of arr<NonNullable<Ack997Input["transactions"][number]["segmentErrors"]>[number]>(t?.segmentErrors, `${at}.segmentErrors`, errors)) {
      segs.push(["AK3", s.segmentId, s.position, s.loopId, s.code]);
      for (const e of s.elements ?? []) segs.push(["AK4", e.position, e.reference, e.code, e.badValue === undefined ? undefined : safeCopy(e.badValue)]);
    }
    if (!["A", "E", "R"].includes(t?.status as string)) errors.push(`${at}.status ${JSON.stringify(t?.status)} must be A, E or R`);
    segs.push(["AK5", t?.status, ...(t?.codes ?? []).slice(0, 5)]);
  });
  if (!["A", "E", "P", "R"].includes(i.status as string)) errors.push(`status ${JSON.stringify(i.status)} must be A, E, P or R`);
  segs.push(["AK9", i.status, i.included, i.received, i.accepted, ...(i.codes ?? []).slice(0, 5)]);
  return { set: "997", segments: segs };
}

/**
 * AK404 copies the bad value, which may hold anything (even our delimiters): keep printable
 * characters that cannot break the 997, at most 99 of them.
 */
export function safeCopy(value: string): string {
  return value.replace(/[*~>^|:\r\n\u0000-\u001f\u007f-\uffff]/g, "").slice(0, 99);
}

export type BuildInput =
  | ({ set: "204" } & Tender204Input)
  | ({ set: "940" } & ShipOrder940Input)
  | ({ set: "990" } & Response990Input)
  | ({ set: "997" } & Ack997Input);

const FUNCTIONAL_ID: Record<string, string> = { "204": "SM", "940": "OW", "990": "GF", "997": "FA" };

/** Builds one X12 document (one interchange, one group, one transaction set). Never throws. */
export function buildDocument(input: BuildInput, env: EnvelopeInput): BuildResult {
  try {
    const errors: string[] = [];
    const set = (input as { set?: unknown } | null)?.set;
    let body: TransactionBody;
    switch (set) {
      case "204":
        body = body204(input as Tender204Input, errors);
        break;
      case "940":
        body = body940(input as ShipOrder940Input, errors);
        break;
      case "990":
        body = body990(input as Response990Input, errors);
        break;
      case "997":
        body = body997(input as Ack997Input, errors);
        break;
      default:
        return { ok: false, errors: [`set ${JSON.stringify(set)} cannot be built: use 204, 940, 990 or 997`] };
    }
    return envelope(env, FUNCTIONAL_ID[set]!, [body], errors);
  } catch (err) {
    // A getter or a proxy in the input can still throw: report it like any other input problem.
    return { ok: false, errors: [`input could not be read: ${err instanceof Error ? err.message : String(err)}`] };
  }
}
