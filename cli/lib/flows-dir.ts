/**
 * The flows/ folder as the tool sees it: the nodes (read and written through the launcher's
 * flow-file module, so both agree on the layout) and the credential references.
 *
 * Credentials are never in the flow files. Which credential field of which node takes which
 * variable is in `flows/environments/credentials.json`, `{ "<node id>": { "<field>": "${VAR}" } }`:
 * the push sends those references as the nodes' credentials, and Node-RED 4.1 resolves a credential
 * that is exactly `${VAR}` from the target's environment when it creates the node
 * (@node-red/runtime lib/nodes/index.js createNode -> mapEnvVarProperties). The secret itself lives
 * only in the target's environment.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  assembleFlows,
  formatFlowFile,
  readFlowFile,
  scenarioFiles,
  splitFlows,
  tabFiles,
  type FlowNode,
} from "../../launcher/flow-file";

import { readCredentialRefs, type CredentialRefs } from "../../launcher/credential-refs";

export { CREDENTIALS_FILE, readCredentialRefs, type CredentialRefs } from "../../launcher/credential-refs";

export interface LocalFlows {
  nodes: FlowNode[];
  credentials: CredentialRefs;
}

export function readLocalFlows(flowsDir: string): LocalFlows {
  if (!existsSync(flowsDir)) throw new Error(`no flows folder ${flowsDir}`);
  return { nodes: assembleFlows(flowsDir), credentials: readCredentialRefs(flowsDir) };
}

/** The nodes to deploy: the local ones, each with its credential references attached. */
export function withCredentialRefs(nodes: FlowNode[], refs: CredentialRefs): FlowNode[] {
  return nodes.map((n) => (refs[n.id] ? { ...n, credentials: { ...refs[n.id] } } : n));
}

export interface PullResult {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Writes a flow set into flows/: a file per tab plus config.json. Files are rewritten only when
 * their text changes; a scenario file whose tabs are gone from the instance is removed.
 * environments/ (env files, credential references) is left alone.
 */
export function writeFlowsDir(flowsDir: string, nodes: FlowNode[]): PullResult {
  mkdirSync(flowsDir, { recursive: true });
  const files = splitFlows(nodes, tabFiles(flowsDir));
  const result: PullResult = { written: [], unchanged: [], removed: [] };
  for (const [file, list] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const path = join(flowsDir, file);
    const text = formatFlowFile(list);
    if (existsSync(path) && readFileSync(path, "utf8") === text) result.unchanged.push(file);
    else {
      writeFileSync(path, text);
      result.written.push(file);
    }
  }
  for (const file of scenarioFiles(flowsDir)) {
    if (files.has(file)) continue;
    // Only files that hold flows (a tab or subflow) are ours to remove.
    const held = readFlowFile(join(flowsDir, file));
    if (held.some((n) => n.type === "tab" || n.type === "subflow")) {
      rmSync(join(flowsDir, file));
      result.removed.push(file);
    }
  }
  return result;
}
