import { describe, it } from "node:test";
import assert from "node:assert/strict";
import bcrypt from "bcryptjs";
import { DashboardGate } from "../../../nodes/lib/security/dashboard-auth";
import { permissionsFor } from "../../../nodes/lib/security/roles";

const hash = bcrypt.hashSync("s3cret", 4);
const users = [
  { username: "vic", password: hash, permissions: permissionsFor(["viewer"]) },
  { username: "fin", password: hash, permissions: permissionsFor(["finance"]) },
];
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("dashboard sign-in", () => {
  it("lets a user with lsync-metrics.read in, and says why it refuses the others", async () => {
    const gate = new DashboardGate(users);
    assert.deepEqual(await gate.check(basic("vic", "s3cret")), { ok: true, username: "vic" });
    assert.deepEqual(await gate.check(undefined), { ok: false, status: 401, reason: "sign in with an editor user" });
    assert.deepEqual(await gate.check("Bearer abc"), { ok: false, status: 401, reason: "sign in with an editor user" });
    assert.deepEqual(await gate.check(basic("vic", "wrong")), { ok: false, status: 401, reason: "unknown user or wrong password" });
    assert.deepEqual(await gate.check(basic("nobody", "s3cret")), { ok: false, status: 401, reason: "unknown user or wrong password" });
    assert.deepEqual(await gate.check(basic("fin", "s3cret")), { ok: false, status: 403, reason: 'user "fin" lacks lsync-metrics.read' });
  });

  it("trusts a verified header for five minutes, then checks the password again", async () => {
    let now = 1_000_000;
    const list = [{ ...users[0]! }];
    const gate = new DashboardGate(list, () => now);
    assert.equal((await gate.check(basic("vic", "s3cret"))).ok, true);
    list[0]!.password = bcrypt.hashSync("changed", 4); // the password changed in the users file
    assert.equal((await gate.check(basic("vic", "s3cret"))).ok, true, "still within the window");
    now += 5 * 60_000 + 1;
    assert.equal((await gate.check(basic("vic", "s3cret"))).ok, false, "checked again after it");
  });

  it("the socket.io middleware keeps the dashboard's own checks and asks for the same sign-in", async () => {
    const gate = new DashboardGate(users).io();
    const socket = (url: string, authorization: string | undefined, xdomain = false) => {
      const seen = { closed: false, disconnected: false };
      return {
        seen,
        client: { conn: { request: { url, headers: { authorization } } as never, close: () => (seen.closed = true) } },
        handshake: { xdomain },
        disconnect: () => (seen.disconnected = true),
      };
    };
    const run = (s: ReturnType<typeof socket>) => new Promise<Error | undefined | "none">((ok) => {
      gate(s, (err?: Error) => ok(err));
      setTimeout(() => ok("none"), 500);
    });
    assert.equal(await run(socket("/socket.io/?EIO=4&transport=polling", basic("vic", "s3cret"))), undefined);
    assert.match(String(await run(socket("/socket.io/?EIO=4&transport=polling", undefined))), /dashboard: sign in/);
    const direct = socket("/socket.io/?EIO=4&transport=websocket", basic("vic", "s3cret"));
    assert.equal(await run(direct), "none");
    assert.equal(direct.seen.closed, true, "a direct websocket is closed");
    const cross = socket("/socket.io/?EIO=4&transport=polling", basic("vic", "s3cret"), true);
    assert.equal(await run(cross), "none");
    assert.equal(cross.seen.disconnected, true, "a cross-site connection is dropped");
  });
});
