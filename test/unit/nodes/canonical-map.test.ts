import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import mapNode from "../../../nodes/lsync-canonical-map/lsync-canonical-map";
import { collect, getNode, helper, scanEvent, SSCC, waitFor, type FlowNodeDef, type Msg } from "./_helper";

const flow = (extra: Record<string, unknown> = {}): FlowNodeDef[] => [
  { id: "tab", type: "tab", label: "t" },
  { id: "map", type: "lsync-canonical-map", z: "tab", name: "scanner map", profile: "scanner-json", property: "payload", validate: true, wires: [["out"]], ...extra },
  { id: "out", type: "helper", z: "tab" },
  { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
  { id: "caught", type: "helper", z: "tab" },
];

before(() => helper.startServer());
after(() => helper.stopServer());
afterEach(() => helper.unload());

describe("lsync-canonical-map", () => {
  it("maps a valid scanner event into the canonical object with msg.idempotencyKey", async () => {
    await helper.load([mapNode], flow());
    const out = collect("out");
    getNode("map").receive(scanEvent("pack", 48212));
    await waitFor("mapped message", () => out.length === 1);
    const msg = out[0]!;
    const payload = msg.payload as Record<string, unknown>;
    assert.equal(payload.schema, "inventory-movement/1");
    assert.equal(payload.type, "PACK");
    assert.deepEqual(JSON.parse(JSON.stringify(payload.handlingUnit)), { sscc: SSCC });
    assert.equal(msg.idempotencyKey, "SCAN|DC1|RF-017|48212");
    assert.equal(msg.correlationId, "LOAD|LD-2025-0042");
    assert.equal(msg.topic, "wms/DC1/scanner/RF-017/pack", "the rest of the message is kept");
  });

  it("an invalid event reaches a catch node with the field path, and the node keeps working", async () => {
    await helper.load([mapNode], flow());
    const out = collect("out");
    const caught = collect("caught");
    const bad = scanEvent("pick", 7, { quantity: undefined });
    getNode("map").receive(bad);
    await waitFor("caught error", () => caught.length === 1);
    const error = caught[0]!.error as { message: string; source: { id: string; type: string } };
    assert.match(error.message, /InventoryMovement \/quantity: is required \(rule required\)/);
    assert.equal(error.source.id, "map");
    assert.equal(error.source.type, "lsync-canonical-map");
    assert.equal(out.length, 0);

    getNode("map").receive(scanEvent("pick", 8));
    await waitFor("the next good message", () => out.length === 1);
    assert.equal((out[0]!.payload as { type: string }).type, "PICK");
    assert.equal(caught.length, 1);
  });

  it("malformed JSON and a bad GS1 check digit are caught with their reason", async () => {
    await helper.load([mapNode], flow());
    const caught = collect("caught");
    getNode("map").receive({ topic: "wms/DC1/scanner/RF-017/pack", payload: "{not json" });
    getNode("map").receive(scanEvent("pack", 9, { raw: "]C100340123450000000019" }));
    await waitFor("two caught errors", () => caught.length === 2);
    const messages = caught.map((m) => (m.error as { message: string }).message).join("\n");
    assert.match(messages, /not JSON/);
    assert.match(messages, /check digit/);
  });

  it("with validation off, an incomplete object passes unvalidated", async () => {
    await helper.load([mapNode], flow({ validate: false }));
    const out = collect("out");
    getNode("map").receive(scanEvent("pick", 10, { quantity: undefined }));
    await waitFor("mapped message", () => out.length === 1);
    assert.equal((out[0]!.payload as { quantity?: unknown }).quantity, undefined);
  });

  it("a custom expression writes to the configured property", async () => {
    await helper.load(
      [mapNode],
      flow({ profile: "custom", expression: '{"seq": seq, "site": $topicParts[1]}', inputFormat: "json", target: "", property: "data", validate: false }),
    );
    const out = collect("out");
    getNode("map").receive({ topic: "wms/DC9/scanner/X/pick", data: '{"seq": 5}' } as Msg);
    await waitFor("mapped message", () => out.length === 1);
    assert.deepEqual(JSON.parse(JSON.stringify(out[0]!.data)), { seq: 5, site: "DC9" });
  });

  it("an object with wall-clock time only gets occurredAt from its localDateTime and timeZone; a bad zone is caught", async () => {
    await helper.load(
      [mapNode],
      flow({ profile: "custom", expression: '{"localDateTime": t, "timeZone": z}', inputFormat: "json", target: "", validate: false }),
    );
    const out = collect("out");
    const caught = collect("caught");
    getNode("map").receive({ payload: { t: "2026-10-25T02:30:00", z: "Europe/Berlin" } } as Msg);
    getNode("map").receive({ payload: { t: "2026-10-25T02:30:00", z: "Europe/Nowhere" } } as Msg);
    await waitFor("one mapped, one caught", () => out.length === 1 && caught.length === 1);
    assert.equal((out[0]!.payload as { occurredAt?: string }).occurredAt, "2026-10-25T02:30:00+02:00", "the first of the repeated hour");
    assert.match(String((caught[0]!.error as { message?: string }).message), /timeZone "Europe\/Nowhere" is not an IANA time zone/);
  });

  it("a document mapped to several objects sends each with its share of the intake item", async () => {
    await helper.load(
      [mapNode],
      flow({ profile: "custom", expression: "items.{\"n\": $}", inputFormat: "json", target: "", validate: false }),
    );
    const out = collect("out");
    getNode("map").receive({ payload: '{"items": [1, 2, 3]}', intake: { source: "scan-in", id: 7 } } as Msg);
    await waitFor("three messages", () => out.length === 3);
    const intakes = out.map((m) => JSON.parse(JSON.stringify(m.intake)) as { part: string; share: number[] });
    assert.deepEqual(
      intakes.map((i) => [i.part, i.share]),
      [["0", [1, 3]], ["1", [1, 3]], ["2", [1, 3]]],
      "each part knows it is one third of item 7",
    );
  });

  it("maps a batch (msg.batch) item by item: one batch on, and a failing item alone to catch", async () => {
    await helper.load([mapNode], flow());
    const out = collect("out");
    const caught = collect("caught");
    const bad = scanEvent("pick", 2, { quantity: undefined });
    getNode("map").receive({ _msgid: "batch-1", topic: "lsync/batch", batch: [scanEvent("pack", 1), bad, scanEvent("ship", 3)] });
    await waitFor("batch and error", () => out.length === 1 && caught.length === 1);
    const items = out[0]!.batch as Msg[];
    assert.equal(out[0]!._msgid, "batch-1");
    assert.deepEqual(items.map((m) => [m._msgid, m.idempotencyKey, (m.payload as { type: string }).type]), [
      ["m-pack-1", "SCAN|DC1|RF-017|1", "PACK"],
      ["m-ship-3", "SCAN|DC1|RF-017|3", "SHIP"],
    ]);
    assert.equal(caught[0]!._msgid, "m-pick-2", "catch gets the failing scan's own message");
    assert.equal(caught[0]!.payload, bad.payload);
    assert.match((caught[0]!.error as { message: string }).message, /InventoryMovement \/quantity: is required/);
  });
});
