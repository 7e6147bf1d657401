import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** TMS operations (load execution update, ...): canonical objects in, the TMS's API out. */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-tms", "TMS");
}
