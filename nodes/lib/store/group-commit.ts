/**
 * Group commit for the SQLite store: the writes asked for in one turn of the event loop run in one
 * transaction, and every promise settles after the commit, so "stored before acknowledged" holds.
 * Under a burst this turns several commits per message into one per turn; a lone write waits one
 * setImmediate. When a write throws, the whole group is rolled back and each write runs again in
 * its own transaction, so one bad write fails alone (savepoints per write would cost every write
 * two more statements for a case that hardly happens).
 */
import type Database from "better-sqlite3";

interface Op {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Op[] = [];
  private scheduled = false;
  private readonly runAll: Database.Transaction<(ops: Op[]) => unknown[]>;

  constructor(private readonly db: Database.Database) {
    this.runAll = db.transaction((ops: Op[]) => ops.map((op) => op.work()));
  }

  /**
   * Runs `work` (synchronous SQL) in the next group transaction; resolves with its result once
   * committed. `work` is always inside a transaction begun IMMEDIATE (the group's, or its own when
   * the group is rolled back), so it needs none of its own.
   */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (also before the store closes). */
  flush(): void {
    this.scheduled = false;
    const ops = this.queue;
    this.queue = [];
    if (ops.length === 0) return;
    let results: unknown[];
    try {
      results = this.runAll.immediate(ops);
    } catch {
      // Rolled back as a whole: each write again on its own, so only the bad one fails.
      for (const op of ops) {
        try {
          op.resolve(this.db.transaction(op.work).immediate());
        } catch (error) {
          op.reject(error);
        }
      }
      return;
    }
    results.forEach((value, i) => ops[i]!.resolve(value));
  }
}
