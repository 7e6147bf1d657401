/**
 * Background WAL checkpoints for the SQLite store.
 *
 * SQLite copies the write-ahead log back into the database file every 1,000 pages by itself, in
 * the commit that crosses the mark, and ends each copy with an fsync. better-sqlite3 is
 * synchronous, so that fsync stopped the event loop: on the scanner path (about 100 pages per
 * group commit, the dedupe, outbox and event-key indexes being written at random places), it was
 * half of the store's time per scan (a micro-benchmark of the path's writes, 16 scans per commit:
 * 162 against 85 µs). The store turns the automatic checkpoint off and this thread does it with
 * its own connection. Durability is unchanged: a commit is in the WAL either way, and SQLite
 * replays the WAL after a crash.
 *
 * When the thread cannot start or dies, `onFailed` is called and the store checkpoints by itself
 * again, so the WAL never grows unchecked.
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";

export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
  truncateAbovePages: number;
}

export type CheckpointWorkerReport =
  | { type: "checkpointed"; truncated: boolean }
  | { type: "error"; message: string }
  | { type: "failed"; message: string };

export interface WalCheckpointerOptions {
  /** The database file (the WAL is `<path>-wal`). */
  path: string;
  /** How often to checkpoint (default 200 ms). */
  intervalMs?: number;
  /** WAL frames (pages) past which the WAL is emptied, briefly holding the writer back (default 16,384: 64 MiB of 4 KiB pages). */
  truncateAbovePages?: number;
  /** The thread could not start or stopped on its own: the store must checkpoint itself again. */
  onFailed: (err: Error) => void;
  /** A checkpoint failed (the thread goes on and tries again at its next turn). */
  onError?: (err: Error) => void;
}

export interface CheckpointStats {
  checkpoints: number;
  truncations: number;
}

/** How long stop() waits for the thread to finish its checkpoint and close its connection. */
const STOP_WAIT_MS = 10_000;

/** Plain JavaScript beside this file, in the source tree and (copied by the build) in dist. */
const WORKER_FILE = join(__dirname, "wal-checkpoint-worker.js");

export class WalCheckpointer {
  private worker: Worker | null;
  private stopping = false;
  private readonly counts: CheckpointStats = { checkpoints: 0, truncations: 0 };

  constructor(options: WalCheckpointerOptions) {
    const workerData: CheckpointWorkerData = {
      path: options.path,
      intervalMs: Math.max(10, options.intervalMs ?? 200),
      truncateAbovePages: Math.max(1, options.truncateAbovePages ?? 16_384),
    };
    // A small heap: the thread holds one connection and a timer.
    const worker = new Worker(WORKER_FILE, { workerData, resourceLimits: { maxOldGenerationSizeMb: 32 } });
    this.worker = worker;
    // The thread alone must not keep the process alive (the store's close() stops it).
    worker.unref();
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.stopping) return;
      failed = true;
      this.worker = null;
      options.onFailed(err);
    };
    worker.on("message", (report: CheckpointWorkerReport) => {
      if (report.type === "checkpointed") {
        this.counts.checkpoints++;
        if (report.truncated) this.counts.truncations++;
      } else if (report.type === "error") {
        options.onError?.(new Error(`WAL checkpoint: ${report.message}`));
      } else if (report.type === "failed") {
        fail(new Error(`WAL checkpoint thread could not open ${options.path}: ${report.message}`));
      }
    });
    worker.on("error", (err) => fail(new Error(`WAL checkpoint thread failed: ${err instanceof Error ? err.message : String(err)}`)));
    worker.on("exit", (code) => fail(new Error(`WAL checkpoint thread stopped (exit code ${code})`)));
  }

  /** True while the thread is there to checkpoint. */
  get running(): boolean {
    return this.worker !== null;
  }

  stats(): CheckpointStats {
    return { ...this.counts };
  }

  /**
   * Stops the thread after its current checkpoint; its connection is closed when this resolves. A
   * checkpoint waits at most its busy timeout (5 s) for the writer, so a thread still there after
   * STOP_WAIT_MS is stuck, and is terminated (SQLite recovers an interrupted checkpoint).
   */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.stopping = true;
    this.worker = null;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      // Held by the stop now: unreferenced, the process could end before the thread says it has.
      worker.ref();
      const stuck = setTimeout(() => void worker.terminate(), STOP_WAIT_MS);
      worker.once("exit", () => {
        clearTimeout(stuck);
        resolve();
      });
      worker.postMessage("stop");
    });
  }
}
