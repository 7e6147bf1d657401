import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** PORTAL operations: canonical objects in, the portal system's API out (see nodes/lib/systems/operations/). */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-portal", "PORTAL");
}
