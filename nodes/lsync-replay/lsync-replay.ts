import { discardLetter, inspectLetter, listLetters, registerDeadLetterRoutes, replayLetter, type Answer, type StoreRef } from "../lib/dead-letter-admin";
import { registerDeadLetterStore, registerReplayTarget } from "../lib/dead-letter-registry";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface ReplayDef extends NodeDef {
  store: string;
  /** Failing node ids whose dead letters re-enter the flow here (commas, spaces or lines); empty = all. */
  sources: string;
}

/** The node ids listed in the config, without blanks and repeats. */
export function parseSources(value: unknown): string[] {
  if (typeof value !== "string") return [];
  return [...new Set(value.split(/[\s,;]+/).filter((s) => s !== ""))];
}

const LIST_FIELDS = ["state", "limit", "node", "correlationId", "before"] as const;

/**
 * Where replayed dead letters re-enter a flow: output 1 sends them (the original payload, with
 * msg.replay saying who replayed it, when and why). The admin API hands each letter to the replay
 * node configured for its failing node (or to a catch-all one). Input commands drive the same
 * operations from a flow (list, inspect, replay, discard); their answers leave on output 2.
 */
export default function register(RED: NodeAPI): void {
  function LsyncReplayNode(this: Node, def: ReplayDef): void {
    RED.nodes.createNode(this, def);
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    if (!storeNode) {
      this.status({ fill: "red", shape: "ring", text: "no store configured" });
      this.error("replay node needs a store configuration");
      return;
    }
    const node = this;
    const where: StoreRef = { id: def.store, store: storeNode.store };
    const sources = parseSources(def.sources);
    const setStatus = throttledStatus(this);
    let replayed = 0;
    this.status({ fill: "grey", shape: "ring", text: sources.length ? `replays ${sources.length} node${sources.length > 1 ? "s" : ""}` : "replays all" });

    const unregisterStore = registerDeadLetterStore(def.store, storeNode.store, this.id);
    const unregisterTarget = registerReplayTarget({
      nodeId: this.id,
      name: def.name || null,
      storeId: def.store,
      store: storeNode.store,
      sources,
      emit: (msg) => {
        replayed++;
        setStatus({ fill: "blue", shape: "dot", text: `${count(replayed)} replayed` });
        node.send([msg as NodeMessageInFlow, null]);
      },
    });
    this.on("close", () => {
      unregisterTarget();
      unregisterStore();
    });

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const command = typeof msg.topic === "string" ? msg.topic.trim() : "";
      const args = (msg.payload !== null && typeof msg.payload === "object" ? msg.payload : {}) as Record<string, unknown>;
      const by = typeof args.by === "string" && args.by.trim() ? args.by.trim() : `flow:${node.id}`;
      let answer: Promise<Answer>;
      switch (command) {
        case "list":
          answer = listLetters(where, Object.fromEntries(LIST_FIELDS.filter((f) => args[f] !== undefined).map((f) => [f, args[f]])));
          break;
        case "inspect":
          answer = inspectLetter(where, args.id);
          break;
        case "replay":
          answer = replayLetter(where, args.id, by, args.reason);
          break;
        case "discard":
          answer = discardLetter(where, args.id, by, args.reason);
          break;
        default:
          answer = Promise.resolve({
            status: 400,
            body: { error: `msg.topic must be list, inspect, replay or discard (got ${JSON.stringify(msg.topic) ?? "nothing"})`, field: "topic" },
          });
      }
      answer
        .then((result) => {
          msg.payload = result.body;
          msg.statusCode = result.status;
          send([null, msg]);
          done();
        })
        .catch((err: Error) => done(err));
    });
  }
  RED.nodes.registerType("lsync-replay", LsyncReplayNode);
  registerDeadLetterRoutes(RED);
}
