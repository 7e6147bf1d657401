/**
 * The editor as an analyst meets it, in Debian's Chromium: our palette category is there, every
 * one of our nodes' edit dialogs opens without a console error, its help shows, and the flows
 * deploy.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { REPO, startProduct, type RunningProduct } from "../helpers/product";
import { DEFAULT_BILLING_RULES } from "../../nodes/lib/rules/billing";
import { DEFAULT_ROUTE_RULES } from "../../nodes/lib/rules/exception-routing";
import { DEFAULT_KEY_CHECKS } from "../../nodes/lib/rules/master-data";
import { DEFAULT_TOLERANCE_RULES } from "../../nodes/lib/rules/tolerance";

const CHROMIUM = "/usr/bin/chromium";
// Every node type the package registers, from its manifest: a new node is covered without editing
// this test. Which of them are config nodes the editor tells (their category is "config").
const MANIFEST_TYPES = Object.keys(
  (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { "node-red": { nodes: Record<string, string> } })["node-red"].nodes,
);

const skip = existsSync(CHROMIUM)
  ? false
  : process.env.REQUIRE_SERVICES === "1"
    ? false // CI installs it: let the launch fail loudly instead of skipping
    : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

describe("editor in Chromium", { skip, timeout: 180_000 }, () => {
  let product: RunningProduct;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let configTypes: string[] = [];
  const flowTypes = () => MANIFEST_TYPES.filter((t) => !configTypes.includes(t));

  before(async () => {
    product = await startProduct();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (err) => consoleErrors.push(err.message));
    await page.goto(product.editorUrl, { waitUntil: "domcontentloaded" });
    // Ready when every one of our types is registered and the shipped flows are on the canvas
    // (node definitions can load asynchronously, e.g. those using the shared editor script).
    await page.waitForFunction(
      (types) => {
        const w = window as unknown as {
          RED?: { nodes?: { getType?: (t: string) => unknown; filterNodes?: (f: { type: string }) => unknown[] } };
        };
        const nodes = w.RED?.nodes;
        if (!nodes?.getType || !nodes.filterNodes) return false;
        return types.every((t) => !!nodes.getType!(t)) && nodes.filterNodes({ type: "lsync-scanner-in" }).length > 0;
      },
      MANIFEST_TYPES,
      { timeout: 60_000 },
    );
    configTypes = await page.evaluate(
      (types) => {
        const RED = (window as unknown as { RED: { nodes: { getType: (t: string) => { category?: string } } } }).RED;
        return types.filter((t) => RED.nodes.getType(t).category === "config");
      },
      MANIFEST_TYPES,
    );
    assert.ok(configTypes.includes("lsync-store"), `config types: ${configTypes.join(", ")}`);
  });

  after(async () => {
    await browser?.close();
    await product?.stop();
  });

  it("shows the logistics sync palette category with our nodes", async () => {
    const types = await page.$$eval(".red-ui-palette-node", (els) => els.map((e) => e.getAttribute("data-palette-type")));
    for (const type of flowTypes()) assert.ok(types.includes(type), `${type} is in the palette`);
    const headers = await page.$$eval(".red-ui-palette-header", (els) => els.map((e) => e.textContent?.trim().toLowerCase()));
    assert.ok(headers.some((h) => h?.includes("logistics sync")), `palette headers: ${headers.join(", ")}`);
  });

  it("opens every node's edit dialog and help without console errors", async () => {
    for (const type of MANIFEST_TYPES) {
      const before = consoleErrors.length;
      const opened = await page.evaluate(async ({ t, isConfig }) => {
        type EditorRED = {
          nodes: {
            filterNodes: (f: { type: string }) => Array<{ id: string }>;
            node: (id: string) => unknown;
            remove: (id: string) => unknown;
            eachConfig: (cb: (c: { id: string; type: string }) => void) => void;
          };
          view: { importNodes: (n: unknown[], o?: unknown) => void; redraw: (full?: boolean) => void };
          workspaces: { active: () => string };
          editor: { edit: (n: unknown) => void; editConfig: (name: string, type: string, id: string) => void };
          tray: { close: () => void };
          sidebar: { help: { show: (type: string) => void } };
        };
        const RED = (window as unknown as { RED: EditorRED }).RED;
        let node = RED.nodes.filterNodes({ type: t })[0];
        let added = false;
        if (isConfig) {
          RED.editor.editConfig("", t, node ? node.id : "_ADD_");
        } else {
          if (!node) {
            // A node the scenario flows lack is added for its dialog (with the flows' store) and removed after.
            added = true;
            let store: string | undefined;
            RED.nodes.eachConfig((c) => {
              if (c.type === "lsync-store") store ??= c.id;
            });
            RED.view.importNodes([{ id: `test-${t}`, type: t, x: 200, y: 400, z: RED.workspaces.active(), wires: [], ...(store ? { store } : {}) }]);
            node = RED.nodes.filterNodes({ type: t })[0];
          }
          RED.editor.edit(RED.nodes.node(node!.id));
        }
        await new Promise((r) => setTimeout(r, 800));
        const trayOpen = document.querySelector(".red-ui-tray .red-ui-tray-body") !== null;
        const hasForm = document.querySelector(".red-ui-tray .red-ui-tray-body input, .red-ui-tray .red-ui-tray-body select") !== null;
        RED.tray.close();
        await new Promise((r) => setTimeout(r, 400));
        if (added && node) {
          RED.nodes.remove(node.id);
          RED.view.redraw(true);
        }
        RED.sidebar.help.show(t);
        await new Promise((r) => setTimeout(r, 300));
        // The help sidebar renders the node's help into one of its .red-ui-help panes.
        const panes = [...document.querySelectorAll(".red-ui-sidebar-help-stack .red-ui-help")];
        const help = panes.map((p) => p.textContent ?? "").sort((x, y) => y.length - x.length)[0] ?? "";
        return { trayOpen, hasForm, help: help.slice(0, 2000) };
      }, { t: type, isConfig: configTypes.includes(type) });
      assert.ok(opened.trayOpen, `${type}: edit dialog opened`);
      assert.ok(opened.hasForm, `${type}: edit dialog has fields`);
      assert.ok(opened.help.length > 80, `${type}: help is shown (${opened.help.length} chars)`);
      assert.deepEqual(consoleErrors.slice(before), [], `${type}: no console errors`);
    }
  });

  it("shows every node and config node of the shipped flows as valid (${ENV} references included)", async () => {
    const invalid = await page.evaluate(() => {
      type EditorNode = { id: string; type: string; valid?: boolean; z?: string };
      const RED = (window as unknown as {
        RED: { nodes: { eachNode: (cb: (n: EditorNode) => void) => void; eachConfig: (cb: (n: EditorNode) => void) => void } };
      }).RED;
      // Inline callbacks: a named function here would be compiled with a helper that does not
      // exist in the page.
      const bad: string[] = [];
      RED.nodes.eachNode((n: EditorNode) => {
        if (n.valid === false && !n.id.startsWith("test-")) bad.push(`${n.type} ${n.id}`);
      });
      RED.nodes.eachConfig((n: EditorNode) => {
        if (n.valid === false) bad.push(`${n.type} ${n.id}`);
      });
      return bad;
    });
    assert.deepEqual(invalid, []);
  });

  it("the rule nodes' tables go through their dialogs unchanged (Done writes back what the dialog showed)", async () => {
    const tables: Array<[string, string, unknown]> = [
      ["lsync-tolerance-check", "rules", DEFAULT_TOLERANCE_RULES],
      ["lsync-billing-eligibility", "rules", DEFAULT_BILLING_RULES],
      ["lsync-master-data", "checks", DEFAULT_KEY_CHECKS],
      ["lsync-exception-route", "rules", DEFAULT_ROUTE_RULES],
    ];
    for (const [type, property, expected] of tables) {
      // A fresh node of the type, as an analyst drops it from the palette (removed again below).
      await page.evaluate((t) => {
        const RED = (window as unknown as {
          RED: {
            nodes: { node: (id: string) => unknown; eachConfig: (cb: (c: { id: string; type: string }) => void) => void };
            view: { importNodes: (n: unknown[]) => void };
            workspaces: { active: () => string };
            editor: { edit: (n: unknown) => void };
          };
        }).RED;
        let store: string | undefined;
        RED.nodes.eachConfig((c) => {
          if (c.type === "lsync-store") store ??= c.id;
        });
        RED.view.importNodes([{ id: `rules-${t}`, type: t, x: 300, y: 500, z: RED.workspaces.active(), wires: [], store }]);
        // By id: the shipped flows hold nodes of these types too (with their own tables).
        RED.editor.edit(RED.nodes.node(`rules-${t}`));
      }, type);
      await page.waitForSelector("#node-dialog-ok", { state: "visible" });
      await page.waitForTimeout(500);
      await page.click("#node-dialog-ok");
      await page.waitForTimeout(400);
      const saved = await page.evaluate(
        ([t, prop]) => {
          const RED = (window as unknown as { RED: { nodes: { node: (id: string) => Record<string, unknown> } } }).RED;
          const node = RED.nodes.node(`rules-${t!}`);
          return { value: node[prop!], valid: node.valid, errors: node.validationErrors };
        },
        [type, property],
      );
      await page.evaluate((t) => {
        const RED = (window as unknown as { RED: { nodes: { remove: (id: string) => unknown }; view: { redraw: (full?: boolean) => void } } }).RED;
        RED.nodes.remove(`rules-${t}`);
        RED.view.redraw(true);
      }, type);
      assert.deepEqual(saved.value, expected, `${type}.${property} after the dialog`);
      assert.notEqual(saved.valid, false, `${type} is valid after the dialog: ${JSON.stringify(saved.errors)}`);
    }
  });

  it("deploys the flows", async () => {
    // An analyst's change: rename the dedupe node in its dialog and press Done.
    await page.evaluate(() => {
      const RED = (window as unknown as { RED: { nodes: { filterNodes: (f: { type: string }) => unknown[] }; editor: { edit: (n: unknown) => void } } }).RED;
      RED.editor.edit(RED.nodes.filterNodes({ type: "lsync-dedupe" })[0]);
    });
    await page.fill("#node-input-name", "Drop resubmitted scans (renamed in test)");
    await page.click("#node-dialog-ok");
    const dirty = await page.evaluate(() => (window as unknown as { RED: { nodes: { dirty: () => boolean } } }).RED.nodes.dirty());
    assert.ok(dirty, "the rename left a change to deploy");
    await page.click("#red-ui-header-button-deploy");
    // Either the "deployed" notification, or a confirm dialog (an invalid or unconfigured node): say which.
    const outcome = await page
      .waitForFunction(
        () => {
          const notes = [...document.querySelectorAll(".red-ui-notification")].map((e) => e.textContent ?? "");
          if (notes.some((n) => /deployed/i.test(n))) return "deployed";
          const dialog = [...document.querySelectorAll<HTMLElement>(".ui-dialog")].find((d) => d.offsetParent !== null);
          return dialog ? `confirmation asked: ${dialog.textContent ?? ""}` : null;
        },
        undefined,
        { timeout: 15_000 },
      )
      .then((handle) => handle.jsonValue())
      .catch(async (err: Error) => {
        await page.screenshot({ path: "/tmp/lsync-deploy-failure.png" });
        throw err;
      });
    assert.equal(outcome, "deployed");
    const flows = await fetch(`${product.editorUrl}/flows`, { headers: { accept: "application/json", "node-red-api-version": "v2" } });
    const deployed = (await flows.json()) as { flows: Array<{ type: string; name?: string }> };
    assert.ok(deployed.flows.some((n) => n.type === "lsync-dedupe" && n.name === "Drop resubmitted scans (renamed in test)"), "the runtime runs the edited flow");
    assert.deepEqual(consoleErrors, [], "no console errors over the whole session");
  });
});
