/**
 * Where the dead-letter admin API finds its stores and its replay nodes, within one runtime.
 *
 * Dead letters live in a store config node. The nodes that use one for dead letters (dead-letter
 * and replay nodes) register it here under the store config node's id, so the admin API can answer
 * `?store=<id>` (or use the only/first one). Replay nodes register themselves as replay targets:
 * a replayed letter is handed to the one replay node that is configured for it.
 *
 * Plain functions over module state, like intake/settlement: nothing here needs a runtime.
 */
import type { DeadLetter, LsyncStore } from "./store";

/** A deployed replay node, as the registry sees it. */
export interface ReplayTarget {
  /** The replay node's id. */
  readonly nodeId: string;
  readonly name: string | null;
  /** The store config node it replays from, and that store. */
  readonly storeId: string;
  readonly store: LsyncStore;
  /** Failing node ids whose letters this node replays; empty = every letter of its store (catch-all). */
  readonly sources: readonly string[];
  /** Sends a replayed message on the node's first output. */
  emit(msg: Record<string, unknown>): void;
}

/** store config node id → (registering node id → store) */
const stores = new Map<string, Map<string, LsyncStore>>();
const targets = new Map<string, ReplayTarget>();

/**
 * Makes a store config node's store known to the admin API for as long as `holder` (a node using it
 * for dead letters) runs. Returns the unregister function for the holder's close handler.
 */
export function registerDeadLetterStore(storeId: string, store: LsyncStore, holder: string): () => void {
  let holders = stores.get(storeId);
  if (!holders) stores.set(storeId, (holders = new Map()));
  holders.set(holder, store);
  return () => {
    const current = stores.get(storeId);
    if (current?.get(holder) !== store) return;
    current.delete(holder);
    if (current.size === 0) stores.delete(storeId);
  };
}

/** Store config node ids with dead letters, in the order they were first registered. */
export function deadLetterStoreIds(): string[] {
  return [...stores.keys()];
}

/**
 * The store named by `storeId`, or the first registered one when none is named.
 * Null when that id is not registered (or nothing is).
 */
export function findDeadLetterStore(storeId?: string | null): { id: string; store: LsyncStore } | null {
  const id = storeId || deadLetterStoreIds()[0];
  if (!id) return null;
  const holders = stores.get(id);
  const store = holders?.values().next().value;
  return store ? { id, store } : null;
}

export function registerReplayTarget(target: ReplayTarget): () => void {
  targets.set(target.nodeId, target);
  return () => {
    if (targets.get(target.nodeId) === target) targets.delete(target.nodeId);
  };
}

export type ReplayRoute = { ok: true; target: ReplayTarget } | { ok: false; error: string };

/**
 * The replay node a letter goes to. Only replay nodes on the letter's store count (the same store
 * connection, whichever store config node names it). Among them, one that lists the failing node's
 * id in its sources wins; failing that, a catch-all (no sources). Exactly one must match at that
 * level: none or several is an error that names them, and the letter stays parked.
 */
export function replayTargetFor(store: LsyncStore, letter: Pick<DeadLetter, "id" | "nodeId">): ReplayRoute {
  const onStore = [...targets.values()].filter((t) => t.store === store);
  const specific = onStore.filter((t) => t.sources.includes(letter.nodeId));
  const candidates = specific.length > 0 ? specific : onStore.filter((t) => t.sources.length === 0);
  if (candidates.length === 1) return { ok: true, target: candidates[0]! };
  if (candidates.length === 0) {
    return {
      ok: false,
      error:
        `no replay node is deployed for dead letter ${letter.id} (failed in node ${letter.nodeId}): ` +
        "deploy an lsync-replay node on this store that lists that node, or one with no nodes listed (catch-all); the letter stays parked",
    };
  }
  const names = candidates.map((t) => (t.name ? `${t.nodeId} (${t.name})` : t.nodeId)).join(", ");
  return {
    ok: false,
    error:
      `${candidates.length} replay nodes match dead letter ${letter.id} (failed in node ${letter.nodeId}): ${names}; ` +
      `a letter re-enters the flow at one place only, so list node ${letter.nodeId} in exactly one of them; the letter stays parked`,
  };
}
