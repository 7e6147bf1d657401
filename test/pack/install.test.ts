/**
 * The packed tarball, installed into a fresh Node-RED 4.1 user dir the way a user would
 * (`npm install <tarball>`), loads every node without a warning and offers the scenario flows
 * under Import > Examples.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, getJson, REPO, waitFor } from "../helpers/product";

const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  name: string;
  "node-red": { nodes: Record<string, string> };
};

/**
 * better-sqlite3 installs through prebuild-install, which downloads a prebuilt binary from GitHub
 * and compiles from source when it cannot (here: 2.5 minutes of CPU, most of this test). The
 * repository's own build of the same version is offered as that download, the way prebuild-install
 * reads a local mirror (`npm_config_<package>_local_prebuilds`), so the user dir gets what a user's
 * install gets: a prebuilt binary. Should npm resolve another version, the name does not match and
 * it compiles as before.
 */
function localSqlitePrebuild(work: string): Record<string, string> {
  const dir = join(work, "prebuilds");
  execFileSync(process.execPath, [join(REPO, "scripts", "sqlite-prebuild.mjs"), dir], { stdio: "pipe" });
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

describe("packed module in a stock Node-RED", { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "lsync-pack-"));
  const userDir = join(work, "user");
  let output = "";
  let stopRed: (() => Promise<void>) | null = null;
  let url = "";

  before(async () => {
    // Packs a copy of the package as `npm test` built it, without npm's prepack: that rebuilds
    // (wiping dist/) and writes examples/ into the repository, under the products that other tests
    // run from it at the same time. The copy gets the examples the prepack would have made.
    const source = join(work, "package");
    for (const entry of ["package.json", "README.md", "dist", "resources", "canonical", "flows", "scripts"]) {
      cpSync(join(REPO, entry), join(source, entry), { recursive: true });
    }
    execFileSync(process.execPath, [join(source, "scripts", "make-examples.mjs")], { cwd: source });
    const packed = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: source, encoding: "utf8" })
      .trim()
      .split("\n")
      .pop()!;
    execFileSync("mkdir", ["-p", userDir]);
    writeFileSync(join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", join(work, packed)], { cwd: userDir, stdio: "pipe", env: { ...process.env, ...localSqlitePrebuild(work) } });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The repo's own node-red (4.1.x) as the stock runtime, pointed at the fresh user dir.
    const red = spawn(process.execPath, [join(REPO, "node_modules", "node-red", "red.js"), "--userDir", userDir, "--port", String(port)], {
      cwd: userDir,
      env: { ...process.env, NODE_RED_CREDENTIAL_SECRET: "test" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    red.stdout.on("data", (d: Buffer) => (output += d.toString()));
    red.stderr.on("data", (d: Buffer) => (output += d.toString()));
    stopRed = () =>
      new Promise((done) => {
        red.once("exit", () => done());
        red.kill("SIGINT");
      });
    await waitFor(async () => output, (o) => /Started flows|Server now running/.test(o), 60_000, "Node-RED to start");
  });

  after(async () => {
    await stopRed?.();
    rmSync(work, { recursive: true, force: true });
  });

  it("loads every node of the package, enabled and without error", async () => {
    const nodes = await getJson<Array<{ module: string; types: string[]; enabled: boolean; err?: string }>>(`${url}/nodes`);
    const ours = nodes.filter((n) => n.module === manifest.name);
    const types = ours.flatMap((n) => n.types).sort();
    assert.deepEqual(types, Object.keys(manifest["node-red"].nodes).sort());
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.types.join(",")}: ${set.err}`);
      assert.equal(set.enabled, true);
    }
  });

  it("has a working SQLite driver in the user dir (the default store)", () => {
    const script = "const D = require('better-sqlite3'); const db = new D(':memory:'); console.log(db.prepare('select sqlite_version() v').get().v)";
    const version = execFileSync(process.execPath, ["-e", script], { cwd: userDir, encoding: "utf8" }).trim();
    assert.match(version, /^3\.\d+\.\d+$/);
  });

  it("logs no warning or error about the package", () => {
    const lines = output.split("\n").filter((l) => /\[(warn|error)\]/.test(l) && /lsync|logistics/i.test(l));
    assert.deepEqual(lines, []);
  });

  it("offers the scenario flows under Import > Examples", async () => {
    const examples = await getJson<unknown>(`${url}/library/examples/flows/`);
    const text = JSON.stringify(examples);
    assert.match(text, new RegExp(manifest.name));
    const listing = await getJson<unknown>(`${url}/library/examples/flows/${manifest.name}`);
    assert.match(JSON.stringify(listing), /warehouse-to-transport/);
    assert.match(JSON.stringify(listing), /business-dashboard/);
  });

  it("has every node type of every example installed (Dashboard 2.0 comes as a peer dependency)", async () => {
    // npm put the peer in the user dir (the runtime here is the repository's, whose own node_modules
    // Node-RED also scans: the user dir's copy is the one it prefers, and the one a user would have).
    assert.ok(existsSync(join(userDir, "node_modules", "@flowfuse", "node-red-dashboard", "package.json")), "npm installed Dashboard 2.0 into the user dir");
    const installed = new Set((await getJson<Array<{ types: string[]; enabled: boolean }>>(`${url}/nodes`)).filter((s) => s.enabled).flatMap((s) => s.types));
    const dir = join(userDir, "node_modules", manifest.name, "examples");
    const missing: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
      const example = await getJson<Array<{ id: string; type: string; links?: string[] }>>(`${url}/library/examples/flows/${manifest.name}/${file.replace(/\.json$/, "")}`);
      assert.ok(Array.isArray(example) && example.length > 0, `${file} is served`);
      // Imported alone it works: every link node leads to a node of the same import.
      const ids = new Set(example.map((n) => n.id));
      const dangling = example.flatMap((n) => (n.links ?? []).filter((l) => !ids.has(l)).map((l) => `${n.type} ${n.id} -> ${l}`));
      assert.deepEqual(dangling, [], `${file}: link nodes leading out of the example`);
      for (const type of new Set(example.map((n) => n.type))) {
        if (type !== "tab" && type !== "group" && !installed.has(type)) missing.push(`${file}: ${type}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
