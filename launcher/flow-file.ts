import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A node as it sits in a flow file: we only look at what orders and links them. */
export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

/** `flows/config.json` holds the shared config nodes; every other file is one scenario tab. */
export const CONFIG_FILE = "config.json";

export function scenarioFiles(flowsDir: string): string[] {
  return readdirSync(flowsDir)
    .filter((f) => f.endsWith(".json") && f !== CONFIG_FILE)
    .sort();
}

export function readFlowFile(path: string): FlowNode[] {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${path} must hold a JSON array of nodes`);
  return parsed as FlowNode[];
}

/** All tabs of flows/ as one Node-RED flow file: config nodes first, then scenarios by file name. */
export function assembleFlows(flowsDir: string): FlowNode[] {
  const config = existsSync(join(flowsDir, CONFIG_FILE)) ? readFlowFile(join(flowsDir, CONFIG_FILE)) : [];
  const nodes = [...config, ...scenarioFiles(flowsDir).flatMap((f) => readFlowFile(join(flowsDir, f)))];
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.id)) throw new Error(`node id ${n.id} appears twice in flows/`);
    seen.add(n.id);
  }
  return nodes;
}

function hash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export type FlowFileDecision = "created" | "updated" | "kept-edited" | "unchanged";

/**
 * Writes the runtime flow file from flows/ without trampling an analyst's work:
 * - no flow file yet: build it;
 * - flows/ changed and the flow file is as we last wrote it: rebuild it;
 * - the flow file was changed in the editor: keep it (and say so), whether or not flows/ moved.
 * A record of both hashes sits beside the flow file.
 */
export function syncFlowFile(flowsDir: string, flowFile: string): FlowFileDecision {
  const built = `${JSON.stringify(assembleFlows(flowsDir), null, 4)}\n`;
  const recordFile = `${flowFile}.source.json`;
  const record = existsSync(recordFile)
    ? (JSON.parse(readFileSync(recordFile, "utf8")) as { source: string; written: string })
    : null;
  const write = (decision: FlowFileDecision): FlowFileDecision => {
    writeFileSync(flowFile, built);
    writeFileSync(recordFile, `${JSON.stringify({ source: hash(built), written: hash(built) }, null, 2)}\n`);
    return decision;
  };
  if (!existsSync(flowFile)) return write("created");
  const current = hash(readFileSync(flowFile, "utf8"));
  if (record && current !== record.written) return "kept-edited";
  if (record && hash(built) === record.source) return "unchanged";
  if (!record && current !== hash(built)) return "kept-edited";
  return write("updated");
}

// ---------------------------------------------------------------------------------------------
// The other direction: a whole flow set (as GET /flows returns it) split into the files of
// flows/. `lsync-flows pull` writes them; assembleFlows() above reads them back. Both sides live
// here so the file layout is defined once.

/** What the files of a flows/ folder hold: file name to its nodes, in the order they are written. */
export type FlowFiles = Map<string, FlowNode[]>;

/** The text a flow file holds: pretty-printed like the shipped files, with a trailing newline. */
export function formatFlowFile(nodes: FlowNode[]): string {
  return `${JSON.stringify(nodes, null, 4)}\n`;
}

/** Lower-case words joined by dashes: "Warehouse-to-transport handoff" -> "warehouse-to-transport-handoff". */
export function slugOf(label: string): string {
  return label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

/**
 * A stable order inside one file, whatever order the editor deployed in: the tab (or subflow)
 * itself, then its groups, then every other node, each by id. Pulling twice gives the same bytes,
 * and a git diff shows only what an analyst changed.
 */
function fileOrder(nodes: FlowNode[]): FlowNode[] {
  const rank = (n: FlowNode): number => (n.type === "tab" || n.type === "subflow" ? 0 : n.type === "group" ? 1 : 2);
  return [...nodes].sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Credentials never go into flows/: GET /flows leaves them out, and we drop them if a caller did not. */
function withoutCredentials(node: FlowNode): FlowNode {
  if (!("credentials" in node)) return node;
  const { credentials: _dropped, ...rest } = node;
  return rest as FlowNode;
}

/**
 * Splits a flow set into files: one per tab (and per subflow definition) plus config.json for the
 * config nodes that belong to no tab. A tab keeps the file it already has (`fileOfTab`, from the
 * folder being pulled into), so renaming a tab in the editor does not rename its file; a new tab
 * gets a file named from its label (`<slug>.json`, or `<slug>-<id>.json` when taken).
 */
export function splitFlows(nodes: FlowNode[], fileOfTab: Map<string, string> = new Map()): FlowFiles {
  const containers = nodes.filter((n) => n.type === "tab" || n.type === "subflow");
  const taken = new Set<string>([CONFIG_FILE, ...fileOfTab.values()]);
  const fileOf = new Map<string, string>();
  for (const c of [...containers].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    let file = fileOfTab.get(c.id);
    if (!file) {
      const label = typeof c.label === "string" && c.label.trim() ? c.label : typeof c.name === "string" ? c.name : "";
      const base = (c.type === "subflow" ? "subflow-" : "") + (slugOf(label) || slugOf(c.id) || "tab");
      file = taken.has(`${base}.json`) ? `${base}-${slugOf(c.id)}.json` : `${base}.json`;
    }
    taken.add(file);
    fileOf.set(c.id, file);
  }
  const files: FlowFiles = new Map([[CONFIG_FILE, []]]);
  for (const raw of nodes) {
    const node = withoutCredentials(raw);
    const home = fileOf.get(node.type === "tab" || node.type === "subflow" ? node.id : (node.z ?? ""));
    if (!home && node.z) throw new Error(`node ${node.id} (${node.type}) sits on ${node.z}, which is no tab or subflow in the set`);
    const file = home ?? CONFIG_FILE;
    if (!files.has(file)) files.set(file, []);
    files.get(file)!.push(node);
  }
  for (const [file, list] of files) files.set(file, fileOrder(list));
  return files;
}

/** Which file of flows/ holds which tab (or subflow), from the files as they are now. */
export function tabFiles(flowsDir: string): Map<string, string> {
  const result = new Map<string, string>();
  if (!existsSync(flowsDir)) return result;
  for (const file of scenarioFiles(flowsDir)) {
    for (const n of readFlowFile(join(flowsDir, file))) {
      if (n.type === "tab" || n.type === "subflow") result.set(n.id, file);
    }
  }
  return result;
}
