/* eslint-disable */
/**
 * generated — edit the schemas, then npm run gen:types
 *
 * From canonical/schemas/*.json by scripts/gen-types.mjs (json-schema-to-typescript). Structure only:
 * conditional rules and GS1 check digits are enforced by the validator (nodes/lib/canonical/validator.ts).
 */

/**
 * Any canonical object; its `schema` field names which.
 */
export type CanonicalObject =
  ExceptionEvent | FreightCharge | InventoryMovement | InvoiceEvent | Order | ShipmentStatusEvent | Shipment;
/**
 * RFC 3339 date-time with an explicit offset (Z or ±hh:mm).
 */
export type Timestamp = string;
/**
 * A decimal number as a string, so no precision is lost to floating point.
 */
export type Decimal = string;
/**
 * Wall-clock time without offset, as a source gave it (kept with timeZone).
 */
export type LocalDateTime = string;
/**
 * GTIN as 14 digits (left-padded) with a valid check digit.
 */
export type Gtin = string;
export type CalendarDate = string;
/**
 * SSCC-18 with a valid GS1 check digit.
 */
export type Sscc = string;
/**
 * ISO 4217 alphabetic code; minor units in canonical/code-lists/iso4217.json.
 */
export type CurrencyCode = string;
export type Mode = "TL" | "LTL" | "PARCEL" | "OCEAN" | "AIR" | "RAIL" | "INTERMODAL" | "COURIER";

/**
 * Something that needs attention: a short pick, a delay, a refused delivery, an invoice variance.
 */
export interface ExceptionEvent {
  /**
   * Schema name and major version.
   */
  schema: "exception-event/1";
  /**
   * This object's own id (stable for the same source content: derived from the idempotency key by the shipped profiles).
   */
  id: string;
  /**
   * When it happened at the source, with offset. For an ESTIMATED or PLANNED event: when it is expected to happen.
   */
  occurredAt: Timestamp;
  /**
   * The wall-clock time the source gave, when it gave no offset (X12 DT/TM, SAP date+time, UPS local time).
   */
  localDateTime?: LocalDateTime;
  /**
   * IANA zone of localDateTime, when known (e.g. America/Chicago).
   */
  timeZone?: string;
  /**
   * When this product received or recorded it.
   */
  recordedAt?: Timestamp;
  source: Source;
  /**
   * Business thread this belongs to (order, shipment, load).
   */
  correlationId: string;
  /**
   * Id of the object or message that caused this one.
   */
  causationId?: string;
  /**
   * Deterministic from the source document: the same source content always gives the same key.
   */
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction); the earlier object stands until then.
   */
  retractsId?: string;
  exceptionId: string;
  type:
    | "SHORT_PICK"
    | "OVER_PICK"
    | "SHORT_SHIPMENT"
    | "DAMAGE"
    | "DELAY"
    | "MISSED_PICKUP"
    | "MISSED_DELIVERY"
    | "DELIVERY_ATTEMPTED"
    | "REFUSED"
    | "REROUTE"
    | "ADDRESS_CORRECTION"
    | "INVOICE_VARIANCE"
    | "DUPLICATE_INVOICE"
    | "UNMATCHED_EVENT"
    | "MISSING_ACK"
    | "OTHER";
  severity: "INFO" | "WARN" | "CRITICAL";
  detectedAt: Timestamp;
  /**
   * Order / shipment / invoice the exception is about.
   *
   * @minItems 1
   * @maxItems 50
   */
  subjectRefs: Reference[];
  expected?: {
    quantity?: Quantity;
    money?: Money;
    at?: Timestamp;
    text?: string;
  };
  actual?: {
    quantity?: Quantity;
    money?: Money;
    at?: Timestamp;
    text?: string;
  };
  /**
   * e.g. X12-1651 AO (weather)
   */
  cause?: Code;
  impact?: {
    newEta?: Timestamp;
    delayMinutes?: number;
    costImpact?: Money;
  };
  /**
   * Ids of the canonical objects that showed the exception (status event, invoice, movement).
   *
   * @maxItems 50
   */
  relatedIds?: string[];
  status: "OPEN" | "ACKNOWLEDGED" | "RESOLVED" | "DISMISSED";
  resolution?: {
    by: string;
    at: Timestamp;
    note?: string;
  };
}
export interface Source {
  /**
   * e.g. SAP_S4, WMS_DC1, SCANNER
   */
  system: string;
  tenant?: string;
  /**
   * e.g. SCANNER_JSON_V1, GS1_128, X12_214
   */
  format: string;
  documentId?: string;
  controlNumbers?: {
    interchange?: string;
    group?: string;
    transaction?: string;
  };
}
export interface Reference {
  /**
   * PO, SO, DELIVERY, BOL, PRO, TRACKING, LOAD, TENDER, SSCC, CONTAINER, INVOICE, WORK_ORDER, ...
   */
  type: string;
  value: string;
  line?: number;
  /**
   * Who issued the number (SCAC for a PRO, shipper GLN for a BOL): numbers are unique per issuer only.
   */
  issuer?: Identifier;
}
export interface Quantity {
  value: Decimal;
  /**
   * UN/ECE Rec 20 code (EA, H87, KGM, ...)
   */
  uom: string;
  /**
   * The unit as the source system named it, when mapped.
   */
  sourceUom?: string;
}
/**
 * Integer minor units of an ISO 4217 currency (USD 81612 = 816.12). No floats.
 */
export interface Money {
  currency: string;
  amountMinor: number;
  /**
   * Optional display form; amountMinor is authoritative.
   */
  amount?: Decimal;
}
/**
 * One charge on a shipment at one stage of its life: planned, accrued, invoiced, approved, paid. Invoice lines are FreightCharges.
 */
export interface FreightCharge {
  /**
   * Schema name and major version.
   */
  schema: "freight-charge/1";
  /**
   * This object's own id (stable for the same source content: derived from the idempotency key by the shipped profiles).
   */
  id: string;
  /**
   * When it happened at the source, with offset. For an ESTIMATED or PLANNED event: when it is expected to happen.
   */
  occurredAt?: Timestamp;
  /**
   * The wall-clock time the source gave, when it gave no offset (X12 DT/TM, SAP date+time, UPS local time).
   */
  localDateTime?: LocalDateTime;
  /**
   * IANA zone of localDateTime, when known (e.g. America/Chicago).
   */
  timeZone?: string;
  /**
   * When this product received or recorded it.
   */
  recordedAt?: Timestamp;
  source: Source;
  /**
   * Business thread this belongs to (order, shipment, load).
   */
  correlationId: string;
  /**
   * Id of the object or message that caused this one.
   */
  causationId?: string;
  /**
   * Deterministic from the source document: the same source content always gives the same key.
   */
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction); the earlier object stands until then.
   */
  retractsId?: string;
  chargeId: string;
  stage: "PLANNED" | "EXECUTED" | "ACCRUED" | "INVOICED" | "APPROVED" | "DISPUTED" | "PAID" | "REVERSED";
  /**
   * UNMAPPED: the source code is not in the partner's charge-code table (blocks auto-approval); OTHER: mapped, but to no specific type.
   */
  chargeType:
    | "LINEHAUL"
    | "FUEL"
    | "DISCOUNT"
    | "MINIMUM"
    | "DETENTION"
    | "LAYOVER"
    | "STOP_OFF"
    | "LIFTGATE"
    | "RESIDENTIAL"
    | "INSIDE_DELIVERY"
    | "APPOINTMENT"
    | "REDELIVERY"
    | "REWEIGH_RECLASS"
    | "HAZMAT"
    | "TAX"
    | "OTHER"
    | "UNMAPPED";
  /**
   * e.g. {scheme:'X12-150', code:'405'} or a partner scheme for partner-defined codes (LFT).
   */
  sourceCode?: Code;
  description?: string;
  lineNo?: number;
  /**
   * PRO, BOL, PO, shipment id
   *
   * @maxItems 50
   */
  shipmentRefs?: Reference[];
  invoiceRef?: Reference;
  carrier?: Carrier;
  basis?: {
    rate?: Decimal;
    /**
     * X12-122 (PH per cwt, FR flat, PM per mile ...)
     */
    rateQualifier?: Code;
    quantity?: Quantity;
    weight?: Weight;
  };
  /**
   * Negative for discounts and credits.
   */
  amount: Money;
  approval?: {
    required: boolean;
    status: "PENDING" | "APPROVED" | "REJECTED";
    by?: string;
    at?: Timestamp;
    /**
     * @maxItems 20
     */
    evidenceRefs?: Reference[];
  };
  accounting?: {
    glAccount?: string;
    costObject?: string;
    accrualKey?: string;
  };
}
export interface Carrier {
  /**
   * NMFTA Standard Carrier Alpha Code
   */
  scac?: string;
  name?: string;
  /**
   * @maxItems 10
   */
  ids?: Identifier[];
  /**
   * Service as the carrier names it (FedEx service type, X12 284, ...).
   */
  serviceLevel?: Code;
}
export interface Identifier {
  /**
   * GLN, UNLOCODE, SPLC, ERP_PLANT, WMS_SITE, CARRIER_TERMINAL, DUNS, SCAC, ERP_CUSTOMER, ...
   */
  scheme: string;
  value: string;
}
export interface Weight {
  value: Decimal;
  unit: "KGM" | "LBR" | "GRM" | "TNE";
  qualifier?: "GROSS" | "NET" | "TARE" | "BILLED";
}
/**
 * Every warehouse quantity change or handling-unit observation (scanner, WMS API, X12 945/944): pick, pack, weigh, measure, load, ship, receive, putaway, transfer, adjustment, count.
 */
export interface InventoryMovement {
  /**
   * Schema name and major version.
   */
  schema: "inventory-movement/1";
  /**
   * This event's own id.
   */
  id: string;
  occurredAt: Timestamp;
  localDateTime?: LocalDateTime;
  timeZone?: string;
  recordedAt?: Timestamp;
  source: Source;
  correlationId: string;
  causationId?: string;
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction).
   */
  retractsId?: string;
  movementId: string;
  type:
    | "PICK"
    | "PACK"
    | "WEIGH"
    | "MEASURE"
    | "LOAD"
    | "SHIP"
    | "RECEIVE"
    | "PUTAWAY"
    | "TRANSFER_OUT"
    | "TRANSFER_IN"
    | "ADJUSTMENT"
    | "CYCLE_COUNT";
  site: Location;
  fromBin?: string;
  toBin?: string;
  item?: {
    sku?: string;
    gtin?: Gtin;
  };
  batch?: string;
  expiry?: CalendarDate;
  /**
   * @maxItems 1000
   */
  serials?: string[];
  /**
   * Always positive; the direction comes from type.
   */
  quantity?: Quantity;
  handlingUnit?: {
    sscc?: Sscc;
    parentSscc?: Sscc;
  };
  weight?: Weight;
  dimensions?: Dimensions;
  /**
   * @maxItems 50
   */
  sourceDocs?: Reference[];
  reason?: Code;
  device?: {
    deviceId: string;
    seq?: number;
    operatorId?: string;
    /**
     * The scan as received, so parsing can be re-run.
     */
    raw?: string;
    symbologyId?: string;
  };
}
export interface Location {
  /**
   * @minItems 1
   */
  ids: Identifier[];
  name?: string;
  address?: Address;
  geo?: {
    lat: number;
    lon: number;
  };
  /**
   * IANA zone, e.g. Europe/Berlin
   */
  timeZone?: string;
}
export interface Address {
  /**
   * @maxItems 4
   */
  lines?: string[];
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}
export interface Dimensions {
  length: Decimal;
  width: Decimal;
  height: Decimal;
  unit: "CMT" | "MMT" | "MTR" | "INH" | "FOT";
}
/**
 * A code from an external list, kept with its scheme (e.g. X12-1650 D1). Never drop the source code.
 */
export interface Code {
  scheme: string;
  code: string;
  text?: string;
}
/**
 * A carrier invoice received (PAYABLE: 210, carrier API) or a customer invoice issued (RECEIVABLE).
 */
export interface InvoiceEvent {
  /**
   * Schema name and major version.
   */
  schema: "invoice-event/1";
  /**
   * This object's own id (stable for the same source content: derived from the idempotency key by the shipped profiles).
   */
  id: string;
  /**
   * When it happened at the source, with offset. For an ESTIMATED or PLANNED event: when it is expected to happen.
   */
  occurredAt?: Timestamp;
  /**
   * The wall-clock time the source gave, when it gave no offset (X12 DT/TM, SAP date+time, UPS local time).
   */
  localDateTime?: LocalDateTime;
  /**
   * IANA zone of localDateTime, when known (e.g. America/Chicago).
   */
  timeZone?: string;
  /**
   * When this product received or recorded it.
   */
  recordedAt?: Timestamp;
  source: Source;
  /**
   * Business thread this belongs to (order, shipment, load).
   */
  correlationId: string;
  /**
   * Id of the object or message that caused this one.
   */
  causationId?: string;
  /**
   * Deterministic from the source document: the same source content always gives the same key.
   */
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction); the earlier object stands until then.
   */
  retractsId?: string;
  invoiceId: string;
  direction: "PAYABLE" | "RECEIVABLE";
  invoiceNumber: string;
  /**
   * CORRECTED (210 B3-08) and CREDIT supersede the earlier invoice (correctionOf): not duplicates.
   */
  kind?: "ORIGINAL" | "CORRECTED" | "CREDIT" | "BALANCE_DUE";
  correctionOf?: string;
  issuer?: Party;
  billTo?: Party;
  /**
   * Shipper, consignee and others named on the invoice.
   *
   * @maxItems 20
   */
  parties?: Party[];
  carrier?: Carrier;
  invoiceDate: CalendarDate;
  dueDate?: CalendarDate;
  shipDate?: CalendarDate;
  deliveryDate?: CalendarDate;
  receivedAt?: Timestamp;
  freightTerms?: "PREPAID" | "COLLECT" | "THIRD_PARTY";
  currency: CurrencyCode;
  totals: {
    net: Money;
    tax?: Money;
    gross?: Money;
  };
  billedWeight?: Weight;
  pieces?: number;
  /**
   * Each line is a complete FreightCharge (stage INVOICED), so a flow can split the invoice into charges as they are.
   *
   * @maxItems 500
   */
  lines: FreightCharge[];
  /**
   * PRO, BOL, PO of the shipment(s) billed
   *
   * @maxItems 50
   */
  shipmentRefs?: Reference[];
  /**
   * Business duplicate key (domain §4.4): SCAC + normalised invoice number + currency + amountMinor.
   */
  duplicateKey: string;
  status:
    | "RECEIVED"
    | "MATCHED"
    | "IN_TOLERANCE"
    | "EXCEPTION"
    | "APPROVED"
    | "DISPUTED"
    | "SHORT_PAID"
    | "POSTED"
    | "PAID"
    | "VOID";
  /**
   * Why status is EXCEPTION at intake (scheme LSYNC-AUDIT: LINES_NOT_EQUAL_TOTAL, UNMAPPED_CHARGE, ...)
   *
   * @maxItems 20
   */
  findings?: Code[];
  audit?: {
    expected: Money;
    variance: Money;
    variancePct?: Decimal;
    byChargeType?: {
      [k: string]:
        | {
            expected: Money;
            invoiced: Money;
          }
        | undefined;
    };
  };
}
/**
 * Someone playing a role in a document: ids, a name, an address, or all three.
 */
export interface Party {
  role:
    | "SHIPPER"
    | "CONSIGNEE"
    | "SHIP_FROM"
    | "SHIP_TO"
    | "BILL_TO"
    | "SOLD_TO"
    | "BUYER"
    | "SELLER"
    | "CARRIER"
    | "WAREHOUSE"
    | "DEPOSITOR"
    | "PAYER"
    | "REMIT_TO"
    | "NOTIFY";
  /**
   * @maxItems 20
   */
  ids?: Identifier[];
  name?: string;
  address?: Address;
  location?: Location;
}
/**
 * A sales, transfer, return or purchase order as released to execution (ERP, e-commerce, 940).
 */
export interface Order {
  /**
   * Schema name and major version.
   */
  schema: "order/1";
  /**
   * This object's own id (stable for the same source content: derived from the idempotency key by the shipped profiles).
   */
  id: string;
  /**
   * When it happened at the source, with offset. For an ESTIMATED or PLANNED event: when it is expected to happen.
   */
  occurredAt: Timestamp;
  /**
   * The wall-clock time the source gave, when it gave no offset (X12 DT/TM, SAP date+time, UPS local time).
   */
  localDateTime?: LocalDateTime;
  /**
   * IANA zone of localDateTime, when known (e.g. America/Chicago).
   */
  timeZone?: string;
  /**
   * When this product received or recorded it.
   */
  recordedAt?: Timestamp;
  source: Source;
  /**
   * Business thread this belongs to (order, shipment, load).
   */
  correlationId: string;
  /**
   * Id of the object or message that caused this one.
   */
  causationId?: string;
  /**
   * Deterministic from the source document: the same source content always gives the same key.
   */
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction); the earlier object stands until then.
   */
  retractsId?: string;
  /**
   * The order's number in its system of record (SAP SalesOrder, NetSuite tranId).
   */
  orderId: string;
  orderType: "SALES" | "TRANSFER" | "RETURN" | "PURCHASE";
  /**
   * The order type as the source names it (SAP OR, NetSuite SalesOrd).
   */
  sourceOrderType?: Code;
  /**
   * Customer PO, quotation, contract, ...
   *
   * @maxItems 50
   */
  references?: Reference[];
  /**
   * @maxItems 20
   */
  parties?: Party[];
  /**
   * Document date as the ERP keeps it (date only).
   */
  orderDate?: CalendarDate;
  orderedAt?: Timestamp;
  /**
   * Released to execution (WMS/TMS): start of order-to-ship cycle time.
   */
  releasedAt?: Timestamp;
  /**
   * ERPs mostly give a date, not a window.
   */
  requestedDeliveryDate?: CalendarDate;
  requestedDelivery?: TimeWindow;
  /**
   * Basis for OTIF.
   */
  promisedDelivery?: TimeWindow;
  incoterms?: {
    /**
     * Incoterms code (EXW, FCA, DAP, DDP, FOB, ...); older editions' codes allowed.
     */
    code: string;
    place?: string;
    edition?: string;
  };
  freightTerms?: "PREPAID" | "COLLECT" | "THIRD_PARTY";
  shipFrom?: Location;
  serviceRequest?: {
    mode?: Mode;
    level?: string;
    carrier?: Carrier;
    /**
     * LIFTGATE, APPOINTMENT, RESIDENTIAL, INSIDE_DELIVERY, ...
     *
     * @maxItems 20
     */
    accessorials?: string[];
  };
  currency?: CurrencyCode;
  totals?: {
    net: Money;
    tax?: Money;
    gross?: Money;
  };
  /**
   * @minItems 1
   * @maxItems 10000
   */
  lines: {
    lineNo: number;
    sku?: string;
    gtin?: Gtin;
    customerItem?: string;
    description?: string;
    quantity: Quantity;
    unitPrice?: Price;
    netAmount?: Money;
    requestedBatch?: string;
    requestedDeliveryDate?: CalendarDate;
    shipFrom?: Location;
    weight?: Weight;
    status?: "OPEN" | "PARTIALLY_SHIPPED" | "SHIPPED" | "CANCELLED" | "CLOSED";
  }[];
  status: "OPEN" | "RELEASED" | "PARTIALLY_SHIPPED" | "SHIPPED" | "DELIVERED" | "INVOICED" | "CLOSED" | "CANCELLED";
}
export interface TimeWindow {
  from?: Timestamp;
  to?: Timestamp;
}
/**
 * A rate per unit (unit price, freight rate): an exact decimal, not minor units, since rates carry more decimals than the currency (0.0125 USD/EA).
 */
export interface Price {
  currency: CurrencyCode;
  amount: Decimal;
  /**
   * The quantity the amount is for (1 EA, 100 LBR); 1 of the line's unit when absent.
   */
  per?: Quantity;
}
/**
 * One carrier milestone or estimate (X12 214, carrier tracking APIs, visibility providers). ESTIMATED events are ETAs, never actuals.
 */
export interface ShipmentStatusEvent {
  /**
   * Schema name and major version.
   */
  schema: "shipment-status-event/1";
  /**
   * This object's own id (stable for the same source content: derived from the idempotency key by the shipped profiles).
   */
  id: string;
  /**
   * When it happened at the source, with offset. For an ESTIMATED or PLANNED event: when it is expected to happen.
   */
  occurredAt?: Timestamp;
  /**
   * The wall-clock time the source gave, when it gave no offset (X12 DT/TM, SAP date+time, UPS local time).
   */
  localDateTime?: LocalDateTime;
  /**
   * IANA zone of localDateTime, when known (e.g. America/Chicago).
   */
  timeZone?: string;
  /**
   * The source's time code kept as sent (X12-623 ET/CT/LT/UT...), whether or not it could be resolved.
   */
  timeCode?: Code;
  /**
   * When this product received or recorded it.
   */
  recordedAt?: Timestamp;
  source: Source;
  /**
   * Business thread this belongs to (order, shipment, load).
   */
  correlationId: string;
  /**
   * Id of the object or message that caused this one.
   */
  causationId?: string;
  /**
   * Deterministic from the source document: the same source content always gives the same key.
   */
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction); the earlier object stands until then.
   */
  retractsId?: string;
  /**
   * PRO, BOL, TRACKING, LOAD, ... with issuer where known.
   *
   * @minItems 1
   * @maxItems 50
   */
  shipmentRefs: Reference[];
  carrier?: Carrier;
  /**
   * Canonical milestone (domain §1.4); OTHER when the source code has no mapping yet — eventCode keeps it.
   */
  status:
    | "ACKNOWLEDGED"
    | "SHIPMENT_INFO_RECEIVED"
    | "ARRIVED_PICKUP"
    | "LOADED"
    | "PICKED_UP"
    | "DEPARTED_PICKUP"
    | "ARRIVED_TERMINAL"
    | "DEPARTED_TERMINAL"
    | "ARRIVED_FACILITY"
    | "DEPARTED_FACILITY"
    | "ARRIVED_STOP"
    | "DEPARTED_STOP"
    | "IN_TRANSIT"
    | "OUT_FOR_DELIVERY"
    | "ARRIVED_DELIVERY"
    | "DELIVERED"
    | "DEPARTED_DELIVERY"
    | "ETA"
    | "DELAYED"
    | "HELD"
    | "DELIVERY_ATTEMPTED"
    | "DELIVERY_NOT_COMPLETED"
    | "DELIVERY_MISSED"
    | "PICKUP_MISSED"
    | "REFUSED"
    | "DAMAGED"
    | "RECONSIGNED"
    | "INTERLINED"
    | "DELIVERY_EXCEPTION"
    | "EXCEPTION"
    | "RETURNED_TO_SHIPPER"
    | "CANCELLED"
    | "INFO"
    | "OTHER";
  classifier: "ACTUAL" | "ESTIMATED" | "PLANNED";
  /**
   * The source's own event code, never dropped ({scheme:'X12-1650', code:'D1'}, FEDEX-EVENT PU, P44-EVENT DELIVERY).
   */
  eventCode: Code;
  /**
   * Status reason (X12-1651 NS, AO, ...)
   */
  reason?: Code;
  description?: string;
  location?: Place;
  stopSeq?: number;
  stopRef?: string;
  /**
   * When the carrier or visibility provider reported it (p44 receivedDateTime).
   */
  reportedAt?: Timestamp;
  weight?: Weight;
  pieces?: number;
  handlingUnits?: number;
  equipment?: {
    number: string;
    type?: Code;
    scac?: string;
  };
  signedBy?: string;
}
/**
 * Where an event happened, as precisely as the source said: like Location, but ids are optional because carriers often give only a city (214 MS1, FedEx scanLocation).
 */
export interface Place {
  /**
   * @maxItems 20
   */
  ids?: Identifier[];
  name?: string;
  address?: Address;
  geo?: {
    lat: number;
    lon: number;
  };
  /**
   * IANA zone, e.g. America/Chicago
   */
  timeZone?: string;
}
/**
 * One movement of goods from a shipper to a consignee (delivery / load / LTL or parcel shipment), as confirmed by ERP, WMS, 945 or TMS.
 */
export interface Shipment {
  /**
   * Schema name and major version.
   */
  schema: "shipment/1";
  /**
   * This object's own id (stable for the same source content: derived from the idempotency key by the shipped profiles).
   */
  id: string;
  /**
   * When it happened at the source, with offset. For an ESTIMATED or PLANNED event: when it is expected to happen.
   */
  occurredAt?: Timestamp;
  /**
   * The wall-clock time the source gave, when it gave no offset (X12 DT/TM, SAP date+time, UPS local time).
   */
  localDateTime?: LocalDateTime;
  /**
   * IANA zone of localDateTime, when known (e.g. America/Chicago).
   */
  timeZone?: string;
  /**
   * When this product received or recorded it.
   */
  recordedAt?: Timestamp;
  source: Source;
  /**
   * Business thread this belongs to (order, shipment, load).
   */
  correlationId: string;
  /**
   * Id of the object or message that caused this one.
   */
  causationId?: string;
  /**
   * Deterministic from the source document: the same source content always gives the same key.
   */
  idempotencyKey: string;
  /**
   * Id of an earlier object this one withdraws (DCSA-style retraction); the earlier object stands until then.
   */
  retractsId?: string;
  /**
   * The shipment's id in the source (delivery number, fulfillment id, picking name, 945 shipment id).
   */
  shipmentId: string;
  mode?: Mode;
  carrier?: Carrier;
  /**
   * DELIVERY, BOL, PRO, TRACKING, LOAD, TENDER, PO, ...: correlate on any of them, scoped by issuer.
   *
   * @maxItems 50
   */
  references?: Reference[];
  /**
   * @maxItems 200
   */
  orderRefs?: {
    orderId: string;
    lineNo?: number;
  }[];
  /**
   * @maxItems 20
   */
  parties?: Party[];
  /**
   * @maxItems 100
   */
  stops?: {
    seq: number;
    type: "PICKUP" | "DELIVERY" | "CROSSDOCK" | "STOP_OFF";
    location: Location;
    appointment?: TimeWindow;
    plannedArrival?: Timestamp;
    estimatedArrival?: Timestamp;
    actualArrival?: Timestamp;
    actualDeparture?: Timestamp;
  }[];
  /**
   * @maxItems 10000
   */
  handlingUnits?: {
    sscc?: Sscc;
    /**
     * Package type with its scheme: UNECE-21 (PX pallet, CT carton), X12-103, ...
     */
    packaging?: Code;
    trackingNumber?: string;
    weight?: Weight;
    dimensions?: Dimensions;
    /**
     * @maxItems 1000
     */
    contents?: {
      orderRef?: string;
      lineNo?: number;
      sku?: string;
      gtin?: Gtin;
      batch?: string;
      expiry?: CalendarDate;
      /**
       * @maxItems 1000
       */
      serials?: string[];
      quantity: Quantity;
    }[];
  }[];
  /**
   * Shipped item lines when the source confirms by line rather than by handling unit (SAP delivery items, 945 W12).
   *
   * @maxItems 10000
   */
  lines?: {
    lineNo: number;
    orderRef?: Reference;
    sku?: string;
    gtin?: Gtin;
    description?: string;
    batch?: string;
    expiry?: CalendarDate;
    /**
     * @maxItems 1000
     */
    serials?: string[];
    /**
     * Shipped quantity; 0 for a line confirmed short.
     */
    quantity: Quantity;
    /**
     * What was asked for, when the source says: quantity < quantityOrdered is a short shipment.
     */
    quantityOrdered?: Quantity;
    /**
     * Line status as the source gives it (X12-W1201 CL/PR, ...)
     */
    status?: Code;
    weight?: Weight;
  }[];
  totals?: {
    weight?: Weight;
    volume?: Volume;
    pieces?: number;
    handlingUnits?: number;
  };
  /**
   * Warehouse side (RELEASED..SHIPPED = goods issued / left the dock) then carrier side (TENDERED..DELIVERED).
   */
  status:
    | "PLANNED"
    | "RELEASED"
    | "PICKED"
    | "PACKED"
    | "SHIPPED"
    | "TENDERED"
    | "ACCEPTED"
    | "REJECTED"
    | "PICKED_UP"
    | "IN_TRANSIT"
    | "DELIVERED"
    | "CANCELLED";
  /**
   * Accessorial services performed for this shipment (LIFTGATE, RESIDENTIAL, APPOINTMENT, INSIDE_DELIVERY, ...): what the carrier may bill besides linehaul and fuel.
   *
   * @maxItems 20
   */
  accessorials?: string[];
  /**
   * Ship date when the source gives only a date (945 W06-03).
   */
  shipDate?: CalendarDate;
  shippedAt?: Timestamp;
  deliveredAt?: Timestamp;
  pod?: {
    signedBy?: string;
    deliveredAt?: Timestamp;
    documentRef?: string;
    /**
     * @maxItems 20
     */
    exceptions?: Code[];
  };
}
export interface Volume {
  value: Decimal;
  /**
   * UN/ECE Rec 20
   */
  unit: "MTQ" | "FTQ" | "LTR" | "DMQ" | "CMQ" | "INQ";
}
