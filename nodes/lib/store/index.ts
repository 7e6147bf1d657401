import { PostgresStore, type PostgresStoreOptions } from "./postgres-store";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite-store";
import type { LsyncStore } from "./types";

export * from "./types";
export { SqliteStore } from "./sqlite-store";
export { PostgresStore, redactUrl, type PostgresStoreOptions } from "./postgres-store";
export type { SqliteStoreOptions } from "./sqlite-store";

export type StoreConfig = ({ kind: "sqlite" } & SqliteStoreOptions) | ({ kind: "postgres" } & PostgresStoreOptions);

interface Shared {
  store: LsyncStore;
  users: number;
}
const open = new Map<string, Shared>();

/** What makes two configs the same store: the file, or the server URL and schema. */
function storeId(config: StoreConfig): string | null {
  if (config.kind === "postgres") return `postgres:${config.url}#${config.schema?.trim() || "lsync"}`;
  return config.path === ":memory:" ? null : `sqlite:${config.path}`;
}

/**
 * Opens a store, sharing one connection per location within the process: several store config
 * nodes (or a redeploy that recreates them before the old ones close) must not open the same
 * SQLite file twice and fight over its write lock, nor open a second PostgreSQL pool on the same
 * schema (one pool per URL and schema; the first config's password and pool size apply).
 */
export function acquireStore(config: StoreConfig): LsyncStore {
  const id = storeId(config);
  let shared = id === null ? undefined : open.get(id);
  if (!shared) {
    shared = { store: config.kind === "postgres" ? new PostgresStore(config) : new SqliteStore(config), users: 0 };
    if (id !== null) open.set(id, shared);
  }
  shared.users++;
  return shared.store;
}

export async function releaseStore(store: LsyncStore): Promise<void> {
  for (const [id, shared] of open) {
    if (shared.store !== store) continue;
    if (--shared.users > 0) return;
    open.delete(id);
    break;
  }
  await store.close();
}
