/**
 * Host key pinning. An SFTP server is trusted only when the SHA-256 fingerprint of the key it
 * presents is one the analyst pinned (as `ssh-keygen -lf` prints it: `SHA256:…`), unless the
 * connection explicitly allows unknown host keys (first set-up, tests).
 */
import { createHash } from "node:crypto";

/** OpenSSH's fingerprint of a raw host key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** Fingerprints pinned in the config: comma, space or newline separated; `SHA256:` prefix optional. */
export function parseFingerprints(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => (f.startsWith("SHA256:") ? f : `SHA256:${f}`).replace(/=+$/, ""));
}

export type HostKeyVerdict = { accepted: true; fingerprint: string } | { accepted: false; fingerprint: string; reason: string };

export function verifyHostKey(key: Buffer, pinned: string[], allowUnknown: boolean): HostKeyVerdict {
  const fingerprint = sshFingerprint(key);
  if (pinned.includes(fingerprint)) return { accepted: true, fingerprint };
  if (pinned.length === 0 && allowUnknown) return { accepted: true, fingerprint };
  const reason =
    pinned.length === 0
      ? `host key ${fingerprint} is unknown: pin it in the SFTP server config (host key fingerprints) or allow unknown host keys`
      : `host key ${fingerprint} is not one of the pinned fingerprints (${pinned.join(", ")}): refusing the connection`;
  return { accepted: false, fingerprint, reason };
}
