/**
 * The in-flight window: settled items free their slots, and slots reserved for items still being
 * stored count as taken (the MQTT intake reads on while its commits are pending).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlightWindow } from "../../../nodes/lib/intake/in-flight";

/** True when `room()` has resolved by the next macrotask. */
async function hasRoom(window: InFlightWindow): Promise<boolean> {
  let resolved = false;
  void window.room().then(() => (resolved = true));
  await new Promise((r) => setImmediate(r));
  return resolved;
}

describe("in-flight window", () => {
  it("is full when stored and reserved items together reach the limit", async () => {
    const window = new InFlightWindow(3);
    window.add(1);
    window.reserve();
    assert.equal(window.full, false);
    window.reserve();
    assert.equal(window.full, true, "two reservations and one item fill a window of 3");
    assert.equal(window.size, 1, "size counts the items handed to the flow only");
    window.stored(2);
    assert.equal(window.full, true, "a reservation that became an item still holds its slot");
    assert.equal(window.size, 2);
  });

  it("a cancelled reservation frees its slot and wakes one waiter", async () => {
    const window = new InFlightWindow(2);
    window.add(1);
    window.reserve();
    const first = hasRoom(window);
    const second = hasRoom(window);
    assert.equal(window.holding, true);
    window.cancel();
    assert.deepEqual(await Promise.all([first, second]), [true, false], "one slot, one waiter woken");
    window.release(1);
    assert.equal(window.holding, false);
  });

  it("releasing a stored reservation frees its slot; an unknown id frees nothing", () => {
    const window = new InFlightWindow(1);
    window.reserve();
    window.stored(7);
    assert.equal(window.release(8), false);
    assert.equal(window.full, true);
    assert.equal(window.release(7), true);
    assert.equal(window.full, false);
  });
});
