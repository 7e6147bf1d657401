/**
 * Node-RED plugin (runtime side) of the trace: the admin route the editor sidebar asks.
 *   GET /lsync/trace?key=<business key or correlation id>[&limit=n]
 * behind `lsync-trace.read`; amounts masked unless the user holds `lsync-finance.read` (see
 * nodes/lib/masking.ts). The editor side (the sidebar tab) is lsync-trace.html beside this file.
 *   GET /lsync/metrics[?window=<seconds>]
 * behind `lsync-metrics.read`: the KPIs over the last window (default 24 h) and the store's
 * counters in Prometheus text format (nodes/lib/events/kpis.ts, metrics.ts). Node-RED mounts
 * admin routes under httpAdminRoot, so a scraper asks e.g. http://host:1880/lsync/metrics with a
 * bearer token of a user holding that permission.
 */
import type { Request, Response } from "express";
import { activeEventLog, flushEventLog } from "../lib/events/event-log";
import { computeKpis, loadEvents } from "../lib/events/kpis";
import { METRICS_CONTENT_TYPE, prometheusText } from "../lib/events/metrics";
import { buildTrace, traceKey } from "../lib/events/trace";
import { maskingRules, mayReadFinance, type MaskingRules } from "../lib/masking";
import type { NodeAPI } from "../lib/red";

export const TRACE_READ = "lsync-trace.read";
export const METRICS_READ = "lsync-metrics.read";

const DEFAULT_WINDOW_S = 24 * 60 * 60;
const MAX_WINDOW_S = 90 * 24 * 60 * 60;

/** The KPI window in seconds: `window` when given (60 s – 90 days), else 24 h. */
export function metricsWindow(raw: unknown): number {
  if (raw === undefined || raw === "") return DEFAULT_WINDOW_S;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 60 || n > MAX_WINDOW_S) {
    throw new Error(`window must be a whole number of seconds from 60 to ${MAX_WINDOW_S} (got ${JSON.stringify(raw)})`);
  }
  return n;
}

export default function register(RED: NodeAPI): void {
  RED.plugins.registerPlugin("lsync-trace", { type: "lsync-sidebar" } as never);

  // The same masking rules as the dead-letter views (settings.ts `lsyncMasking`); bad ones → defaults.
  let masking: MaskingRules;
  try {
    masking = maskingRules((RED.settings as unknown as { lsyncMasking?: unknown }).lsyncMasking);
  } catch {
    masking = maskingRules(undefined);
  }

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
      .then(() => buildTrace(log.store, key, { limit: Number.isFinite(limit) && limit > 0 ? limit : undefined, showMoney: mayReadFinance(authInfo?.scope, authEnabled), masking }))
      .then((trace) => res.json(trace))
      .catch((err: Error) => res.status(500).json({ error: `trace of ${key} failed: ${err.message}` }));
  });

  RED.httpAdmin.get("/lsync/metrics", RED.auth.needsPermission(METRICS_READ), (req: Request, res: Response) => {
    let windowSeconds: number;
    try {
      windowSeconds = metricsWindow(req.query.window);
    } catch (err) {
      res.status(400).type("text/plain").send(`${(err as Error).message}\n`);
      return;
    }
    const log = activeEventLog();
    if (!log) {
      res.status(503).type("text/plain").send("no event log: deploy a flow with an lsync-store config node (and leave lsyncEventLog.enabled on)\n");
      return;
    }
    const now = Date.now();
    flushEventLog()
      .then(() => Promise.all([loadEvents(log.store, now - windowSeconds * 1000, now), log.store.counts()]))
      .then(([entries, counts]) => {
        const text = prometheusText({ kpis: computeKpis(entries), windowSeconds, counts, entries: entries.length, truncated: entries.truncated === true });
        res.status(200).set("Content-Type", METRICS_CONTENT_TYPE).send(text);
      })
      .catch((err: Error) => res.status(500).type("text/plain").send(`metrics failed: ${err.message}\n`));
  });
}
