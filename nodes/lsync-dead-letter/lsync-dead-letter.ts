import { registerDeadLetterRoutes } from "../lib/dead-letter-admin";
import { registerDeadLetterStore } from "../lib/dead-letter-registry";
import { parkFailedMessage, type FailedMessage } from "../lib/dead-letters";
import { batchItems } from "../lib/batch";
import { errorMessage } from "../lib/errors";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface DeadLetterDef extends NodeDef {
  store: string;
}

/**
 * Wired after a Catch node: parks the failed message with its reason, the node that failed and
 * the intake row it came from, then passes it on (msg.deadLetterId) for alerting. Its store is
 * listed for the dead-letter admin API (list, inspect, replay through an lsync-replay node, discard).
 */
export default function register(RED: NodeAPI): void {
  function LsyncDeadLetterNode(this: Node, def: DeadLetterDef): void {
    RED.nodes.createNode(this, def);
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    if (!storeNode) {
      this.status({ fill: "red", shape: "ring", text: "no store configured" });
      this.error("dead-letter node needs a store configuration");
      return;
    }
    const setStatus = throttledStatus(this);
    let parked = 0;
    const unregister = registerDeadLetterStore(def.store, storeNode.store, this.id);
    this.on("close", () => unregister());

    const park = async (msg: NodeMessageInFlow): Promise<void> => {
      // Already parked by the node that failed (an outbox delivery that gave up).
      if (typeof msg.deadLetterId === "number") return;
      const failed = msg as FailedMessage & NodeMessageInFlow;
      const source = failed.error?.source;
      msg.deadLetterId = await parkFailedMessage(
        storeNode.store,
        failed,
        { nodeId: source?.id ?? this.id, nodeType: source?.type ?? "unknown", nodeName: source?.name ?? null, flowId: this.z },
        failed.error?.message ?? "no reason given (message reached the dead-letter node without msg.error)",
      );
      parked++;
      setStatus({ fill: "yellow", shape: "dot", text: `${count(parked)} parked` });
    };

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      // A batch (msg.batch) that failed as a whole, in a node that does not know batches: each
      // scan is parked on its own with the batch's reason, and settles its own intake row.
      const items = batchItems(msg);
      const work = items
        ? Promise.all(
            items.map((item) => {
              item.error ??= msg.error;
              return park(item);
            }),
          )
        : park(msg);
      work.then(
        () => {
          if (items) (msg as { deadLetterIds?: unknown }).deadLetterIds = items.map((item) => item.deadLetterId);
          send(msg);
          done();
        },
        (err: unknown) => done(new Error(`could not park dead letter: ${errorMessage(err)}`)),
      );
    });
  }
  RED.nodes.registerType("lsync-dead-letter", LsyncDeadLetterNode);
  registerDeadLetterRoutes(RED);
}
