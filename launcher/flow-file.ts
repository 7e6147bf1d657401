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
