/**
 * Node-RED plugin (runtime side) of the trace: the admin route the editor sidebar asks.
 *   GET /lsync/trace?key=<business key or correlation id>[&limit=n]
 * behind `lsync-trace.read`; amounts masked unless the user holds `lsync-finance.read` (see
 * nodes/lib/masking.ts). The editor side (the sidebar tab) is lsync-trace.html beside this file.
 */
import type { Request, Response } from "express";
import { activeEventLog, flushEventLog } from "../lib/events/event-log";
import { buildTrace, traceKey } from "../lib/events/trace";
import { mayReadFinance } from "../lib/masking";
import type { NodeAPI } from "../lib/red";

export const TRACE_READ = "lsync-trace.read";

export default function register(RED: NodeAPI): void {
  RED.plugins.registerPlugin("lsync-trace", { type: "lsync-sidebar" } as never);

  RED.httpAdmin.get("/lsync/trace", RED.auth.needsPermission(TRACE_READ), (req: Request, res: Response) => {
    let key: string;
    try {
      key = traceKey(req.query.key);
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
      return;
    }
    const log = activeEventLog();
    if (!log) {
      res.status(503).json({ error: "no event log: deploy a flow with an lsync-store config node (and leave lsyncEventLog.enabled on)" });
      return;
    }
    // Fail closed: with adminAuth on, only "*" or lsync-finance.read sees amounts.
    const authInfo = (req as Request & { authInfo?: { scope?: unknown } }).authInfo;
    const authEnabled = Boolean((RED.settings as unknown as { adminAuth?: unknown }).adminAuth) || authInfo !== undefined;
    const limit = Number(req.query.limit);
    flushEventLog()
      .then(() => buildTrace(log.store, key, { limit: Number.isFinite(limit) && limit > 0 ? limit : undefined, showMoney: mayReadFinance(authInfo?.scope, authEnabled) }))
      .then((trace) => res.json(trace))
      .catch((err: Error) => res.status(500).json({ error: `trace of ${key} failed: ${err.message}` }));
  });
}
