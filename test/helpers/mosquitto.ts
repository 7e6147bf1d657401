/**
 * A private Mosquitto broker for one test file: the real MQTT 5 broker the product meets in
 * production, on its own loopback port, so tests never share topics with each other or with a
 * broker already running on 1883.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./product";

export interface PrivateBroker {
  url: string;
  stop: () => Promise<void>;
}

/** Why Mosquitto tests cannot run here, or null when they can. Under REQUIRE_SERVICES they must. */
export function mosquittoMissing(): string | null {
  const found = spawnSync("sh", ["-c", "command -v mosquitto || ls /usr/sbin/mosquitto"], { encoding: "utf8" });
  return found.status === 0 ? null : "mosquitto is not installed (apt-get install mosquitto)";
}

export function skipUnlessMosquitto(): string | false {
  const missing = mosquittoMissing();
  if (!missing) return false;
  if (process.env.REQUIRE_SERVICES === "1") throw new Error(`REQUIRE_SERVICES=1 but ${missing}`);
  return missing;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.end();
      ok(true);
    });
    socket.on("error", () => ok(false));
  });
}

/**
 * `secure` (security tests): anonymous clients refused, users from a password file (made with
 * mosquitto_passwd from `users`), and the ACL file `aclFile`.
 */
export interface MosquittoOptions {
  secure?: { users: Record<string, string>; aclFile: string };
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), "lsync-mosquitto-"));
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  let access = "allow_anonymous true\n";
  if (options.secure) {
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "");
    // Mosquitto started as root reads its files as the mosquitto user.
    chmodSync(dir, 0o755);
    for (const [user, password] of Object.entries(options.secure.users)) {
      const made = spawnSync("mosquitto_passwd", ["-b", passwd, user, password], { encoding: "utf8" });
      if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
    }
    access = `allow_anonymous false\npassword_file ${passwd}\nacl_file ${options.secure.aclFile}\n`;
  }
  // Unlimited queue for offline persistent sessions: a crash test leaves the product away while
  // a burst goes on, and Mosquitto's default (1000) would drop the rest at the broker.
  writeFileSync(config, `listener ${port} 127.0.0.1\n${access}persistence false\nmax_inflight_messages 100\nmax_queued_messages 0\n`);
  const binary = spawnSync("sh", ["-c", "command -v mosquitto || echo /usr/sbin/mosquitto"], { encoding: "utf8" }).stdout.trim();
  const child: ChildProcess = spawn(binary, ["-c", config], { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("mosquitto did not listen within 10 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
