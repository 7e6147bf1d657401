import { SqliteStore, type SqliteStoreOptions } from "./sqlite-store";
import type { LsyncStore } from "./types";

export * from "./types";
export { SqliteStore } from "./sqlite-store";

export type StoreConfig = { kind: "sqlite" } & SqliteStoreOptions;

interface Shared {
  store: LsyncStore;
  users: number;
}
const open = new Map<string, Shared>();

/**
 * Opens a store, sharing one connection per location within the process: several store config
 * nodes (or a redeploy that recreates them before the old ones close) must not open the same
 * SQLite file twice and fight over its write lock.
 */
export function acquireStore(config: StoreConfig): LsyncStore {
  const id = `${config.kind}:${config.path}`;
  let shared = open.get(id);
  if (!shared || config.path === ":memory:") {
    shared = { store: new SqliteStore(config), users: 0 };
    if (config.path !== ":memory:") open.set(id, shared);
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
