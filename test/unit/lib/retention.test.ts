import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore } from "../../../nodes/lib/store/sqlite-store";
import { DEFAULT_RETENTION, retentionSettings, sweepStore } from "../../../nodes/lib/store/retention";

const DAY = 24 * 3600 * 1000;

async function storeWithHistory(): Promise<SqliteStore> {
  const store = new SqliteStore({ path: ":memory:" });
  const [id] = await store.addToInbox([{ source: "in", key: "k", topic: "t", payload: "{}" }]);
  await store.enqueueOutbox([{ target: "tms", idempotencyKey: "K", correlationId: null, body: {} }], [id!]);
  const batch = await store.claimOutboxBatch("tms", 10);
  await store.markOutboxSent(batch!.rows.map((r) => r.id));
  await store.takeInFile({ scope: "sftp", name: "f.edi", sha256: "ab" }, []);
  await store.claimDedupe("scan", "SCAN|1", 1000, "r");
  return store;
}

describe("store retention", () => {
  it("reads whole days from settings and falls back to the defaults on anything else", () => {
    assert.deepEqual(retentionSettings(undefined), DEFAULT_RETENTION);
    assert.deepEqual(retentionSettings({ settledDays: 7, ledgerDays: 0 }), { settledDays: 7, ledgerDays: 0 });
    assert.deepEqual(retentionSettings({ settledDays: -1, ledgerDays: 1.5 }), DEFAULT_RETENTION);
    assert.deepEqual(retentionSettings({ settledDays: Number("x") }), DEFAULT_RETENTION);
  });

  it("removes settled rows past their days, keeps the ledger for its own, and 0 keeps forever", async () => {
    const store = await storeWithHistory();
    const inTwoDays = Date.now() + 2 * DAY;
    assert.deepEqual(await sweepStore(store, { settledDays: 3, ledgerDays: 3 }, inTwoDays), { inbox: 0, outbox: 0, fileLedger: 0, pollSeen: 0, dedupe: 1 }, "only the expired dedupe key goes");
    assert.deepEqual(await sweepStore(store, { settledDays: 1, ledgerDays: 0 }, inTwoDays), { inbox: 1, outbox: 1, fileLedger: 0, pollSeen: 0, dedupe: 0 });
    assert.deepEqual(await sweepStore(store, { settledDays: 1, ledgerDays: 0 }, Date.now() + 5000 * DAY), { inbox: 0, outbox: 0, fileLedger: 0, pollSeen: 0, dedupe: 0 }, "ledger 0 = forever");
    assert.deepEqual(await sweepStore(store, { settledDays: 1, ledgerDays: 1 }, inTwoDays), { inbox: 0, outbox: 0, fileLedger: 1, pollSeen: 0, dedupe: 0 });
    await store.close();
  });
});
