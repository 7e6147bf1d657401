import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** Customer portal operations (customer service alert): canonical exceptions in, portal alerts out. */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-portal", "PORTAL");
}
