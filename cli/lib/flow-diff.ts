/**
 * Per-node difference between the flows in flows/ (what a push would deploy) and the flows on an
 * instance: added, removed, changed with the properties that changed.
 */
import { isDeepStrictEqual } from "node:util";
import type { FlowNode } from "../../launcher/flow-file";
import { describeNode, indexById } from "./describe-node";

export interface PropertyChange {
  property: string;
  before: unknown;
  after: unknown;
}

export interface FlowDiff {
  /** In flows/, not on the instance. */
  added: FlowNode[];
  /** On the instance, not in flows/. */
  removed: FlowNode[];
  changed: Array<{ node: FlowNode; changes: PropertyChange[] }>;
}

export function diffFlows(local: FlowNode[], remote: FlowNode[]): FlowDiff {
  const remoteById = indexById(remote);
  const localById = indexById(local);
  const diff: FlowDiff = { added: [], removed: [], changed: [] };
  for (const node of local) {
    const other = remoteById.get(node.id);
    if (!other) {
      diff.added.push(node);
      continue;
    }
    const changes: PropertyChange[] = [];
    const props = new Set([...Object.keys(other), ...Object.keys(node)]);
    props.delete("credentials"); // never compared: the instance does not reveal them
    for (const property of [...props].sort()) {
      if (!isDeepStrictEqual(other[property], node[property])) changes.push({ property, before: other[property], after: node[property] });
    }
    if (changes.length) diff.changed.push({ node, changes });
  }
  for (const node of remote) if (!localById.has(node.id)) diff.removed.push(node);
  return diff;
}

export function isEmptyDiff(diff: FlowDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length === 0;
}

function show(value: unknown): string {
  if (value === undefined) return "(absent)";
  const text = JSON.stringify(value);
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

/** The diff for a terminal: one line per node, changed properties indented below it. */
export function formatDiff(diff: FlowDiff, local: FlowNode[], remote: FlowNode[], color = false): string[] {
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  // Names come from the side the node is on; tabs from either side.
  const byId = new Map([...indexById(remote), ...indexById(local)]);
  const lines: string[] = [];
  for (const n of diff.added) lines.push(paint(32, `+ added    ${describeNode(n, byId)}`));
  for (const n of diff.removed) lines.push(paint(31, `- removed  ${describeNode(n, byId)}`));
  for (const { node, changes } of diff.changed) {
    lines.push(paint(33, `~ changed  ${describeNode(node, byId)}: ${changes.map((c) => c.property).join(", ")}`));
    for (const c of changes) lines.push(`      ${c.property}: ${show(c.before)} -> ${show(c.after)}`);
  }
  lines.push(
    isEmptyDiff(diff)
      ? "no differences"
      : `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`,
  );
  return lines;
}
