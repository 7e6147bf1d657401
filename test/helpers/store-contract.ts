/**
 * The behaviour every LsyncStore must show, whatever it runs on: one set of describe blocks,
 * registered by `storeContract` for a factory of fresh stores (SQLite files in the unit tests,
 * PostgreSQL schemas in the integration tests). Not a test file itself.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BusinessKeyType, LsyncStore, NewEventLogEntry, NewOutboxRow } from "../../nodes/lib/store";

export type ContractStore = LsyncStore & { readonly instanceId: string };

export interface FreshStore<S extends ContractStore = ContractStore> {
  store: S;
  /** An inbox row's state read through another connection than the store's. */
  inboxState(id: number): Promise<string | undefined>;
  /** A new store object on the same location (after `store.close()`): what a restart opens. */
  reopen(): Promise<S>;
}

export interface StoreFactory<S extends ContractStore = ContractStore> {
  /** Prefix of the describe names, e.g. "SqliteStore". */
  name: string;
  /** What one store lives in, for test names: "file", "schema". */
  location: string;
  /** A store on a location of its own, empty; the factory closes and removes it after the tests. */
  fresh(): Promise<FreshStore<S>>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const item = (key: string, source = "intake-1") => ({ source, key, topic: `wms/DC1/scanner/RF-017/pick`, payload: `{"seq":"${key}"}` });
const row = (key: string, body: unknown = { key }, target = "tms-1"): NewOutboxRow => ({ target, idempotencyKey: key, correlationId: `C-${key}`, body });

/** Registers the store contract's describe blocks (call at the top level of a test file or in a describe). */
export function storeContract<S extends ContractStore>(factory: StoreFactory<S>): void {
  const { name, fresh } = factory;

  describe(`${name} inbox`, () => {
    it("addToInbox returns ids in order and pendingInbox lists them oldest first", async () => {
      const { store } = await fresh();
      const ids = await store.addToInbox([item("a"), item("b"), item("c")]);
      assert.equal(ids.length, 3);
      assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, `ids not increasing: ${ids.join(",")}`);
      const more = await store.addToInbox([item("d")]);
      assert.ok(more[0]! > ids[2]!);
      const pending = await store.pendingInbox("intake-1", 10);
      assert.deepEqual(
        pending.map((p) => [p.id, p.key]),
        [...ids, ...more].map((id, i) => [id, ["a", "b", "c", "d"][i]]),
      );
      assert.equal(pending[0]!.payload, '{"seq":"a"}');
      assert.equal(pending[0]!.props, null);
      assert.equal(typeof pending[0]!.receivedAt, "number");
    });

    it("pendingInbox honours source, limit and afterId; props round-trip", async () => {
      const { store } = await fresh();
      const [a, b] = await store.addToInbox([item("a"), { ...item("b"), props: { seq: "42", deviceId: "RF-017" } }]);
      await store.addToInbox([item("x", "other-intake")]);
      assert.deepEqual((await store.pendingInbox("intake-1", 1)).map((p) => p.id), [a]);
      const afterA = await store.pendingInbox("intake-1", 10, a);
      assert.deepEqual(afterA.map((p) => p.id), [b]);
      assert.deepEqual(afterA[0]!.props, { seq: "42", deviceId: "RF-017" });
      assert.deepEqual((await store.pendingInbox("other-intake", 10)).map((p) => p.key), ["x"]);
    });

    it("settleInbox removes rows from pending and keeps the outcome", async () => {
      const { store, inboxState } = await fresh();
      const [a, b, c] = await store.addToInbox([item("a"), item("b"), item("c")]);
      await store.settleInbox([a!], "done");
      await store.settleInbox([b!], "duplicate");
      assert.deepEqual((await store.pendingInbox("intake-1", 10)).map((p) => p.id), [c]);
      assert.equal(await inboxState(a!), "done");
      assert.equal(await inboxState(b!), "duplicate");
      assert.equal(await inboxState(c!), "pending");
      // A settled row is not settled again with another outcome.
      await store.settleInbox([a!], "dead");
      assert.equal(await inboxState(a!), "done");
      await store.settleInbox([], "done"); // no-op, no SQL error
      assert.equal((await store.counts()).inboxPending, 1);
    });
  });

  describe(`${name} dedupe window`, () => {
    it("first claim, duplicate, same-ref redelivery and expiry", async () => {
      const { store } = await fresh();
      const first = await store.claimDedupe("scope", "K1", 60_000, "intake:1");
      assert.equal(first.first, true);
      const dup = await store.claimDedupe("scope", "K1", 60_000, "intake:2");
      assert.equal(dup.first, false);
      assert.equal(dup.firstSeenAt, first.firstSeenAt);
      const redelivery = await store.claimDedupe("scope", "K1", 60_000, "intake:1");
      assert.equal(redelivery.first, true, "the same ref claiming again is a redelivery, not a duplicate");
      // Scopes are separate windows.
      assert.equal((await store.claimDedupe("other", "K1", 60_000, "intake:2")).first, true);

      assert.equal((await store.claimDedupe("scope", "K2", 1, "intake:3")).first, true);
      await sleep(5);
      const afterExpiry = await store.claimDedupe("scope", "K2", 60_000, "intake:4");
      assert.equal(afterExpiry.first, true, "an expired key is claimable again");
      assert.equal((await store.claimDedupe("scope", "K2", 60_000, "intake:5")).first, false);
    });

    it("purgeDedupe drops expired keys only", async () => {
      const { store } = await fresh();
      await store.claimDedupe("s", "short", 1, "r");
      await store.claimDedupe("s", "long", 60_000, "r");
      await sleep(5);
      assert.equal(await store.purgeDedupe(), 1);
      assert.equal((await store.counts()).dedupeKeys, 1);
    });
  });

  describe(`${name} outbox`, () => {
    it("enqueueOutbox ignores a second row with the same (target, key) and settles intake ids in the same call", async () => {
      const { store, inboxState } = await fresh();
      const [inboxId] = await store.addToInbox([item("a")]);
      await store.enqueueOutbox([row("K1", { v: 1 })], [inboxId!]);
      assert.equal(await inboxState(inboxId!), "done");
      await store.enqueueOutbox([row("K1", { v: 2 }), row("K1", { v: 3 }, "erp-1")]);
      const tms = await store.claimOutboxBatch("tms-1", 10);
      assert.ok(tms);
      assert.equal(tms.rows.length, 1);
      assert.deepEqual(tms.rows[0]!.body, { v: 1 }, "the first row wins; the repeat is ignored");
      assert.equal(tms.rows[0]!.correlationId, "C-K1");
      const erp = await store.claimOutboxBatch("erp-1", 10);
      assert.deepEqual(erp?.rows.map((r) => r.body), [{ v: 3 }], "another target is another row");
      assert.equal((await store.counts()).outboxPending, 2);
    });

    it("enqueueOutbox is atomic: a failing insert leaves neither the rows nor the settlement", async () => {
      const { store, inboxState } = await fresh();
      const [inboxId] = await store.addToInbox([item("a")]);
      const bad = { target: "tms-1", idempotencyKey: null as unknown as string, body: {} };
      await assert.rejects(store.enqueueOutbox([row("K1"), bad], [inboxId!]));
      assert.equal(await inboxState(inboxId!), "pending");
      assert.equal(await store.claimOutboxBatch("tms-1", 10), null);
    });

    it("claimOutboxBatch returns the same rows and key until they are sent, even when more rows arrive", async () => {
      const { store } = await fresh();
      await store.enqueueOutbox([row("K1"), row("K2"), row("K3")]);
      const first = await store.claimOutboxBatch("tms-1", 2);
      assert.ok(first);
      assert.deepEqual(first.rows.map((r) => r.idempotencyKey), ["K1", "K2"]);
      assert.match(first.batchKey, /^tms-1:\d+@[0-9a-f]{8}$/);

      // Crash-safety: the batch was handed out (maybe sent) but not confirmed. New rows arrive.
      await store.enqueueOutbox([row("K4"), row("K5")]);
      const again = await store.claimOutboxBatch("tms-1", 10);
      assert.ok(again);
      assert.equal(again.batchKey, first.batchKey);
      assert.deepEqual(again.rows.map((r) => r.id), first.rows.map((r) => r.id));

      // Retry later: not due before next_attempt_at, then the same batch again.
      const now = Date.now();
      await store.markOutboxRetry(first.rows.map((r) => r.id), now + 10_000, "HTTP 503");
      assert.equal(await store.claimOutboxBatch("tms-1", 10, now + 5_000), null, "nothing is due before the retry time");
      const retried = await store.claimOutboxBatch("tms-1", 10, now + 10_001);
      assert.equal(retried?.batchKey, first.batchKey);
      assert.deepEqual(retried?.rows.map((r) => r.idempotencyKey), ["K1", "K2"]);
      assert.deepEqual(retried?.rows.map((r) => r.attempts), [1, 1]);

      // A retry for a call that never went out (circuit open) leaves the attempt count alone.
      await store.markOutboxRetry(first.rows.map((r) => r.id), now + 10_000, "circuit open", { countAttempt: false });
      assert.deepEqual((await store.claimOutboxBatch("tms-1", 10, now + 10_001))?.rows.map((r) => r.attempts), [1, 1]);

      await store.markOutboxSent(first.rows.map((r) => r.id));
      const next = await store.claimOutboxBatch("tms-1", 2, now + 10_001);
      assert.ok(next);
      assert.notEqual(next.batchKey, first.batchKey);
      assert.deepEqual(next.rows.map((r) => r.idempotencyKey), ["K3", "K4"]);
      assert.deepEqual(await store.outboxByKey("tms-1", "K1"), { state: "sent", attempts: 2 });
    });

    it(`a new store ${factory.location} never reuses a batch key of an old one (row ids start again)`, async () => {
      const first = (await fresh()).store;
      const second = (await fresh()).store;
      await first.enqueueOutbox([row("A")]);
      await second.enqueueOutbox([row("A")]);
      const a = await first.claimOutboxBatch("tms-1", 10);
      const b = await second.claimOutboxBatch("tms-1", 10);
      assert.equal(a!.rows[0]!.id, b!.rows[0]!.id, `same row id in both ${factory.location}s`);
      assert.notEqual(a!.batchKey, b!.batchKey);
      assert.equal(a!.batchKey.endsWith(`@${first.instanceId}`), true);
    });

    it("markOutboxDead ends a row; outboxByKey reports state and attempts", async () => {
      const { store } = await fresh();
      await store.enqueueOutbox([row("K1"), row("K2")]);
      const batch = await store.claimOutboxBatch("tms-1", 10);
      assert.ok(batch);
      await store.markOutboxSent([batch.rows[0]!.id]);
      await store.markOutboxDead([batch.rows[1]!.id], "HTTP 400");
      assert.deepEqual(await store.outboxByKey("tms-1", "K1"), { state: "sent", attempts: 1 });
      assert.deepEqual(await store.outboxByKey("tms-1", "K2"), { state: "dead", attempts: 1 });
      assert.equal(await store.outboxByKey("tms-1", "nope"), null);
      assert.equal(await store.claimOutboxBatch("tms-1", 10), null);
      const counts = await store.counts();
      assert.equal(counts.outboxSent, 1);
      assert.equal(counts.outboxDead, 1);
      assert.equal(counts.outboxPending, 0);
    });
  });

  describe(`${name} dead letters`, () => {
    it("park, list, get and resolve (once)", async () => {
      const { store, inboxState } = await fresh();
      const [inboxId] = await store.addToInbox([item("a")]);
      const id1 = await store.parkDeadLetter({
        nodeId: "n1",
        nodeType: "lsync-canonical-map",
        nodeName: "map",
        flowId: "f1",
        reason: "InventoryMovement /quantity: is required",
        correlationId: "C1",
        idempotencyKey: "K1",
        attempts: 1,
        payload: { raw: "x" },
        inboxId: inboxId!,
      });
      assert.equal(await inboxState(inboxId!), "dead", "parking settles the intake row as dead");
      const id2 = await store.parkDeadLetter({ nodeId: "n2", nodeType: "lsync-tms", reason: "HTTP 400", payload: null });

      const listed = await store.listDeadLetters();
      assert.deepEqual(listed.map((d) => d.id), [id2, id1], "newest first");
      const got = await store.getDeadLetter(id1);
      assert.ok(got);
      assert.equal(got.reason, "InventoryMovement /quantity: is required");
      assert.deepEqual(got.payload, { raw: "x" });
      assert.equal(got.inboxId, inboxId);
      assert.equal(got.state, "parked");
      assert.equal(got.resolution, null);
      assert.equal(got.nodeName, "map");
      assert.equal(got.idempotencyKey, "K1");
      assert.equal(await store.getDeadLetter(99_999), null);

      assert.equal(await store.resolveDeadLetter(id1, "replayed", "analyst", "fixed mapping"), true);
      assert.equal(await store.resolveDeadLetter(id1, "discarded", "someone", "again"), false, "a resolved letter cannot be resolved again");
      const resolved = await store.getDeadLetter(id1);
      assert.equal(resolved?.state, "replayed");
      assert.equal(resolved?.resolution?.by, "analyst");
      assert.equal(resolved?.resolution?.note, "fixed mapping");
      assert.deepEqual((await store.listDeadLetters({ state: "parked" })).map((d) => d.id), [id2]);
      assert.deepEqual((await store.listDeadLetters({ state: "replayed" })).map((d) => d.id), [id1]);
      assert.equal((await store.listDeadLetters({ limit: 1 })).length, 1);
      assert.equal((await store.counts()).deadLettersParked, 1);
    });

    it("origin round-trips; listDeadLetters narrows by node, correlation id and beforeId", async () => {
      const { store } = await fresh();
      const origin = { msgId: "m-17", intake: { source: "intake-1", id: 17 } };
      const a = await store.parkDeadLetter({ nodeId: "n1", nodeType: "t", reason: "r", correlationId: "C1", payload: 1, origin });
      const b = await store.parkDeadLetter({ nodeId: "n2", nodeType: "t", reason: "r", correlationId: "C1", payload: 2 });
      const c = await store.parkDeadLetter({ nodeId: "n1", nodeType: "t", reason: "r", correlationId: "C2", payload: 3 });
      assert.deepEqual((await store.getDeadLetter(a))?.origin, origin);
      assert.equal((await store.getDeadLetter(b))?.origin, null);
      assert.deepEqual((await store.listDeadLetters({ nodeId: "n1" })).map((d) => d.id), [c, a]);
      assert.deepEqual((await store.listDeadLetters({ correlationId: "C1" })).map((d) => d.id), [b, a]);
      assert.deepEqual((await store.listDeadLetters({ beforeId: c })).map((d) => d.id), [b, a]);
      assert.deepEqual((await store.listDeadLetters({ nodeId: "n1", correlationId: "C1", state: "parked" })).map((d) => d.id), [a]);
    });
  });

  describe(`${name} SFTP file ledger`, () => {
    const file = (sha256: string, scope = "sftp-in-1") => ({ scope, name: `inv-${sha256}.csv`, sha256 });

    it("takeInFile records the file and its inbox rows together; the same content again adds nothing", async () => {
      const { store } = await fresh();
      assert.equal(await store.fileByHash("sftp-in-1", "aa"), null);
      const first = await store.takeInFile(file("aa"), [item("r1", "sftp-in-1"), item("r2", "sftp-in-1")]);
      assert.equal(first.duplicate, false);
      assert.equal(first.ids.length, 2);
      assert.ok(first.ids[0]! < first.ids[1]!);
      assert.equal(first.file.records, 2);
      const again = await store.takeInFile({ ...file("aa"), name: "renamed.csv" }, [item("r1", "sftp-in-1")]);
      assert.equal(again.duplicate, true);
      assert.deepEqual(again.ids, []);
      assert.equal(again.file.id, first.file.id);
      assert.equal(again.file.name, "inv-aa.csv");
      assert.deepEqual((await store.pendingInbox("sftp-in-1", 10)).map((p) => p.key), ["r1", "r2"]);
      assert.deepEqual(await store.fileByHash("sftp-in-1", "aa"), first.file);
    });

    it("the ledger is per scope, and a file with no records is still recorded", async () => {
      const { store } = await fresh();
      const a = await store.takeInFile(file("bb", "node-a"), []);
      const b = await store.takeInFile(file("bb", "node-b"), [item("x", "node-b")]);
      assert.equal(a.duplicate, false);
      assert.equal(b.duplicate, false);
      assert.notEqual(a.file.id, b.file.id);
      assert.equal((await store.fileByHash("node-a", "bb"))?.records, 0);
    });
  });

  describe(`${name} retention`, () => {
    it("purgeSettled removes settled inbox items, finished outbox rows and old ledger entries; pending ones stay", async () => {
      const { store } = await fresh();
      const [settled, pending] = await store.addToInbox([item("settled"), item("pending")]);
      await store.enqueueOutbox([row("SENT"), row("DEAD"), row("WAITING")], [settled!]);
      const batch = await store.claimOutboxBatch("tms-1", 10);
      const byKey = new Map(batch!.rows.map((r) => [r.idempotencyKey, r.id]));
      await store.markOutboxSent([byKey.get("SENT")!]);
      await store.markOutboxDead([byKey.get("DEAD")!], "refused");
      await store.markOutboxRetry([byKey.get("WAITING")!], Date.now(), "later");
      await store.takeInFile({ scope: "sftp-in-1", name: "a.edi", sha256: "cc" }, []);
      const [polled] = await store.takeInPolled("poll-1", [item("order-1", "poll-1")], "cursor-1");
      await store.settleInbox([polled!.id], "done");

      const before = Date.now() - 60_000;
      assert.deepEqual(await store.purgeSettled({ settledBefore: before, ledgerBefore: before }), { inbox: 0, outbox: 0, fileLedger: 0, pollSeen: 0 }, "nothing is old yet");
      await sleep(5);
      const now = Date.now() + 1;
      assert.deepEqual(await store.purgeSettled({ settledBefore: now, ledgerBefore: before }), { inbox: 2, outbox: 2, fileLedger: 0, pollSeen: 0 });
      assert.deepEqual(await store.takeInPolled("poll-1", [item("order-1", "poll-1")], "cursor-2"), [], "its key is still remembered");
      assert.deepEqual((await store.pendingInbox("intake-1", 10)).map((p) => p.id), [pending], "the pending item stays");
      assert.equal((await store.outboxByKey("tms-1", "WAITING"))?.state, "pending", "the row still to deliver stays");
      assert.equal(await store.outboxByKey("tms-1", "SENT"), null);
      assert.notEqual(await store.fileByHash("sftp-in-1", "cc"), null, "the ledger has its own cutoff");
      assert.deepEqual(await store.purgeSettled({ settledBefore: now, ledgerBefore: now }), { inbox: 0, outbox: 0, fileLedger: 1, pollSeen: 1 });
      assert.equal(await store.fileByHash("sftp-in-1", "cc"), null);
      assert.equal((await store.takeInPolled("poll-1", [item("order-1", "poll-1")], "cursor-3")).length, 1, "past the ledger's days, the item is new again");
    });
  });

  // ---- Event log (visibility, issue #7) -----------------------------------------------------
  describe(`${name} event log`, () => {
    const entry = (at: number, name: string, correlationId: string | null, keys: Array<[BusinessKeyType, string]>, extra: Partial<NewEventLogEntry> = {}): NewEventLogEntry => ({
      at,
      kind: "event",
      name,
      correlationId,
      nodeId: "n1",
      keys: keys.map(([type, value]) => ({ type, value })),
      ...extra,
    });

    it("appendEvents round-trips every field; findEvents returns entries oldest first", async () => {
      const { store } = await fresh();
      await store.appendEvents([
        entry(2000, "shipment/1 SHIPPED", "C1", [["shipment", "SH-1"], ["bol", "BOL-9"]], { detail: { status: "SHIPPED" } }),
        entry(1000, "order/1 RELEASED", "C1", [["order", "SO-1"]]),
        entry(3000, "tms Create shipment", "C1", [], { kind: "call", system: "tms", status: "sent", durationMs: 42.4, nodeId: "tms-1" }),
      ]);
      const all = await store.findEvents();
      assert.deepEqual(all.map((e) => e.name), ["order/1 RELEASED", "shipment/1 SHIPPED", "tms Create shipment"]);
      const call = all[2]!;
      assert.equal(call.kind, "call");
      assert.equal(call.system, "tms");
      assert.equal(call.status, "sent");
      assert.equal(call.durationMs, 42);
      assert.equal(call.nodeId, "tms-1");
      assert.equal(call.correlationId, "C1");
      assert.equal(call.detail, null);
      assert.deepEqual(all[1]!.keys, [{ type: "shipment", value: "SH-1" }, { type: "bol", value: "BOL-9" }]);
      assert.deepEqual(all[1]!.detail, { status: "SHIPPED" });
      assert.equal(all[0]!.system, null);
      assert.ok(all[0]!.id > 0 && typeof all[0]!.at === "number");
    });

    it("findEvents by any business key, by correlation ids (or both: the union), and narrowed by time, afterId and limit", async () => {
      const { store } = await fresh();
      await store.appendEvents([
        entry(1000, "a", "C1", [["order", "SO-1"]]),
        entry(2000, "b", "C1", [["shipment", "SH-1"], ["sscc", "340123450000000017"]]),
        entry(3000, "c", "C2", [["shipment", "SH-2"], ["order", "SO-1"]]),
        entry(4000, "d", "C3", []),
        entry(5000, "e", null, [["invoice", "INV-7"]]),
        entry(6000, "f (a batched call)", null, [["correlation", "C3"], ["correlation", "C9"]], { kind: "call" }),
      ]);
      const names = (list: Array<{ name: string }>) => list.map((e) => e.name);
      assert.deepEqual(names(await store.findEvents({ key: "SO-1" })), ["a", "c"]);
      assert.deepEqual(names(await store.findEvents({ key: "340123450000000017" })), ["b"]);
      assert.deepEqual(names(await store.findEvents({ key: "nothing" })), []);
      assert.deepEqual(names(await store.findEvents({ correlationIds: ["C1", "C3"] })), ["a", "b", "d", "f (a batched call)"]);
      assert.deepEqual(names(await store.findEvents({ correlationIds: ["C9"] })), ["f (a batched call)"], "a correlation key finds the entry");
      assert.deepEqual(names(await store.findEvents({ key: "INV-7", correlationIds: ["C2"] })), ["c", "e"]);
      assert.deepEqual(names(await store.findEvents({ since: 2000, until: 4000 })), ["b", "c"]);
      assert.deepEqual(names(await store.findEvents({ key: "C9" })), ["f (a batched call)"], "key finds any key type");
      assert.deepEqual(names(await store.findEvents({ limit: 2 })), ["a", "b"]);
      const [first] = await store.findEvents({ limit: 1 });
      assert.deepEqual(names(await store.findEvents({ afterId: first!.id, limit: 1 })), ["b"]);
    });

    it("findEvents in the order written: an entry flushed late with an old time still comes after the last id read", async () => {
      const { store } = await fresh();
      await store.appendEvents([entry(5000, "first written", "C1", [])]);
      const [last] = await store.findEvents({ order: "written" });
      await store.appendEvents([entry(1000, "flushed late", "C2", []), entry(6000, "then this", "C3", [])]);
      const names = (list: Array<{ name: string }>) => list.map((e) => e.name);
      assert.deepEqual(names(await store.findEvents({ afterId: last!.id, order: "written" })), ["flushed late", "then this"]);
      assert.deepEqual(names(await store.findEvents({ order: "written", afterId: last!.id, limit: 1 })), ["flushed late"]);
      assert.deepEqual(names(await store.findEvents()), ["flushed late", "first written", "then this"], "by time otherwise");
    });

    it("purgeEvents removes entries older than the cut-off and their keys", async () => {
      const { store } = await fresh();
      await store.appendEvents([entry(1000, "old", "C1", [["order", "SO-1"]]), entry(5000, "new", "C1", [["order", "SO-2"]])]);
      assert.equal(await store.purgeEvents(2000), 1);
      assert.deepEqual((await store.findEvents()).map((e) => e.name), ["new"]);
      assert.deepEqual(await store.findEvents({ key: "SO-1" }), [], "the purged entry's keys are gone");
      assert.equal(await store.purgeEvents(2000), 0);
    });
  });

  describe(`${name} polling intake`, () => {
    const polled = (key: string) => ({ source: "poll-1", key, topic: "erp/sales-orders", payload: `{"SalesOrder":"${key}"}` });

    it("takeInPolled stores new items and the cursor together; an item fetched again is not taken in twice", async () => {
      const { store } = await fresh();
      assert.equal(await store.pollCursor("poll-1"), null);
      const first = await store.takeInPolled("poll-1", [polled("1000001"), polled("1000002")], "c1");
      assert.deepEqual(first.map((i) => i.key), ["1000001", "1000002"]);
      assert.ok(first[0]!.id < first[1]!.id);
      assert.equal(await store.pollCursor("poll-1"), "c1");
      // The next page overlaps the last (a ">=" cursor): only the new order goes in.
      const second = await store.takeInPolled("poll-1", [polled("1000002"), polled("1000003"), polled("1000003")], "c2");
      assert.deepEqual(second.map((i) => i.key), ["1000003"]);
      assert.equal(await store.pollCursor("poll-1"), "c2");
      assert.deepEqual((await store.pendingInbox("poll-1", 10)).map((p) => p.key), ["1000001", "1000002", "1000003"]);
      // Keys are per source: another intake takes the same order in for itself.
      assert.equal((await store.takeInPolled("poll-2", [polled("1000001")], "x")).length, 1);
      assert.equal(await store.pollCursor("poll-1"), "c2");
    });

    it("a settled item fetched again stays settled; an empty page still moves the cursor", async () => {
      const { store } = await fresh();
      const [a] = await store.takeInPolled("poll-1", [polled("1")], "c1");
      await store.settleInbox([a!.id], "done");
      assert.deepEqual(await store.takeInPolled("poll-1", [polled("1")], "c2"), []);
      assert.deepEqual(await store.pendingInbox("poll-1", 10), []);
      await store.takeInPolled("poll-1", [], "c3");
      assert.equal(await store.pollCursor("poll-1"), "c3");
    });

    it("cursor and taken-in keys survive a reopen", async () => {
      const { store, reopen } = await fresh();
      await store.takeInPolled("poll-1", [polled("1"), polled("2")], "c2");
      await store.close();
      const reopened = await reopen();
      assert.equal(await reopened.pollCursor("poll-1"), "c2");
      const again = await reopened.takeInPolled("poll-1", [polled("2"), polled("3")], "c3");
      assert.deepEqual(again.map((i) => [i.key, i.payload, i.props]), [["3", '{"SalesOrder":"3"}', null]]);
      assert.deepEqual((await reopened.pendingInbox("poll-1", 10)).map((p) => p.key), ["1", "2", "3"]);
    });
  });

  describe(`${name} durability`, () => {
    it(`reopening the same ${factory.location} after close keeps inbox, dedupe, outbox batches and dead letters`, async () => {
      const { store, reopen } = await fresh();
      const [a, b] = await store.addToInbox([item("a"), item("b")]);
      await store.settleInbox([a!], "done");
      await store.claimDedupe("s", "K1", 60_000, "r1");
      await store.enqueueOutbox([row("K1"), row("K2")]);
      const batch = await store.claimOutboxBatch("tms-1", 1);
      const dl = await store.parkDeadLetter({ nodeId: "n", nodeType: "t", reason: "why", payload: { p: 1 } });
      await store.close();

      const reopened = await reopen();
      assert.deepEqual((await reopened.pendingInbox("intake-1", 10)).map((p) => p.id), [b]);
      assert.equal((await reopened.claimDedupe("s", "K1", 60_000, "r2")).first, false);
      const resumed = await reopened.claimOutboxBatch("tms-1", 10);
      assert.equal(resumed?.batchKey, batch?.batchKey, "an unconfirmed batch survives a restart with its key");
      assert.deepEqual(resumed?.rows.map((r) => r.idempotencyKey), ["K1"]);
      assert.equal((await reopened.getDeadLetter(dl))?.reason, "why");
      assert.deepEqual(await reopened.counts(), {
        inboxPending: 1,
        outboxPending: 2,
        outboxSent: 0,
        outboxDead: 0,
        deadLettersParked: 1,
        dedupeKeys: 1,
      });
    });

    it("counts() starts at zero", async () => {
      const { store } = await fresh();
      assert.deepEqual(await store.counts(), {
        inboxPending: 0,
        outboxPending: 0,
        outboxSent: 0,
        outboxDead: 0,
        deadLettersParked: 0,
        dedupeKeys: 0,
      });
    });
  });

  // ---- Rule state (business-rule nodes) ----
  describe(`${name} rule state`, () => {
    it("put creates once, updates only at the expected version, and get reads value, dueAt and version", async () => {
      const { store } = await fresh();
      assert.equal(await store.getRuleState("billing", "SO-1"), null);
      assert.equal(await store.putRuleState("billing", "SO-1", { lines: { "10": "4" } }, null, 0), 1);
      assert.equal(await store.putRuleState("billing", "SO-1", { lines: {} }, null, 0), null, "a second create loses");
      assert.equal(await store.putRuleState("billing", "SO-1", { lines: { "10": "6" } }, 5_000, 1), 2);
      assert.equal(await store.putRuleState("billing", "SO-1", { stale: true }, null, 1), null, "a stale version loses");
      const got = await store.getRuleState("billing", "SO-1");
      assert.deepEqual({ value: got?.value, dueAt: got?.dueAt, version: got?.version }, { value: { lines: { "10": "6" } }, dueAt: 5_000, version: 2 });
      assert.equal(typeof got?.updatedAt, "number");
      assert.equal(await store.getRuleState("other-scope", "SO-1"), null, "scopes are separate");
    });

    it("dueRuleStates lists due rows of one scope soonest first; delete needs the version", async () => {
      const { store } = await fresh();
      await store.putRuleState("exc", "E3", { n: 3 }, 300, 0);
      await store.putRuleState("exc", "E1", { n: 1 }, 100, 0);
      await store.putRuleState("exc", "E2", { n: 2 }, null, 0);
      await store.putRuleState("exc", "E4", { n: 4 }, 10_000, 0);
      await store.putRuleState("other", "X", {}, 50, 0);
      assert.deepEqual((await store.dueRuleStates("exc", 1_000, 10)).map((r) => r.key), ["E1", "E3"]);
      assert.deepEqual((await store.dueRuleStates("exc", 1_000, 1)).map((r) => r.key), ["E1"]);
      assert.equal(await store.countRuleStates("exc"), 4);
      assert.equal(await store.deleteRuleState("exc", "E1", 2), false);
      assert.equal(await store.deleteRuleState("exc", "E1", 1), true);
      assert.equal(await store.getRuleState("exc", "E1"), null);
      assert.equal(await store.countRuleStates("exc"), 3);
    });

    it("concurrent writers of one row at the same version: exactly one wins", async () => {
      const { store } = await fresh();
      await store.putRuleState("billing", "SO-9", { n: 0 }, null, 0);
      const results = await Promise.all([1, 2, 3, 4].map((n) => store.putRuleState("billing", "SO-9", { n }, null, 1)));
      assert.equal(results.filter((r) => r === 2).length, 1);
      assert.equal(results.filter((r) => r === null).length, 3);
    });

    it(`rule state survives reopening the ${factory.location}`, async () => {
      const { store, reopen } = await fresh();
      await store.putRuleState("exc", "E1", { team: "finance" }, 1234, 0);
      await store.close();
      const reopened = await reopen();
      const got = await reopened.getRuleState("exc", "E1");
      assert.deepEqual([got?.value, got?.dueAt, got?.version], [{ team: "finance" }, 1234, 1]);
    });
  });
  // ---- Audit (security, issue #9) ----
  describe(`${name} audit`, () => {
    it("recordAudit keeps who, what, on what and when; listAudit is newest first and survives a restart", async () => {
      const { store, reopen } = await fresh();
      const a = await store.recordAudit({ at: 1_000, user: "ana", action: "flows.set", target: "full", detail: { rev: "r1" } });
      const b = await store.recordAudit({ user: "olga", action: "dead-letter.replay", target: "7", detail: { reason: "TMS back up" } });
      assert.ok(b > a);
      const listed = await store.listAudit();
      assert.deepEqual(listed.map((e) => e.id), [b, a]);
      assert.deepEqual(listed[1], { id: a, at: 1_000, user: "ana", action: "flows.set", target: "full", detail: { rev: "r1" } });
      assert.ok(Math.abs(listed[0]!.at - Date.now()) < 60_000, "at defaults to now");
      await store.close();
      const reopened = await reopen();
      assert.deepEqual((await reopened.listAudit()).map((e) => e.action), ["dead-letter.replay", "flows.set"]);
    });

    it("listAudit narrows by user, action (exact or prefix), beforeId, since and limit", async () => {
      const { store } = await fresh();
      const ids: number[] = [];
      for (const [user, action, at] of [
        ["ana", "flows.set", 10],
        ["olga", "dead-letter.replay", 20],
        ["ana", "dead-letter.discard", 30],
        ["ana", "dead-letter.replay", 40],
      ] as const) {
        ids.push(await store.recordAudit({ user, action, at }));
      }
      assert.deepEqual((await store.listAudit({ user: "ana" })).map((e) => e.id), [ids[3], ids[2], ids[0]]);
      assert.deepEqual((await store.listAudit({ action: "dead-letter.replay" })).map((e) => e.id), [ids[3], ids[1]]);
      assert.deepEqual((await store.listAudit({ action: "dead-letter." })).map((e) => e.id), [ids[3], ids[2], ids[1]]);
      assert.deepEqual((await store.listAudit({ beforeId: ids[2] })).map((e) => e.id), [ids[1], ids[0]]);
      assert.deepEqual((await store.listAudit({ since: 30 })).map((e) => e.id), [ids[3], ids[2]]);
      assert.deepEqual((await store.listAudit({ limit: 1 })).map((e) => e.id), [ids[3]]);
      assert.deepEqual(await store.listAudit({ user: "nobody" }), []);
    });

    it("recordAudit refuses an entry without user or action", async () => {
      const { store } = await fresh();
      await assert.rejects(store.recordAudit({ user: "", action: "flows.set" }), /user and an action/);
    });
  });
  // ---- end audit ----
}
