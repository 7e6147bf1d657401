import type { EndpointClient } from "../lib/http/endpoint-client";
import { findPollSource } from "../lib/intake/poll-sources";
import { PollingIntake, type PollState } from "../lib/intake/polling-intake";
import { configValue, count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeStatus } from "../lib/red";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface PollInDef extends NodeDef {
  endpoint: string;
  store: string;
  source: string;
  /** Seconds between polls; may be `${ENV}`. */
  interval: string;
  pageSize: number | string;
  startAt: "now" | "beginning";
  maxInFlight: number | string;
  /** Sites to take items of (comma-separated, may be `${ENV}`), for a source serving several; empty or * = all, none = none. */
  sites?: string;
}

interface EndpointLike extends Node {
  client: EndpointClient;
}

/**
 * The site codes of a "DC1, DC3" setting (which may be `${ENV}`); empty or "*" = no limit. "none"
 * is kept as a code no site has, so it takes no site's items.
 */
export function siteSet(value: string | undefined): Set<string> {
  const codes = configValue(value)
    .split(/[\s,]+/)
    .filter((s) => s !== "");
  return new Set(codes.includes("*") ? [] : codes);
}

/** A number within [min, max] from a config value (which may be `${ENV}`), else the fallback. */
export function numberIn(value: unknown, min: number, max: number, fallback: number): number {
  const n = Number(typeof value === "string" ? configValue(value) : value);
  return Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

function statusOf(s: PollState): NodeStatus {
  const load = `${count(s.takenIn)} in · ${count(s.inFlight)} in flight`;
  if (s.health === "failing") return { fill: "red", shape: "ring", text: `source failing: ${(s.lastError ?? "").slice(0, 50)} · ${load}` };
  if (s.paused) return { fill: "yellow", shape: "dot", text: `holding back (flow behind) · ${load}` };
  if (s.health === "starting") return { fill: "yellow", shape: "ring", text: "starting" };
  const at = s.lastPollAt ? new Date(s.lastPollAt).toISOString().slice(11, 19) : "–";
  return { fill: "green", shape: "dot", text: `${load} · polled ${at}` };
}

export default function register(RED: NodeAPI): void {
  function LsyncPollInNode(this: Node, def: PollInDef): void {
    RED.nodes.createNode(this, def);
    const endpoint = RED.nodes.getNode(def.endpoint) as EndpointLike | null;
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    const definition = findPollSource(def.source);
    const problem = !definition ? `unknown source "${def.source}"` : !endpoint ? "no endpoint configured" : !storeNode ? "no store configured" : null;
    if (problem || !definition || !endpoint || !storeNode) {
      this.status({ fill: "red", shape: "ring", text: problem ?? "not configured" });
      this.error(`poll in: ${problem}`);
      return;
    }
    const setStatus = throttledStatus(this);
    const sites = siteSet(def.sites);
    if (sites.size > 0 && !definition.siteOf) this.warn(`poll in: ${definition.title} names no sites; the sites setting (${[...sites].join(", ")}) is ignored`);
    const intake = new PollingIntake({
      client: endpoint.client,
      store: storeNode.store,
      source: this.id,
      definition,
      intervalMs: numberIn(def.interval, 1, 86_400, 30) * 1000,
      pageSize: numberIn(def.pageSize, 1, 1000, 100),
      startAt: def.startAt === "beginning" ? "beginning" : "now",
      maxInFlight: numberIn(def.maxInFlight, 1, 100_000, 1000),
      sites,
      emit: (item, resumed) => {
        this.send({
          _msgid: RED.util.generateId(),
          topic: item.topic,
          payload: JSON.parse(item.payload) as unknown,
          key: item.key,
          receivedAt: new Date(item.receivedAt).toISOString(),
          intake: { source: this.id, id: item.id, resumed },
        });
      },
      onState: (state) => setStatus(statusOf(state)),
      onError: (err) => this.warn(`poll: ${err.message}`),
    });
    this.status({ fill: "yellow", shape: "ring", text: "starting" });

    // Any input polls at once (an inject "poll now"); the poll's items leave on the output.
    this.on("input", (_msg: unknown, _send: unknown, done: Done) => {
      intake.pollNow().then(() => done(), done);
    });
    // Resumed items are sent at once: wait until every flow has started, or they reach no one.
    const begin = () => intake.start().catch((err: Error) => this.error(`poll intake did not start: ${err.message}`));
    RED.events.once("flows:started", begin);
    this.on("close", (_removed: boolean, done: () => void) => {
      RED.events.off("flows:started", begin);
      intake.stop().then(done, done);
    });
  }
  RED.nodes.registerType("lsync-poll-in", LsyncPollInNode);
}
