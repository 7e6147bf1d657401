import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CanonicalValidator,
  canonicalValidator,
  describeErrors,
  formatSchemaRef,
  parseSchemaRef,
  type FieldError,
  type ValidationResult,
} from "../../../nodes/lib/canonical/validator";

const V1 = { name: "inventory-movement", major: 1 };
const SSCC = "340123450000000017";
const GTIN = "09506000134352";

function base(type: string, seq: number): Record<string, unknown> {
  const key = `SCAN|DC1|RF-017|${seq}`;
  return {
    schema: "inventory-movement/1",
    id: key,
    occurredAt: "2025-03-04T10:15:00Z",
    source: { system: "SCANNER", format: "SCANNER_JSON_V1" },
    correlationId: "LOAD|LD-1",
    idempotencyKey: key,
    movementId: key,
    type,
    site: { ids: [{ scheme: "WMS_SITE", value: "DC1" }] },
  };
}

const VALID: Record<string, Record<string, unknown>> = {
  PICK: { ...base("PICK", 1), item: { sku: "SKU-1", gtin: GTIN }, quantity: { value: "12", uom: "EA" }, fromBin: "A01-02-03" },
  PACK: { ...base("PACK", 2), handlingUnit: { sscc: SSCC } },
  WEIGH: { ...base("WEIGH", 3), handlingUnit: { sscc: SSCC }, weight: { value: "12.5", unit: "KGM", qualifier: "GROSS" } },
  MEASURE: { ...base("MEASURE", 4), handlingUnit: { sscc: SSCC }, dimensions: { length: "120", width: "80", height: "150.5", unit: "CMT" } },
  SHIP: { ...base("SHIP", 5), handlingUnit: { sscc: SSCC }, sourceDocs: [{ type: "LOAD", value: "LD-1" }] },
};

function errorsOf(result: ValidationResult): FieldError[] {
  assert.equal(result.ok, false, "expected the object to be refused");
  return result.ok ? [] : result.errors;
}

const validator = new CanonicalValidator();

describe("CanonicalValidator with canonical/schemas", () => {
  it("knows inventory-movement/1 (and not the shared common definitions)", () => {
    assert.ok(validator.available.some((r) => formatSchemaRef(r) === "inventory-movement/1"));
    assert.ok(!validator.available.some((r) => r.name === "common"));
    assert.equal(validator.title(V1), "InventoryMovement");
  });

  for (const [type, object] of Object.entries(VALID)) {
    it(`accepts a valid ${type} movement`, () => {
      const result = validator.validate(object, V1);
      assert.deepEqual(result, { ok: true, schema: V1 });
      assert.deepEqual(validator.validate(object).ok, true, "also without an expected schema");
    });
  }

  it("reports a missing required field by path and rule", () => {
    const { quantity: _q, ...noQuantity } = VALID.PICK!;
    const errors = errorsOf(validator.validate(noQuantity, V1));
    const e = errors.find((x) => x.path === "/quantity");
    assert.ok(e, `no /quantity error in ${JSON.stringify(errors)}`);
    assert.equal(e.rule, "required");
    assert.equal(e.message, "is required");
    assert.ok(!errors.some((x) => x.rule === "if"), "if/then wrappers are not reported");
  });

  it("reports a bad SSCC at /handlingUnit/sscc with rule pattern and the value", () => {
    const errors = errorsOf(validator.validate({ ...VALID.PACK!, handlingUnit: { sscc: "12345" } }, V1));
    const e = errors.find((x) => x.path === "/handlingUnit/sscc");
    assert.ok(e, JSON.stringify(errors));
    assert.equal(e.rule, "pattern");
    assert.equal(e.value, "12345");
  });

  it("lists the allowed values of an enum", () => {
    const errors = errorsOf(validator.validate({ ...VALID.WEIGH!, weight: { value: "1", unit: "POUND" } }, V1));
    const e = errors.find((x) => x.path === "/weight/unit");
    assert.ok(e, JSON.stringify(errors));
    assert.equal(e.rule, "enum");
    assert.match(e.message, /"KGM", "LBR", "GRM", "TNE"/);
    assert.equal(e.value, "POUND");
  });

  it("reports an unknown field as additionalProperties at its path", () => {
    const errors = errorsOf(validator.validate({ ...VALID.PACK!, colour: "red" }, V1));
    assert.ok(errors.some((e) => e.path === "/colour" && e.rule === "additionalProperties"), JSON.stringify(errors));
  });

  it("refuses a v2 object against expected v1, naming both versions", () => {
    const errors = errorsOf(validator.validate({ ...VALID.PACK!, schema: "inventory-movement/2" }, V1));
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.rule, "schemaVersion");
    assert.equal(errors[0]!.path, "/schema");
    assert.match(errors[0]!.message, /version 2/);
    assert.match(errors[0]!.message, /inventory-movement\/1/);
  });

  it("refuses another object type against the expected one", () => {
    const errors = errorsOf(validator.validate({ ...VALID.PACK!, schema: "shipment/1" }, V1));
    assert.equal(errors[0]!.rule, "schemaVersion");
    assert.match(errors[0]!.message, /a shipment/);
  });

  it("refuses an unknown schema name, listing the known ones", () => {
    const errors = errorsOf(validator.validate({ ...VALID.PACK!, schema: "unicorn/1" }));
    assert.equal(errors[0]!.rule, "schemaVersion");
    assert.match(errors[0]!.message, /names no known schema/);
    assert.match(errors[0]!.message, /inventory-movement\/1/);
    const unnamed = errorsOf(validator.validate({ ...VALID.PACK!, schema: "InventoryMovement" }));
    assert.equal(unnamed[0]!.rule, "schemaVersion");
    assert.equal(unnamed[0]!.value, "InventoryMovement");
  });

  it("refuses non-objects", () => {
    for (const value of [null, "text", 42, [VALID.PACK], undefined]) {
      const errors = errorsOf(validator.validate(value, V1));
      assert.equal(errors[0]!.rule, "type");
      assert.equal(errors[0]!.path, "/");
    }
  });

  it("describeErrors gives one line per error with path, rule and value", () => {
    const errors = errorsOf(validator.validate({ ...VALID.PACK!, handlingUnit: { sscc: "12345" } }, V1));
    const text = describeErrors("InventoryMovement", errors);
    assert.match(text, /InventoryMovement \/handlingUnit\/sscc: /);
    assert.match(text, /\(rule pattern\)/);
    assert.match(text, /got "12345"/);
    const long = describeErrors("X", [{ path: "/a", rule: "type", message: "bad", value: "y".repeat(200) }]);
    assert.ok(long.length < 150, "long values are shortened");
    assert.equal(describeErrors("X", [{ path: "/b", rule: "required", message: "is required" }]), "X /b: is required (rule required)");
  });

  it("parseSchemaRef / formatSchemaRef round-trip and the shared instance is reused", () => {
    assert.deepEqual(parseSchemaRef("inventory-movement/1"), V1);
    assert.equal(parseSchemaRef("inventory-movement"), null);
    assert.equal(parseSchemaRef(7), null);
    assert.equal(formatSchemaRef(V1), "inventory-movement/1");
    assert.equal(canonicalValidator(), canonicalValidator());
  });
});
