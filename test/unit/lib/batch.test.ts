import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchOutbound, batchItems, batchMessage, batchSizeOf, MAX_BATCH, runBatch } from "../../../nodes/lib/batch";
import type { NodeMessageInFlow } from "../../../nodes/lib/red";

const item = (id: string, payload: unknown = id) => ({ _msgid: id, payload }) as NodeMessageInFlow;
const ids = (list: NodeMessageInFlow[]) => list.map((m) => m._msgid);

describe("batch messages", () => {
  it("runBatch keeps item order per output, routes each item's outputs, and fails items alone", async () => {
    const failed: Array<[string, string]> = [];
    // Items finish out of order (the slow one first in the batch): the outputs stay in item order.
    const perOutput = await runBatch(
      [item("a", 30), item("b", 0), item("bad", 0), item("c", 10), item("split", 0)],
      2,
      async (m) => {
        await new Promise((resolve) => setTimeout(resolve, m.payload as number));
        if (m._msgid === "bad") throw new Error("field x: required");
        if (m._msgid === "split") return [[item("split.0"), item("split.1")], null];
        return m._msgid === "b" ? [null, m] : [m, null];
      },
      (err, m) => failed.push([m._msgid, err.message]),
    );
    assert.deepEqual(perOutput.map(ids), [["a", "c", "split.0", "split.1"], ["b"]]);
    assert.deepEqual(failed, [["bad", "field x: required"]]);
  });

  it("runBatch turns a thrown non-Error into an Error", async () => {
    const failed: Error[] = [];
    await runBatch([item("a")], 1, () => Promise.reject("plain text"), (err) => failed.push(err));
    assert.equal(failed[0]?.message, "plain text");
  });

  it("batchItems tells a batch from a message, and batchMessage sends nothing for no items", () => {
    assert.equal(batchItems(item("a")), null);
    const parent = { _msgid: "p", topic: "lsync/batch", batch: [item("a")] } as NodeMessageInFlow;
    assert.deepEqual(ids(batchItems(parent)!), ["a"]);
    assert.equal(batchMessage(parent, []), null);
    const out = batchMessage(parent, [item("b"), item("c")])!;
    assert.deepEqual(ids(batchItems(out)!), ["b", "c"]);
    assert.equal(out.topic, "lsync/batch");
    assert.deepEqual(ids(batchItems(parent)!), ["a"], "the parent is not changed");
  });

  it("batchSizeOf takes whole numbers from 1 to the maximum, and 1 for anything else", () => {
    assert.deepEqual(
      [undefined, "", "0", "-3", "2.5", "abc", "1", "100", 250, "5000"].map((v) => batchSizeOf(v)),
      [1, 1, 1, 1, 1, 1, 1, 100, 250, MAX_BATCH],
    );
  });

  it("BatchOutbound sends what one turn made in batches of its size, in order, at the end of the turn", async () => {
    const sent: NodeMessageInFlow[] = [];
    let n = 0;
    const out = new BatchOutbound(2, (m) => sent.push(m), () => `batch-${++n}`);
    for (const id of ["a", "b", "c", "d", "e"]) out.add(item(id));
    assert.equal(sent.length, 0, "nothing before the turn ends");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent.map((m) => [m._msgid, ids(batchItems(m)!)]), [
      ["batch-1", ["a", "b"]],
      ["batch-2", ["c", "d"]],
      ["batch-3", ["e"]],
    ]);
    // A lone item later is a batch of one, in the next turn.
    out.add(item("f"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(ids(batchItems(sent[3]!)!), ["f"]);
  });

  it("BatchOutbound at size 1 sends each message at once, as it is", () => {
    const sent: NodeMessageInFlow[] = [];
    const out = new BatchOutbound(1, (m) => sent.push(m), () => "never");
    out.add(item("a"));
    assert.deepEqual(ids(sent), ["a"]);
    assert.equal(batchItems(sent[0]!), null);
  });

  it("BatchOutbound.clear drops what is not sent yet", async () => {
    const sent: NodeMessageInFlow[] = [];
    const out = new BatchOutbound(10, (m) => sent.push(m), () => "b");
    out.add(item("a"));
    out.clear();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.length, 0);
  });
});
