/**
 * Sign-in for the business dashboard (Dashboard 2.0 under the HTTP node root). The dashboard is not
 * part of the editor, so adminAuth does not cover it; with editor users configured it asks the
 * same users (HTTP Basic, over the same TLS as the editor) and needs `lsync-metrics.read`, which
 * viewer, operator, analyst and admin hold. Without users (the open development product) it stays
 * open, like the editor.
 *
 * settings.ts passes these as `dashboard.middleware` (page and assets) and `dashboard.ioMiddleware`
 * (the socket.io connection that carries the data). Browsers send the Basic credentials they were
 * asked for on the page with the socket.io requests of the same origin.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import bcrypt from "bcryptjs";
import { hasPermission, PERMISSIONS } from "./roles";
import type { AdminAuthUser } from "./users-file";

const REALM = 'Basic realm="Logistics Sync dashboard", charset="UTF-8"';
/** A verified header is trusted this long, so a page's many requests cost one bcrypt check. */
const VERIFIED_FOR_MS = 5 * 60_000;

export type Verdict = { ok: true; username: string } | { ok: false; status: 401 | 403; reason: string };

export class DashboardGate {
  private readonly verified = new Map<string, { username: string; until: number }>();

  constructor(
    private readonly users: readonly AdminAuthUser[],
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks an Authorization header: 401 without valid credentials, 403 without the permission. */
  async check(header: string | undefined): Promise<Verdict> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
    if (!m) return { ok: false, status: 401, reason: "sign in with an editor user" };
    const key = createHash("sha256").update(m[1]!).digest("hex");
    const cached = this.verified.get(key);
    if (cached && cached.until > this.now()) return { ok: true, username: cached.username };
    const text = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = text.indexOf(":");
    const username = colon < 0 ? text : text.slice(0, colon);
    const password = colon < 0 ? "" : text.slice(colon + 1);
    const user = this.users.find((u) => u.username === username);
    // Compare against a hash either way, so an unknown user takes as long as a wrong password.
    const matches = await bcrypt.compare(password, user?.password ?? "$2b$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva");
    if (!user || !matches) return { ok: false, status: 401, reason: "unknown user or wrong password" };
    if (!hasPermission(user.permissions, PERMISSIONS.metricsRead)) {
      return { ok: false, status: 403, reason: `user "${user.username}" lacks ${PERMISSIONS.metricsRead}` };
    }
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(key, { username: user.username, until: this.now() + VERIFIED_FOR_MS });
    return { ok: true, username: user.username };
  }

  /** Express-style middleware for the dashboard's page and assets. */
  http() {
    return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
      void this.check(req.headers.authorization).then((v) => {
        if (v.ok) return next();
        if (v.status === 401) res.setHeader("WWW-Authenticate", REALM);
        res.statusCode = v.status;
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end(`${v.status === 401 ? "Unauthorized" : "Forbidden"}: ${v.reason}\n`);
      });
    };
  }

  /**
   * socket.io middleware. Keeps Dashboard 2.0's own default checks (which a custom middleware
   * replaces): no direct websocket without the polling handshake, no cross-site connection.
   */
  io() {
    return (socket: IoSocket, next: (err?: Error) => void): void => {
      const request = socket.client.conn.request;
      if ((request.url ?? "").includes("transport=websocket")) return void socket.client.conn.close();
      if (socket.handshake.xdomain !== false) return void socket.disconnect(true);
      void this.check(request.headers.authorization).then((v) => (v.ok ? next() : next(new Error(`dashboard: ${v.reason}`))));
    };
  }
}

/** The parts of a socket.io socket the gate reads (kept structural: socket.io is the dashboard's dependency). */
export interface IoSocket {
  client: { conn: { request: IncomingMessage; close: () => void } };
  handshake: { xdomain: boolean };
  disconnect: (close: boolean) => void;
}
