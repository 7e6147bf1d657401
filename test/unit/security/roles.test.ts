import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { hasPermission, mayUnmask, PERMISSIONS, permissionsFor, ROLES } from "../../../nodes/lib/security/roles";
import { adminAuthFromEnv, parseUsers } from "../../../nodes/lib/security/users-file";

/** Node-RED's own permission check, the one `needsPermission` applies. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { hasPermission: nodeRedHasPermission } = require("@node-red/editor-api/lib/auth/permissions") as {
  hasPermission(scope: unknown, permission: string): boolean;
};

const can = (roles: string[], permission: string) => nodeRedHasPermission(permissionsFor(roles), permission) as boolean;

describe("roles → permissions, checked with Node-RED's own rule", () => {
  it("admin may do everything", () => {
    assert.equal(permissionsFor(["admin"]), "*");
    for (const p of ["flows.write", "nodes.write", PERMISSIONS.financeRead, PERMISSIONS.auditRead]) assert.ok(can(["admin"], p), p);
  });

  it("analyst edits and deploys flows, replays and discards, but installs no nodes and sees no amounts", () => {
    for (const p of ["flows.read", "flows.write", PERMISSIONS.deadLettersReplay, PERMISSIONS.deadLettersDiscard, PERMISSIONS.mapTry]) assert.ok(can(["analyst"], p), p);
    for (const p of ["nodes.write", "projects.write", PERMISSIONS.financeRead]) assert.ok(!can(["analyst"], p), p);
  });

  it("operator reads flows and trace and replays, but neither deploys nor discards", () => {
    for (const p of ["flows.read", "status.read", PERMISSIONS.traceRead, PERMISSIONS.deadLettersRead, PERMISSIONS.deadLettersReplay]) assert.ok(can(["operator"], p), p);
    for (const p of ["flows.write", PERMISSIONS.deadLettersDiscard, PERMISSIONS.mapTry, PERMISSIONS.auditRead]) assert.ok(!can(["operator"], p), p);
  });

  it("viewer reads only: no write, no replay, no unmasked amounts", () => {
    for (const p of ["flows.read", "nodes.read", "settings.read", "status.read", PERMISSIONS.deadLettersRead]) assert.ok(can(["viewer"], p), p);
    for (const p of ["flows.write", "nodes.write", "settings.write", PERMISSIONS.deadLettersReplay, PERMISSIONS.deadLettersDiscard, PERMISSIONS.financeRead]) {
      assert.ok(!can(["viewer"], p), p);
    }
  });

  it("finance is an add-on that only unmasks", () => {
    assert.deepEqual(permissionsFor(["finance"]), [PERMISSIONS.financeRead]);
    assert.ok(can(["viewer", "finance"], PERMISSIONS.financeRead));
    assert.ok(!can(["viewer", "finance"], "flows.write"));
  });

  it("no role uses the bare read/write scopes (they would grant lsync-finance.read and every future *.read)", () => {
    for (const [role, list] of Object.entries(ROLES)) {
      if (role === "admin") continue;
      for (const p of list) assert.ok(!["read", "write", "*.read", "*.write"].includes(p), `${role} has ${p}`);
    }
  });

  it("our hasPermission agrees with Node-RED's on every role and permission", () => {
    const all = [...new Set(Object.values(ROLES).flat()), "nodes.write", "projects.read", "anything.read", "x.write"];
    for (const role of Object.keys(ROLES)) {
      const scope = permissionsFor([role]);
      for (const p of all) assert.equal(hasPermission(scope, p), nodeRedHasPermission(scope, p), `${role} ${p}`);
    }
    for (const scope of ["read", "write", ["read"], "*.read"]) {
      for (const p of all) assert.equal(hasPermission(scope, p), nodeRedHasPermission(scope, p), `${JSON.stringify(scope)} ${p}`);
    }
  });

  it("an unknown role is an error naming it", () => {
    assert.throws(() => permissionsFor(["viewer", "auditor"]), /unknown role "auditor"/);
    assert.throws(() => permissionsFor([]), /at least one role/);
  });

  it("mayUnmask: open editor yes; signed in only with lsync-finance.read", () => {
    assert.equal(mayUnmask(false, undefined), true);
    assert.equal(mayUnmask(true, permissionsFor(["analyst"])), false);
    assert.equal(mayUnmask(true, permissionsFor(["viewer", "finance"])), true);
    assert.equal(mayUnmask(true, "*"), true);
    assert.equal(mayUnmask(true, undefined), false);
  });
});

describe("users file", () => {
  const hash = bcrypt.hashSync("s3cret-pw", 4);

  it("reads the line format: comments, several roles, bcrypt hashes", () => {
    const users = parseUsers(`# editor users\nana:analyst,finance:${hash}\n\nvic:viewer:${hash}  # read only\nroot:admin:${hash}\n`);
    assert.deepEqual(users.map((u) => u.username), ["ana", "vic", "root"]);
    assert.ok(Array.isArray(users[0]!.permissions) && users[0]!.permissions.includes(PERMISSIONS.financeRead));
    assert.ok(Array.isArray(users[1]!.permissions) && !users[1]!.permissions.includes("flows.write"));
    assert.equal(users[2]!.permissions, "*");
    assert.ok(bcrypt.compareSync("s3cret-pw", users[1]!.password), "the hash is passed through for Node-RED to check");
  });

  it("reads JSON: { users: [...] } with roles or role", () => {
    const users = parseUsers(JSON.stringify({ users: [{ username: "olga", password: hash, roles: ["operator"] }, { username: "vic", password: hash, role: "viewer" }] }));
    assert.deepEqual(users.map((u) => u.username), ["olga", "vic"]);
  });

  it("refuses a plain password, an unknown role, a duplicate, a bad line, naming the file and the rule", () => {
    assert.throws(() => parseUsers("ana:analyst:plaintext", "u.txt"), /u\.txt user 1: password of "ana" must be a bcrypt hash/);
    assert.throws(() => parseUsers(`ana:auditor:${hash}`, "u.txt"), /user "ana": unknown role "auditor"/);
    assert.throws(() => parseUsers(`ana:viewer:${hash}\nana:admin:${hash}`, "u.txt"), /"ana" appears twice/);
    assert.throws(() => parseUsers("just one field", "u.txt"), /u\.txt line 1: expected username:role/);
    assert.throws(() => parseUsers('{"users": 3}', "u.json"), /expected \{ "users"/);
    assert.throws(() => parseUsers("# nobody\n", "u.txt"), /no users/);
  });

  it("without LSYNC_USERS_FILE: open editor in development, a clear refusal in production", () => {
    assert.equal(adminAuthFromEnv({}), undefined);
    assert.equal(adminAuthFromEnv({ NODE_ENV: "development" }), undefined);
    assert.throws(() => adminAuthFromEnv({ NODE_ENV: "production" }), /NODE_ENV=production needs editor users: set LSYNC_USERS_FILE/);
  });

  it("with LSYNC_USERS_FILE: credentials adminAuth; a missing file is an error", () => {
    const dir = mkdtempSync(join(tmpdir(), "lsync-users-"));
    try {
      const file = join(dir, "users");
      writeFileSync(file, `vic:viewer:${hash}\n`);
      const auth = adminAuthFromEnv({ NODE_ENV: "production", LSYNC_USERS_FILE: file, LSYNC_SESSION_SECONDS: "600" });
      assert.equal(auth?.type, "credentials");
      assert.deepEqual(auth?.users.map((u) => u.username), ["vic"]);
      assert.equal(auth?.sessionExpiryTime, 600);
      assert.throws(() => adminAuthFromEnv({ LSYNC_USERS_FILE: join(dir, "nope") }), /does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
