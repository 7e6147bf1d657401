/**
 * The packed tarball, installed into a fresh Node-RED 4.1 user dir the way a user would
 * (`npm install <tarball>`), loads every node without a warning and offers the scenario flows
 * under Import > Examples.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, getJson, REPO, waitFor } from "../helpers/product";

const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  name: string;
  "node-red": { nodes: Record<string, string> };
};

describe("packed module in a stock Node-RED", { timeout: 600_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), "lsync-pack-"));
  const userDir = join(work, "user");
  let output = "";
  let stopRed: (() => Promise<void>) | null = null;
  let url = "";

  before(async () => {
    // Packs the dist/ that `npm test` built, without npm's prepack (which rebuilds: wiping dist/
    // under the tests running beside this one). The examples it would generate are made here.
    const examples = join(REPO, "scripts", "make-examples.mjs");
    execFileSync(process.execPath, [examples], { cwd: REPO });
    let packed: string;
    try {
      packed = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], { cwd: REPO, encoding: "utf8" })
        .trim()
        .split("\n")
        .pop()!;
    } finally {
      execFileSync(process.execPath, [examples, "--clean"], { cwd: REPO });
    }
    execFileSync("mkdir", ["-p", userDir]);
    writeFileSync(join(userDir, "package.json"), JSON.stringify({ name: "node-red-project", private: true }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", join(work, packed)], { cwd: userDir, stdio: "pipe" });
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
  });
});
