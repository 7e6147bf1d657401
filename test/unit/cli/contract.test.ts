import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { compareContract, compareFields, fieldsRead, fieldsWritten, openApiFields, profileAst, sampleFields } from "../../../cli/lib/contract";
import { checkContracts, contract } from "../../../cli/lib/contract-command";

const REPO = resolve(__dirname, "..", "..", "..");
const tmsProfile = () => profileAst(readFileSync(join(REPO, "canonical/profiles/outbound/tms-load-execution-event.jsonata"), "utf8"));
const tmsSample = () => (JSON.parse(readFileSync(join(REPO, "contracts/tms/load-execution-update.json"), "utf8")) as { sample: Record<string, unknown> }).sample;

describe("fields from the JSONata AST", () => {
  it("written: object constructors in output position, nested, with their types; lookup tables are not output", () => {
    const ast = profileAst(`(
      $t := {"PICK": "PICKED"};
      $out := {"id": "x" & a, "n": $number(b), "ok": c = 1, "w": w ? {"v": $number(w.v), "u": w.u}, "k": $lookup($t, type)};
      a ? $out
    )`);
    assert.deepEqual([...fieldsWritten(ast)], [
      ["id", "string"], ["n", "number"], ["ok", "boolean"], ["w", "object"], ["w.v", "number"], ["w.u", "unknown"], ["k", "unknown"],
    ]);
  });

  it("written: a plain path takes its type from the canonical schema", () => {
    const written = fieldsWritten(tmsProfile(), (path) => (path === "idempotencyKey" ? "string" : "unknown"));
    assert.equal(written.get("eventId"), "string");
    assert.equal(written.get("quantity"), "number");
    assert.ok(!written.has("PICK"), "the event type lookup table is not output");
  });

  it("read: paths followed through their context and filters", () => {
    const read = fieldsRead(profileAst(`d.results.{"id": DeliveryDocument, "items": to_Item.results[Qty > 0].Material, "v": $x.notInput}`));
    assert.deepEqual([...read].sort(), ["d", "d.results", "d.results.DeliveryDocument", "d.results.to_Item", "d.results.to_Item.results", "d.results.to_Item.results.Material", "d.results.to_Item.results.Qty"]);
  });

  it("a sample as paths and types, array items merged under the array", () => {
    assert.deepEqual([...sampleFields({ a: 1, b: { c: "x" }, l: [{ m: true }, { m: false, n: null }] })], [
      ["a", "number"], ["b", "object"], ["b.c", "string"], ["l", "array"], ["l.m", "boolean"], ["l.n", "null"],
    ]);
  });
});

describe("compareContract", () => {
  it("the shipped TMS profile fits the recorded TMS shape", () => {
    assert.deepEqual(compareContract("outbound", tmsProfile(), tmsSample()), []);
  });

  it("reports a field the system no longer has and one it now types differently", () => {
    const sample: Record<string, unknown> = { ...tmsSample(), quantity: "12" };
    delete sample.sscc;
    assert.deepEqual(compareContract("outbound", tmsProfile(), sample), [
      { kind: "removed", field: "sscc", expected: "unknown" },
      { kind: "retyped", field: "quantity", expected: "number", actual: "string" },
    ]);
  });

  it("inbound: a field the profile reads that the system stopped sending", () => {
    const ast = profileAst(`{"id": header.deliveryId, "qty": $number(lines.qty)}`);
    assert.deepEqual(compareContract("inbound", ast, { header: { deliveryId: "1" }, lines: [{ quantity: 1 }] }), [{ kind: "removed", field: "lines.qty" }]);
  });
});

describe("lsync-flows contract", () => {
  let root: string;
  before(() => (root = mkdtempSync(join(tmpdir(), "lsync-contract-"))));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("the shipped contracts fit the shipped profiles; systems without a contract are listed", () => {
    const { results, uncovered } = checkContracts({ dir: join(REPO, "flows"), contractsDir: join(REPO, "contracts") });
    assert.deepEqual(results.map((r) => [r.system, r.profile, r.findings.length]), [["ERP", "erp-goods-movement-item", 0], ["TMS", "tms-load-execution-event", 0], ["TMS", "tms-load-execution-event", 0]]);
    assert.match(results[2]!.file, /\(OpenAPI tms-api\.openapi\.json#\/components\/schemas\/ExecutionEvent\)/);
    assert.ok(uncovered.includes("WMS"));
  });

  it("a retyped field fails the check (exit 1) with the field, the system and both types", async () => {
    const dir = join(root, "contracts", "tms");
    mkdirSync(dir, { recursive: true });
    const recorded = JSON.parse(readFileSync(join(REPO, "contracts/tms/load-execution-update.json"), "utf8")) as { sample: Record<string, unknown> };
    recorded.sample.eventId = 42;
    writeFileSync(join(dir, "load-execution-update.json"), JSON.stringify(recorded));
    writeFileSync(join(dir, "tms-api.openapi.json"), readFileSync(join(REPO, "contracts/tms/tms-api.openapi.json")));
    const lines: string[] = [];
    const code = await contract({ dir: join(REPO, "flows"), env: "prod", contractsDir: join(root, "contracts") }, (l) => lines.push(l));
    assert.equal(code, 1);
    assert.match(lines.join("\n"), /TMS \(TMS_URL=\$\{PROD_TMS_URL\}\) .*load-execution-update\.json vs profile tms-load-execution-event: 1 problem/);
    assert.match(lines.join("\n"), /OpenAPI tms-api\.openapi\.json#\/components\/schemas\/ExecutionEvent\) vs profile tms-load-execution-event: fits/);
    assert.match(lines.join("\n"), /retyped: eventId is number in the recorded shape; the profile gives string/);
  });
});

describe("OpenAPI documents", () => {
  const doc = JSON.parse(readFileSync(join(REPO, "contracts/tms/tms-api.openapi.json"), "utf8")) as {
    components: { schemas: Record<string, { properties: Record<string, unknown> }> };
  };

  it("fields and types from a schema, following $ref, allOf and array items", () => {
    const fields = openApiFields(
      {
        components: {
          schemas: {
            Base: { type: "object", properties: { id: { type: "integer" } } },
            Event: { allOf: [{ $ref: "#/components/schemas/Base" }, { properties: { tags: { type: "array", items: { properties: { k: { type: "string" } } } }, any: {} } }] },
          },
        },
      },
      "#/components/schemas/Event",
    );
    assert.deepEqual([...fields], [["id", "number"], ["tags", "array"], ["tags.k", "string"], ["any", "unknown"]]);
  });

  it("the shipped TMS document fits the profile; a removed and a retyped property are reported", () => {
    const pointer = "#/components/schemas/ExecutionEvent";
    assert.deepEqual(compareFields("outbound", tmsProfile(), openApiFields(doc, pointer)), []);
    const changed = structuredClone(doc);
    const props = changed.components.schemas.ExecutionEvent!.properties;
    delete props.correlationId;
    props.quantity = { type: "string" };
    assert.deepEqual(compareFields("outbound", tmsProfile(), openApiFields(changed, pointer)), [
      { kind: "retyped", field: "quantity", expected: "number", actual: "string" },
      { kind: "removed", field: "correlationId", expected: "unknown" },
    ]);
  });

  it("a pointer to nothing is an error naming it", () => {
    assert.throws(() => openApiFields(doc, "#/components/schemas/Nope"), /nothing at #\/components\/schemas\/Nope/);
  });
});
