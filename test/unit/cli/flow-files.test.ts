import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assembleFlows, formatFlowFile, splitFlows, slugOf, type FlowNode } from "../../../launcher/flow-file";
import { readCredentialRefs, withCredentialRefs, writeFlowsDir } from "../../../cli/lib/flows-dir";

const flowSet = (): FlowNode[] => [
  { id: "n2", type: "debug", z: "t1", x: 1, y: 1, wires: [] },
  { id: "cfgB", type: "lsync-store", name: "store" },
  { id: "t1", type: "tab", label: "Warehouse-to-transport handoff" },
  { id: "g1", type: "group", z: "t1", nodes: ["n1"] },
  { id: "n1", type: "inject", z: "t1", g: "g1", x: 1, y: 1, wires: [["n2"]] },
  { id: "cfgA", type: "lsync-endpoint", name: "TMS", credentials: { apiKey: "should-never-be-written" } },
  { id: "t2", type: "tab", label: "Freight Audit (ÉU)" },
  { id: "t2cfg", type: "lsync-store", z: "t2", name: "tab-scoped config" },
  { id: "sf1", type: "subflow", name: "Retry helper" },
  { id: "sfn", type: "function", z: "sf1", x: 1, y: 1, wires: [] },
];

let root: string;
before(() => (root = mkdtempSync(join(tmpdir(), "lsync-cli-files-"))));
after(() => rmSync(root, { recursive: true, force: true }));

describe("splitFlows", () => {
  it("one file per tab and subflow, config nodes without a tab in config.json", () => {
    const files = splitFlows(flowSet());
    assert.deepEqual([...files.keys()].sort(), ["config.json", "freight-audit-eu.json", "subflow-retry-helper.json", "warehouse-to-transport-handoff.json"]);
    assert.deepEqual(files.get("config.json")!.map((n) => n.id), ["cfgA", "cfgB"]);
    assert.deepEqual(files.get("freight-audit-eu.json")!.map((n) => n.id), ["t2", "t2cfg"], "a tab-scoped config node stays with its tab");
    assert.deepEqual(files.get("subflow-retry-helper.json")!.map((n) => n.id), ["sf1", "sfn"]);
  });

  it("orders each file tab first, then groups, then nodes by id, whatever the deploy order", () => {
    const a = splitFlows(flowSet());
    const b = splitFlows([...flowSet()].reverse());
    assert.deepEqual(a.get("warehouse-to-transport-handoff.json")!.map((n) => n.id), ["t1", "g1", "n1", "n2"]);
    for (const [file, nodes] of a) assert.equal(formatFlowFile(b.get(file)!), formatFlowFile(nodes), file);
  });

  it("never writes credentials", () => {
    const text = [...splitFlows(flowSet()).values()].map(formatFlowFile).join("");
    assert.ok(!text.includes("should-never-be-written"));
    assert.ok(!text.includes('"credentials"'));
  });

  it("a tab keeps the file it has; a new tab whose name is taken gets its id appended", () => {
    const files = splitFlows(
      [...flowSet(), { id: "t3", type: "tab", label: "Warehouse to transport handoff" }],
      new Map([["t2", "freight.json"]]),
    );
    assert.ok(files.has("freight.json"), "renaming a tab does not rename its file");
    assert.ok(!files.has("freight-audit-eu.json"));
    assert.ok(files.has("warehouse-to-transport-handoff.json"));
    assert.ok(files.has("warehouse-to-transport-handoff-t3.json"));
  });

  it("a node on a tab that is not in the set is an error naming it", () => {
    assert.throws(() => splitFlows([{ id: "lost", type: "debug", z: "nowhere" }]), /node lost \(debug\) sits on nowhere/);
  });

  it("slugs are lower-case words joined by dashes", () => {
    assert.equal(slugOf("  Scanner → TMS: v2!  "), "scanner-tms-v2");
    assert.equal(slugOf("Überprüfung"), "uberprufung");
  });
});

describe("writeFlowsDir", () => {
  it("writes the files that assembleFlows reads back, and rewrites nothing when pulled again", () => {
    const dir = join(root, "roundtrip");
    const first = writeFlowsDir(dir, flowSet());
    assert.equal(first.written.length, 4);
    const stamp = readFileSync(join(dir, "config.json"), "utf8");
    const second = writeFlowsDir(dir, [...flowSet()].reverse());
    assert.deepEqual(second.written, []);
    assert.equal(second.unchanged.length, 4);
    assert.equal(readFileSync(join(dir, "config.json"), "utf8"), stamp);
    const back = assembleFlows(dir);
    const expected = flowSet().map(({ credentials: _c, ...n }) => n);
    assert.deepEqual(new Set(back.map((n) => JSON.stringify(n))), new Set(expected.map((n) => JSON.stringify(n))));
  });

  it("removes the file of a tab deleted on the instance, and leaves environments/ and other files alone", () => {
    const dir = join(root, "removal");
    writeFlowsDir(dir, flowSet());
    mkdirSync(join(dir, "environments"));
    writeFileSync(join(dir, "environments", "dev.env"), "A=1\n");
    writeFileSync(join(dir, "notes.json"), "[]\n"); // holds no tab: not ours
    const result = writeFlowsDir(dir, flowSet().filter((n) => n.id !== "t2" && n.z !== "t2"));
    assert.deepEqual(result.removed, ["freight-audit-eu.json"]);
    assert.ok(!existsSync(join(dir, "freight-audit-eu.json")));
    assert.ok(existsSync(join(dir, "notes.json")));
    assert.equal(readFileSync(join(dir, "environments", "dev.env"), "utf8"), "A=1\n");
  });

  it("the shipped flows/ come back as the same nodes", () => {
    const dir = join(root, "shipped");
    const source = join(__dirname, "..", "..", "..", "flows");
    cpSync(source, dir, { recursive: true });
    const shipped = assembleFlows(dir);
    const files = () => readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
    const before = files();
    assert.ok(before.includes("config.json") && before.includes("warehouse-to-transport.json"), before.join(", "));
    writeFlowsDir(dir, shipped);
    // Every tab lands in the file it came from (its name is its label's slug), nothing more.
    assert.deepEqual(files(), before);
    const byId = (list: FlowNode[]) => new Map(list.map((n) => [n.id, n]));
    assert.deepEqual(byId(assembleFlows(dir)), byId(shipped));
  });
});

describe("credential references", () => {
  it("are attached to the nodes they name, as the node's credentials", () => {
    const nodes = withCredentialRefs(flowSet(), { cfgB: { password: "${PG_PASSWORD}" } });
    assert.deepEqual(nodes.find((n) => n.id === "cfgB")!.credentials, { password: "${PG_PASSWORD}" });
    assert.equal(nodes.find((n) => n.id === "n1")!.credentials, undefined);
  });

  it("a malformed credentials.json is refused with the expected shape", () => {
    const dir = join(root, "creds");
    mkdirSync(join(dir, "environments"), { recursive: true });
    writeFileSync(join(dir, "environments", "credentials.json"), '["x"]');
    assert.throws(() => readCredentialRefs(dir), /must hold an object/);
    writeFileSync(join(dir, "environments", "credentials.json"), '{"cfgA": "${X}"}');
    assert.throws(() => readCredentialRefs(dir), /"cfgA" must map credential fields/);
  });
});
