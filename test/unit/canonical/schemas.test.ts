import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CanonicalValidator, canonicalValidator, describeErrors, type SchemaRef } from "../../../nodes/lib/canonical/validator";
import { SCHEMAS_DIR } from "../../../nodes/lib/canonical/paths";

const ENVELOPE = {
  id: "T|1",
  occurredAt: "2025-03-21T14:20:00-04:00",
  recordedAt: "2025-03-21T18:21:00Z",
  source: { system: "TEST", format: "TEST_V1", documentId: "D1", controlNumbers: { interchange: "000000123", group: "123", transaction: "0001" } },
  correlationId: "BOL|06141411234567913",
  causationId: "T|0",
  idempotencyKey: "T|1",
};
const USD = (amountMinor: number) => ({ currency: "USD", amountMinor });
const REFS = [{ type: "PRO", value: "1234567890", issuer: { scheme: "SCAC", value: "ODFL" } }];
const CHARGE = { ...ENVELOPE, schema: "freight-charge/1", chargeId: "C1", stage: "INVOICED", chargeType: "FUEL", sourceCode: { scheme: "X12-150", code: "405" }, amount: USD(15994) };

/** One minimal valid object per type, v1. */
const VALID: Record<string, Record<string, unknown>> = {
  order: {
    ...ENVELOPE,
    schema: "order/1",
    orderId: "1000456",
    orderType: "SALES",
    lines: [{ lineNo: 10, sku: "TG11", quantity: { value: "12", uom: "H87" }, unitPrice: { currency: "USD", amount: "24.5" }, netAmount: USD(29400) }],
    status: "OPEN",
  },
  shipment: { ...ENVELOPE, schema: "shipment/1", shipmentId: "80001234", status: "SHIPPED", handlingUnits: [{ sscc: "340123450000000017" }] },
  "shipment-status-event": {
    ...ENVELOPE,
    schema: "shipment-status-event/1",
    shipmentRefs: REFS,
    status: "DELIVERED",
    classifier: "ACTUAL",
    eventCode: { scheme: "X12-1650", code: "D1" },
  },
  "freight-charge": CHARGE,
  "invoice-event": {
    ...ENVELOPE,
    schema: "invoice-event/1",
    invoiceId: "I1",
    direction: "PAYABLE",
    invoiceNumber: "1234567890",
    invoiceDate: "2025-03-22",
    currency: "USD",
    totals: { net: USD(15994) },
    lines: [CHARGE],
    duplicateKey: "ODFL|1234567890|USD|15994",
    status: "RECEIVED",
  },
  "exception-event": {
    ...ENVELOPE,
    schema: "exception-event/1",
    exceptionId: "E1",
    type: "DELAY",
    severity: "WARN",
    detectedAt: "2025-03-20T12:15:00Z",
    subjectRefs: REFS,
    cause: { scheme: "X12-1651", code: "AO" },
    status: "OPEN",
  },
};

const v = canonicalValidator();
const errorsOf = (value: unknown, ref?: SchemaRef) => {
  const r = v.validate(value, ref);
  assert.equal(r.ok, false, "expected a refusal");
  return r.ok ? [] : r.errors;
};

describe("canonical schemas v1", () => {
  it("every schema file is one object and major version, named by its schema const and title", () => {
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith(".json") && !f.startsWith("common."));
    for (const file of files) {
      const s = JSON.parse(readFileSync(join(SCHEMAS_DIR, file), "utf8")) as { $id: string; title: string; additionalProperties: boolean; properties: { schema: { const: string } } };
      const [, name, major] = /^(.+)\.v(\d+)\.json$/.exec(file)!;
      assert.equal(s.$id, file);
      assert.equal(s.properties.schema.const, `${name}/${major}`);
      assert.equal(s.additionalProperties, false);
      assert.ok(v.available.some((r) => r.name === name && r.major === Number(major)));
    }
    assert.deepEqual(Object.keys(VALID).sort(), files.map((f) => f.replace(/\.v1\.json$/, "")).filter((n) => n !== "inventory-movement").sort());
  });

  for (const [name, object] of Object.entries(VALID)) {
    const ref = { name, major: 1 };
    it(`${name}/1: a minimal object validates; an unknown field is refused`, () => {
      const r = v.validate(object, ref);
      assert.ok(r.ok, r.ok ? "" : describeErrors(name, r.errors));
      assert.ok(errorsOf({ ...object, colour: "red" }, ref).some((e) => e.path === "/colour" && e.rule === "additionalProperties"));
    });

    it(`${name}: a v1 consumer refuses a v2 object with a clear error`, () => {
      const errors = errorsOf({ ...object, schema: `${name}/2` }, ref);
      assert.equal(errors.length, 1);
      assert.deepEqual([errors[0]!.path, errors[0]!.rule, errors[0]!.value], ["/schema", "schemaVersion", `${name}/2`]);
      assert.equal(errors[0]!.message, `is version 2; this step accepts ${name}/1 only`);
      assert.match(errors[0]!.message, /version 2/);
    });
  }

  it("money is integer minor units: a float or a string amount is refused", () => {
    const charge = VALID["freight-charge"]!;
    const float = errorsOf({ ...charge, amount: { currency: "USD", amountMinor: 159.94 } });
    assert.ok(float.some((e) => e.path === "/amount/amountMinor" && e.rule === "type"), JSON.stringify(float));
    assert.ok(errorsOf({ ...charge, amount: { currency: "usd", amountMinor: 1 } }).some((e) => e.path === "/amount/currency"));
  });

  it("occurredAt needs an offset; a status event may carry only localDateTime, an order may not", () => {
    const sse = VALID["shipment-status-event"]!;
    assert.ok(errorsOf({ ...sse, occurredAt: "2025-03-21T14:20:00" }).some((e) => e.path === "/occurredAt" && e.rule === "pattern"));
    const { occurredAt: _o, ...local } = sse;
    assert.ok(v.validate({ ...local, localDateTime: "2025-03-21T14:20:00", timeCode: { scheme: "X12-623", code: "LT" } }).ok);
    assert.ok(errorsOf(local).some((e) => e.rule === "required"), "neither occurredAt nor localDateTime");
    const { occurredAt: _p, ...order } = VALID.order!;
    assert.ok(errorsOf({ ...order, localDateTime: "2025-03-21T14:20:00" }).some((e) => e.path === "/occurredAt" && e.rule === "required"));
  });

  it("an SSCC, GTIN or GLN with a wrong check digit is refused with rule x-gs1-check, naming the expected digit", () => {
    const bad = errorsOf({ ...VALID.shipment!, handlingUnits: [{ sscc: "340123450000000018" }] });
    assert.deepEqual(bad.map((e) => [e.path, e.rule]), [["/handlingUnits/0/sscc", "x-gs1-check"]]);
    assert.match(bad[0]!.message, /wrong GS1 check digit \(expected 7, got 8\)/);
    const order = VALID.order!;
    const gtin = errorsOf({ ...order, lines: [{ lineNo: 1, gtin: "09506000134353", quantity: { value: "1", uom: "EA" } }] });
    assert.ok(gtin.some((e) => e.path === "/lines/0/gtin" && e.rule === "x-gs1-check"));
    // A malformed value is reported once, by pattern.
    const short = errorsOf({ ...VALID.shipment!, handlingUnits: [{ sscc: "12345" }] });
    assert.deepEqual(short.map((e) => e.rule), ["pattern"]);
  });

  it("GS1 check-digit enforcement can be switched off for partners with bad sample data", () => {
    const lenient = new CanonicalValidator(SCHEMAS_DIR, { gs1CheckDigits: "ignore" });
    assert.ok(lenient.validate({ ...VALID.shipment!, handlingUnits: [{ sscc: "340123450000000018" }] }).ok);
    assert.equal(lenient.validate({ ...VALID.shipment!, handlingUnits: [{ sscc: "12345" }] }).ok, false, "the pattern still applies");
  });

  it("conditional rules: a resolved exception needs its resolution; an order line needs sku or gtin", () => {
    assert.ok(errorsOf({ ...VALID["exception-event"]!, status: "RESOLVED" }).some((e) => e.path === "/resolution" && e.rule === "required"));
    const order = VALID.order!;
    assert.ok(errorsOf({ ...order, lines: [{ lineNo: 1, quantity: { value: "1", uom: "EA" } }] }).some((e) => e.path === "/lines/0/sku" || e.path === "/lines/0/gtin"));
  });
});
