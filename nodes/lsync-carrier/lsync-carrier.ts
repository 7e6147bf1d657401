import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** CARRIER operations: canonical objects in, the carrier system's API out (see nodes/lib/systems/operations/). */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-carrier", "CARRIER");
}
