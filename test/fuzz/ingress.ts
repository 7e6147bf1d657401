/**
 * What one ingress gives the fuzz suite. Adding an ingress (a webhook, a CSV intake) is one file
 * in ingresses/ exporting a FlowIngress, listed in ingresses/index.ts. Not a test file.
 *
 * The harness loads the ingress's nodes on one tab with a store, a catch → dead letter, and a
 * recorder wired as `accepted`; it sends hostile and valid messages into node `entry` and checks
 * that every message is accounted for exactly once: accepted, or parked with its reason.
 */
import type fc from "fast-check";
import type { FlowNodeDef, NodeModule } from "../unit/nodes/_helper";

export interface IngressMessage {
  payload: unknown;
  topic?: string;
  /** Other message properties (e.g. `mqtt.userProperties`). */
  extra?: Record<string, unknown>;
}

export interface FlowIngress {
  name: string;
  /** Node modules the fragment needs (the harness adds store, dead letter and the recorder). */
  modules: NodeModule[];
  /**
   * The fragment on tab "tab": messages enter at node id "entry"; whatever the ingress accepts is
   * wired to `accepted`. `store` is the store config node id.
   */
  nodes(accepted: string, store: string): FlowNodeDef[];
  /** Hostile messages, at least `runs` are drawn. */
  hostile: fc.Arbitrary<IngressMessage>;
  /** Deterministic extra hostile cases (the 5 MB bodies), sent once each. */
  extras?: IngressMessage[];
  /** The i-th valid message; distinct for distinct i. It must be accepted. */
  valid(i: number): IngressMessage;
  /** Hostile inputs to send (the suite's total must stay ≥ 10,000). */
  runs: number;
}
