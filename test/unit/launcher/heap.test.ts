import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_HEAP_MB, productNodeArgs } from "../../../launcher/heap";
import { REPO } from "../../helpers/product";

describe("the product's heap cap", () => {
  it("npm start passes the same default cap the tests and the benchmark start the product with", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.start!, new RegExp(`--max-old-space-size=\\$\\{LSYNC_MAX_HEAP_MB:-${DEFAULT_HEAP_MB}\\} dist/launcher/start\\.js`));
  });

  it("LSYNC_MAX_HEAP_MB raises it; nonsense falls back to the default", () => {
    assert.deepEqual(productNodeArgs({}), [`--max-old-space-size=${DEFAULT_HEAP_MB}`]);
    assert.deepEqual(productNodeArgs({ LSYNC_MAX_HEAP_MB: "2048" }), ["--max-old-space-size=2048"]);
    assert.deepEqual(productNodeArgs({ LSYNC_MAX_HEAP_MB: "lots" }), [`--max-old-space-size=${DEFAULT_HEAP_MB}`]);
    assert.deepEqual(productNodeArgs({ LSYNC_MAX_HEAP_MB: "8" }), [`--max-old-space-size=${DEFAULT_HEAP_MB}`], "below 64 MB the product cannot start its flows");
  });
});
