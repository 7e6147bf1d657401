import { join } from "node:path";
import { configValue, type Node, type NodeAPI, type NodeDef } from "../lib/red";
import { eventLogSettings, registerEventLogStore } from "../lib/events/event-log";
import { registerCredentials } from "../lib/security/redact";
import { retentionSettings, startRetention } from "../lib/store/retention";
import { acquireStore, PostgresStore, redactUrl, releaseStore, type LsyncStore, type StoreConfig } from "../lib/store";

export interface StoreNodeDef extends NodeDef {
  /** Missing in flows made before PostgreSQL: sqlite. */
  /** "auto": LSYNC_STORE (sqlite | postgres), default sqlite — one flow file for every environment. */
  kind?: "sqlite" | "postgres" | "auto";
  path: string;
  durability: "process" | "power";
  /** PostgreSQL URL without the password; empty or an unset `${VAR}`: LSYNC_PG_URL. */
  url?: string;
  /** PostgreSQL schema (default `lsync`); instances sharing state name the same one. */
  schema?: string;
  /** Connections in this instance's pool (default 10). */
  poolSize?: number | string;
}

export interface StoreCredentials {
  /** PostgreSQL password, kept in the credentials file rather than the flow. */
  password?: string;
}

export interface StoreNode extends Node<StoreCredentials> {
  store: LsyncStore;
}

export const DEFAULT_PG_SCHEMA = "lsync";
export const DEFAULT_PG_POOL_SIZE = 10;

/** Resolves the SQLite file: the node's setting, else LSYNC_DB, else lsync.db in the user dir. */
export function storePath(configured: string | undefined, userDir: string | undefined): string {
  const path = configValue(configured) || process.env.LSYNC_DB?.trim();
  return path || join(userDir ?? process.cwd(), "lsync.db");
}

/** Resolves the PostgreSQL URL: the node's setting (e.g. `${PG_URL}`), else LSYNC_PG_URL; empty when neither is set. */
export function postgresUrl(configured: string | undefined): string {
  return configValue(configured) || process.env.LSYNC_PG_URL?.trim() || "";
}

/** The store a node definition asks for; throws a message for the user when it cannot be opened. */
/** The store kind a definition asks for: its own choice, or for "auto" the LSYNC_STORE variable. */
export function storeKind(kind: StoreNodeDef["kind"]): "sqlite" | "postgres" {
  const chosen = kind === "auto" || !kind ? process.env.LSYNC_STORE?.trim().toLowerCase() || "sqlite" : kind;
  if (chosen !== "sqlite" && chosen !== "postgres") throw new Error(`LSYNC_STORE must be sqlite or postgres, not "${chosen}"`);
  return chosen;
}

export function storeConfig(def: StoreNodeDef, userDir: string | undefined, password?: string): StoreConfig {
  if (storeKind(def.kind) === "postgres") {
    const url = postgresUrl(def.url);
    if (!url) throw new Error("no PostgreSQL URL: set it in the store node or in LSYNC_PG_URL");
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error(`not a PostgreSQL URL: ${redactUrl(url)} (postgres://user@host:5432/database)`);
    const poolSize = Math.trunc(Number(configValue(String(def.poolSize ?? "")) || DEFAULT_PG_POOL_SIZE));
    return {
      kind: "postgres",
      url,
      schema: configValue(def.schema) || process.env.LSYNC_PG_SCHEMA?.trim() || DEFAULT_PG_SCHEMA,
      poolSize: Number.isFinite(poolSize) && poolSize >= 1 ? Math.min(poolSize, 100) : DEFAULT_PG_POOL_SIZE,
      ...(password ? { password } : {}),
    };
  }
  return {
    kind: "sqlite",
    path: storePath(def.path, userDir),
    durability: def.durability === "power" ? "power" : "process",
    // The checkpoint's fsync on a thread of its own, not on the event loop (wal-checkpointer.ts).
    checkpoint: "background",
  };
}

function urlHasPassword(url: string): boolean {
  try {
    return new URL(url).password !== "";
  } catch {
    return false;
  }
}

export default function register(RED: NodeAPI): void {
  function LsyncStoreNode(this: Node<StoreCredentials>, def: StoreNodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as StoreNode;
    // Keys, tokens and passwords never reach a log line, an error message or a dead letter.
    registerCredentials(this.credentials);
    const config = storeConfig(def, RED.settings.userDir as string | undefined, this.credentials?.password);
    if (config.kind === "postgres") {
      if (urlHasPassword(config.url)) this.warn("the PostgreSQL URL carries a password: put it in the store node's Password field instead");
      node.store = acquireStore({ ...config, onError: (err) => this.warn(`PostgreSQL connection: ${err.message}`) });
      this.log(`store: postgres at ${node.store.location}`);
      if (node.store instanceof PostgresStore) {
        // Tables are made on first use; say now (not at the first message) when the server cannot be reached.
        node.store.ready().then(
          (instance) => this.log(`store: postgres ready (store instance ${instance})`),
          (err: Error) => this.error(`store: PostgreSQL at ${node.store.location} is not usable yet: ${err.message}`),
        );
      }
    } else {
      node.store = acquireStore({ ...config, onError: (err) => this.warn(`SQLite: ${err.message}`) });
      this.log(`store: sqlite at ${config.path}`);
    }
    // Event log (visibility): the first store config node holds it (settings: lsyncEventLog).
    const logSettings = eventLogSettings((RED.settings as unknown as { lsyncEventLog?: unknown }).lsyncEventLog);
    const unregisterEventLog = logSettings.enabled
      ? registerEventLogStore(this.id, node.store, logSettings, (err) => this.warn(`event log: ${err.message}`))
      : async () => undefined;
    // Retention (settings: lsyncRetention): settled rows, the file ledger and expired dedupe keys, hourly.
    const retention = retentionSettings((RED.settings as unknown as { lsyncRetention?: unknown }).lsyncRetention);
    const stopRetention = startRetention(
      node.store,
      retention,
      (n) => {
        if (n.inbox + n.outbox + n.fileLedger + n.pollSeen + n.dedupe > 0) {
          this.log(`retention: removed ${n.inbox} settled inbox, ${n.outbox} finished outbox, ${n.fileLedger} file-ledger, ${n.pollSeen} polled-key and ${n.dedupe} expired dedupe rows`);
        }
      },
      (err) => this.warn(`retention sweep failed: ${err.message}`),
    );
    this.on("close", (_removed: boolean, done: () => void) => {
      stopRetention();
      unregisterEventLog()
        .then(() => releaseStore(node.store))
        .then(done, (err: Error) => {
          this.warn(`store did not close cleanly: ${err.message}`);
          done();
        });
    });
  }
  RED.nodes.registerType<Node<StoreCredentials>, StoreNodeDef, object, StoreCredentials>("lsync-store", LsyncStoreNode, {
    credentials: { password: { type: "password" } },
  });
}
