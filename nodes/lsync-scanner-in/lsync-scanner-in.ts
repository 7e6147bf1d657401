import { DurableMqttIntake, type IntakeState } from "../lib/intake/mqtt-intake";
import { BatchOutbound, batchSizeOf } from "../lib/batch";
import { configValue, count, throttledStatus, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow } from "../lib/red";
import type { BrokerNode } from "../lsync-broker/lsync-broker";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface ScannerInDef extends NodeDef {
  broker: string;
  store: string;
  topic: string;
  sharedGroup: string;
  maxInFlight: number | string;
  /** Scans per message: 1 (older flows: missing) sends each on its own; more makes batches (nodes/lib/batch.ts). */
  batchSize?: number | string;
}

/** `$share/<group>/<filter>` spreads one subscription over several instances (MQTT v5). */
export function subscriptionFilters(topic: string, sharedGroup: string): string[] {
  return topic
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => (sharedGroup.trim() ? `$share/${sharedGroup.trim()}/${t}` : t));
}

/** The key kept on the inbox row: the topic plus the device's sequence number when it sent one. */
export function inboxKey(topic: string, props: Record<string, string> | null): string {
  return props?.seq ? `${topic}#${props.seq}` : topic;
}

function statusOf(state: IntakeState): { fill: "green" | "yellow" | "red" | "grey"; shape: "dot" | "ring"; text: string } {
  const load = `${count(state.takenIn)} in · ${count(state.inFlight)} in flight`;
  if (state.connection !== "connected") {
    return { fill: state.connection === "connecting" ? "yellow" : "red", shape: "ring", text: `${state.connection} · ${load}` };
  }
  if (state.paused) return { fill: "yellow", shape: "dot", text: `holding back (flow behind) · ${load}` };
  return { fill: "green", shape: "dot", text: load };
}

export default function register(RED: NodeAPI): void {
  function LsyncScannerInNode(this: Node, def: ScannerInDef): void {
    RED.nodes.createNode(this, def);
    const broker = RED.nodes.getNode(def.broker) as BrokerNode | null;
    const storeNode = RED.nodes.getNode(def.store) as StoreNode | null;
    if (!broker || !storeNode) {
      this.status({ fill: "red", shape: "ring", text: !broker ? "no broker configured" : "no store configured" });
      this.error(`scanner intake needs ${!broker ? "a broker" : "a store"} configuration`);
      return;
    }
    const setStatus = throttledStatus(this);
    const maxInFlight = Math.max(1, Number(def.maxInFlight) || 1000);
    // The scans of one store commit leave together, up to the batch size per message.
    const output = new BatchOutbound(batchSizeOf(def.batchSize), (msg) => this.send(msg), () => RED.util.generateId());
    const intake = new DurableMqttIntake({
      url: broker.url,
      client: broker.clientOptions(this.id),
      topics: subscriptionFilters(configValue(def.topic) || "wms/+/scanner/+/+", configValue(def.sharedGroup)),
      store: storeNode.store,
      source: this.id,
      maxInFlight,
      keyOf: (topic, _payload, props) => inboxKey(topic, props),
      emit: (item, resumed) =>
        output.add({
          _msgid: RED.util.generateId(),
          topic: item.topic,
          payload: item.payload,
          mqtt: { userProperties: item.props ?? {} },
          receivedAt: new Date(item.receivedAt).toISOString(),
          intake: { source: this.id, id: item.id, resumed },
        } as NodeMessageInFlow),
      onState: (state) => setStatus(statusOf(state)),
      onError: (err) => this.warn(`intake: ${err.message}`),
      // Until the first subscription a broker keeps nothing for us: say when scans are safe.
      onSubscribed: ({ topics, sessionPresent }) =>
        this.log(`subscribed to ${topics.join(", ")} at ${broker.url} (${sessionPresent ? "session resumed" : "new session"})`),
    });
    this.status({ fill: "yellow", shape: "ring", text: `connecting to ${broker.url}` });
    // Resumed items are sent at once; sent while Node-RED is still creating the nodes after this
    // one, they would reach no one (the restart test lost one scan that way). So start only when
    // every flow has started.
    const begin = () => intake.start().catch((err: Error) => this.error(`intake did not start: ${err.message}`));
    RED.events.once("flows:started", begin);
    this.on("close", (_removed: boolean, done: () => void) => {
      RED.events.off("flows:started", begin);
      // Scans not sent yet stay in the inbox, unsettled: the next start resumes them.
      output.clear();
      intake.stop().then(done, done);
    });
  }
  RED.nodes.registerType("lsync-scanner-in", LsyncScannerInNode);
}
