/** File names and paths on the SFTP server: pattern matching and safe joins. */
import { createHash } from "node:crypto";

/**
 * A file name pattern as analysts write it: `*` any run of characters, `?` one character, several
 * patterns separated by commas (`*.edi,*.x12,*.csv`). Matched against the whole name, case-insensitively.
 */
export function namePattern(pattern: string): (name: string) => boolean {
  const parts = pattern
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return () => true;
  const res = parts.map(
    (p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i"),
  );
  return (name) => res.some((re) => re.test(name));
}

/** A remote path from a folder and a name (POSIX separators, no doubled slashes). */
export function remoteJoin(folder: string, name: string): string {
  const base = folder.replace(/\/+$/, "");
  return base === "" ? name : `${base}/${name}`;
}

/** A single file name: no folder separators, not `.`/`..`, no control characters. */
export function checkFileName(name: string, field = "file name"): string | null {
  if (name === "" || name === "." || name === "..") return `${field} ${JSON.stringify(name)} is not a file name`;
  if (/[/\\]/.test(name)) return `${field} ${JSON.stringify(name)} must not contain a folder separator`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) return `${field} ${JSON.stringify(name)} must not contain control characters`;
  return null;
}

export function sha256Hex(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * The outbound file name from a pattern with `{{property}}` placeholders read from the message
 * (`204-{{payload.shipmentId}}.edi`). The name must come from the message's content, never from
 * the clock, or a re-send after a crash would make a second file.
 */
export function fileNameFromPattern(pattern: string, read: (path: string) => unknown): { ok: true; name: string } | { ok: false; error: string } {
  let missing: string | null = null;
  const name = pattern.replace(/\{\{\s*([A-Za-z_$][\w$.[\]"']*)\s*\}\}/g, (_all, path: string) => {
    const value = read(path);
    if (value === undefined || value === null || value === "" || typeof value === "object") {
      missing ??= path;
      return "";
    }
    return String(value);
  });
  if (missing !== null) return { ok: false, error: `file name pattern "${pattern}": msg.${missing} is missing or not a plain value` };
  const bad = checkFileName(name);
  return bad ? { ok: false, error: `file name pattern "${pattern}": ${bad}` } : { ok: true, name };
}
