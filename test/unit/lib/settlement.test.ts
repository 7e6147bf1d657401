import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LsyncStore, SettleOutcome } from "../../../nodes/lib/store";
import { finishPart, intakeRefOf, registerIntake, settleFinished, splitIntake, type IntakeRef } from "../../../nodes/lib/intake/settlement";

let nextId = 1;
const ref = (): IntakeRef => ({ source: "intake-under-test", id: nextId++ });

describe("split intake items", () => {
  it("settles an unsplit message at once with its own outcome", () => {
    assert.equal(finishPart(ref(), "duplicate"), "duplicate");
  });

  it("settles a split item only when its last part finishes, with the worst outcome", () => {
    const parts = splitIntake(ref(), 3);
    assert.deepEqual(parts.map((p) => [p.part, p.share]), [["0", [1, 3]], ["1", [1, 3]], ["2", [1, 3]]]);
    assert.equal(finishPart(parts[0]!, "done"), null);
    assert.equal(finishPart(parts[2]!, "dead"), null);
    assert.equal(finishPart(parts[1]!, "duplicate"), "dead");
  });

  it("adds up uneven nested splits exactly, and counts a part finished twice once", () => {
    const [a, b] = splitIntake(ref(), 2) as [IntakeRef, IntakeRef];
    const aParts = splitIntake(a, 3); // 1/6 each
    const bParts = splitIntake(b, 5); // 1/10 each
    assert.equal(aParts[0]!.part, "0.0");
    const all = [...aParts, ...bParts];
    for (const p of all.slice(0, -1)) assert.equal(finishPart(p, "done"), null);
    assert.equal(finishPart(all[0]!, "done"), null, "the same part again does not complete the item");
    assert.equal(finishPart(all[all.length - 1]!, "done"), "done");
  });

  it("keeps the part and share through msg.intake, and a replayed part without share is whole", () => {
    const [p] = splitIntake(ref(), 4);
    const read = intakeRefOf({ intake: JSON.parse(JSON.stringify(p)) });
    assert.deepEqual(read, { ...p, resumed: false });
    const replayed = intakeRefOf({ intake: { source: p!.source, id: p!.id, part: "0" } })!;
    assert.equal(replayed.share, undefined);
    assert.equal(finishPart(replayed, "done"), "done");
  });

  it("writes the inbox only when the whole item is through", async () => {
    const settled: Array<[number[], SettleOutcome]> = [];
    const store = { settleInbox: async (ids: number[], outcome: SettleOutcome) => void settled.push([ids, outcome]) } as unknown as LsyncStore;
    const released: number[] = [];
    const item = { source: "registered-intake", id: 42 };
    const unregister = registerIntake(item.source, store, (id) => released.push(id));
    try {
      const parts = splitIntake(item, 2);
      await settleFinished(parts[0]!, "done");
      assert.deepEqual(settled, []);
      await settleFinished(parts[1]!, "duplicate");
      assert.deepEqual(settled, [[[42], "done"]]);
      assert.deepEqual(released, [42]);
    } finally {
      unregister();
    }
  });
});
