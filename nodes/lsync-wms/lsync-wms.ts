import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** WMS operations: canonical objects in, the WMS system's API out (see nodes/lib/systems/operations/). */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-wms", "WMS");
}
