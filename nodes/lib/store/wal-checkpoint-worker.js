// @ts-check
/**
 * The thread behind WalCheckpointer (wal-checkpointer.ts): its own connection to the store's file,
 * checkpointing the WAL into the database on a timer, so the fsync a checkpoint ends with waits
 * here instead of on the event loop.
 *
 * Plain JavaScript, checked by `tsc -p tsconfig.test.json`: a worker thread is started from a file,
 * and under the tests' `--import tsx` (Node 20) a worker cannot load TypeScript. The build copies
 * it beside the compiled checkpointer.
 */
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require("better-sqlite3");

/** @type {import("./wal-checkpointer").CheckpointWorkerData} */
const { path, intervalMs, truncateAbovePages } = workerData;

/** @param {import("./wal-checkpointer").CheckpointWorkerReport} message */
function report(message) {
  parentPort?.postMessage(message);
}

/** better-sqlite3's errors lose their message on the way to the parent thread: send it as text. */
/** @param {unknown} err */
function describe(err) {
  return err instanceof Error ? err.message : String(err);
}

/** @type {import("better-sqlite3").Database} */
let db;
try {
  db = new Database(path, { fileMustExist: true });
  // A TRUNCATE checkpoint waits for the writer's transaction to end, and the writer for it.
  db.pragma("busy_timeout = 5000");
} catch (err) {
  report({ type: "failed", message: describe(err) });
  process.exit(1);
}

function checkpoint() {
  try {
    // PASSIVE never blocks the writer: it copies what is committed, while the event loop goes on.
    const [passive] = /** @type {Array<{ busy: number; log: number; checkpointed: number }>} */ (db.pragma("wal_checkpoint(PASSIVE)"));
    let truncated = false;
    // A writer that never pauses keeps appending while a passive checkpoint runs, so the WAL is
    // never all copied and SQLite never starts it over. Past the bound, a TRUNCATE holds the
    // writer back for the few frames committed since the passive one and empties the file.
    if (passive && passive.log > truncateAbovePages) {
      db.pragma("wal_checkpoint(TRUNCATE)");
      truncated = true;
    }
    report({ type: "checkpointed", truncated });
  } catch (err) {
    report({ type: "error", message: describe(err) });
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.on("message", (message) => {
  if (message !== "stop") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
