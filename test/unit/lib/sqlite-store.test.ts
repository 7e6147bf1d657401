import { after, before } from "node:test";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "../../../nodes/lib/store";
import { storeContract } from "../../helpers/store-contract";

let dir: string;
let counter = 0;
const opened: SqliteStore[] = [];

/** Reads an inbox row's state straight from the file (a second connection; WAL allows it). */
function inboxState(path: string, id: number): string | undefined {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT state FROM inbox WHERE id = ?").get(id) as { state: string } | undefined)?.state;
  } finally {
    db.close();
  }
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "lsync-store-test-"));
});
after(async () => {
  for (const s of opened) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

storeContract({
  name: "SqliteStore",
  location: "file",
  /** A fresh store on its own temp file (closed in `after`). */
  async fresh() {
    const path = join(dir, `store-${++counter}.db`);
    const store = new SqliteStore({ path });
    opened.push(store);
    return {
      store,
      inboxState: async (id: number) => inboxState(path, id),
      reopen: async () => {
        const reopened = new SqliteStore({ path });
        opened.push(reopened);
        return reopened;
      },
    };
  },
});
