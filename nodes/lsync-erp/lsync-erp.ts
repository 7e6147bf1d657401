import type { NodeAPI } from "../lib/red";
import { registerEgressNode } from "../lib/systems/egress-node";

/** ERP operations (inventory status, ...): canonical objects in, the ERP's API out. */
export default function register(RED: NodeAPI): void {
  registerEgressNode(RED, "lsync-erp", "ERP");
}
