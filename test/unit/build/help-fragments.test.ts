/**
 * Shared help sections: written once in nodes/lib/help/, named by a marker in a node's help, and
 * written in full by the build. The editor must show whole texts: no marker may reach dist.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";

// The build script's own module (plain JavaScript, an ES module: loaded as the build loads it).
let expandHelp: (html: string, fragmentsDir: string) => string;
before(async () => {
  ({ expandHelp } = await import("../../../scripts/help-fragments.mjs"));
});

const root = join(__dirname, "../../..");
const fragments = join(root, "nodes", "lib", "help");
const nodeTypes = readdirSync(join(root, "nodes")).filter((d) => d.startsWith("lsync-") && existsSync(join(root, "nodes", d, "locales", "en-US", `${d}.html`)));
const helpOf = (base: string, type: string) => readFileSync(join(root, base, type, "locales", "en-US", `${type}.html`), "utf8");

describe("help fragments", () => {
  it("a marker becomes the fragment with the node's system, without the fragment's own comment", () => {
    const html = `<script type="text/html" data-help-name="x">\n    <p>own text</p>\n\n    <!-- lsync-help egress-delivery system=PORTAL -->\n</script>\n`;
    const out = expandHelp(html, fragments);
    assert.ok(out.includes("<p>own text</p>"));
    assert.ok(out.includes("<h4>Outbox, idempotency and retries</h4>"));
    assert.ok(out.includes("<code>PORTAL &lt;operation&gt;: &lt;reason&gt;</code>"));
    assert.ok(out.includes("unknown PORTAL operation"));
    assert.ok(!out.includes("{{SYSTEM}}") && !out.includes("lsync-help") && !out.includes("the four stay one text"));
    assert.ok(out.endsWith("    </ul>\n</script>\n"), "the fragment ends where the marker line was");
  });

  it("a marker naming no fragment fails the build, naming it", () => {
    assert.throws(() => expandHelp("    <!-- lsync-help nothing-here system=WMS -->\n", fragments), /help fragment "nothing-here" not found/);
  });

  it("the built help of every node is whole: no marker left, the shared sections in the four outbox nodes", () => {
    for (const type of nodeTypes) {
      const built = helpOf("dist/nodes", type);
      assert.ok(!built.includes("lsync-help"), `${type}: a marker reached dist`);
      assert.equal(built, expandHelp(helpOf("nodes", type), fragments), `${type}: dist is the expanded source`);
    }
    for (const [type, system] of [["lsync-wms", "WMS"], ["lsync-finance", "FINANCE"], ["lsync-portal", "PORTAL"], ["lsync-carrier", "CARRIER"]]) {
      const built = helpOf("dist/nodes", type!);
      assert.ok(built.includes("<h4>Errors and dead letters</h4>") && built.includes(`unknown ${system} operation`), `${type}: the shared sections with its system`);
    }
  });
});
