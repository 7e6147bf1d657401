import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonicalValidator, describeErrors } from "../../../nodes/lib/canonical/validator";
import { InputError } from "../../../nodes/lib/errors";
import { gs1CheckDigit } from "../../../nodes/lib/gs1";
import { compileMapping, type Mapper } from "../../../nodes/lib/mapping/mapper";
import { findProfile, listProfiles, profileSchema, profileSource } from "../../../nodes/lib/mapping/profiles";

/** Appends the GS1 mod-10 check digit (weights 3,1,3,... from the right) computed here, independently. */
function withCheckDigit(body: string): string {
  let sum = 0;
  [...body].reverse().forEach((d, i) => (sum += Number(d) * (i % 2 === 0 ? 3 : 1)));
  return `${body}${(10 - (sum % 10)) % 10}`;
}

const SSCC = withCheckDigit("34012345000000001"); // 340123450000000017
const GTIN = withCheckDigit("0950600013435"); // 09506000134352
const BAD_SSCC = `${SSCC.slice(0, 17)}${(Number(SSCC[17]) + 1) % 10}`;
const GS = "\x1d";

function mapperFor(id: string): Mapper {
  const profile = findProfile(id);
  assert.ok(profile, `profile ${id} is shipped`);
  return compileMapping(profileSource(profile), profile.input);
}

const V1 = { name: "inventory-movement", major: 1 };
const topic = (event: string) => `wms/DC1/scanner/RF-017/${event}`;
const RECEIVED = "2025-03-04T10:20:00.000Z";

/** Compares a mapping's output as the JSON it becomes on the wire. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function assertValid(object: unknown): asserts object is Record<string, unknown> {
  const verdict = canonicalValidator().validate(object, V1);
  assert.ok(verdict.ok, verdict.ok ? "" : describeErrors("InventoryMovement", verdict.errors));
}

/** Realistic JSON scanner events, one per event type. */
const JSON_EVENTS: Record<string, { body: Record<string, unknown>; type: string }> = {
  pick: {
    type: "PICK",
    body: { deviceId: "RF-017", seq: 48211, scannedAt: "2025-03-04T10:15:02.120Z", operatorId: "op-77", sku: "SKU-10042", gtin: GTIN, quantity: 12, uom: "EA", binId: "A01-02-03", workOrderRef: "WO-5531" },
  },
  pack: {
    type: "PACK",
    body: { deviceId: "RF-017", seq: 48212, scannedAt: "2025-03-04T10:16:40Z", raw: `]C100${SSCC}`, symbologyId: "]C1", loadId: "LD-2025-0042" },
  },
  weight: {
    type: "WEIGH",
    body: { deviceId: "RF-017", seq: 48213, scannedAt: "2025-03-04T10:17:05+01:00", sscc: SSCC, grossWeightKg: 412.5, loadId: "LD-2025-0042" },
  },
  cube: {
    type: "MEASURE",
    body: { deviceId: "RF-017", seq: 48214, scannedAt: "2025-03-04T10:17:30Z", sscc: SSCC, dims: { lengthCm: 120, widthCm: 80, heightCm: 152.5 }, loadId: "LD-2025-0042" },
  },
  ship: {
    type: "SHIP",
    body: { deviceId: "RF-017", seq: 48215, scannedAt: "2025-03-04T10:45:00Z", sscc: SSCC, sku: "SKU-10042", quantity: 12, loadId: "LD-2025-0042", siteGln: "4012345000009" },
  },
};

describe("test fixtures", () => {
  it("GS1 numbers used here have valid check digits (cross-checked with the decoder's own function)", () => {
    assert.equal(SSCC, "340123450000000017");
    assert.equal(GTIN, "09506000134352");
    assert.equal(gs1CheckDigit(SSCC.slice(0, 17)), Number(SSCC[17]));
    assert.notEqual(BAD_SSCC, SSCC);
  });
});

describe("profiles manifest", () => {
  it("lists the shipped inbound and outbound profiles with their canonical schema", () => {
    const ids = listProfiles().map((p) => p.id);
    for (const id of ["scanner-json", "scanner-gs1", "tms-load-execution-event", "erp-goods-movement-item"]) assert.ok(ids.includes(id), id);
    assert.deepEqual(profileSchema(findProfile("scanner-json")!), V1);
    assert.equal(findProfile("nope"), undefined);
  });
});

describe("scanner-json profile", () => {
  const mapper = mapperFor("scanner-json");

  for (const [event, { body, type }] of Object.entries(JSON_EVENTS)) {
    it(`maps a ${event} event into a valid ${type} movement`, async () => {
      const out = await mapper.map(JSON.stringify(body), { topic: topic(event), receivedAt: RECEIVED });
      assertValid(out);
      assert.equal(out.type, type);
      assert.equal(out.idempotencyKey, `SCAN|DC1|RF-017|${String(body.seq)}`);
      assert.equal(out.id, out.idempotencyKey);
      assert.equal(out.occurredAt, body.scannedAt);
      assert.equal(out.recordedAt, RECEIVED);
      assert.deepEqual(plain((out.site as { ids: unknown[] }).ids[0]), { scheme: "WMS_SITE", value: "DC1" });
      assert.equal((out.device as { deviceId: string; seq: number }).seq, body.seq);
    });
  }

  it("carries event-specific fields", async () => {
    const ctx = (e: string) => ({ topic: topic(e), receivedAt: RECEIVED });
    const pick = (await mapper.map(JSON.stringify(JSON_EVENTS.pick!.body), ctx("pick"))) as Record<string, unknown>;
    assert.deepEqual(plain(pick.quantity), { value: "12", uom: "EA" });
    assert.deepEqual(plain(pick.item), { sku: "SKU-10042", gtin: GTIN });
    assert.equal(pick.correlationId, "WO|WO-5531");
    const pack = (await mapper.map(JSON.stringify(JSON_EVENTS.pack!.body), ctx("pack"))) as Record<string, unknown>;
    assert.deepEqual(plain(pack.handlingUnit), { sscc: SSCC }, "the SSCC comes from the decoded GS1 scan");
    assert.equal(pack.correlationId, "LOAD|LD-2025-0042");
    assert.deepEqual(plain(pack.sourceDocs), [{ type: "LOAD", value: "LD-2025-0042" }]);
    const weight = (await mapper.map(JSON.stringify(JSON_EVENTS.weight!.body), ctx("weight"))) as Record<string, unknown>;
    assert.deepEqual(plain(weight.weight), { value: "412.5", unit: "KGM", qualifier: "GROSS" });
    const cube = (await mapper.map(JSON.stringify(JSON_EVENTS.cube!.body), ctx("cube"))) as Record<string, unknown>;
    assert.deepEqual(plain(cube.dimensions), { length: "120", width: "80", height: "152.5", unit: "CMT" });
    const ship = (await mapper.map(JSON.stringify(JSON_EVENTS.ship!.body), ctx("ship"))) as Record<string, unknown>;
    assert.deepEqual(plain((ship.site as { ids: unknown[] }).ids[1]), { scheme: "GLN", value: "4012345000009" });
  });

  it("accepts an already-parsed object and a Buffer", async () => {
    const a = await mapper.map(JSON_EVENTS.pack!.body, { topic: topic("pack"), receivedAt: RECEIVED });
    const b = await mapper.map(Buffer.from(JSON.stringify(JSON_EVENTS.pack!.body)), { topic: topic("pack"), receivedAt: RECEIVED });
    assert.deepEqual(plain(a), plain(b));
    assertValid(a);
  });

  it("a malformed JSON payload is an InputError naming 'not JSON'", async () => {
    await assert.rejects(mapper.map('{"deviceId": "RF-017", seq: ', { topic: topic("pick") }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /not JSON/);
      assert.equal(err.code, "INVALID_INPUT");
      return true;
    });
  });

  it("a scan with a wrong SSCC check digit fails, naming the check digit", async () => {
    const body = { ...JSON_EVENTS.pack!.body, raw: `]C100${BAD_SSCC}` };
    await assert.rejects(mapper.map(JSON.stringify(body), { topic: topic("pack") }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /check digit/);
      assert.ok(err.message.includes(BAD_SSCC));
      assert.equal(err.details.rule, "gs1");
      return true;
    });
  });
});

describe("scanner-gs1 profile", () => {
  const mapper = mapperFor("scanner-gs1");
  const props = (seq: number) => ({ deviceId: "RF-017", seq: String(seq), scannedAt: "2025-03-04T10:15:00Z" });
  const SCANS: Record<string, { raw: string; type: string }> = {
    // (01) GTIN (10) batch (17) expiry (30) variable count: how a case label carries a pick quantity.
    pick: { raw: `]d201${GTIN}10LOT-42${GS}17270630${GS}3024`, type: "PICK" },
    pack: { raw: `]C100${SSCC}`, type: "PACK" },
    weight: { raw: `]C100${SSCC}3301004125`, type: "WEIGH" },
    // (00) SSCC with logistic length/width/height in metres.
    cube: { raw: `]C100${SSCC}331200012033220000803332000152`, type: "MEASURE" },
    ship: { raw: `]C100${SSCC}`, type: "SHIP" },
  };

  for (const [event, { raw, type }] of Object.entries(SCANS)) {
    it(`maps a raw ${event} scan with MQTT v5 properties into a valid ${type} movement`, async () => {
      const seq = 900 + Object.keys(SCANS).indexOf(event);
      const out = await mapper.map(raw, { topic: topic(event), props: props(seq), receivedAt: RECEIVED });
      assert.ok(out && typeof out === "object");
      const o = out as Record<string, unknown>;
      assert.equal(o.type, type);
      assert.equal(o.idempotencyKey, `SCAN|DC1|RF-017|${seq}`);
      assert.equal((o.device as { raw: string }).raw, raw);
      assert.equal((o.device as { symbologyId: string }).symbologyId, raw.slice(0, 3));
      assertValid(out);
    });
  }

  it("decodes the label fields", async () => {
    const pick = (await mapper.map(SCANS.pick!.raw, { topic: topic("pick"), props: props(1), receivedAt: RECEIVED })) as Record<string, unknown>;
    assert.deepEqual(plain(pick.item), { gtin: GTIN });
    assert.equal(pick.batch, "LOT-42");
    assert.equal(pick.expiry, "2027-06-30");
    assert.equal(pick.correlationId, "SCAN|DC1|RF-017|1", "no SSCC: the key correlates");
    const weight = (await mapper.map(SCANS.weight!.raw, { topic: topic("weight"), props: props(2), receivedAt: RECEIVED })) as Record<string, unknown>;
    assert.deepEqual(plain(weight.weight), { value: "412.5", unit: "KGM", qualifier: "GROSS" });
    assert.equal(weight.correlationId, `SSCC|${SSCC}`);
  });

  it("a wrong SSCC check digit is an InputError mentioning the check digit", async () => {
    await assert.rejects(mapper.map(`]C100${BAD_SSCC}`, { topic: topic("pack"), props: props(3) }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, /check digit/);
      return true;
    });
  });
});

describe("outbound profiles", () => {
  const scanner = mapperFor("scanner-json");
  const tms = mapperFor("tms-load-execution-event");
  const erp = mapperFor("erp-goods-movement-item");
  const canonical = async (event: string, extra: Record<string, unknown> = {}) =>
    (await scanner.map({ ...JSON_EVENTS[event]!.body, ...extra }, { topic: topic(event), receivedAt: RECEIVED })) as Record<string, unknown>;

  it("TMS: a movement with a LOAD reference becomes an execution event", async () => {
    const out = await tms.map(await canonical("weight"), {});
    assert.deepEqual(plain(out), {
      eventId: "SCAN|DC1|RF-017|48213",
      loadId: "LD-2025-0042",
      type: "WEIGHED",
      occurredAt: "2025-03-04T10:17:05+01:00",
      site: "DC1",
      sscc: SSCC,
      weight: { value: 412.5, unit: "KGM" },
      correlationId: "LOAD|LD-2025-0042",
    });
    const ship = (await tms.map(await canonical("ship"), {})) as Record<string, unknown>;
    assert.equal(ship.type, "SHIPPED");
    assert.equal(ship.quantity, 12);
    assert.equal(ship.sku, "SKU-10042");
    const cube = (await tms.map(await canonical("cube"), {})) as Record<string, unknown>;
    assert.deepEqual(plain(cube.dimensions), { length: 120, width: 80, height: 152.5, unit: "CMT" });
  });

  it("TMS: a movement without a LOAD reference yields nothing", async () => {
    assert.equal(await tms.map(await canonical("pick"), {}), undefined);
  });

  const bindings = { sitePlants: { DC1: { plant: "1010", storageLocation: "0001", stagingLocation: "0002" } } };

  it("ERP: PICK becomes a 311 transfer to staging, SHIP a 601 goods issue from staging", async () => {
    const pick = await erp.map(await canonical("pick"), { bindings });
    assert.deepEqual(plain(pick), {
      Material: "SKU-10042",
      Plant: "1010",
      StorageLocation: "0001",
      GoodsMovementType: "311",
      IssuingOrReceivingPlant: "1010",
      IssuingOrReceivingStorageLoc: "0002",
      QuantityInEntryUnit: "12",
      EntryUnit: "EA",
      MaterialDocumentItemText: "SCAN|DC1|RF-017|48211",
    });
    const ship = (await erp.map(await canonical("ship"), { bindings })) as Record<string, unknown>;
    assert.equal(ship.GoodsMovementType, "601");
    assert.equal(ship.Plant, "1010");
    assert.equal(ship.StorageLocation, "0002");
  });

  it("ERP: a site missing from the sitePlants binding is an error naming the site", async () => {
    await assert.rejects(erp.map(await canonical("pick"), {}), (err: unknown) => err instanceof InputError && /no ERP plant for WMS site DC1/.test(err.message));
    await assert.rejects(
      erp.map(await canonical("ship"), { bindings: { sitePlants: { DC2: bindings.sitePlants.DC1 } } }),
      (err: unknown) => err instanceof InputError && /sitePlants/.test(err.message),
    );
  });

  it("ERP: movements that leave stock as it is (pack, weigh, measure) yield nothing, with or without bindings", async () => {
    for (const event of ["pack", "weight", "cube"]) {
      assert.equal(await erp.map(await canonical(event), { bindings }), undefined, event);
      assert.equal(await erp.map(await canonical(event), {}), undefined, event);
    }
  });
});

describe("compileMapping", () => {
  it("a mapping that does not compile is an InputError with its position", () => {
    assert.throws(() => compileMapping("{ 'a': ", "json"), (err: unknown) => err instanceof InputError && /does not compile at position/.test(err.message));
  });

  it("bindings are visible to the expression but cannot override $topic", async () => {
    const m = compileMapping('{"plant": $sitePlants.DC1, "t": $topic}', "json");
    assert.deepEqual(plain(await m.map({}, { topic: "a/b", bindings: { sitePlants: { DC1: "1010" }, topic: "spoofed" } })), { plant: "1010", t: "a/b" });
  });

  it("binds $topic, $topicParts and $props; text input stays a string", async () => {
    const m = compileMapping('{"t": $topic, "dev": $topicParts[3], "p": $props.seq, "raw": $}', "text");
    assert.deepEqual(plain(await m.map("hello", { topic: topic("pick"), props: { seq: "5" } })), { t: topic("pick"), dev: "RF-017", p: "5", raw: "hello" });
    assert.equal(await m.map(Buffer.from("buf"), { topic: "a/b" }).then((r) => (r as { raw: string }).raw), "buf");
  });

  it("maps to plain objects on both engines (Node-RED clones objects without a prototype ~17x slower); a __proto__ key stays data", async () => {
    const source = '{"line": {"qty": qty, "tags": [{"t": "a"}]}, "merged": $merge([{"a": 1}, {"b": 2}]), "__proto__": {"polluted": true}}';
    for (const fast of [true, false]) {
      const m = compileMapping(source, "json", { fast });
      assert.equal(m.engine, fast ? "fast" : "jsonata");
      const out = (await m.map({ qty: 3 }, {})) as Record<string, unknown>;
      const prototypes = (v: unknown): unknown[] =>
        v !== null && typeof v === "object" ? [...(Array.isArray(v) ? [] : [Object.getPrototypeOf(v)]), ...Object.values(v).flatMap(prototypes)] : [];
      const protos = prototypes(out);
      assert.equal(protos.length, 5, `${m.engine}: every object counted`);
      assert.ok(protos.every((p) => p === Object.prototype), `${m.engine}: every mapped object is a plain object`);
      assert.deepEqual(Object.keys(out), ["line", "merged", "__proto__"]);
      assert.equal((out as { polluted?: unknown }).polluted, undefined, "the key did not become the prototype");
      assert.equal(JSON.stringify(out), '{"line":{"qty":3,"tags":[{"t":"a"}]},"merged":{"a":1,"b":2},"__proto__":{"polluted":true}}');
    }
  });

  it("an evaluation error is an InputError with the JSONata code", async () => {
    const m = compileMapping("$number(x) + 1", "json");
    await assert.rejects(m.map({ x: "not a number" }, {}), (err: unknown) => err instanceof InputError && /mapping failed/.test(err.message));
  });
});
