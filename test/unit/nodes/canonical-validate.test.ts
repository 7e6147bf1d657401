import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import validateNode from "../../../nodes/lsync-canonical-validate/lsync-canonical-validate";
import type { FieldError } from "../../../nodes/lib/canonical/validator";
import { collect, getNode, helper, sleep, SSCC, waitFor, type FlowNodeDef } from "./_helper";

const movement = (extra: Record<string, unknown> = {}) => ({
  schema: "inventory-movement/1",
  id: "SCAN|DC1|RF-017|1",
  occurredAt: "2025-03-04T10:15:00Z",
  source: { system: "SCANNER", format: "SCANNER_JSON_V1" },
  correlationId: "LOAD|LD-1",
  idempotencyKey: "SCAN|DC1|RF-017|1",
  movementId: "SCAN|DC1|RF-017|1",
  type: "PACK",
  site: { ids: [{ scheme: "WMS_SITE", value: "DC1" }] },
  handlingUnit: { sscc: SSCC },
  ...extra,
});

const flow = (extra: Record<string, unknown>, outputs: number): FlowNodeDef[] => [
  { id: "tab", type: "tab", label: "t" },
  {
    id: "val",
    type: "lsync-canonical-validate",
    z: "tab",
    schema: "inventory-movement/1",
    property: "payload",
    invalidOutput: outputs === 2,
    wires: outputs === 2 ? [["ok"], ["bad"]] : [["ok"]],
    ...extra,
  },
  { id: "ok", type: "helper", z: "tab" },
  { id: "bad", type: "helper", z: "tab" },
  { id: "catcher", type: "catch", z: "tab", scope: ["val"], uncaught: false, wires: [["caught"]] },
  { id: "caught", type: "helper", z: "tab" },
];

before(() => helper.startServer());
after(() => helper.stopServer());
afterEach(() => helper.unload());

describe("lsync-canonical-validate", () => {
  it("1-output mode: valid passes, invalid goes to catch with the field path", async () => {
    await helper.load([validateNode], flow({}, 1));
    const ok = collect("ok");
    const caught = collect("caught");
    getNode("val").receive({ payload: movement() });
    getNode("val").receive({ payload: movement({ handlingUnit: { sscc: "123" } }) });
    await waitFor("one valid, one caught", () => ok.length === 1 && caught.length === 1);
    assert.equal((ok[0]!.payload as { id: string }).id, "SCAN|DC1|RF-017|1");
    assert.match((caught[0]!.error as { message: string }).message, /\/handlingUnit\/sscc: .*\(rule pattern\), got "123"/);
  });

  it("2-output mode: invalid goes to the second output with msg.validationErrors, nothing to catch", async () => {
    await helper.load([validateNode], flow({}, 2));
    const ok = collect("ok");
    const bad = collect("bad");
    const caught = collect("caught");
    getNode("val").receive({ payload: movement({ type: "PICK" }) });
    getNode("val").receive({ payload: movement() });
    await waitFor("one each", () => ok.length === 1 && bad.length === 1);
    const errors = bad[0]!.validationErrors as FieldError[];
    assert.ok(errors.some((e) => e.path === "/quantity" && e.rule === "required"), JSON.stringify(errors));
    assert.ok(errors.some((e) => e.path === "/item" && e.rule === "required"));
    assert.match((bad[0]!.error as { message: string }).message, /\/quantity/);
    await sleep(50);
    assert.equal(caught.length, 0);
    assert.equal(ok.length, 1);
  });

  it("refuses a v2 object when v1 is configured", async () => {
    await helper.load([validateNode], flow({}, 2));
    const bad = collect("bad");
    getNode("val").receive({ payload: movement({ schema: "inventory-movement/2" }) });
    await waitFor("refused", () => bad.length === 1);
    const [e] = bad[0]!.validationErrors as FieldError[];
    assert.equal(e!.rule, "schemaVersion");
    assert.match(e!.message, /version 2.*inventory-movement\/1/);
  });

  it("with no schema configured, the object's own schema is used", async () => {
    await helper.load([validateNode], flow({ schema: "" }, 2));
    const ok = collect("ok");
    const bad = collect("bad");
    getNode("val").receive({ payload: movement() });
    getNode("val").receive({ payload: movement({ schema: "inventory-movement/2" }) });
    await waitFor("both", () => ok.length === 1 && bad.length === 1);
    assert.match((bad[0]!.validationErrors as FieldError[])[0]!.message, /names no known schema/);
  });

  it("checks a batch (msg.batch) item by item: valid ones on as a batch, an invalid one to catch or to the second output alone", async () => {
    const batch = () => ({
      _msgid: "b1",
      topic: "lsync/batch",
      batch: [
        { _msgid: "a", payload: movement() },
        { _msgid: "bad", payload: movement({ handlingUnit: undefined }) },
        { _msgid: "c", payload: movement({ idempotencyKey: "SCAN|DC1|RF-017|3" }) },
      ],
    });
    const ids = (m: Record<string, unknown>) => (m.batch as Array<{ _msgid: string }>).map((x) => x._msgid);

    await helper.load([validateNode], flow({}, 1));
    let ok = collect("ok");
    const caught = collect("caught");
    getNode("val").receive(batch());
    await waitFor("batch on and one caught", () => ok.length === 1 && caught.length === 1);
    assert.deepEqual(ids(ok[0]!), ["a", "c"]);
    assert.equal(caught[0]!._msgid, "bad");
    assert.match((caught[0]!.error as { message: string }).message, /InventoryMovement/);
    await helper.unload();

    await helper.load([validateNode], flow({}, 2));
    ok = collect("ok");
    const bad = collect("bad");
    getNode("val").receive(batch());
    await waitFor("both outputs", () => ok.length === 1 && bad.length === 1);
    assert.deepEqual(ids(ok[0]!), ["a", "c"]);
    assert.deepEqual(ids(bad[0]!), ["bad"]);
    assert.ok(Array.isArray((bad[0]!.batch as Array<{ validationErrors: unknown }>)[0]!.validationErrors));
  });
});
