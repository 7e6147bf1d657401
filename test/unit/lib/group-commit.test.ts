import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { GroupCommit } from "../../../nodes/lib/store/group-commit";

function db(): Database.Database {
  const d = new Database(":memory:");
  d.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)");
  return d;
}

describe("group commit", () => {
  it("writes asked for in one turn commit in one transaction and each gets its own result", async () => {
    const d = db();
    const group = new GroupCommit(d);
    const insert = d.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
    // Every write sees an open transaction, and a write the connection made before it in that turn.
    const seen = new Set<boolean>();
    const results = await Promise.all(
      ["a", "b", "c"].map((k, i) =>
        group.run(() => {
          seen.add(d.inTransaction);
          assert.equal((d.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, i);
          return Number(insert.run(k, i).lastInsertRowid);
        }),
      ),
    );
    assert.deepEqual(results, [1, 2, 3]);
    assert.deepEqual([...seen], [true], "every write ran inside the group's transaction");
    assert.equal((d.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 3);
  });

  it("a write that throws fails alone; the others of its turn are stored", async () => {
    const d = db();
    const group = new GroupCommit(d);
    const insert = d.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
    const outcomes = await Promise.allSettled([
      group.run(() => insert.run("a", 1)),
      group.run(() => {
        insert.run("b", 2);
        insert.run("a", 3); // primary key taken: this write, b included, must not stay
      }),
      group.run(() => insert.run("c", 4)),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected", "fulfilled"]);
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.deepEqual(d.prepare("SELECT k FROM t ORDER BY k").all(), [{ k: "a" }, { k: "c" }]);
  });

  it("a queued write is not in the file until its turn, and is when its promise settles", async () => {
    const d = db();
    const group = new GroupCommit(d);
    const pending = group.run(() => d.prepare("INSERT INTO t (k, v) VALUES ('x', 1)").run());
    assert.equal((d.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 0, "queued, not yet written");
    await pending;
    assert.equal((d.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n, 1);
  });
});
