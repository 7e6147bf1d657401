/**
 * The polling intake over an inclusive "changed since" list (like SAP's LastChangeDateTime ge …
 * ordered by it): an item of an earlier page that changes while the poll pages on moves to the end
 * of the list. Paging by offset from where the poll began then skips an item for good; the
 * simulated month (issue #6) lost one order in 5,000 that way. The list here is a plain array.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PollingIntake } from "../../../nodes/lib/intake/polling-intake";
import type { PollSource } from "../../../nodes/lib/intake/poll-sources";
import { compareNumbers } from "../../../nodes/lib/intake/poll-sources/types";
import { wmsConfirmations, wmsPickConfirmations } from "../../../nodes/lib/intake/poll-sources/wms-confirmations";
import { siteSet } from "../../../nodes/lsync-poll-in/lsync-poll-in";
import { SqliteStore } from "../../../nodes/lib/store";

interface Row {
  id: string;
  changedAt: number;
}

const source: PollSource = {
  id: "test-changed-since",
  system: "ERP",
  title: "rows changed since",
  topic: "test/row",
  initialCursor: () => "0",
  pagePath: (cursor, pageSize, offset) => `/rows?since=${cursor}&top=${pageSize}&skip=${offset}`,
  inclusive: true,
  items: (body) => (body as { rows: Row[] }).rows,
  cursorOf: (item) => String((item as Row).changedAt),
  compareCursors: compareNumbers,
  keyOf: (item) => `ROW|${(item as Row).id}`,
  payloadOf: (item) => item,
};

describe("polling intake, inclusive changed-since source", () => {
  it("takes in every row once even when a row of an earlier page changes while the poll pages on", async () => {
    const rows: Row[] = Array.from({ length: 10 }, (_, i) => ({ id: `R${i + 1}`, changedAt: 1000 + i }));
    let clock = 2000;
    let calls = 0;
    const client = {
      call: async (_method: string, path: string) => {
        const q = new URL(path, "http://x").searchParams;
        const since = Number(q.get("since"));
        const list = rows.filter((r) => r.changedAt >= since).sort((a, b) => a.changedAt - b.changedAt);
        const page = list.slice(Number(q.get("skip")), Number(q.get("skip")) + Number(q.get("top")));
        // After the first page was read, someone writes back to its first row (an exception on an
        // order already taken in): it moves behind all the others.
        if (++calls === 1) rows[0]!.changedAt = clock++;
        return { ok: true as const, status: 200, data: { rows: page.map((r) => ({ ...r })) } };
      },
    };
    const store = new SqliteStore({ path: ":memory:" });
    const emitted: string[] = [];
    const intake = new PollingIntake({
      client: client as never,
      store,
      source: "poll-1",
      definition: source,
      intervalMs: 3_600_000,
      pageSize: 3,
      startAt: "beginning",
      maxInFlight: 1000,
      emit: (item) => emitted.push((JSON.parse(item.payload) as Row).id),
    });
    try {
      await intake.pollNow();
      assert.deepEqual([...emitted].sort(), rows.map((r) => r.id).sort(), "every row taken in");
      assert.equal(new Set(emitted).size, emitted.length, "none twice");
      // A row changed after the poll is not taken in again (its key), and nothing new appears.
      rows[4]!.changedAt = clock++;
      await intake.pollNow();
      assert.equal(emitted.length, rows.length);
    } finally {
      await intake.stop();
      await store.close();
    }
  });

  it("steps on by offset through a full page of rows that share one cursor", async () => {
    // Five rows changed in the same instant, pages of two: the cursor cannot move inside them.
    const rows: Row[] = [...Array.from({ length: 5 }, (_, i) => ({ id: `S${i + 1}`, changedAt: 1000 })), { id: "T1", changedAt: 1001 }];
    const client = {
      call: async (_method: string, path: string) => {
        const q = new URL(path, "http://x").searchParams;
        const list = rows.filter((r) => r.changedAt >= Number(q.get("since")));
        return { ok: true as const, status: 200, data: { rows: list.slice(Number(q.get("skip")), Number(q.get("skip")) + Number(q.get("top"))) } };
      },
    };
    const store = new SqliteStore({ path: ":memory:" });
    const emitted: string[] = [];
    const intake = new PollingIntake({ client: client as never, store, source: "poll-2", definition: source, intervalMs: 3_600_000, pageSize: 2, startAt: "beginning", maxInFlight: 1000, emit: (item) => emitted.push((JSON.parse(item.payload) as Row).id) });
    try {
      await intake.pollNow();
      assert.deepEqual(emitted, ["S1", "S2", "S3", "S4", "S5", "T1"]);
    } finally {
      await intake.stop();
      await store.close();
    }
  });
});

describe("polling intake limited to some sites (one WMS serving several warehouses)", () => {
  interface Confirmation {
    id: number;
    type: "pick" | "pack";
    warehouse: string;
  }
  const confirmations: Confirmation[] = [
    { id: 1, type: "pick", warehouse: "DC1" },
    { id: 2, type: "pick", warehouse: "DC3" },
    { id: 3, type: "pack", warehouse: "DC3" },
    { id: 4, type: "pick", warehouse: "DC2" },
    { id: 5, type: "pick", warehouse: "DC3" },
  ];
  const client = {
    call: async (_method: string, path: string) => {
      const q = new URL(path, "http://x").searchParams;
      const after = Number(q.get("after"));
      const type = q.get("type");
      const page = confirmations.filter((c) => c.id > after && (type === null || c.type === type)).slice(0, Number(q.get("limit")));
      return { ok: true as const, status: 200, data: { confirmations: page } };
    },
  };
  async function takeIn(definition: PollSource, sites?: Set<string>): Promise<{ taken: number[]; cursor: string | null }> {
    const store = new SqliteStore({ path: ":memory:" });
    const taken: number[] = [];
    const intake = new PollingIntake({ client: client as never, store, source: "poll-sites", definition, intervalMs: 3_600_000, pageSize: 2, startAt: "beginning", maxInFlight: 1000, sites, emit: (item) => taken.push((JSON.parse(item.payload) as Confirmation).id) });
    try {
      await intake.pollNow();
      return { taken, cursor: await store.pollCursor("poll-sites") };
    } finally {
      await intake.stop();
      await store.close();
    }
  }

  it("takes in only the pick confirmations of the listed sites; the others move the cursor on", async () => {
    const { taken, cursor } = await takeIn(wmsPickConfirmations, new Set(["DC3"]));
    assert.deepEqual(taken, [2, 5]);
    assert.equal(cursor, "5", "the cursor is past everything read, taken in or not");
    assert.deepEqual((await takeIn(wmsPickConfirmations, new Set(["DC1", "DC2"]))).taken, [1, 4]);
  });

  it("no sites (or an empty setting) takes every site's", async () => {
    assert.deepEqual((await takeIn(wmsPickConfirmations)).taken, [1, 2, 4, 5]);
    assert.deepEqual((await takeIn(wmsPickConfirmations, siteSet(""))).taken, [1, 2, 4, 5]);
    assert.deepEqual((await takeIn(wmsPickConfirmations, siteSet("*"))).taken, [1, 2, 4, 5]);
    assert.deepEqual((await takeIn(wmsPickConfirmations, siteSet("none"))).taken, [], "none: no site's");
  });

  it("a source that names no sites ignores the setting", async () => {
    const { siteOf: _siteOf, ...siteless } = wmsConfirmations;
    assert.deepEqual((await takeIn(siteless, new Set(["DC3"]))).taken, [1, 2, 3, 4, 5]);
  });

  it("the node's setting reads comma- or space-separated codes; an unset ${ENV} is empty", () => {
    assert.deepEqual([...siteSet("DC1, DC3")], ["DC1", "DC3"]);
    assert.deepEqual([...siteSet(" DC2 DC3,")], ["DC2", "DC3"]);
    assert.equal(siteSet("${LSYNC_WMS_PICK_SITES}").size, 0);
    assert.equal(siteSet(undefined).size, 0);
  });
});
