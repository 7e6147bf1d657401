import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { OutboxDispatcher, type DispatcherOptions, type DispatcherState, type RowOutcome } from "../../../nodes/lib/outbox/dispatcher";
import { SqliteStore, type OutboxBatch, type OutboxRow } from "../../../nodes/lib/store";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const TARGET = "tms-1";
const rows = (...keys: string[]) => keys.map((k) => ({ target: TARGET, idempotencyKey: k, body: { eventId: k } }));

interface Call {
  at: number;
  batch: OutboxBatch;
}

let store: SqliteStore;
let dispatcher: OutboxDispatcher | null;
let calls: Call[];
let dead: Array<{ row: OutboxRow; error: string }>;
let states: DispatcherState[];

function startDispatcher(
  deliver: (batch: OutboxBatch) => RowOutcome[] | Promise<RowOutcome[]>,
  options: Partial<DispatcherOptions> = {},
): OutboxDispatcher {
  dispatcher = new OutboxDispatcher({
    store,
    target: TARGET,
    batchSize: 5,
    maxWaitMs: 200,
    backoff: { baseMs: 1_000, maxMs: 1_000, maxAttempts: 0 },
    deliver: async (batch) => {
      calls.push({ at: Date.now(), batch });
      return deliver(batch);
    },
    onDead: async (row, error) => {
      dead.push({ row, error });
    },
    onState: (state) => states.push(state),
    ...options,
  });
  dispatcher.start();
  return dispatcher;
}

const sentAll = (batch: OutboxBatch): RowOutcome[] => batch.rows.map((row) => ({ row, result: "sent" }));

beforeEach(() => {
  store = new SqliteStore({ path: ":memory:" });
  dispatcher = null;
  calls = [];
  dead = [];
  states = [];
});
afterEach(async () => {
  dispatcher?.stop();
  await store.close();
});

describe("OutboxDispatcher", () => {
  it("sends a full batch at once, without waiting for maxWaitMs", async () => {
    const d = startDispatcher(sentAll, { maxWaitMs: 30_000 });
    await sleep(20); // the start-up drain found nothing
    await store.enqueueOutbox(rows("K1", "K2", "K3", "K4", "K5"));
    d.notifyEnqueued(5);
    await waitFor("the batch", () => calls.length === 1, 2_000);
    assert.deepEqual(calls[0]!.batch.rows.map((r) => r.idempotencyKey), ["K1", "K2", "K3", "K4", "K5"]);
    await waitFor("rows marked sent", async () => (await store.counts()).outboxSent === 5);
    assert.equal(d.snapshot().sent, 5);
  });

  it("holds a partial batch for maxWaitMs, then sends it as one call", async () => {
    const d = startDispatcher(sentAll, { maxWaitMs: 300 });
    await sleep(20);
    await store.enqueueOutbox(rows("K1"));
    d.notifyEnqueued(1);
    await sleep(50);
    await store.enqueueOutbox(rows("K2"));
    d.notifyEnqueued(1);
    await sleep(100);
    assert.equal(calls.length, 0, "a partial batch is not sent before maxWaitMs");
    await waitFor("the partial batch", () => calls.length === 1, 2_000);
    assert.deepEqual(calls[0]!.batch.rows.map((r) => r.idempotencyKey), ["K1", "K2"]);
  });

  it("resumes rows left pending from before on start", async () => {
    await store.enqueueOutbox(rows("K1", "K2"));
    startDispatcher(sentAll, { maxWaitMs: 30_000 });
    await waitFor("the resumed batch", () => calls.length === 1, 2_000);
    assert.equal(calls[0]!.batch.rows.length, 2);
  });

  it("honours Retry-After and retries the same batch under the same key", async () => {
    let fail = true;
    startDispatcher((batch) => {
      if (!fail) return sentAll(batch);
      fail = false;
      return batch.rows.map((row) => ({ row, result: "retry", error: "HTTP 503", retryAfterMs: 150 }));
    });
    await store.enqueueOutbox(rows("K1", "K2"));
    await waitFor("two calls", () => calls.length === 2, 3_000);
    const [first, second] = calls;
    assert.equal(second!.batch.batchKey, first!.batch.batchKey, "a retry carries the same Idempotency-Key");
    assert.deepEqual(second!.batch.rows.map((r) => r.id), first!.batch.rows.map((r) => r.id));
    assert.deepEqual(second!.batch.rows.map((r) => r.attempts), [1, 1]);
    assert.ok(second!.at - first!.at >= 140, `retried after ${second!.at - first!.at} ms, Retry-After said 150`);
    const failing = states.find((s) => s.failing > 0);
    assert.ok(failing);
    assert.equal(failing.lastError, "HTTP 503");
    assert.ok(failing.nextRetryAt !== null && failing.nextRetryAt - first!.at >= 140 && failing.nextRetryAt - first!.at < 1_000);
    await waitFor("rows marked sent", async () => (await store.counts()).outboxSent === 2);
  });

  it("schedules a long Retry-After in the store (next_attempt_at) instead of hammering", async () => {
    startDispatcher((batch) => batch.rows.map((row) => ({ row, result: "retry", error: "HTTP 429", retryAfterMs: 60_000 })));
    await store.enqueueOutbox(rows("K1"));
    await waitFor("the first call", () => calls.length === 1);
    await waitFor("the retry state", () => states.some((s) => s.failing === 1));
    const first = calls[0]!.at;
    const state = states.find((s) => s.failing === 1)!;
    assert.ok(state.nextRetryAt! - first >= 59_900 && state.nextRetryAt! - first <= 61_000, `nextRetryAt ${state.nextRetryAt! - first} ms`);
    assert.equal(await store.claimOutboxBatch(TARGET, 10), null, "the row is not due before Retry-After");
    assert.ok(await store.claimOutboxBatch(TARGET, 10, first + 60_500), "due after Retry-After");
    assert.equal(calls.length, 1);
  });

  it("falls back to jittered backoff when there is no Retry-After", async () => {
    startDispatcher((batch) => batch.rows.map((row) => ({ row, result: "retry", error: "ECONNREFUSED", retryAfterMs: null })), {
      backoff: { baseMs: 10_000, maxMs: 20_000, maxAttempts: 0 },
    });
    await store.enqueueOutbox(rows("K1"));
    await waitFor("the retry state", () => states.some((s) => s.failing === 1));
    const delay = states.find((s) => s.failing === 1)!.nextRetryAt! - calls[0]!.at;
    // backoffDelay(0): [base/4, base]
    assert.ok(delay >= 2_400 && delay <= 10_100, `backoff delay ${delay} ms outside [2500, 10000]`);
    assert.deepEqual(await store.outboxByKey(TARGET, "K1"), { state: "pending", attempts: 1 });
  });

  it("a dead outcome calls onDead and marks the row dead; the others are sent", async () => {
    startDispatcher((batch) =>
      batch.rows.map((row): RowOutcome => (row.idempotencyKey === "K2" ? { row, result: "dead", error: "HTTP 400 bad load" } : { row, result: "sent" })),
    );
    await store.enqueueOutbox(rows("K1", "K2", "K3"));
    await waitFor("onDead", () => dead.length === 1);
    assert.equal(dead[0]!.row.idempotencyKey, "K2");
    assert.equal(dead[0]!.error, "HTTP 400 bad load");
    await waitFor("states settled", async () => (await store.outboxByKey(TARGET, "K2"))?.state === "dead");
    assert.equal((await store.outboxByKey(TARGET, "K1"))?.state, "sent");
    assert.equal((await store.outboxByKey(TARGET, "K3"))?.state, "sent");
    assert.equal(calls.length, 1, "a dead row is not retried");
  });

  it("dead-letters a row after maxAttempts failed attempts", async () => {
    startDispatcher((batch) => batch.rows.map((row) => ({ row, result: "retry", error: "HTTP 503", retryAfterMs: 10 })), {
      backoff: { baseMs: 10, maxMs: 10, maxAttempts: 3 },
    });
    await store.enqueueOutbox(rows("K1"));
    await waitFor("onDead", () => dead.length === 1, 3_000);
    assert.match(dead[0]!.error, /gave up after 3 attempts: HTTP 503/);
    await waitFor("row dead", async () => (await store.outboxByKey(TARGET, "K1"))?.state === "dead");
    assert.deepEqual(await store.outboxByKey(TARGET, "K1"), { state: "dead", attempts: 3 });
    await sleep(50);
    assert.equal(calls.length, 3, "no call after giving up");
  });

  it("does not count calls a circuit breaker refused (nothing was sent) against maxAttempts", async () => {
    let refusals = 0;
    startDispatcher(
      (batch) => {
        if (refusals < 5) {
          refusals++;
          return batch.rows.map((row) => ({ row, result: "retry", error: "circuit open", retryAfterMs: 10, notSent: true }));
        }
        return sentAll(batch);
      },
      { backoff: { baseMs: 10, maxMs: 10, maxAttempts: 3 } },
    );
    await store.enqueueOutbox(rows("K1"));
    await waitFor("row sent", async () => (await store.outboxByKey(TARGET, "K1"))?.state === "sent", 3_000);
    assert.equal(dead.length, 0, "five refusals did not use up three attempts");
    assert.deepEqual(await store.outboxByKey(TARGET, "K1"), { state: "sent", attempts: 1 }, "only the call that went out counts");
  });

  it("a retry whose timer fires before its rows are due is tried when they are, not after an idle poll", async () => {
    // The retry's due time is taken from a clock 300 ms ahead while the 10 ms timer runs on the
    // real one (as when the event loop's cached time lags Date.now()): the timer fires early.
    const realNow = Date.now;
    startDispatcher(
      (batch) => {
        if (calls.length > 1) return sentAll(batch);
        Date.now = () => realNow() + 300;
        setTimeout(() => (Date.now = realNow), 0);
        return batch.rows.map((row) => ({ row, result: "retry", error: "HTTP 503", retryAfterMs: 10 }));
      },
      { maxWaitMs: 0 },
    );
    try {
      await store.enqueueOutbox(rows("K1"));
      dispatcher!.notifyEnqueued(1);
      await waitFor("row sent", async () => (await store.outboxByKey(TARGET, "K1"))?.state === "sent", 3_000);
    } finally {
      Date.now = realNow;
    }
    const [first, second] = calls.slice(-2);
    assert.ok(second!.at - first!.at < 900, `retried ${second!.at - first!.at} ms after the refusal: at its due time (~310 ms), not after the 1 s idle poll`);
  });

  it("delivers rows enqueued during an outage once it recovers, none twice", async () => {
    let down = true;
    const accepted = new Map<string, number>();
    const d = startDispatcher(
      (batch) => {
        if (down) return batch.rows.map((row) => ({ row, result: "retry", error: "HTTP 503", retryAfterMs: 20 }));
        for (const r of batch.rows) accepted.set(r.idempotencyKey, (accepted.get(r.idempotencyKey) ?? 0) + 1);
        return sentAll(batch);
      },
      { batchSize: 4, maxWaitMs: 10 },
    );
    const keys: string[] = [];
    for (let wave = 0; wave < 5; wave++) {
      const wk = [0, 1, 2].map((i) => `K${wave}-${i}`);
      keys.push(...wk);
      await store.enqueueOutbox(rows(...wk));
      d.notifyEnqueued(wk.length);
      await sleep(15);
    }
    await waitFor("some failed calls", () => calls.length >= 2);
    down = false;
    await waitFor("all rows sent", async () => (await store.counts()).outboxSent === keys.length, 5_000);
    assert.deepEqual([...accepted.keys()].sort(), [...keys].sort());
    for (const [key, n] of accepted) assert.equal(n, 1, `${key} delivered ${n} times`);
    assert.equal((await store.counts()).outboxPending, 0);
    assert.ok(calls.every((c) => c.batch.rows.length <= 4), "batches respect batchSize");
  });

  it("stop() ends delivery", async () => {
    const d = startDispatcher(sentAll, { maxWaitMs: 50 });
    await sleep(20);
    d.stop();
    await store.enqueueOutbox(rows("K1"));
    d.notifyEnqueued(1);
    await sleep(120);
    assert.equal(calls.length, 0);
  });
});
