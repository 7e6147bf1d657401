import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FlowNode } from "../../../launcher/flow-file";
import type { NodeSet } from "../../../cli/lib/admin-api";
import { parseEnvFile } from "../../../cli/lib/env-file";
import { caretCompatible } from "../../../cli/lib/semver";
import { formatProblem, validateFlows, type ValidateInput } from "../../../cli/lib/validate";

const tab: FlowNode = { id: "t1", type: "tab", label: "Handoff" };
const endpoint: FlowNode = { id: "ep1", type: "lsync-endpoint", name: "TMS", baseUrl: "${TMS_URL}", authType: "apiKey", apiKeyHeader: "x-api-key", tokenUrl: "" };
const tms: FlowNode = { id: "n1", type: "lsync-tms", z: "t1", name: "TMS: load", endpoint: "ep1", x: 1, y: 1, wires: [[]] };
const installed: NodeSet[] = [
  { id: "node-red/inject", name: "inject", module: "node-red", version: "4.1.8", types: ["inject", "change", "http request", "comment"], enabled: true },
  { id: "node-red-logistics-sync/lsync-tms", name: "lsync-tms", module: "node-red-logistics-sync", version: "0.1.0", types: ["lsync-tms", "lsync-endpoint"], enabled: true },
];

function check(nodes: FlowNode[], over: Partial<ValidateInput> = {}) {
  return validateFlows({
    nodes: [tab, endpoint, ...nodes],
    credentials: {},
    env: parseEnvFile("TMS_URL=${PROD_TMS_URL}\nAPI_KEY=${PROD_API_KEY}\n", "prod.env"),
    installed,
    ownPackage: { name: "node-red-logistics-sync", version: "0.1.0" },
    schemas: new Set(["inventory-movement/1", "shipment/1"]),
    profiles: new Set(["scanner-json"]),
    ...over,
  });
}
const lines = (problems: ReturnType<typeof check>) => problems.map(formatProblem);

describe("validate", () => {
  it("a clean flow has no problems", () => {
    assert.deepEqual(check([tms]), []);
  });

  describe("environment variables", () => {
    it("a ${VAR} missing from the environment file names the variable, node and property", () => {
      assert.deepEqual(lines(check([tms, { ...tms, id: "n2", name: "ERP", host: "${ERP_HOST}" }])), [
        'env-var: lsync-tms n2 "ERP" on tab "Handoff" .host: environment variable ERP_HOST (used as ${ERP_HOST}) is not defined in prod.env',
      ]);
    });

    it("finds them inside nested properties and typedInput env values", () => {
      const change: FlowNode = { id: "c1", type: "change", z: "t1", rules: [{ t: "set", to: "${SITE}", tot: "str" }], x: 1, y: 1, wires: [] };
      const inject: FlowNode = { id: "i1", type: "inject", z: "t1", payload: "REGION", payloadType: "env", x: 1, y: 1, wires: [] };
      assert.deepEqual(check([change, inject]).map((p) => [p.nodeId, p.property, p.rule]), [
        ["c1", "rules[0].to", "env-var"],
        ["i1", "payload", "env-var"],
      ]);
    });

    it("variables a tab defines and Node-RED's own NR_ variables need no entry", () => {
      const scoped: FlowNode = { ...tab, id: "t2", env: [{ name: "SITE", value: "DC1", type: "str" }] };
      const user: FlowNode = { id: "c2", type: "change", z: "t2", rules: [{ t: "set", to: "${SITE}" }, { t: "set", to: "${NR_NODE_ID}" }], x: 1, y: 1, wires: [] };
      assert.deepEqual(check([scoped, user]), []);
    });
  });

  describe("node types", () => {
    it("a type the target has not installed is named once, with the first node using it", () => {
      const a: FlowNode = { id: "r1", type: "acme-rfid-in", z: "t1", name: "Gate", x: 1, y: 1, wires: [] };
      assert.deepEqual(lines(check([a, { ...a, id: "r2" }])), [
        'node-type: acme-rfid-in r1 "Gate" on tab "Handoff" .type: node type "acme-rfid-in" is not installed on the target (or its module is disabled)',
      ]);
    });

    it("a disabled module counts as missing; subflow instances defined in the set do not", () => {
      const disabled = installed.map((s) => (s.module === "node-red" ? { ...s, enabled: false } : s));
      const sub: FlowNode[] = [{ id: "sf", type: "subflow", name: "helper" }, { id: "use", type: "subflow:sf", z: "t1", x: 1, y: 1, wires: [] }];
      assert.deepEqual(check([...sub, { id: "i1", type: "inject", z: "t1", x: 1, y: 1, wires: [] }], { installed: disabled }).map((p) => p.message), [
        'node type "inject" is not installed on the target (or its module is disabled)',
      ]);
    });

    it("our package at an incompatible version on the target is named with both versions", () => {
      const old = installed.map((s) => (s.module === "node-red-logistics-sync" ? { ...s, version: "0.0.9" } : s));
      assert.match(lines(check([tms], { installed: old }))[0]!, /lsync-endpoint .* comes from node-red-logistics-sync 0\.0\.9 on the target; these flows need \^0\.1\.0/);
    });

    it("without the target's node list the check is skipped", () => {
      assert.deepEqual(check([{ id: "r1", type: "acme-rfid-in", z: "t1", x: 1, y: 1, wires: [] }], { installed: undefined }), []);
    });
  });

  describe("literals that belong in the environment", () => {
    const node = (props: Record<string, unknown>): FlowNode => ({ id: "h1", type: "http request", z: "t1", name: "call", x: 1, y: 1, wires: [], ...props });
    const rules = (props: Record<string, unknown>) => check([node(props)]).map((p) => `${p.rule} ${p.property}`);

    it("URLs, IP addresses and host properties", () => {
      assert.deepEqual(rules({ url: "https://tms.acme.example/api" }), ["literal-url url"]);
      assert.deepEqual(rules({ target: "10.1.2.3:8443" }), ["literal-host target"]);
      assert.deepEqual(rules({ host: "erp-prod-01" }), ["literal-host host"]);
      assert.deepEqual(rules({ broker: "mosquitto.plant.local" }), ["literal-host broker"]);
    });

    it("secrets by property name and by what the value looks like", () => {
      assert.deepEqual(rules({ password: "hunter2" }), ["literal-secret password"]);
      assert.deepEqual(rules({ headers: [{ k: "authorization", v: "Basic dXNlcjpwYXNzd29yZA==" }] }), ["literal-secret headers[0].v"]);
      assert.deepEqual(rules({ func: "const key = 'AKIAABCDEFGHIJKLMNOP';" }), ["literal-secret func"]);
      assert.deepEqual(rules({ url: "mqtt://scanner:s3cret@broker.acme:1883" }), ["literal-secret url"]);
    });

    it("descriptions, comments, references to other nodes and ${VAR}s are fine", () => {
      assert.deepEqual(rules({ info: "see https://wiki.acme.example", endpoint: "ep1", url: "${TMS_URL}", apiKeyHeader: "x-api-key" }), []);
      assert.deepEqual(check([{ id: "k1", type: "comment", z: "t1", name: "http://10.0.0.1", info: "password: x", x: 1, y: 1, wires: [] }]), []);
    });

    it("in tab env entries too: a literal secret, and an env-typed entry naming an undefined variable", () => {
      const envTab: FlowNode = { ...tab, id: "t9", label: "Portal", env: [{ name: "PORTAL_TOKEN", value: "abc123", type: "str" }, { name: "SITE", value: "PORTAL_SITE", type: "env" }, { name: "OK", value: "${TMS_URL}", type: "str" }] };
      assert.deepEqual(check([envTab]).map((p) => `${p.rule} ${p.nodeId} ${p.property}`), ["literal-secret t9 env[0] PORTAL_TOKEN", "env-var t9 env[1] SITE"]);
    });

    it("a credential reference must be a reference, defined in the environment", () => {
      const found = check([tms], { credentials: { ep1: { apiKey: "sk_live_123", token: "${API_KEY}", password: "${MISSING}" } } });
      assert.deepEqual(lines(found), [
        'literal-secret: lsync-endpoint ep1 "TMS" (config) .credentials.apiKey: credential in clear in environments/credentials.json: write it as ${VAR}',
        'env-var: lsync-endpoint ep1 "TMS" (config) .credentials.password: environment variable MISSING is not defined in prod.env',
      ]);
    });

    it("a secret written in clear in the environment file is named with its line", () => {
      const env = parseEnvFile("TMS_URL=${X}\nTMS_CLIENT_SECRET=abc123\nDB_PASSWORD=${DB_PASSWORD}\n", "prod.env");
      assert.deepEqual(lines(check([tms], { env })), [
        "literal-secret: prod.env .TMS_CLIENT_SECRET: TMS_CLIENT_SECRET is set in clear on line 2: write TMS_CLIENT_SECRET=${TMS_CLIENT_SECRET} and set it on the target",
      ]);
    });
  });

  describe("canonical schemas and profiles", () => {
    it("a schema version or profile this package does not have is named", () => {
      const v: FlowNode = { id: "v1", type: "lsync-canonical-validate", z: "t1", schema: "inventory-movement/2", x: 1, y: 1, wires: [] };
      const m: FlowNode = { id: "m1", type: "lsync-canonical-map", z: "t1", profile: "sap-idoc", target: "shipment/1", x: 1, y: 1, wires: [] };
      const ok: FlowNode = { id: "m2", type: "lsync-canonical-map", z: "t1", profile: "custom", target: "", x: 1, y: 1, wires: [] };
      const all = installed.map((s) => (s.module === "node-red" ? { ...s, types: [...s.types, "lsync-canonical-validate", "lsync-canonical-map"] } : s));
      assert.deepEqual(check([v, m, ok], { installed: all }).map((p) => `${p.rule} ${p.nodeId} ${p.property}`), ["schema v1 schema", "profile m1 profile"]);
      assert.match(check([v], { installed: all })[0]!.message, /"inventory-movement\/2" does not exist .*known: inventory-movement\/1, shipment\/1/);
    });
  });
});

describe("caretCompatible", () => {
  it("same major (same minor below 1.0), not older", () => {
    assert.ok(caretCompatible("0.1.0", "0.1.0"));
    assert.ok(caretCompatible("0.1.5", "0.1.3"));
    assert.ok(!caretCompatible("0.1.2", "0.1.3"));
    assert.ok(!caretCompatible("0.2.0", "0.1.3"));
    assert.ok(caretCompatible("1.4.0", "1.2.9"));
    assert.ok(!caretCompatible("2.0.0", "1.2.9"));
    assert.ok(!caretCompatible("", "1.0.0"));
  });
});
