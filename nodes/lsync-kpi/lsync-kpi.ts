/**
 * lsync-kpi: the business dashboard's feed. On a timer and on any input message it reads the event
 * log of its store over a window, computes the KPIs (nodes/lib/events/kpis.ts) and the lifecycle
 * state counts, and sends them shaped for Dashboard 2.0 widgets (nodes/lib/events/dashboard.ts).
 */
import { dashboardMessages, windowHours } from "../lib/events/dashboard";
import { flushEventLog } from "../lib/events/event-log";
import { computeKpis, loadEvents } from "../lib/events/kpis";
import { errorMessage } from "../lib/errors";
import type { LsyncStore } from "../lib/store";
import type { Done, Node, NodeAPI, NodeDef, NodeMessageInFlow, Send } from "../lib/red";

export interface KpiDef extends NodeDef {
  store: string;
  /** Seconds between computations; 0 or empty: only when a message arrives. */
  intervalSeconds: number | string;
  /** Hours of event log the KPIs cover (typedInput: num, env, flow, global). */
  window: string;
  windowType: "num" | "env" | "flow" | "global";
}

interface StoreLike extends Node {
  store: LsyncStore;
}

/** Seconds between runs from the dialog: "" → 60, 0 → off, otherwise a number ≥ 1. */
export function intervalOf(value: number | string | undefined): number {
  if (value === undefined || value === null || String(value).trim() === "") return 60;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (n > 0 && n < 1)) throw new Error(`intervalSeconds: must be 0 (on input only) or a number of seconds ≥ 1, got "${value}"`);
  return n;
}

export default function register(RED: NodeAPI): void {
  function LsyncKpiNode(this: Node, def: KpiDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const storeNode = RED.nodes.getNode(def.store) as StoreLike | null;
    let intervalS: number;
    try {
      if (!storeNode) throw new Error("store: no store config node chosen");
      intervalS = intervalOf(def.intervalSeconds);
    } catch (err) {
      this.status({ fill: "red", shape: "ring", text: (err as Error).message.slice(0, 60) });
      this.error(`kpi: ${(err as Error).message}`);
      return;
    }
    const store = storeNode.store;
    const windowType = def.windowType || "num";
    const windowRaw = def.window === undefined || def.window === "" ? "24" : def.window;

    /** The window in hours: msg.windowHours when a message brings one, else the dialog's (typedInput). */
    const windowOf = (msg?: NodeMessageInFlow): number => {
      const given = (msg as { windowHours?: unknown } | undefined)?.windowHours;
      if (given !== undefined) return windowHours(given, "msg.windowHours");
      return windowHours(RED.util.evaluateNodeProperty(windowRaw, windowType, node, msg ?? ({} as NodeMessageInFlow)), "window");
    };

    let running: Promise<void> | null = null;
    const compute = async (send: Send, original?: NodeMessageInFlow): Promise<void> => {
      const hours = windowOf(original);
      // One computation at a time: a tick arriving during a slow read waits for it and runs after.
      while (running) await running.catch(() => undefined);
      const run = (async () => {
        const until = Date.now();
        const since = until - hours * 3_600_000;
        await flushEventLog();
        const entries = await loadEvents(store, since, until);
        const window = { since, until, entries: entries.length, truncated: entries.truncated === true };
        const out = dashboardMessages(computeKpis(entries), entries, window);
        const make = (fields: object): NodeMessageInFlow => {
          const msg = original ? RED.util.cloneMessage(original) : ({ _msgid: RED.util.generateId() } as NodeMessageInFlow);
          return Object.assign(msg, fields);
        };
        send([out.kpis.map(make), out.tables.map(make)]);
        const withData = out.kpis.filter((k) => k.payload !== null).length;
        node.status({
          fill: window.truncated ? "yellow" : "green",
          shape: "dot",
          text: `${new Date(until).toISOString().slice(11, 19)}Z · ${entries.length}${window.truncated ? "+" : ""} entries · ${withData}/${out.kpis.length} KPIs`,
        });
      })();
      running = run;
      try {
        await run;
      } finally {
        if (running === run) running = null;
      }
    };

    const timer =
      intervalS > 0
        ? setInterval(() => {
            compute((m) => node.send(m as NodeMessageInFlow)).catch((err: unknown) => {
              node.status({ fill: "red", shape: "ring", text: errorMessage(err).slice(0, 60) });
              // With a message, so a Catch node on the tab sees a timer run's failure too.
              node.error(`KPI computation failed: ${errorMessage(err)}`, { _msgid: RED.util.generateId(), topic: "lsync-kpi/timer" });
            });
          }, intervalS * 1000)
        : null;
    node.status({ fill: "grey", shape: "ring", text: intervalS ? `every ${intervalS}s` : "on input" });

    // Any message computes now (an inject node, a dashboard button); msg.windowHours overrides the window.
    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      compute(send, msg).then(
        () => done(),
        (err: unknown) => {
          node.status({ fill: "red", shape: "ring", text: errorMessage(err).slice(0, 60) });
          done(err instanceof Error ? err : new Error(errorMessage(err)));
        },
      );
    });
    this.on("close", () => {
      if (timer) clearInterval(timer);
    });
  }
  RED.nodes.registerType("lsync-kpi", LsyncKpiNode);
}
