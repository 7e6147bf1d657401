import type { FlowNode } from "../../launcher/flow-file";

/** How a report names a node so an analyst finds it in the editor: id, type, name and tab. */
export function describeNode(node: FlowNode, byId: Map<string, FlowNode>): string {
  const name = typeof node.name === "string" && node.name ? ` "${node.name}"` : typeof node.label === "string" && node.label ? ` "${node.label}"` : "";
  const tab = node.z ? byId.get(node.z) : undefined;
  const where = node.type === "tab" ? "" : tab ? ` on tab "${String(tab.label ?? tab.name ?? tab.id)}"` : node.z ? ` on ${node.z}` : " (config)";
  return `${node.type} ${node.id}${name}${where}`;
}

export function indexById(nodes: FlowNode[]): Map<string, FlowNode> {
  return new Map(nodes.map((n) => [n.id, n]));
}
