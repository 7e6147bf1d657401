/**
 * Starts the product the way `npm start` does (the built launcher, embedded broker, simulators,
 * Node-RED) in a child process on free ports and a temporary data folder, and reads the URLs it
 * prints. Tests drive it from outside, as a user or another system would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { productNodeArgs } from "../../launcher/heap";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(__dirname, "..", "..");

export interface RunningProduct {
  editorUrl: string;
  mqttUrl: string;
  /** Simulator name (erp, wms, tms, finance, carrier, portal) to base URL. */
  simulators: Record<string, string>;
  dataDir: string;
  output: () => string;
  /** Ctrl-C; resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  process: ChildProcess;
}

/**
 * The embedded WMS's login in tests (the launcher makes one up otherwise): the drivers that play
 * the warehouse staff in the Odoo stand-in sign in with it.
 */
export const TEST_WMS_LOGIN = { db: "logistics", uid: 2, user: "lsync", password: "e2e-wms-password" } as const;

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/**
 * Starts the product and waits until it printed that it is ready and, when the flows hold a
 * scanner intake, that the intake has subscribed: on a broker that never saw the intake's session,
 * scans published before that are routed to nobody.
 */
export async function startProduct(env: Record<string, string> = {}, dataDir?: string): Promise<RunningProduct> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "lsync-product-"));
  const child = spawn(process.execPath, [...productNodeArgs({ ...process.env, ...env }), join(REPO, "dist", "launcher", "start.js")], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: "0",
      MQTT_PORT: String(await freePort()),
      MQTT_URL: "",
      SIMULATOR_BASE_PORT: "0",
      SCANNER_RATE: "0",
      LSYNC_DATA_DIR: dir,
      LOG_LEVEL: "info",
      WMS_USER: TEST_WMS_LOGIN.user,
      WMS_PASSWORD: TEST_WMS_LOGIN.password,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));

  const deadline = Date.now() + 60_000;
  while (!/ready; Ctrl-C stops everything/.test(output) || !/\[lsync-scanner-in:[^\]]*\] subscribed to/.test(output)) {
    if (child.exitCode !== null) throw new Error(`product exited early (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`product did not become ready in 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const editorUrl = /editor\s+(http:\/\/\S+)/.exec(output)![1]!.replace(/\/$/, "");
  const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(output)![1]!;
  const simulators: Record<string, string> = {};
  for (const m of output.matchAll(/\] (erp|wms|tms|finance|carrier|portal)\s+(http:\/\/\S+)/g)) simulators[m[1]!] = m[2]!;

  return {
    editorUrl,
    mqttUrl,
    simulators,
    dataDir: dir,
    output: () => output,
    process: child,
    stop: async (signal = "SIGINT") => {
      if (child.exitCode === null) child.kill(signal);
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Polls `probe` until it returns a value that `done` accepts, or fails with the last value seen. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  // Node-RED's admin API answers /nodes with HTML unless JSON is asked for.
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
