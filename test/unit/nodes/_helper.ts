/**
 * Shared set-up for the node tests: node-red-node-test-helper (untyped, so a small local
 * interface), temp folders, and small waiting/recording utilities. Not a test file itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeAPI, NodeDef, NodeMessage, Node as RedNode } from "node-red";

export type Msg = NodeMessage & Record<string, unknown>;

export interface FlowNodeDef {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

/** What a node looks like from a test: the runtime node plus whatever our config nodes attach. */
export interface TestNode {
  id: string;
  type: string;
  on(event: "input", listener: (msg: Msg) => void): void;
  receive(msg: Record<string, unknown>): void;
  [key: string]: unknown;
}

export type NodeModule = (RED: NodeAPI) => void;

interface TestHelper {
  init(runtimePath: string, userSettings?: Record<string, unknown>): void;
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  load(nodes: NodeModule[], flow: FlowNodeDef[], credentials?: Record<string, Record<string, string>>): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): TestNode | null;
  /** Base URL of the test runtime's HTTP server (httpAdmin routes only). */
  url(): string;
  /** The sinon spy on the runtime log: one call per log entry. */
  log(): { args: Array<[{ level: number; id?: string; type?: string; msg: unknown }]> };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require("node-red-node-test-helper") as TestHelper;
helper.init(require.resolve("node-red"));

export function getNode<T = TestNode>(id: string): T {
  const node = helper.getNode(id);
  if (!node) throw new Error(`node ${id} is not in the loaded flow`);
  return node as unknown as T;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Collects what a helper node receives. */
export function collect(id: string): Msg[] {
  const received: Msg[] = [];
  getNode(id).on("input", (msg) => received.push(msg));
  return received;
}

/**
 * A node type that records every message from the moment it exists: for messages sent while
 * the flow starts (a resuming intake), before a test could attach a listener to a helper node.
 */
export const recorded = new Map<string, Msg[]>();
export const recorderModule: NodeModule = (RED) => {
  function TestRecorder(this: RedNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const list: Msg[] = [];
    recorded.set(this.id, list);
    this.on("input", (msg) => {
      list.push(msg as Msg);
    });
  }
  RED.nodes.registerType("test-recorder", TestRecorder);
};

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const SSCC = "340123450000000017";
export const GTIN = "09506000134352";

/** A JSON scanner event as the scanner-json profile expects it. */
export function scanEvent(event: "pick" | "pack" | "weight" | "cube" | "ship", seq: number, extra: Record<string, unknown> = {}): Msg {
  const base: Record<string, unknown> = { deviceId: "RF-017", seq, scannedAt: "2025-03-04T10:15:00Z", loadId: "LD-2025-0042" };
  const byEvent: Record<string, Record<string, unknown>> = {
    pick: { sku: "SKU-10042", gtin: GTIN, quantity: 12, binId: "A01-02-03" },
    pack: { sscc: SSCC },
    weight: { sscc: SSCC, grossWeightKg: 412.5 },
    cube: { sscc: SSCC, dims: { lengthCm: 120, widthCm: 80, heightCm: 150 } },
    ship: { sscc: SSCC, sku: "SKU-10042", quantity: 12 },
  };
  return {
    _msgid: `m-${event}-${seq}`,
    topic: `wms/DC1/scanner/RF-017/${event}`,
    payload: JSON.stringify({ ...base, ...byEvent[event], ...extra }),
  } as Msg;
}

/**
 * The test helper builds a new RED.httpNode (where http-in style routes live) for every flow it
 * loads but serves only the admin app. Load `module` with the flow and call `url()`: it serves
 * the current httpNode on a free loopback port. `close()` in the file's `after`.
 */
export function httpNodeServer(): { module: NodeModule; url: () => Promise<string>; close: () => void } {
  type Handler = (req: IncomingMessage, res: ServerResponse) => void;
  let server: Server | null = null;
  let current: Handler | null = null;
  let base = "";
  const module: NodeModule = (RED) => {
    current = RED.httpNode as unknown as Handler;
    if (server) return;
    server = createServer((req, res) => current!(req, res));
    server.listen(0, "127.0.0.1", () => (base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`));
  };
  return {
    module,
    url: async () => {
      await waitFor("httpNode server", () => base !== "");
      return base;
    },
    close: () => server?.close(),
  };
}
