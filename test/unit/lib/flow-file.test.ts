import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { assembleFlows, scenarioFiles, syncFlowFile, type FlowNode } from "../../../launcher/flow-file";

const REPO_FLOWS = resolve(__dirname, "..", "..", "..", "flows");

let root: string;
let n = 0;

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 4)}\n`);
}

/** A flows/ folder with a config file and two scenario tabs, plus where the runtime flow file goes. */
function fixture(): { flowsDir: string; flowFile: string } {
  const base = join(root, `case-${++n}`);
  const flowsDir = join(base, "flows");
  mkdirSync(flowsDir, { recursive: true });
  writeJson(join(flowsDir, "config.json"), [{ id: "cfg1", type: "lsync-store", path: "" }]);
  writeJson(join(flowsDir, "b-second.json"), [
    { id: "tabB", type: "tab", label: "B" },
    { id: "b1", type: "inject", z: "tabB", wires: [[]] },
  ]);
  writeJson(join(flowsDir, "a-first.json"), [
    { id: "tabA", type: "tab", label: "A" },
    { id: "a1", type: "lsync-dead-letter", z: "tabA", store: "cfg1", wires: [[]] },
  ]);
  writeFileSync(join(flowsDir, "notes.txt"), "not a flow");
  return { flowsDir, flowFile: join(base, "data", "flows.json") };
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "lsync-flowfile-test-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("assembleFlows", () => {
  it("puts config nodes first, then scenario files by name", () => {
    const { flowsDir } = fixture();
    assert.deepEqual(scenarioFiles(flowsDir), ["a-first.json", "b-second.json"]);
    assert.deepEqual(assembleFlows(flowsDir).map((x) => x.id), ["cfg1", "tabA", "a1", "tabB", "b1"]);
  });

  it("rejects a node id that appears twice in flows/", () => {
    const { flowsDir } = fixture();
    writeJson(join(flowsDir, "c-dup.json"), [{ id: "tabC", type: "tab" }, { id: "a1", type: "inject", z: "tabC" }]);
    assert.throws(() => assembleFlows(flowsDir), /node id a1 appears twice/);
  });

  it("rejects a flow file that is not an array", () => {
    const { flowsDir } = fixture();
    writeJson(join(flowsDir, "c-bad.json"), { id: "x" });
    assert.throws(() => assembleFlows(flowsDir), /must hold a JSON array/);
  });
});

describe("syncFlowFile", () => {
  it("created, then unchanged", () => {
    const { flowsDir, flowFile } = fixture();
    mkdirSync(join(flowFile, ".."), { recursive: true });
    assert.equal(syncFlowFile(flowsDir, flowFile), "created");
    const written = JSON.parse(readFileSync(flowFile, "utf8")) as FlowNode[];
    assert.deepEqual(written, assembleFlows(flowsDir));
    assert.equal(syncFlowFile(flowsDir, flowFile), "unchanged");
    assert.deepEqual(JSON.parse(readFileSync(flowFile, "utf8")), written);
  });

  it("updated when flows/ changed and the flow file is as last written", () => {
    const { flowsDir, flowFile } = fixture();
    mkdirSync(join(flowFile, ".."), { recursive: true });
    syncFlowFile(flowsDir, flowFile);
    writeJson(join(flowsDir, "b-second.json"), [
      { id: "tabB", type: "tab", label: "B" },
      { id: "b1", type: "inject", z: "tabB", wires: [["b2"]] },
      { id: "b2", type: "debug", z: "tabB", wires: [] },
    ]);
    assert.equal(syncFlowFile(flowsDir, flowFile), "updated");
    const ids = (JSON.parse(readFileSync(flowFile, "utf8")) as FlowNode[]).map((x) => x.id);
    assert.ok(ids.includes("b2"), "the new node is in the flow file");
    assert.equal(syncFlowFile(flowsDir, flowFile), "unchanged");
  });

  it("kept-edited when the flow file was edited, whether or not flows/ moved", () => {
    const { flowsDir, flowFile } = fixture();
    mkdirSync(join(flowFile, ".."), { recursive: true });
    syncFlowFile(flowsDir, flowFile);
    const edited = [...(JSON.parse(readFileSync(flowFile, "utf8")) as FlowNode[]), { id: "mine", type: "comment", z: "tabA" }];
    writeFileSync(flowFile, JSON.stringify(edited));
    assert.equal(syncFlowFile(flowsDir, flowFile), "kept-edited");
    writeJson(join(flowsDir, "a-first.json"), [{ id: "tabA", type: "tab", label: "A renamed" }]);
    assert.equal(syncFlowFile(flowsDir, flowFile), "kept-edited");
    assert.deepEqual(JSON.parse(readFileSync(flowFile, "utf8")), edited, "the analyst's work is untouched");
  });

  it("without a record: a differing flow file is kept, an identical one is adopted", () => {
    const { flowsDir, flowFile } = fixture();
    mkdirSync(join(flowFile, ".."), { recursive: true });
    writeFileSync(flowFile, "[]\n");
    assert.equal(syncFlowFile(flowsDir, flowFile), "kept-edited");
    assert.equal(readFileSync(flowFile, "utf8"), "[]\n");

    syncFlowFile(join(flowsDir), `${flowFile}.tmp`); // produce the exact built text elsewhere
    writeFileSync(flowFile, readFileSync(`${flowFile}.tmp`, "utf8"));
    unlinkSync(`${flowFile}.tmp.source.json`);
    assert.equal(syncFlowFile(flowsDir, flowFile), "updated");
    assert.equal(syncFlowFile(flowsDir, flowFile), "unchanged", "the record now exists");
  });

  it("duplicate ids in flows/ stop the sync without touching the flow file", () => {
    const { flowsDir, flowFile } = fixture();
    mkdirSync(join(flowFile, ".."), { recursive: true });
    syncFlowFile(flowsDir, flowFile);
    const before = readFileSync(flowFile, "utf8");
    writeJson(join(flowsDir, "c-dup.json"), [{ id: "b1", type: "inject" }]);
    assert.throws(() => syncFlowFile(flowsDir, flowFile), /appears twice/);
    assert.equal(readFileSync(flowFile, "utf8"), before);
  });
});

describe("the shipped flows/", () => {
  const nodes = assembleFlows(REPO_FLOWS);
  const byId = new Map(nodes.map((x) => [x.id, x]));

  it("assemble into valid JSON with unique ids", () => {
    assert.ok(nodes.length > 0);
    const text = JSON.stringify(nodes);
    assert.deepEqual(JSON.parse(text), nodes);
    assert.equal(byId.size, nodes.length);
    for (const x of nodes) {
      assert.equal(typeof x.id, "string");
      assert.equal(typeof x.type, "string");
    }
  });

  it("every z points to a tab (or subflow) in the set", () => {
    const tabs = new Set(nodes.filter((x) => x.type === "tab" || x.type === "subflow").map((x) => x.id));
    assert.ok(tabs.size > 0);
    for (const x of nodes) {
      if (x.z === undefined || x.z === "") continue;
      assert.ok(tabs.has(x.z), `${x.id} (${x.type}) sits on missing tab ${x.z}`);
    }
  });

  it("every store/broker/endpoint reference resolves to a config node of the right type", () => {
    const expected: Record<string, string> = { store: "lsync-store", broker: "lsync-broker", endpoint: "lsync-endpoint" };
    // Core MQTT nodes (a team queue published with mqtt out) use the core broker config node.
    const core: Record<string, string> = { ...expected, broker: "mqtt-broker" };
    let refs = 0;
    for (const x of nodes) {
      if (x.type === "mqtt-broker") continue; // its `broker` is the URL
      for (const [field, type] of Object.entries(x.type === "mqtt in" || x.type === "mqtt out" ? core : expected)) {
        const ref = x[field];
        if (ref === undefined || ref === "") continue;
        refs++;
        assert.equal(typeof ref, "string", `${x.id}.${field}`);
        const target = byId.get(ref as string);
        assert.ok(target, `${x.id}.${field} -> ${String(ref)} does not exist`);
        assert.equal(target.type, type, `${x.id}.${field} -> ${String(ref)} is a ${target.type}`);
      }
    }
    assert.ok(refs > 0, "the shipped flows use config nodes");
  });

  it("every wire and group membership resolves", () => {
    for (const x of nodes) {
      for (const output of (x.wires as string[][] | undefined) ?? []) {
        for (const to of output) assert.ok(byId.has(to), `${x.id} is wired to missing ${to}`);
      }
      if (typeof x.g === "string") assert.equal(byId.get(x.g)?.type, "group", `${x.id}.g`);
      if (x.type === "group") for (const member of (x.nodes as string[] | undefined) ?? []) assert.ok(byId.has(member), `group ${x.id} lists missing ${member}`);
    }
  });
});
