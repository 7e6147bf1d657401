import { join } from "node:path";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";
import { acquireStore, releaseStore, type LsyncStore } from "../lib/store";

export interface StoreNodeDef extends NodeDef {
  kind: "sqlite";
  path: string;
  durability: "process" | "power";
}

export interface StoreNode extends Node {
  store: LsyncStore;
}

/** Resolves the SQLite file: the node's setting, else LSYNC_DB, else lsync.db in the user dir. */
export function storePath(configured: string | undefined, userDir: string | undefined): string {
  const path = configValue(configured) || process.env.LSYNC_DB?.trim();
  return path || join(userDir ?? process.cwd(), "lsync.db");
}

export default function register(RED: NodeAPI): void {
  function LsyncStoreNode(this: Node, def: StoreNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as StoreNode;
    const path = storePath(def.path, RED.settings.userDir as string | undefined);
    node.store = acquireStore({ kind: "sqlite", path, durability: def.durability === "power" ? "power" : "process" });
    this.log(`store: sqlite at ${path}`);
    this.on("close", (_removed: boolean, done: () => void) => {
      releaseStore(node.store).then(done, (err: Error) => {
        this.warn(`store did not close cleanly: ${err.message}`);
        done();
      });
    });
  }
  RED.nodes.registerType("lsync-store", LsyncStoreNode);
}
