import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalValidator, describeErrors } from "../../../nodes/lib/canonical/validator";
import type { InventoryMovement, InvoiceEvent, Order, Shipment, ShipmentStatusEvent } from "../../../nodes/lib/canonical/types";
import { InputError } from "../../../nodes/lib/errors";
import { compileMapping, type MapContext } from "../../../nodes/lib/mapping/mapper";
import { findProfile, profileSchema, profileSource } from "../../../nodes/lib/mapping/profiles";
import { x12Segments } from "./x12-segments";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "vendor");
const RECEIVED = "2025-03-22T10:00:00.000Z";

function fixture(file: string): unknown {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  return file.endsWith(".edi") ? x12Segments(text) : JSON.parse(text);
}

/** JSONata builds null-prototype objects: compare them as the JSON they become. */
const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

/** Maps a fixture with a shipped inbound profile; every object must validate against the profile's schema. */
async function mapAll<T>(profileId: string, payload: unknown, context: Partial<MapContext> = {}): Promise<T[]> {
  const profile = findProfile(profileId);
  assert.ok(profile, `profile ${profileId} is listed in profiles.json`);
  assert.equal(profile.direction, "inbound");
  const out = await compileMapping(profileSource(profile), profile.input).map(payload, { receivedAt: RECEIVED, ...context });
  assert.notEqual(out, undefined, "the mapping produced something");
  const objects = plain<unknown[]>(Array.isArray(out) ? out : [out]);
  const schema = profileSchema(profile);
  objects.forEach((o, i) => {
    const verdict = canonicalValidator().validate(o, schema);
    assert.ok(verdict.ok, verdict.ok ? "" : `${profileId}[${i}]: ${describeErrors(canonicalValidator().title(schema), verdict.errors)}`);
  });
  return objects as T[];
}

function assertKeysDeterministic(a: { idempotencyKey: string; id: string }[], b: { idempotencyKey: string }[]): void {
  assert.deepEqual(a.map((x) => x.idempotencyKey), b.map((x) => x.idempotencyKey), "same source document, same keys");
  assert.equal(new Set(a.map((x) => x.idempotencyKey)).size, a.length, "keys are distinct within a document");
  for (const x of a) assert.equal(x.id, x.idempotencyKey);
}

describe("SAP S/4HANA outbound delivery -> Shipment", () => {
  it("maps OData V2 dates, times, decimals and units; no $tz binding gives localDateTime only", async () => {
    const [s] = await mapAll<Shipment>("sap-outbound-delivery", fixture("sap-outbound-delivery.json"));
    assert.ok(s);
    assert.equal(s.status, "SHIPPED");
    assert.equal(s.shipmentId, "80001234");
    assert.equal(s.localDateTime, "2025-03-21T14:05:00");
    assert.equal(s.occurredAt, undefined, "plant-local time without a zone is not guessed");
    assert.equal(s.shipDate, "2025-03-21");
    assert.deepEqual(s.totals?.weight, { value: "412.5", unit: "KGM", qualifier: "GROSS" });
    assert.deepEqual(s.totals?.volume, { value: "1.92", unit: "MTQ" });
    assert.deepEqual(s.lines?.[0]?.quantity, { value: "12", uom: "H87", sourceUom: "PC" });
    const short = s.lines?.find((l) => l.lineNo === 20);
    assert.deepEqual([short?.quantity.value, short?.quantityOrdered?.value], ["0", "5"], "a short line stays, with what was ordered");
    assert.deepEqual(s.references?.find((r) => r.type === "BOL"), { type: "BOL", value: "06141411234567913" });
    assert.deepEqual(s.orderRefs, [{ orderId: "1000456" }]);
  });

  it("with the $tz binding the goods issue becomes occurredAt/shippedAt with that offset", async () => {
    const [s] = await mapAll<Shipment>("sap-outbound-delivery", fixture("sap-outbound-delivery.json"), { bindings: { tz: "-0500" } });
    assert.equal(s?.occurredAt, "2025-03-21T14:05:00-05:00");
    assert.equal(s?.shippedAt, "2025-03-21T14:05:00-05:00");
  });

  it("accepts a single entity ({d: {...}}), keys are deterministic, an unknown SAP unit is refused by name", async () => {
    const payload = fixture("sap-outbound-delivery.json") as { d: { results: Record<string, unknown>[] } };
    const single = await mapAll<Shipment>("sap-outbound-delivery", { d: payload.d.results[0] });
    const again = await mapAll<Shipment>("sap-outbound-delivery", fixture("sap-outbound-delivery.json"));
    assertKeysDeterministic(single, again);
    const odd = structuredClone(payload);
    (odd.d.results[0]!.to_DeliveryDocumentItem as { results: Record<string, unknown>[] }).results[0]!.DeliveryQuantityUnit = "ZZ1";
    await assert.rejects(mapAll("sap-outbound-delivery", odd), (e: unknown) => e instanceof InputError && /SAP unit ZZ1/.test(e.message));
  });
});

describe("SAP S/4HANA sales order -> Order", () => {
  it("maps amounts to exact minor units and prefers the ISO unit", async () => {
    const [o] = await mapAll<Order>("sap-sales-order", fixture("sap-sales-order.json"));
    assert.ok(o);
    assert.equal(o.occurredAt, "2025-03-18T10:46:04.000Z", "LastChangeDateTime is an instant");
    assert.equal(o.orderDate, "2025-03-17");
    assert.equal(o.requestedDeliveryDate, "2025-03-24");
    assert.deepEqual(o.totals?.net, { currency: "USD", amountMinor: 144450 });
    assert.deepEqual(o.lines.map((l) => l.netAmount?.amountMinor), [29400, 115050], '"1150.500" is exact');
    assert.deepEqual(o.lines.map((l) => l.quantity.uom), ["H87", "CT"]);
    assert.equal(o.status, "PARTIALLY_SHIPPED");
    assert.deepEqual(o.references, [{ type: "PO", value: "4500021354" }]);
  });
});

describe("NetSuite -> Order and Shipment", () => {
  it("sales order: refName references, number amounts to minor units, unit names", async () => {
    const [o] = await mapAll<Order>("netsuite-sales-order", fixture("netsuite-sales-order.json"));
    assert.ok(o);
    assert.equal(o.orderId, "SO-10442");
    assert.equal(o.status, "RELEASED");
    assert.deepEqual(o.totals, { net: { currency: "USD", amountMinor: 144450 }, gross: { currency: "USD", amountMinor: 146800 } });
    assert.deepEqual(o.lines[1]?.unitPrice, { currency: "USD", amount: "230.1" });
    assert.equal(o.parties?.find((p) => p.role === "SHIP_TO")?.address?.country, "US");
  });

  it("sales order: a currency that is not an ISO code needs the nsCurrencies binding", async () => {
    const payload = { ...(fixture("netsuite-sales-order.json") as object), currency: { id: "2", refName: "Canadian Dollar" } };
    await assert.rejects(mapAll("netsuite-sales-order", payload), (e: unknown) => e instanceof InputError && /nsCurrencies/.test(e.message));
    const [o] = await mapAll<Order>("netsuite-sales-order", payload, { bindings: { nsCurrencies: { "2": "CAD" } } });
    assert.equal(o?.totals?.net.currency, "CAD");
  });

  it("item fulfillment: shipped lines against the order, packages with tracking numbers", async () => {
    const [s] = await mapAll<Shipment>("netsuite-item-fulfillment", fixture("netsuite-item-fulfillment.json"));
    assert.ok(s);
    assert.equal(s.status, "SHIPPED");
    assert.equal(s.correlationId, "SO|SO-10442");
    assert.deepEqual(s.lines?.[1]?.orderRef, { type: "SO", value: "SO-10442", line: 2 });
    assert.equal(s.handlingUnits?.[0]?.trackingNumber, "1Z023E2X0214323462");
    assert.deepEqual(s.handlingUnits?.[0]?.weight, { value: "91.5", unit: "LBR", qualifier: "GROSS" });
  });
});

describe("Odoo stock.picking -> Shipment", () => {
  it("reads Many2one pairs, naive UTC datetimes and uom names", async () => {
    const [s] = await mapAll<Shipment>("odoo-stock-picking", fixture("odoo-stock-picking.json"));
    assert.ok(s);
    assert.equal(s.occurredAt, "2025-03-21T18:05:31Z");
    assert.equal(s.shippedAt, "2025-03-21T18:05:31Z");
    assert.equal(s.carrier?.name, "UPS US");
    assert.deepEqual(s.parties?.[0], { role: "SHIP_TO", name: "Widget Retail, DC 7", ids: [{ scheme: "ODOO_PARTNER", value: "14" }] });
    assert.deepEqual(s.lines?.map((l) => [l.sku, l.quantity.value, l.quantityOrdered?.value, l.quantity.uom]), [
      ["TG11", "12", "12", "H87"],
      ["TG12", "3", "5", "DZN"],
    ]);
  });

  it("a bare JSON-RPC search_read answer maps without lines", async () => {
    const { picking } = fixture("odoo-stock-picking.json") as { picking: Record<string, unknown> };
    const [s] = await mapAll<Shipment>("odoo-stock-picking", { jsonrpc: "2.0", id: 7, result: [{ ...picking, state: "assigned", date_done: false, carrier_id: false }] });
    assert.equal(s?.status, "RELEASED");
    assert.equal(s?.occurredAt, "2025-03-21T18:05:33Z", "write_date when not done");
    assert.equal(s?.carrier, undefined, "false Many2one is absent");
  });
});

describe("FedEx Track v1 -> ShipmentStatusEvent[]", () => {
  it("one event per scan, offsets as given, not-found numbers skipped, exception reason kept", async () => {
    const events = await mapAll<ShipmentStatusEvent>("fedex-track-v1", fixture("fedex-track-v1.json"));
    assert.equal(events.length, 6);
    assert.deepEqual(events.map((e) => e.status), ["DELIVERED", "OUT_FOR_DELIVERY", "DELIVERY_EXCEPTION", "DEPARTED_FACILITY", "PICKED_UP", "SHIPMENT_INFO_RECEIVED"]);
    assert.equal(events[0]?.occurredAt, "2025-03-21T14:20:00-04:00");
    assert.equal(events[0]?.signedBy, "J.SMITH");
    assert.deepEqual(events[2]?.reason, { scheme: "FEDEX-EXCEPTION", code: "08", text: "Customer not available or business closed" });
    assert.ok(events[0]?.shipmentRefs.some((r) => r.type === "PO" && r.value === "4500021354"));
    assertKeysDeterministic(events, await mapAll("fedex-track-v1", fixture("fedex-track-v1.json")));
  });
});

describe("UPS Track -> ShipmentStatusEvent[]", () => {
  it("YYYYMMDD + HHMMSS local: localDateTime always, occurredAt only with gmtOffset", async () => {
    const events = await mapAll<ShipmentStatusEvent>("ups-track-v1", fixture("ups-track-v1.json"));
    assert.equal(events.length, 5);
    assert.deepEqual(events[0] && [events[0].status, events[0].localDateTime, events[0].occurredAt, events[0].signedBy], [
      "DELIVERED",
      "2025-03-21T14:20:00",
      "2025-03-21T14:20:00-04:00",
      "SMITH",
    ]);
    assert.deepEqual([events[1]?.status, events[1]?.localDateTime, events[1]?.occurredAt], ["OUT_FOR_DELIVERY", "2025-03-21T07:15:12", undefined]);
    assert.equal(events[2]?.status, "DELIVERY_EXCEPTION");
    assert.equal(events[0]?.eventCode.text, "DELIVERED", "UPS's space padding trimmed");
    assertKeysDeterministic(events, await mapAll("ups-track-v1", fixture("ups-track-v1.json")));
  });
});

describe("project44 v4 event history -> ShipmentStatusEvent[]", () => {
  it("normalises +0000 to +00:00, keeps every event, names the stop", async () => {
    const events = await mapAll<ShipmentStatusEvent>("p44-event-history", fixture("p44-ltl-event-history.json"));
    assert.equal(events.length, 6);
    assert.equal(events[0]?.status, "INFO");
    const delivered = events.find((e) => e.status === "DELIVERED");
    assert.equal(delivered?.occurredAt, "2025-03-21T18:20:00+00:00");
    assert.equal(delivered?.reportedAt, "2025-03-21T18:40:17+00:00");
    assert.equal(delivered?.location?.address?.city, "Columbus");
    assert.equal(delivered?.stopSeq, 2);
    assert.equal(delivered?.correlationId, "BOL|06141411234567913");
    assert.deepEqual(delivered?.shipmentRefs.find((r) => r.type === "PRO"), { type: "PRO", value: "1234567890", issuer: { scheme: "SCAC", value: "ODFL" } });
    assertKeysDeterministic(events, await mapAll("p44-event-history", fixture("p44-ltl-event-history.json")));
  });
});

describe("X12 214 -> ShipmentStatusEvent[]", () => {
  it("one event per AT7, sorted by time, AG is an ESTIMATED ETA, appointments PLANNED", async () => {
    const events = await mapAll<ShipmentStatusEvent>("x12-214-status", fixture("x12-214-ltl.edi"));
    assert.deepEqual(events.map((e) => `${e.eventCode.code}:${e.status}:${e.classifier}`), [
      "AF:DEPARTED_PICKUP:ACTUAL",
      "SD:DELAYED:ACTUAL",
      "X6:IN_TRANSIT:ACTUAL",
      "AB:INFO:PLANNED",
      "X1:ARRIVED_DELIVERY:ACTUAL",
      "D1:DELIVERED:ACTUAL",
      "AG:ETA:ESTIMATED",
    ]);
  });

  it("resolves AT7-07 time codes (CT/ET with US daylight saving, UT) and keeps LT/no code unresolved", async () => {
    const events = await mapAll<ShipmentStatusEvent>("x12-214-status", fixture("x12-214-ltl.edi"));
    const by = (code: string) => events.find((e) => e.eventCode.code === code)!;
    assert.deepEqual([by("AF").occurredAt, by("AF").timeCode], ["2025-03-19T10:15:00-05:00", { scheme: "X12-623", code: "CT" }], "CDT after 9 March 2025");
    assert.equal(by("X1").occurredAt, "2025-03-21T13:42:00-04:00");
    assert.equal(by("D1").occurredAt, "2025-03-21T18:20:00+00:00", "HHMMSS with UT");
    assert.deepEqual([by("X6").occurredAt, by("X6").localDateTime, by("X6").timeCode?.code], [undefined, "2025-03-20T22:15:00", "LT"]);
    const winter = fixture("x12-214-ltl.edi") as Record<string, string>[];
    const at7 = winter.find((s) => s.name === "AT7" && s["1"] === "AF")!;
    at7["5"] = "20250110";
    const [af] = (await mapAll<ShipmentStatusEvent>("x12-214-status", winter)).filter((e) => e.eventCode.code === "AF");
    assert.equal(af?.occurredAt, "2025-01-10T10:15:00-06:00", "CST in January");
  });

  it("keeps codes, trims space-padded ids, reads MS1/MS2/AT8 of the same LX loop, carries control numbers", async () => {
    const events = await mapAll<ShipmentStatusEvent>("x12-214-status", fixture("x12-214-ltl.edi"));
    const af = events[0]!;
    assert.deepEqual(af.shipmentRefs[0], { type: "PRO", value: "1234567890", issuer: { scheme: "SCAC", value: "ODFL" } });
    assert.deepEqual(af.location, { address: { city: "MEMPHIS", region: "TN", country: "US" } });
    assert.deepEqual(af.equipment, { number: "T12345", scac: "ODFL" });
    assert.deepEqual([af.weight, af.pieces], [{ value: "2085", unit: "LBR", qualifier: "GROSS" }, 5]);
    assert.deepEqual(af.source.controlNumbers, { interchange: "000000123", group: "123", transaction: "0001" });
    assert.equal(af.correlationId, "BOL|06141411234567913");
    const sd = events.find((e) => e.status === "DELAYED")!;
    assert.deepEqual(sd.reason, { scheme: "X12-1651", code: "AO" });
    assert.equal(events.find((e) => e.eventCode.code === "AG")!.location, undefined, "no MS1 in that loop");
  });

  it("the same status re-sent in another interchange gives the same idempotency key", async () => {
    const first = await mapAll<ShipmentStatusEvent>("x12-214-status", fixture("x12-214-ltl.edi"));
    const resent = fixture("x12-214-ltl.edi") as Record<string, string>[];
    resent.find((s) => s.name === "ISA")!["13"] = "000000999";
    resent.find((s) => s.name === "ST")!["2"] = "0042";
    const second = await mapAll<ShipmentStatusEvent>("x12-214-status", resent);
    assertKeysDeterministic(first, second);
    assert.equal(second[0]?.source.controlNumbers?.interchange, "000000999");
  });
});

describe("X12 210 -> InvoiceEvent with FreightCharge lines", () => {
  it("N2 amounts to minor units, negative discount line, lines = L3 = B3-07, charge codes mapped", async () => {
    const [inv] = await mapAll<InvoiceEvent>("x12-210-invoice", fixture("x12-210-ltl.edi"));
    assert.ok(inv);
    assert.deepEqual(inv.totals.net, { currency: "USD", amountMinor: 81612 });
    assert.deepEqual(inv.lines.map((l) => [l.chargeType, l.amount.amountMinor, l.sourceCode?.code]), [
      ["LINEHAUL", 80168, "400"],
      ["DISCOUNT", -24050, "DSC"],
      ["FUEL", 15994, "405"],
      ["LIFTGATE", 9500, "LFT"],
    ]);
    assert.equal(inv.lines.reduce((sum, l) => sum + l.amount.amountMinor, 0), inv.totals.net.amountMinor);
    assert.deepEqual(inv.lines[0]?.basis, { rate: "38.45", rateQualifier: { scheme: "X12-122", code: "PH" } });
    assert.equal(inv.status, "RECEIVED");
    assert.equal(inv.kind, "ORIGINAL");
    assert.equal(inv.freightTerms, "PREPAID");
    assert.deepEqual([inv.invoiceDate, inv.shipDate, inv.deliveryDate], ["2025-03-22", "2025-03-19", "2025-03-21"]);
    assert.equal(inv.billTo?.name, "ACME MANUFACTURING AP");
    assert.equal(inv.duplicateKey, "ODFL|1234567890|USD|81612");
    assert.deepEqual(inv.billedWeight, { value: "2085", unit: "LBR", qualifier: "BILLED" });
    for (const line of inv.lines) {
      assert.ok(canonicalValidator().validate(line, { name: "freight-charge", major: 1 }).ok, "each line is a FreightCharge on its own");
    }
  });

  it("N2 means two implied decimals whatever the currency: JPY and KWD convert by their own minor units", async () => {
    const withCurrency = (code: string) => (fixture("x12-210-ltl.edi") as Record<string, string>[]).map((s) => (s.name === "C3" ? { ...s, "1": code } : s));
    // A yen invoice sends N2 amounts with ".00": 8161200 is 81612.00 JPY = 81612 minor units.
    const cents = (s: Record<string, string>, k: string) => ({ ...s, [k]: `${s[k]}00` });
    const yen = withCurrency("JPY").map((s) =>
      s.name === "B3" ? cents(s, "7") : s.name === "L3" ? cents(s, "5") : s.name === "L1" && s["4"] ? cents(s, "4") : s,
    );
    const [jpy] = await mapAll<InvoiceEvent>("x12-210-invoice", yen);
    assert.deepEqual(jpy?.totals.net, { currency: "JPY", amountMinor: 81612 });
    assert.deepEqual(jpy?.lines.map((l) => l.amount.amountMinor), [80168, -24050, 15994, 9500]);
    const [kwd] = await mapAll<InvoiceEvent>("x12-210-invoice", withCurrency("KWD"));
    assert.deepEqual(kwd?.totals.net, { currency: "KWD", amountMinor: 816120 });
    await assert.rejects(mapAll("x12-210-invoice", withCurrency("JPY")), (e: unknown) => e instanceof InputError && /JPY/.test(e.message), "816.12 JPY is not an amount");
  });

  it("a total that does not add up is EXCEPTION with the finding", async () => {
    const segs = (fixture("x12-210-ltl.edi") as Record<string, string>[]).map((s) => (s.name === "B3" ? { ...s, "7": "81712" } : s));
    const [inv] = await mapAll<InvoiceEvent>("x12-210-invoice", segs);
    assert.equal(inv?.status, "EXCEPTION");
    assert.deepEqual(inv?.findings?.map((f) => f.code), ["LINES_NOT_EQUAL_TOTAL", "L3_NOT_EQUAL_TOTAL"]);
  });

  it("corrected invoice without C3/N1/G62: USD, CORRECTED, new key, unknown code UNMAPPED blocks approval", async () => {
    const [inv] = await mapAll<InvoiceEvent>("x12-210-invoice", fixture("x12-210-corrected-minimal.edi"));
    assert.ok(inv);
    assert.equal(inv.currency, "USD");
    assert.equal(inv.kind, "CORRECTED");
    assert.equal(inv.status, "EXCEPTION");
    assert.deepEqual(inv.findings?.map((f) => [f.code, f.text]), [["UNMAPPED_CHARGE", "RDL"]]);
    assert.deepEqual(inv.lines.map((l) => [l.chargeType, l.amount.amountMinor]), [["LINEHAUL", 21900], ["UNMAPPED", 3625]]);
    assert.equal(inv.duplicateKey, "SEFL|987654|USD|25525", "invoice number normalised (leading zeros)");
    assert.match(inv.idempotencyKey, /\|CO\|/);
    assert.equal(inv.billTo, undefined);
    const [mapped] = await mapAll<InvoiceEvent>("x12-210-invoice", fixture("x12-210-corrected-minimal.edi"), { bindings: { chargeCodes: { RDL: "REDELIVERY" } } });
    assert.deepEqual([mapped?.status, mapped?.lines[1]?.chargeType], ["RECEIVED", "REDELIVERY"]);
  });
});

describe("X12 945 -> Shipment", () => {
  it("W06 header, SSCC handling units, short line by ordered vs shipped, W03 totals; routes on ST01 despite GS01 IN", async () => {
    const [s] = await mapAll<Shipment>("x12-945-ship-advice", fixture("x12-945-ship-advice.edi"));
    assert.ok(s);
    assert.equal(s.status, "SHIPPED");
    assert.equal(s.shipmentId, "SH-77810");
    assert.equal(s.correlationId, "SO|SO-10442");
    assert.equal(s.localDateTime, "2025-03-21T15:12:00");
    assert.equal(s.shipDate, "2025-03-21");
    assert.deepEqual(s.carrier, { scac: "ODFL", name: "OLD DOMINION" });
    assert.deepEqual(s.handlingUnits?.map((h) => [h.sscc, h.contents?.length]), [["340123450000000017", 2]]);
    assert.deepEqual(s.lines?.map((l) => [l.sku, l.gtin, l.quantity.value, l.quantityOrdered?.value, l.status?.code]), [
      ["TG11", "00012345678905", "12", "12", "CC"],
      ["TG12", undefined, "3", "5", "PR"],
    ]);
    assert.deepEqual(s.totals, { pieces: 15, weight: { value: "412.5", unit: "LBR", qualifier: "GROSS" } });
    assert.deepEqual(s.parties?.[0]?.ids, [{ scheme: "GLN", value: "0614141000005" }]);
  });

  it("an SSCC with a wrong check digit is refused by the schema (rule x-gs1-check)", async () => {
    const segs = (fixture("x12-945-ship-advice.edi") as Record<string, string>[]).map((s) => (s.name === "MAN" ? { ...s, "2": "00340123450000000018" } : s));
    await assert.rejects(mapAll("x12-945-ship-advice", segs), /x-gs1-check/);
  });
});

describe("Order -> WMS fulfillment instruction (Odoo stock.picking)", () => {
  const profile = findProfile("wms-fulfillment-instruction")!;
  const instructionOf = async (order: unknown, bindings: Record<string, unknown>) => plain<{ picking_type_id: number; origin: string }>(await compileMapping(profileSource(profile), profile.input).map(order, { bindings }));
  /** The sample SAP order, mapped, shipped from `plant` (or from no plant named). */
  const orderAt = async (plant: string | null) => {
    const [order] = await mapAll<Order>("sap-sales-order", fixture("sap-sales-order.json"));
    for (const l of order!.lines) {
      if (plant) l.shipFrom = { ids: [{ scheme: "ERP_PLANT", value: plant }] };
      else delete l.shipFrom;
    }
    return order!;
  };
  const bindings = { pickingTypes: { "1010": 1, "1020": 4, "1710": 7 }, pickingTypeId: 1 };

  it("sends the order to the warehouse of its plant: that warehouse's operation type", async () => {
    assert.equal((await instructionOf(await orderAt("1710"), bindings)).picking_type_id, 7);
    assert.equal((await instructionOf(await orderAt("1020"), bindings)).picking_type_id, 4);
    assert.equal((await instructionOf(await orderAt("1010"), bindings)).picking_type_id, 1);
  });

  it("a plant not listed, or no plant, takes pickingTypeId; with neither binding, DC1's delivery order (3)", async () => {
    assert.equal((await instructionOf(await orderAt("9999"), bindings)).picking_type_id, 1);
    assert.equal((await instructionOf(await orderAt(null), bindings)).picking_type_id, 1);
    assert.equal((await instructionOf(await orderAt("1710"), {})).picking_type_id, 3);
  });
});

describe("Order -> TMS planning requirement: a load that can be rated once it ships", () => {
  const profile = findProfile("tms-planning-requirement")!;
  type Requirement = { load: { stops: Array<{ type: string; location: Record<string, string> }> }; tender?: { carrierScac: string } };
  const requirementOf = async (order: unknown, bindings: Record<string, unknown>) => plain<Requirement>(await compileMapping(profileSource(profile), profile.input).map(order, { bindings }));
  const sample = async (plant: string) => {
    const [order] = await mapAll<Order>("sap-sales-order", fixture("sap-sales-order.json"));
    for (const l of order!.lines) l.shipFrom = { ids: [{ scheme: "ERP_PLANT", value: plant }] };
    return order!;
  };
  const bindings = {
    carrierByPlant: { "1010": "DHLF", "1710": "ODFL" },
    carrierScac: "FALLBACK",
    zoneByCustomer: { "17100001": "Z4" },
    plants: { "1010": { name: "DC1", siteId: "DC1" }, "1710": { name: "DC3", siteId: "DC3" } },
  };

  it("tenders to the plant's contracted carrier, else the fallback; the pickup names the WMS site", async () => {
    const dc3 = await requirementOf(await sample("1710"), bindings);
    assert.equal(dc3.tender?.carrierScac, "ODFL");
    assert.equal(dc3.load.stops[0]!.location.siteId, "DC3");
    assert.equal((await requirementOf(await sample("1020"), bindings)).tender?.carrierScac, "FALLBACK");
  });

  it("the delivery stop carries the customer's rating zone; none when the customer has none", async () => {
    const order = await sample("1010");
    const soldTo = order.parties!.find((p) => p.role === "SOLD_TO")!.ids![0]!.value;
    const withZone = await requirementOf(order, { ...bindings, zoneByCustomer: { [soldTo]: "Z3" } });
    assert.equal(withZone.load.stops[1]!.location.zone, "Z3");
    const without = await requirementOf(order, { ...bindings, zoneByCustomer: {} });
    assert.equal(without.load.stops[1]!.location.zone, undefined);
  });
});

describe("WMS confirmation -> InventoryMovement[] (PICK per line)", () => {
  const site = { bindings: { site: "DC1" } };
  /** What the downstream operations make of a movement: their own outbound profiles. */
  async function outbound(profileId: string, movement: unknown, bindings: Record<string, unknown> = {}): Promise<Record<string, unknown> | undefined> {
    const profile = findProfile(profileId)!;
    const out = await compileMapping(profileSource(profile), profile.input).map(movement, { bindings });
    return out === undefined ? undefined : plain<Record<string, unknown>>(out);
  }

  it("a full pick of two lines: one PICK per line on the order's TMS load SO-<origin>, keyed by confirmation id and line", async () => {
    const conf = fixture("wms-confirmation.json") as { id: number; origin: string; confirmedAt: string; lines: Array<{ sku: string; gtin: string; lot: string; quantity: number }> };
    const moves = await mapAll<InventoryMovement>("wms-confirmation", conf);
    assert.equal(moves.length, conf.lines.length);
    assert.deepEqual(moves.map((m) => m.idempotencyKey), conf.lines.map((_, i) => `WMS|PICK|${conf.id}|${i + 1}`));
    for (const [i, m] of moves.entries()) {
      const line = conf.lines[i]!;
      assert.equal(m.type, "PICK");
      assert.equal(m.occurredAt, conf.confirmedAt);
      assert.equal(m.correlationId, `SO|${conf.origin}`);
      assert.deepEqual([m.item?.sku, m.item?.gtin, m.batch, m.quantity?.value], [line.sku, line.gtin, line.lot, String(line.quantity)]);
      assert.deepEqual(m.site.ids, [{ scheme: "WMS_SITE", value: "DC1" }]);
    }
    // The same confirmation polled again gives the same keys (a duplicate for the dedupe node).
    assertKeysDeterministic(moves, await mapAll<InventoryMovement>("wms-confirmation", structuredClone(conf)));

    // What the TMS and ERP operations read from it: an execution event on the load, a 311 to staging.
    const tms = await outbound("tms-load-execution-event", moves[0]);
    assert.deepEqual([tms?.loadId, tms?.type, tms?.sku, tms?.quantity, tms?.eventId], [`SO-${conf.origin}`, "PICKED", conf.lines[0]!.sku, conf.lines[0]!.quantity, moves[0]!.idempotencyKey]);
    const erp = await outbound("erp-goods-movement-item", moves[1], { sitePlants: { DC1: { plant: "1010", storageLocation: "0001", stagingLocation: "0002" } } });
    assert.deepEqual(
      [erp?.GoodsMovementType, erp?.Material, erp?.Batch, erp?.QuantityInEntryUnit, erp?.MaterialDocumentItemText],
      ["311", conf.lines[1]!.sku, conf.lines[1]!.lot, String(conf.lines[1]!.quantity), moves[1]!.idempotencyKey],
    );
  });

  it("the site is the confirmation's warehouse; the site binding names it only for a WMS whose confirmations do not", async () => {
    const conf = fixture("wms-confirmation.json") as Record<string, unknown>;
    const siteOf = async (payload: unknown, context: Partial<MapContext> = {}) => (await mapAll<InventoryMovement>("wms-confirmation", payload, context)).map((m) => m.site.ids[0]?.value);
    assert.deepEqual(await siteOf({ ...conf, warehouse: "DC3" }, site), ["DC3", "DC3"], "the warehouse wins over the binding");
    assert.deepEqual(await siteOf({ ...conf, warehouse: undefined }, site), ["DC1", "DC1"]);
    // DC3's pick is posted at DC3's plant.
    const [move] = await mapAll<InventoryMovement>("wms-confirmation", { ...conf, warehouse: "DC3" });
    const erp = await outbound("erp-goods-movement-item", move, { sitePlants: { DC1: { plant: "1010", storageLocation: "0001", stagingLocation: "0002" }, DC3: { plant: "1710", storageLocation: "0001", stagingLocation: "0002" } } });
    assert.deepEqual([erp?.Plant, erp?.IssuingOrReceivingStorageLoc], ["1710", "0002"]);
  });

  it("a short line maps what was picked, a line with nothing picked yields no movement", async () => {
    const conf = fixture("wms-confirmation.json") as { lines: Array<{ quantity: number }> };
    conf.lines[0]!.quantity = 7;
    conf.lines[1]!.quantity = 0;
    const moves = await mapAll<InventoryMovement>("wms-confirmation", conf, site);
    assert.deepEqual(moves.map((m) => [m.idempotencyKey, m.quantity?.value]), [["WMS|PICK|41|1", "7"]]);
  });

  it("bad input is refused naming the field: no origin, no lines, no sku, a ship confirmation, no warehouse nor site binding", async () => {
    const conf = fixture("wms-confirmation.json") as Record<string, unknown> & { lines: Array<Record<string, unknown>> };
    const refused = (payload: unknown, pattern: RegExp, context: Partial<MapContext> = site) =>
      assert.rejects(mapAll("wms-confirmation", payload, context), (e: unknown) => e instanceof InputError && pattern.test(e.message), String(pattern));
    await refused({ ...conf, origin: false }, /confirmation 41 \(WH\/PICK\/00007\): origin \(the sales order\) is missing/);
    await refused({ ...conf, lines: undefined }, /confirmation 41: lines is missing/);
    await refused({ ...conf, lines: [{ ...conf.lines[0], sku: undefined }] }, /confirmation 41 line 1: sku is missing/);
    await refused({ ...conf, type: "ship" }, /type ship names no SSCC/);
    await refused({ ...conf, lines: conf.lines.map((l) => ({ ...l, quantity: 0 })) }, /no line picked anything/);
    await refused({ ...conf, warehouse: undefined }, /confirmation 41: no warehouse, and no site binding/, {});
    // A GTIN with a wrong check digit reaches the schema, which names it.
    await assert.rejects(mapAll("wms-confirmation", { ...conf, lines: [{ ...conf.lines[0], gtin: "04012345123457" }] }, site), /gtin/);
  });
});
