import { errorMessage } from "../lib/errors";
import { intakeRefOf, settleFinished } from "../lib/intake/settlement";
import { count, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import {
  checkException,
  closeException,
  DEFAULT_ROUTE_RULES,
  escalate,
  isClosing,
  openException,
  parseRouteRules,
  routeFor,
  type OpenException,
  type RouteRule,
} from "../lib/rules/exception-routing";
import { ruleError } from "../lib/rules/common";
import type { LsyncStore } from "../lib/store";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface ExceptionRouteDef extends NodeDef {
  store: string;
  /** Nodes with the same scope share open exceptions (several instances); empty: this node. */
  scope?: string;
  rules?: unknown;
  /** How often the SLA clocks are checked, in seconds (default 30). */
  checkSeconds?: number | string;
  /** Ends an intake message's journey here once the exception is stored (the last step of its chain). */
  settleIntake?: boolean;
}

type Msg = NodeMessageInFlow & Record<string, unknown>;
const MAX_ATTEMPTS = 8;

export default function register(RED: NodeAPI): void {
  function LsyncExceptionRouteNode(this: Node, def: ExceptionRouteDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    let rules: RouteRule[];
    try {
      if (!storeNode) throw new Error("no store configured (open exceptions and their SLA clocks must survive a restart)");
      rules = parseRouteRules(Array.isArray(def.rules) && def.rules.length ? def.rules : DEFAULT_ROUTE_RULES);
    } catch (err) {
      const why = errorMessage(err);
      this.status({ fill: "red", shape: "ring", text: why.slice(0, 60) });
      this.error(`exception route: ${why}`);
      this.on("input", (_m: NodeMessageInFlow, _s: Send, done: Done) => done(new Error(`exception route: ${why}`)));
      return;
    }
    const store: LsyncStore = storeNode.store;
    const scope = `exceptions:${def.scope?.trim() || this.id}`;
    const checkMs = Math.max(50, (Number(def.checkSeconds) || 30) * 1000);
    const counts = { routed: 0, resolved: 0, escalated: 0, open: 0, repeats: 0 };
    let closed = false;

    const showStatus = () => {
      node.status({
        fill: counts.escalated ? "yellow" : "green",
        shape: counts.open ? "dot" : "ring",
        text: `${count(counts.open)} open · ${count(counts.routed)} routed · ${count(counts.resolved)} resolved · ${count(counts.escalated)} escalated${counts.repeats ? ` · ${count(counts.repeats)} repeats` : ""}`,
      });
    };
    const refreshOpen = async () => {
      counts.open = await store.countRuleStates(scope);
      showStatus();
    };

    /** Reads, changes and writes one open exception with the store's version check; retries when another writer won. */
    async function update<T>(exceptionId: string, change: (row: { value: OpenException; version: number } | null) => { next: OpenException | null; result: T } | null): Promise<T | null> {
      for (let attempt = 1; ; attempt++) {
        const row = await store.getRuleState(scope, exceptionId);
        const current = row ? { value: row.value as OpenException, version: row.version } : null;
        const planned = change(current);
        if (!planned) return null;
        let ok: boolean;
        if (planned.next === null) ok = current ? await store.deleteRuleState(scope, exceptionId, current.version) : true;
        else ok = (await store.putRuleState(scope, exceptionId, planned.next, planned.next.dueAt, current?.version ?? 0)) !== null;
        if (ok) return planned.result;
        if (attempt >= MAX_ATTEMPTS) throw new Error(`open exception ${exceptionId} kept changing under this node (${attempt} attempts)`);
      }
    }

    const handle = async (msg: Msg, send: Send): Promise<void> => {
      const event = checkException(msg.payload);
      const now = Date.now();
      if (isClosing(event)) {
        const closure = await update(event.exceptionId, (row) => (row ? { next: null, result: closeException(row.value, now) } : { next: null, result: null }));
        msg.exceptionRoute = closure ? { ...closure, wasOpen: true } : { wasOpen: false, resolvedAt: new Date(now).toISOString() };
        if (closure) msg.topic = `exceptions/${closure.team}`;
        counts.resolved++;
        send([null, msg, null]);
        return;
      }
      const rule = routeFor(rules, event);
      if (!rule) throw ruleError("payload.type", "route", `no routing rule for ${event.type} at severity ${event.severity} (add a row or a "*" row)`, event.type);
      // A repeat of an open exception (a replay, an ACKNOWLEDGED update) keeps its clock and is not routed twice.
      const opened = await update(event.exceptionId, (row) =>
        row ? { next: { ...row.value, event }, result: null } : (() => {
          const open = openException(event, rule, now);
          return { next: open, result: open };
        })(),
      );
      if (!opened) {
        counts.repeats++;
        return;
      }
      counts.routed++;
      msg.topic = `exceptions/${opened.team}`;
      msg.exceptionRoute = {
        team: opened.team,
        slaMinutes: opened.slaMinutes,
        openedAt: new Date(opened.openedAt).toISOString(),
        dueAt: opened.dueAt === null ? null : new Date(opened.dueAt).toISOString(),
      };
      send([msg, null, null]);
    };

    /** Escalates every open exception whose SLA ran out: on a timer, so a quiet flow still escalates. */
    let checking = false;
    const checkClocks = async () => {
      if (checking || closed) return;
      checking = true;
      try {
        for (;;) {
          const due = await store.dueRuleStates(scope, Date.now(), 100);
          for (const row of due) {
            const escalation = await update(row.key, (current) => {
              if (!current || current.value.dueAt === null || current.value.dueAt > Date.now()) return null; // resolved or escalated elsewhere
              const { state, escalation } = escalate(current.value, Date.now());
              return { next: state, result: { escalation, event: current.value.event } };
            });
            if (!escalation || closed) continue;
            counts.escalated++;
            node.send([null, null, { payload: escalation.event, topic: `exceptions/${escalation.escalation.team}/escalated`, exceptionRoute: escalation.escalation }]);
          }
          if (due.length < 100) break;
        }
        await refreshOpen();
      } catch (err) {
        node.status({ fill: "red", shape: "ring", text: `SLA check: ${errorMessage(err).slice(0, 50)}` });
        node.warn(`exception route: SLA check failed, will try again: ${errorMessage(err)}`);
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void checkClocks(), checkMs);
    // Clocks that ran out while the flow was stopped escalate as soon as the flows have started
    // (not from the constructor: the nodes wired to output 3 may not exist yet).
    const onStarted = () => void checkClocks();
    RED.events.once("flows:started", onStarted);

    const queues = new Map<string, Promise<void>>();
    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const m = msg as Msg;
      const key = String((m.payload as { exceptionId?: unknown } | null)?.exceptionId ?? "");
      const run = (queues.get(key) ?? Promise.resolve()).then(() => handle(m, send)).then(
        async () => {
          // Open (or a repeat of) an exception stored: a taken-in message ends its journey here.
          const intake = def.settleIntake === true ? intakeRefOf(m) : null;
          if (intake) await settleFinished(intake, "done");
          await refreshOpen().catch(() => undefined);
          done();
        },
        (err: Error) => done(err),
      );
      queues.set(key, run);
      void run.finally(() => {
        if (queues.get(key) === run) queues.delete(key);
      });
    });
    this.on("close", () => {
      closed = true;
      clearInterval(timer);
      RED.events.removeListener("flows:started", onStarted);
    });
  }
  RED.nodes.registerType("lsync-exception-route", LsyncExceptionRouteNode);
}
