import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SIMULATOR_NAMES, startSimulators, stopSimulators } from "../../../simulators/index";
import { call } from "./_http";

describe("startSimulators / stopSimulators", () => {
  it("starts all six on ephemeral ports with the common API, and stops them", async () => {
    const sims = await startSimulators({ host: "127.0.0.1", basePort: 0, seed: 3 });
    try {
      assert.deepEqual(Object.keys(sims).sort(), [...SIMULATOR_NAMES].sort());
      const ports = new Set<string>();
      for (const name of SIMULATOR_NAMES) {
        const s = sims[name];
        assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        ports.add(s.url);
        const h = await call<{ simulator: string }>(`${s.url}/_sim/health`);
        assert.equal(h.body.simulator, name);
        assert.equal(typeof s.state, "function");
        assert.deepEqual(s.received(), []);
        s.setFaults({ failNext: 1 });
        assert.equal(s.faults().failNext, 1);
        s.reset();
        assert.equal(s.faults().failNext, undefined);
      }
      assert.equal(ports.size, 6);
    } finally {
      await stopSimulators();
    }
    await assert.rejects(fetch(`${sims.tms.url}/_sim/health`), "closed after stop");
  });

  it("per-simulator options and ports are honoured; a taken port fails cleanly", async () => {
    const first = await startSimulators({ basePort: 0, options: { tms: { auth: { type: "bearer", token: "t" } } } });
    try {
      assert.equal((await call(`${first.tms.url}/api/v1/loads`)).status, 401);
      const taken = Number(new URL(first.erp.url).port);
      await assert.rejects(startSimulators({ basePort: 0, ports: { finance: taken } }), /EADDRINUSE/);
      assert.equal((await call(`${first.erp.url}/_sim/health`)).status, 200, "the running set is untouched");
    } finally {
      await stopSimulators(first);
    }
  });

  it("the CLI prints one URL per simulator", async () => {
    const cli = spawn(process.execPath, ["--import", "tsx", join(__dirname, "../../../simulators/cli.ts"), "--base-port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    cli.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const start = Date.now();
    while (!out.includes("portal") && Date.now() - start < 15_000) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise<number | null>((r) => cli.on("exit", (code) => r(code)));
    cli.kill("SIGINT");
    assert.equal(await exited, 0);
    for (const name of SIMULATOR_NAMES) assert.match(out, new RegExp(`^${name}\\s+http://127\\.0\\.0\\.1:\\d+$`, "m"));
  });
});
