import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** WMS operations (fulfillment instruction, ...): canonical objects in, the WMS's JSON-RPC out. */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-wms", "WMS");
}
