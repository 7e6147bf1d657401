import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { InventoryMovement, Money, Shipment, ShipmentStatusEvent } from "../../../nodes/lib/canonical/types";

const root = join(__dirname, "..", "..", "..");

describe("canonical/types.generated.ts", () => {
  it("is what scripts/gen-types.mjs generates from the current schemas (run npm run gen:types after a schema edit)", async () => {
    const generator = (await import(pathToFileURL(join(root, "scripts", "gen-types.mjs")).href)) as { generateTypes(): Promise<string> };
    const expected = await generator.generateTypes();
    const actual = readFileSync(join(root, "canonical", "types.generated.ts"), "utf8");
    assert.ok(actual === expected, "canonical/types.generated.ts is stale: run npm run gen:types and commit the result");
    assert.match(actual, /generated — edit the schemas, then npm run gen:types/);
    for (const name of ["InventoryMovement", "Order", "Shipment", "ShipmentStatusEvent", "FreightCharge", "InvoiceEvent", "ExceptionEvent", "Money", "Party", "Reference"]) {
      assert.match(actual, new RegExp(`export interface ${name} \\{`), `one interface for ${name}`);
    }
    assert.doesNotMatch(actual, /export interface (Code|Quantity|Money|TimeWindow)\d/, "no numbered copies of shared types");
  });

  it("the types describe real objects (compile-time check through the re-export)", () => {
    const money: Money = { currency: "USD", amountMinor: 81612 };
    const event: Pick<ShipmentStatusEvent, "status" | "classifier" | "eventCode"> = {
      status: "DELIVERED",
      classifier: "ACTUAL",
      eventCode: { scheme: "X12-1650", code: "D1" },
    };
    const status: Shipment["status"] = "SHIPPED";
    const type: InventoryMovement["type"] = "PICK";
    assert.deepEqual([money.amountMinor, event.status, status, type], [81612, "DELIVERED", "SHIPPED", "PICK"]);
  });
});
