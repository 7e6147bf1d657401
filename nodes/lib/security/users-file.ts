/**
 * The editor's users, from the file `LSYNC_USERS_FILE` names, turned into Node-RED's `adminAuth`.
 *
 * Two formats, chosen by the first character:
 * - JSON: `{ "users": [ { "username": "ana", "password": "$2b$08$…", "roles": ["analyst", "finance"] } ] }`
 *   (a bare array of users works too; `"role": "viewer"` is short for one role);
 * - lines: `username:role[,role…]:bcrypt-hash`, `#` starts a comment, blank lines are skipped.
 *
 * Passwords are bcrypt hashes as Node-RED expects (`npx node-red admin hash-pw` or
 * `npm run --silent hash-pw`); a plain password is refused so it cannot sit in a file by mistake.
 */
import { existsSync, readFileSync } from "node:fs";
import { permissionsFor } from "./roles";

export interface UserEntry {
  username: string;
  /** bcrypt hash. */
  password: string;
  roles: string[];
}

export interface AdminAuthUser {
  username: string;
  password: string;
  permissions: "*" | string[];
}

export interface AdminAuth {
  type: "credentials";
  users: AdminAuthUser[];
  /** How long an editor session lasts, seconds (Node-RED's default is a week). */
  sessionExpiryTime: number;
}

const BCRYPT = /^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$/;
const USERNAME = /^[A-Za-z0-9_.@-]{1,64}$/;

function checkUser(user: UserEntry, where: string): AdminAuthUser {
  if (!USERNAME.test(user.username)) {
    throw new Error(`${where}: username must be 1-64 letters, digits or _ . @ - (got ${JSON.stringify(user.username)})`);
  }
  if (!BCRYPT.test(user.password)) {
    throw new Error(`${where}: password of "${user.username}" must be a bcrypt hash ($2b$…); hash it with npx node-red admin hash-pw`);
  }
  try {
    return { username: user.username, password: user.password, permissions: permissionsFor(user.roles) };
  } catch (err) {
    throw new Error(`${where}: user "${user.username}": ${(err as Error).message}`);
  }
}

function fromJson(text: string, file: string): UserEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { users?: unknown } | null)?.users;
  if (!Array.isArray(list)) throw new Error(`${file}: expected { "users": [ … ] } or an array of users`);
  return list.map((raw: unknown, i) => {
    const u = (raw ?? {}) as Record<string, unknown>;
    const roles = Array.isArray(u.roles) ? u.roles : typeof u.role === "string" ? [u.role] : null;
    if (!roles || !roles.every((r) => typeof r === "string")) throw new Error(`${file}: users[${i}].roles must be a list of role names`);
    return { username: String(u.username ?? ""), password: String(u.password ?? ""), roles: roles as string[] };
  });
}

function fromLines(text: string, file: string): UserEntry[] {
  const users: UserEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) return;
    // The hash has no colon; the username and roles come first.
    const m = /^([^:\s]+):([^:\s]+):(\S+)$/.exec(line);
    if (!m) throw new Error(`${file} line ${i + 1}: expected username:role[,role]:bcrypt-hash`);
    users.push({ username: m[1]!, roles: m[2]!.split(",").filter(Boolean), password: m[3]! });
  });
  return users;
}

/** Parses a users file's text; throws with the file, the line or entry and the rule on any mistake. */
export function parseUsers(text: string, file = "users file"): AdminAuthUser[] {
  const trimmed = text.replace(/^\uFEFF/, "").trim();
  const entries = trimmed.startsWith("{") || trimmed.startsWith("[") ? fromJson(trimmed, file) : fromLines(trimmed, file);
  const users = entries.map((u, i) => checkUser(u, `${file} user ${i + 1}`));
  if (users.length === 0) throw new Error(`${file}: no users`);
  const seen = new Set<string>();
  for (const u of users) {
    if (seen.has(u.username)) throw new Error(`${file}: user "${u.username}" appears twice`);
    seen.add(u.username);
  }
  return users;
}

export const DEFAULT_SESSION_SECONDS = 8 * 3600;

/**
 * `adminAuth` for the environment: from `LSYNC_USERS_FILE` when set; without it, none (the open
 * editor) in development and an error in production, where an open editor would let anyone on the
 * network deploy flows.
 */
export function adminAuthFromEnv(env: NodeJS.ProcessEnv = process.env): AdminAuth | undefined {
  const file = env.LSYNC_USERS_FILE?.trim();
  const production = (env.NODE_ENV ?? "development") === "production";
  if (!file) {
    if (production) {
      throw new Error(
        "NODE_ENV=production needs editor users: set LSYNC_USERS_FILE to a users file (see the README, Security) — " +
          "without it anyone who reaches the editor could deploy flows",
      );
    }
    return undefined;
  }
  if (!existsSync(file)) throw new Error(`LSYNC_USERS_FILE names ${file}, which does not exist`);
  const seconds = Number(env.LSYNC_SESSION_SECONDS || DEFAULT_SESSION_SECONDS);
  return {
    type: "credentials",
    users: parseUsers(readFileSync(file, "utf8"), file),
    sessionExpiryTime: Number.isFinite(seconds) && seconds >= 60 ? Math.trunc(seconds) : DEFAULT_SESSION_SECONDS,
  };
}
