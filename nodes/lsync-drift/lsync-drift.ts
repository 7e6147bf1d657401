import { findDrift, exceptionEventOf, resolvedEventOf, type DriftRules } from "../lib/events/drift";
import type { ExceptionEvent } from "../lib/canonical/types";
import { flushEventLog } from "../lib/events/event-log";
import { eventPages, MAX_KPI_ENTRIES, writtenPages } from "../lib/events/kpis";
import { LifecycleIndex } from "../lib/events/lifecycle";
import { recordCanonical } from "../lib/events/record";
import type { LsyncStore } from "../lib/store";
import type { Done, Node, NodeAPI, NodeDef, NodeMessageInFlow, Send } from "../lib/red";

export interface DriftDef extends NodeDef {
  store: string;
  /** Seconds between checks (0: only when a message arrives). */
  intervalSeconds: number | string;
  /** Hours of event log looked at per check. */
  lookbackHours: number | string;
  /** "" turns a rule off. */
  dispatchedWhileAllocatedMinutes: number | string;
  deliveredNotBillableHours: number | string;
  invoicedBeforeDelivered: boolean;
}

interface StoreLike extends Node {
  store: LsyncStore;
}

/** A rule threshold from the dialog: "" is off; anything else must be a number ≥ 0. */
export function threshold(value: number | string | undefined, field: string): number | null {
  if (value === undefined || value === null || String(value).trim() === "") return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${field} must be a number ≥ 0 or empty (rule off), got "${value}"`);
  return n;
}

export function rulesOf(def: Pick<DriftDef, "dispatchedWhileAllocatedMinutes" | "deliveredNotBillableHours" | "invoicedBeforeDelivered">): DriftRules {
  return {
    dispatchedWhileAllocatedMinutes: threshold(def.dispatchedWhileAllocatedMinutes, "dispatchedWhileAllocatedMinutes"),
    deliveredNotBillableHours: threshold(def.deliveredNotBillableHours, "deliveredNotBillableHours"),
    invoicedBeforeDelivered: def.invoicedBeforeDelivered !== false,
  };
}

export default function register(RED: NodeAPI): void {
  function LsyncDriftNode(this: Node, def: DriftDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const storeNode = RED.nodes.getNode(def.store) as StoreLike | null;
    let rules: DriftRules;
    try {
      if (!storeNode) throw new Error("no store configured");
      rules = rulesOf(def);
    } catch (err) {
      this.status({ fill: "red", shape: "ring", text: (err as Error).message.slice(0, 60) });
      this.error(`drift: ${(err as Error).message}`);
      return;
    }
    const store = storeNode.store;
    const lookbackMs = (Number(def.lookbackHours) > 0 ? Number(def.lookbackHours) : 72) * 3_600_000;
    const interval = def.intervalSeconds === undefined || String(def.intervalSeconds).trim() === "" ? 60 : Number(def.intervalSeconds);
    const intervalMs = Math.max(0, Number.isFinite(interval) ? interval : 60) * 1000;
    /**
     * Drift raised while this node runs and not yet cleared, by idempotencyKey (DRIFT|rule|subject):
     * each is raised once, and closed when its subject is still in the window without it. After a
     * restart the same findings are raised again with the same key; the exception route keeps one
     * open per exceptionId.
     */
    const open = new Map<string, { event: ExceptionEvent; subjectId: string; rule: string }>();
    /**
     * The lifecycle of the window, kept between checks: the first check reads the look-back window,
     * later ones only what was written since (by id: an entry flushed late is still read), so a
     * check costs what the last minute logged, not the whole look-back.
     */
    const index = new LifecycleIndex();
    /** The last entry id the index has read; null before the first read. */
    let readUpToId: number | null = null;
    /** A first read cut at MAX_KPI_ENTRIES goes on by time from here (the ids of that millisecond read already). */
    let resumeAt: number | null = null;
    let readAtResume = new Set<number>();
    let running = false;

    const check = async (send: Send, original?: NodeMessageInFlow): Promise<void> => {
      if (running) return;
      running = true;
      try {
        const now = Date.now();
        // A check asked for by a message sees what was just recorded; the timer's does not wait for
        // the event log's flush (under load a forced flush is one long write): the next check reads it.
        if (original) await flushEventLog();
        const pages = readUpToId === null || resumeAt !== null
          ? eventPages(store, resumeAt ?? now - lookbackMs, Number.MAX_SAFE_INTEGER)
          : writtenPages(store, readUpToId);
        // Page by page into the index (memory holds one page), at most MAX_KPI_ENTRIES entries a check.
        let read = 0;
        let cut = false;
        for await (const page of pages) {
          index.add(readAtResume.size ? page.filter((e) => !readAtResume.has(e.id)) : page);
          read += page.length;
          for (const e of page) if (readUpToId === null || e.id > readUpToId) readUpToId = e.id;
          if (read >= MAX_KPI_ENTRIES) {
            cut = true;
            resumeAt = page[page.length - 1]!.at;
            readAtResume = new Set(page.filter((e) => e.at === resumeAt).map((e) => e.id));
            break;
          }
        }
        if (!cut) {
          resumeAt = null;
          readAtResume = new Set();
        }
        if (readUpToId === null) readUpToId = 0;
        index.prune(now - lookbackMs);
        if (cut) {
          // Catching up with a long window: the newest entries are not in yet, so judge nothing.
          node.status({ fill: "yellow", shape: "ring", text: `reading the log: ${index.size} subjects, up to ${new Date(resumeAt!).toISOString().slice(0, 16)}Z` });
          return;
        }
        const subjects = index.subjects();
        const found = findDrift(subjects, rules, now).map((f) => ({ finding: f, event: exceptionEventOf(f, now) }));
        const emit = (event: ExceptionEvent, topic: string) => {
          const msg = original ? RED.util.cloneMessage(original) : ({ _msgid: RED.util.generateId() } as NodeMessageInFlow);
          msg.topic = topic;
          msg.payload = event;
          msg.correlationId = event.correlationId;
          msg.idempotencyKey = event.idempotencyKey;
          send(msg);
        };
        for (const { finding, event } of found) {
          if (open.has(event.idempotencyKey)) continue;
          open.set(event.idempotencyKey, { event, subjectId: finding.subject.id, rule: finding.rule });
          recordCanonical([event], node.id, "raised");
          emit(event, `drift/${finding.rule}`);
        }
        // Cleared: the subject is still looked at and the rule no longer holds. A subject that left
        // the window is only forgotten: nothing says the systems agree on it.
        const still = new Set(found.map(({ event }) => event.idempotencyKey));
        const inWindow = new Set(subjects.map((s) => s.id));
        for (const [key, raised] of open) {
          if (still.has(key)) continue;
          open.delete(key);
          if (!inWindow.has(raised.subjectId)) continue;
          const resolved = resolvedEventOf(raised.event, now);
          recordCanonical([resolved], node.id, "resolved");
          emit(resolved, `drift/${raised.rule}/resolved`);
        }
        node.status({
          fill: open.size ? "yellow" : "green",
          shape: "dot",
          text: `${subjects.length} subjects · ${open.size} drift open · ${new Date(now).toISOString().slice(11, 19)}Z`,
        });
      } finally {
        running = false;
      }
    };

    const timer = intervalMs > 0
      ? setInterval(() => {
          check((m) => node.send(m as NodeMessageInFlow)).catch((err: Error) => {
            node.status({ fill: "red", shape: "ring", text: "check failed" });
            node.error(`drift check failed: ${err.message}`);
          });
        }, intervalMs)
      : null;
    node.status({ fill: "grey", shape: "ring", text: intervalMs ? `every ${intervalMs / 1000}s` : "on input" });

    // Any input runs a check now (an inject node, or a test).
    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      check(send, msg).then(() => done(), (err: Error) => done(err));
    });
    this.on("close", () => {
      if (timer) clearInterval(timer);
    });
  }
  RED.nodes.registerType("lsync-drift", LsyncDriftNode);
}
