/**
 * One SFTP session on ssh2-sftp-client, reduced to the few file operations the pickup and the
 * drop need, with host key pinning and a time limit on every step.
 */
import SftpClient from "ssh2-sftp-client";
import { verifyHostKey } from "./host-key";

export interface SftpConnectOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  /** Pinned `SHA256:…` fingerprints of the server's host key. */
  fingerprints: string[];
  /** Accept any host key when none is pinned (first set-up); a pinned mismatch is refused all the same. */
  allowUnknownHostKey: boolean;
  /** Connect and handshake limit (ms). */
  connectTimeoutMs: number;
  /** Limit for each file operation (ms). */
  operationTimeoutMs: number;
}

export interface RemoteEntry {
  name: string;
  type: "file" | "dir" | "other";
  size: number;
}

/** What the pickup and the drop do on the server. */
export interface RemoteFiles {
  list(folder: string): Promise<RemoteEntry[]>;
  read(path: string): Promise<Buffer>;
  write(path: string, content: Buffer): Promise<void>;
  /** Plain SFTP rename: OpenSSH refuses it when `to` exists (never overwrites). */
  rename(from: string, to: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Creates the folder and its parents; fine when it exists. */
  ensureFolder(path: string): Promise<void>;
  remove(path: string): Promise<void>;
  end(): Promise<void>;
}

export class HostKeyError extends Error {
  constructor(message: string, readonly fingerprint: string) {
    super(message);
    this.name = "HostKeyError";
  }
}

function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`SFTP ${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function connectSftp(options: SftpConnectOptions): Promise<RemoteFiles> {
  const client = new SftpClient("lsync-sftp");
  let refused: HostKeyError | null = null;
  try {
    await client.connect({
      host: options.host,
      port: options.port,
      username: options.username,
      ...(options.password ? { password: options.password } : {}),
      ...(options.privateKey ? { privateKey: options.privateKey } : {}),
      ...(options.passphrase ? { passphrase: options.passphrase } : {}),
      readyTimeout: options.connectTimeoutMs,
      // No retries inside one poll: the next poll is the retry.
      retries: 0,
      hostVerifier: (key: Buffer) => {
        const verdict = verifyHostKey(key, options.fingerprints, options.allowUnknownHostKey);
        if (!verdict.accepted) refused = new HostKeyError(`SFTP ${options.host}:${options.port}: ${verdict.reason}`, verdict.fingerprint);
        return verdict.accepted;
      },
    });
  } catch (err) {
    await client.end().catch(() => undefined);
    if (refused) throw refused;
    throw new Error(`SFTP ${options.username}@${options.host}:${options.port}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const ms = options.operationTimeoutMs;
  return {
    async list(folder) {
      const entries = await withTimeout(`list ${folder}`, ms, client.list(folder));
      return entries.map((e) => ({ name: e.name, type: e.type === "-" ? "file" : e.type === "d" ? "dir" : "other", size: e.size }));
    },
    async read(path) {
      const data = await withTimeout(`read ${path}`, ms, client.get(path));
      return Buffer.isBuffer(data) ? data : Buffer.from(String(data));
    },
    async write(path, content) {
      await withTimeout(`write ${path}`, ms, client.put(content, path));
    },
    async rename(from, to) {
      await withTimeout(`rename ${from}`, ms, client.rename(from, to));
    },
    async exists(path) {
      return (await withTimeout(`stat ${path}`, ms, client.exists(path))) !== false;
    },
    async ensureFolder(path) {
      if ((await withTimeout(`stat ${path}`, ms, client.exists(path))) === "d") return;
      try {
        await withTimeout(`mkdir ${path}`, ms, client.mkdir(path, true));
      } catch (err) {
        // Another poller (an instance on the same folder) made it between our check and our mkdir.
        if ((await withTimeout(`stat ${path}`, ms, client.exists(path))) !== "d") throw err;
      }
    },
    async remove(path) {
      await withTimeout(`delete ${path}`, ms, client.delete(path, true));
    },
    async end() {
      await client.end().catch(() => undefined);
    },
  };
}
