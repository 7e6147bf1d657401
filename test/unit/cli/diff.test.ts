import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FlowNode } from "../../../launcher/flow-file";
import { diffFlows, formatDiff, isEmptyDiff } from "../../../cli/lib/flow-diff";

const remote: FlowNode[] = [
  { id: "t1", type: "tab", label: "Handoff" },
  { id: "a", type: "inject", z: "t1", name: "tick", repeat: "5", x: 10, y: 20, wires: [["b"]] },
  { id: "b", type: "debug", z: "t1", x: 30, y: 20, wires: [] },
  { id: "gone", type: "comment", z: "t1", name: "old note", x: 1, y: 1, wires: [] },
];

describe("diffFlows", () => {
  it("added, removed and changed nodes, with the changed properties, ignoring property order", () => {
    const local: FlowNode[] = [
      remote[0]!,
      { wires: [["b"]], y: 20, x: 10, repeat: "60", name: "tick", z: "t1", type: "inject", id: "a" },
      { ...remote[2]!, credentials: { token: "${T}" } },
      { id: "new", type: "lsync-dedupe", z: "t1", name: "dedupe", x: 1, y: 1, wires: [[]] },
    ];
    const d = diffFlows(local, remote);
    assert.deepEqual(d.added.map((n) => n.id), ["new"]);
    assert.deepEqual(d.removed.map((n) => n.id), ["gone"]);
    assert.deepEqual(d.changed.map((c) => [c.node.id, c.changes]), [["a", [{ property: "repeat", before: "5", after: "60" }]]], "credentials are not compared");
    assert.deepEqual(formatDiff(d, local, remote), [
      '+ added    lsync-dedupe new "dedupe" on tab "Handoff"',
      '- removed  comment gone "old note" on tab "Handoff"',
      '~ changed  inject a "tick" on tab "Handoff": repeat',
      '      repeat: "5" -> "60"',
      "1 added, 1 removed, 1 changed",
    ]);
  });

  it("identical sets make an empty diff", () => {
    const d = diffFlows(structuredClone(remote), remote);
    assert.ok(isEmptyDiff(d));
    assert.deepEqual(formatDiff(d, remote, remote), ["no differences"]);
  });

  it("long values are shortened, absent ones said so", () => {
    const local = [remote[0]!, { ...remote[1]!, func: "x".repeat(200), repeat: undefined }];
    const out = formatDiff(diffFlows(local, remote.slice(0, 2)), local, remote).join("\n");
    assert.match(out, /func: \(absent\) -> "x{66}\.\.\./);
    assert.match(out, /repeat: "5" -> \(absent\)/);
  });
});
