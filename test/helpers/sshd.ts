/**
 * A private OpenSSH server for the SFTP tests: host and client keys made in a temp dir, an
 * sshd_config of our own (loopback, a free port, keys only, internal-sftp), `sshd -D -e` run as
 * the current user. Not a test file itself.
 *
 *   describe("…", async () => {
 *     const skip = sshdSkip();
 *     describe("…", { skip }, () => { before(async () => (server = await startSshd())); … });
 *   });
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";

export const SSHD = "/usr/sbin/sshd";

export interface RunningSshd {
  host: string;
  port: number;
  username: string;
  /** The client's private key (OpenSSH PEM text). */
  privateKey: string;
  /** The server's host key fingerprint, as `ssh-keygen -lf` prints it (`SHA256:…`). */
  fingerprint: string;
  /** A folder the SFTP user can write to (absolute path on the server = this machine). */
  root: string;
  /** The server's view of a path below `root`. */
  path(...parts: string[]): string;
  stop(): Promise<void>;
}

/** A skip reason when sshd is missing (a failure instead under REQUIRE_SERVICES=1), else false. */
export function sshdSkip(): string | false {
  if (existsSync(SSHD)) return false;
  if (process.env.REQUIRE_SERVICES === "1") return false; // let startSshd fail loudly
  return `OpenSSH server not found at ${SSHD} (apt-get install -y openssh-server)`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function keygen(path: string): void {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path], { stdio: "ignore" });
}

function fingerprintOf(publicKeyPath: string): string {
  return execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath], { encoding: "utf8" }).split(" ")[1]!;
}

async function listening(port: number, timeoutMs: number, gaveUp: () => boolean): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !gaveUp()) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export async function startSshd(): Promise<RunningSshd> {
  const dir = mkdtempSync(join(tmpdir(), "lsync-sshd-"));
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`));
  const root = join(dir, "files");
  mkdirSync(root);
  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      "UsePAM no",
      "Subsystem sftp internal-sftp",
      "LogLevel ERROR",
      "",
    ].join("\n"),
  );
  // sshd started by root needs its privilege separation folder, which Debian's service unit
  // makes at boot (RuntimeDirectory=sshd); a container that never ran the service lacks it.
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });
  const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  if (!(await listening(port, 10_000, () => child.exitCode !== null))) {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`sshd did not listen on 127.0.0.1:${port}: ${stderr.trim() || "no output"}`);
  }
  return {
    host: "127.0.0.1",
    port,
    username: userInfo().username,
    privateKey: readFileSync(clientKey, "utf8"),
    fingerprint: fingerprintOf(`${hostKey}.pub`),
    root,
    path: (...parts) => join(root, ...parts),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
