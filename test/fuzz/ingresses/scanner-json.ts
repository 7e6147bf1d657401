/** Scanner JSON events into canonical map (scanner-json) → validate, as the shipped flow maps them. */
import fc from "fast-check";
import mapNode from "../../../nodes/lsync-canonical-map/lsync-canonical-map";
import validateNode from "../../../nodes/lsync-canonical-validate/lsync-canonical-validate";
import { scanEvent } from "../../unit/nodes/_helper";
import { deeplyNested, garbage, huge, invalidUtf8, protoJson, truncated, wrongTyped } from "../hostile";
import type { FlowIngress, IngressMessage } from "../ingress";

const EVENTS = ["pick", "pack", "weight", "cube", "ship"] as const;
const validScan = fc.tuple(fc.constantFrom(...EVENTS), fc.integer({ min: 1, max: 1e9 })).map(([event, seq]) => {
  const m = scanEvent(event, seq);
  return { event, text: m.payload as string };
});
const topic = (event: string) => `wms/DC1/scanner/RF-017/${event}`;

export const scannerJson: FlowIngress = {
  name: "scanner JSON → canonical map → validate",
  modules: [mapNode, validateNode],
  nodes: (accepted) => [
    { id: "entry", type: "lsync-canonical-map", z: "tab", profile: "scanner-json", inputFormat: "json", property: "payload", validate: true, bindings: "", wires: [["check"]] },
    { id: "check", type: "lsync-canonical-validate", z: "tab", schema: "inventory-movement/1", property: "payload", invalidOutput: false, wires: [[accepted]] },
  ],
  hostile: fc
    .oneof(
      // Deep nesting is the costly case (thousands of levels per input): rarer than the others.
      { arbitrary: truncated(validScan.map((s) => s.text)), weight: 4 },
      { arbitrary: wrongTyped(validScan.map((s) => JSON.parse(s.text) as Record<string, unknown>)), weight: 4 },
      { arbitrary: protoJson, weight: 2 },
      { arbitrary: deeplyNested, weight: 1 },
      { arbitrary: invalidUtf8.map((b) => b.toString("latin1")), weight: 2 },
      { arbitrary: invalidUtf8 as fc.Arbitrary<unknown>, weight: 2 },
      { arbitrary: garbage, weight: 4 },
      { arbitrary: fc.json().map((t) => JSON.parse(t) as unknown), weight: 2 },
    )
    .chain((payload) => fc.constantFrom(...EVENTS).map((event): IngressMessage => ({ payload, topic: topic(event) }))),
  extras: huge().map((payload) => ({ payload, topic: topic("pick") })),
  valid: (i) => {
    const event = EVENTS[i % EVENTS.length]!;
    return { payload: scanEvent(event, 2_000_000_000 + i).payload, topic: topic(event) };
  },
  runs: 4500,
};
