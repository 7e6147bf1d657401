/**
 * SFTP pickup and drop against a real OpenSSH server on loopback (test/helpers/sshd.ts): files
 * taken in once, through restarts mid-file, duplicates and bad files; outbound files atomic and
 * not doubled; a wrong host key refused.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectSftp, HostKeyError, type RemoteFiles } from "../../nodes/lib/sftp/connection";
import { dropFile } from "../../nodes/lib/sftp/drop";
import { namePattern } from "../../nodes/lib/sftp/names";
import { settleIntake } from "../../nodes/lib/intake/settlement";
import { SftpPickup, type FileReport, type PickupOptions } from "../../nodes/lib/sftp/pickup";
import { SqliteStore, type InboxItem } from "../../nodes/lib/store";
import { startSshd, sshdSkip, type RunningSshd } from "../helpers/sshd";
import { tempDir } from "../unit/nodes/_helper";

const FIXTURES = join(__dirname, "../fixtures/x12");
const CSV = 'invoice,carrier,amount,note\r\nINV-1,ODFL,812.16,"line haul, fuel"\r\nINV-2,ODFL,95.00,"said ""rush"""\r\n';

describe("SFTP pickup and drop on OpenSSH", { skip: sshdSkip(), timeout: 120_000 }, () => {
  let sshd: RunningSshd;
  let tmp: { path: string; remove: () => void };
  let n = 0;

  before(async () => {
    sshd = await startSshd();
    tmp = tempDir("lsync-sftp-test-");
  });
  after(async () => {
    await sshd?.stop();
    tmp?.remove();
  });

  const connect = (over: { fingerprints?: string[]; allowUnknownHostKey?: boolean } = {}) => () =>
    connectSftp({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.privateKey,
      fingerprints: over.fingerprints ?? [sshd.fingerprint],
      allowUnknownHostKey: over.allowUnknownHostKey ?? false,
      connectTimeoutMs: 10_000,
      operationTimeoutMs: 10_000,
    });

  /** A drop folder of its own, a store and a pickup on it (`restart()` = a new pickup on the same store). */
  function setUp(overrides: Partial<PickupOptions> = {}) {
    const name = `drop-${++n}`;
    const inbound = sshd.path(name, "in");
    mkdirSync(inbound, { recursive: true });
    const store = new SqliteStore({ path: join(tmp.path, `${name}.db`) });
    const emitted: Array<{ item: InboxItem; resumed: boolean }> = [];
    const reports: FileReport[] = [];
    const make = (extra: Partial<PickupOptions> = {}) =>
      new SftpPickup({
        source: `sftp-in-${name}`,
        store,
        connect: connect(),
        folders: { inbound, processing: `${inbound}/processing`, archive: `${inbound}/archive`, error: `${inbound}/error`, ack: sshd.path(name, "acks") },
        match: namePattern("*.csv,*.edi"),
        read: { format: "auto", csvDelimiter: "," },
        maxInFlight: 1000,
        emit: (item, resumed) => emitted.push({ item, resumed }),
        report: (r) => reports.push(r),
        park: (reason, payload) => store.parkDeadLetter({ nodeId: "sftp-in", nodeType: "lsync-sftp-in", reason, payload }),
        ...overrides,
        ...extra,
      });
    const drop = (file: string, content: string | Buffer) => writeFileSync(join(inbound, file), content);
    const list = (sub = "") => (existsSync(join(inbound, sub)) ? readdirSync(join(inbound, sub)).filter((f) => f !== "processing" && f !== "archive" && f !== "error").sort() : []);
    return { name, inbound, store, emitted, reports, make, drop, list, acks: () => (existsSync(sshd.path(name, "acks")) ? readdirSync(sshd.path(name, "acks")).sort() : []) };
  }

  it("picks up a CSV file: one record per row (RFC 4180 quotes), archived, nothing left behind", async () => {
    const t = setUp();
    t.drop("settlement-0322.csv", CSV);
    t.drop("ignored.txt", "not matched by the pattern");
    const reports = await t.make().poll();
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.outcome, "taken-in");
    assert.equal(reports[0]!.records, 2);
    assert.deepEqual(
      t.emitted.map((e) => JSON.parse(e.item.payload)),
      [
        { invoice: "INV-1", carrier: "ODFL", amount: "812.16", note: "line haul, fuel" },
        { invoice: "INV-2", carrier: "ODFL", amount: "95.00", note: 'said "rush"' },
      ],
    );
    assert.equal(t.emitted[0]!.item.key, "settlement-0322.csv#line2");
    assert.equal(t.emitted[0]!.item.props?.sha256, reports[0]!.sha256);
    assert.deepEqual(t.list(), ["ignored.txt"]);
    assert.deepEqual(t.list("archive"), ["settlement-0322.csv"]);
    assert.deepEqual(t.list("processing"), []);
    assert.equal((await t.store.pendingInbox(`sftp-in-${t.name}`, 10)).length, 2);
  });

  it("picks up X12 files: one record per transaction set, an accepting 997 written to the ack folder", async () => {
    const t = setUp();
    t.drop("odfl-214.edi", readFileSync(join(FIXTURES, "sample-214.edi")));
    t.drop("odfl-210.edi", readFileSync(join(FIXTURES, "sample-210-80col.edi")));
    const reports = await t.make().poll();
    assert.deepEqual(reports.map((r) => [r.name, r.outcome, r.format]), [
      ["odfl-210.edi", "taken-in", "x12"],
      ["odfl-214.edi", "taken-in", "x12"],
    ]);
    const sets = t.emitted.map((e) => (JSON.parse(e.item.payload) as { set: string }).set);
    assert.deepEqual(sets, ["210", "214"]);
    const payload = JSON.parse(t.emitted[1]!.item.payload) as { segments: Array<{ name: string }>; interchange: { controlNumber: string } };
    assert.equal(payload.segments[0]!.name, "ST");
    assert.equal(payload.interchange.controlNumber, "000000123");
    assert.deepEqual(t.acks(), ["odfl-210.edi.997", "odfl-214.edi.997"]);
    const ack = readFileSync(sshd.path(t.name, "acks", "odfl-214.edi.997"), "utf8");
    assert.match(ack, /AK1\*QM\*123/);
    assert.match(ack, /AK9\*A\*1\*1\*1/);
    assert.deepEqual(t.list("archive"), ["odfl-210.edi", "odfl-214.edi"]);
  });

  it("a malformed file goes to error/ with a reason file and a dead letter; a bad X12 envelope gets a rejecting 997", async () => {
    const t = setUp();
    t.drop("broken.csv", 'invoice,amount\r\nINV-1,"12.50\r\n');
    t.drop("bad-214.edi", readFileSync(join(FIXTURES, "bad-se-count-214.edi")));
    const reports = await t.make().poll();
    assert.deepEqual(reports.map((r) => [r.name, r.outcome]), [
      ["bad-214.edi", "error"],
      ["broken.csv", "error"],
    ]);
    assert.deepEqual(t.emitted, []);
    assert.deepEqual(t.list("error"), ["bad-214.edi", "bad-214.edi.reason.txt", "broken.csv", "broken.csv.reason.txt"]);
    assert.match(readFileSync(join(t.inbound, "error", "broken.csv.reason.txt"), "utf8"), /CSV line 2: quoted field is not closed/);
    const letters = await t.store.listDeadLetters();
    assert.equal(letters.length, 2);
    assert.ok(letters.some((l) => /broken\.csv: CSV line 2/.test(l.reason)), letters.map((l) => l.reason).join(" | "));
    assert.deepEqual(letters.map((l) => l.id).sort(), reports.map((r) => r.deadLetterId).sort());
    assert.deepEqual(t.acks(), ["bad-214.edi.997"]);
    assert.match(readFileSync(sshd.path(t.name, "acks", "bad-214.edi.997"), "utf8"), /AK5\*R/);
    assert.deepEqual(t.list("processing"), []);
  });

  it("the same content dropped twice (even under another name) is taken in once and the second archived as a duplicate", async () => {
    const t = setUp();
    const pickup = t.make();
    t.drop("settlement.csv", CSV);
    await pickup.poll();
    t.drop("settlement.csv", CSV);
    t.drop("settlement-copy.csv", CSV);
    const second = await pickup.poll();
    assert.deepEqual(second.map((r) => r.outcome), ["duplicate", "duplicate"]);
    assert.match(second[0]!.reason!, /same content as settlement\.csv/);
    assert.equal(t.emitted.length, 2, "records of the first drop only");
    assert.equal(t.list("archive").length, 3);
    assert.ok(t.list("archive").includes("settlement.csv"));
    assert.equal(pickup.state().duplicates, 2);
  });

  it("the same X12 interchange in another file (other bytes) is refused with TA1 R 025, also by a new pickup on the store", async () => {
    const t = setUp();
    const s214 = readFileSync(join(FIXTURES, "sample-214.edi"), "utf8");
    t.drop("odfl-214.edi", s214);
    assert.deepEqual((await t.make().poll()).map((r) => r.outcome), ["taken-in"]);
    // Re-sent by the partner: same sender and ISA13, BOM and CRLF this time (other bytes, so the file ledger does not know it).
    t.drop("odfl-214-resent.edi", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s214.replace(/~\n/g, "~\r\n"))]));
    const [dup] = await t.make().poll();
    assert.equal(dup!.outcome, "error");
    assert.match(dup!.reason!, /^odfl-214-resent\.edi: X12 interchange 000000123 from 02:ODFL is a duplicate: that sender's control number was received before \(answered with TA1 R 025\); first received \d{4}-\d\d-\d\dT/);
    assert.equal(t.emitted.length, 1, "records of the first file only");
    assert.deepEqual(t.acks(), ["odfl-214-resent.edi.ta1", "odfl-214.edi.997"]);
    assert.match(readFileSync(sshd.path(t.name, "acks", "odfl-214-resent.edi.ta1"), "utf8"), /~TA1\*000000123\*250321\*1430\*R\*025~IEA\*0\*\d{9}~$/);
    assert.deepEqual(t.list("error"), ["odfl-214-resent.edi", "odfl-214-resent.edi.reason.txt"]);
    assert.deepEqual((await t.store.listDeadLetters()).map((l) => l.reason), [dup!.reason]);
    // Another sender's 000000123 is another interchange.
    t.drop("saia-214.edi", s214.replace(/\*02\*ODFL {11}\*/, "*02*SAIA           *"));
    assert.deepEqual((await t.make().poll()).map((r) => r.outcome), ["taken-in"]);
  });

  it("a redo of the file that claimed the interchange (crash before its record) passes; envelope faults get a TA1 and no 997; ISA14 = 1 gets both", async () => {
    const t = setUp();
    const s210 = readFileSync(join(FIXTURES, "sample-210.edi"));
    // As if a run claimed the interchange for this very content and stopped before recording the file.
    await t.store.claimDedupe("x12-interchange", "02:ODFL|000000124", 60_000, `file:${createHash("sha256").update(s210).digest("hex")}`);
    t.drop("inv.edi", s210);
    const s214 = readFileSync(join(FIXTURES, "sample-214.edi"), "utf8");
    t.drop("iea.edi", s214.replace("IEA*1*000000123~", "IEA*1*000000999~"));
    t.drop("ta1.edi", readFileSync(join(FIXTURES, "sample-210-80col.edi"), "utf8").replace("*000000124*0*P*", "*000000125*1*P*").replace("IEA*1*000000124~", "IEA*1*000000125~"));
    const reports = await t.make().poll();
    assert.deepEqual(reports.map((r) => [r.name, r.outcome]), [["iea.edi", "error"], ["inv.edi", "taken-in"], ["ta1.edi", "taken-in"]]);
    assert.match(reports[0]!.reason!, /X12 interchange 000000123 rejected \(TA1 R 001\): IEA02 "000000999" does not match ISA13/);
    assert.deepEqual(t.acks(), ["iea.edi.ta1", "inv.edi.997", "ta1.edi.997", "ta1.edi.ta1"]);
    assert.match(readFileSync(sshd.path(t.name, "acks", "iea.edi.ta1"), "utf8"), /TA1\*000000123\*250321\*1430\*R\*001~/);
    const ta1 = readFileSync(sshd.path(t.name, "acks", "ta1.edi.ta1"), "utf8");
    const ack = readFileSync(sshd.path(t.name, "acks", "ta1.edi.997"), "utf8");
    assert.match(ta1, /TA1\*000000125\*250322\*0900\*A\*000~/);
    assert.notEqual(ta1.slice(90, 99), ack.slice(90, 99), "the TA1 and the 997 have their own ISA13");
    assert.equal(reports[2]!.ta1, ta1);
  });

  it("a restart after the file is claimed but before it is recorded takes every record in exactly once", async () => {
    const t = setUp();
    t.drop("inv.csv", CSV);
    const crashing = t.make({ hooks: { afterClaim: async () => Promise.reject(new Error("killed after claim")) } });
    await assert.rejects(crashing.poll(), /killed after claim/);
    await crashing.stop();
    assert.deepEqual(t.list("processing"), ["inv.csv"]);
    assert.equal(t.emitted.length, 0);

    const restarted = t.make();
    assert.equal(await restarted.resume(), 0, "nothing was recorded");
    const reports = await restarted.poll();
    assert.deepEqual(reports.map((r) => r.outcome), ["taken-in"]);
    assert.deepEqual(t.emitted.map((e) => e.item.key), ["inv.csv#line2", "inv.csv#line3"]);
    assert.deepEqual(t.list("archive"), ["inv.csv"]);
    assert.deepEqual(t.list("processing"), []);
  });

  it("a restart after the file is recorded but before it is archived resumes its records once and only archives the file", async () => {
    const t = setUp();
    t.drop("inv.edi", readFileSync(join(FIXTURES, "sample-210.edi")));
    const crashing = t.make({ hooks: { afterRecord: async () => Promise.reject(new Error("killed after record")) } });
    await assert.rejects(crashing.poll(), /killed after record/);
    await crashing.stop();
    assert.deepEqual(t.list("processing"), ["inv.edi"]);
    assert.deepEqual(t.acks(), []);
    assert.equal(t.emitted.length, 0);

    const restarted = t.make();
    assert.equal(await restarted.resume(), 1);
    const reports = await restarted.poll();
    assert.deepEqual(reports.map((r) => [r.outcome, r.records]), [["recovered", 0]]);
    assert.deepEqual(t.emitted.map((e) => [e.item.key, e.resumed]), [["X12|02:ODFL|000000124|ODFL|124|0001", true]]);
    assert.deepEqual(t.acks(), ["inv.edi.997"], "the 997 the stopped run did not write");
    assert.deepEqual(t.list("archive"), ["inv.edi"]);
    assert.deepEqual(t.list("processing"), []);
    // And a further poll finds nothing more to do.
    assert.deepEqual(await restarted.poll(), []);
    assert.equal(t.emitted.length, 1);
  });

  it("a restart resumes no more records at a time than max in flight, the next as each settles", async () => {
    const t = setUp();
    t.drop("big.csv", `id,value\r\n${[1, 2, 3, 4, 5].map((i) => `${i},x`).join("\r\n")}\r\n`);
    const first = t.make();
    await first.poll();
    await first.stop();
    assert.equal(t.emitted.length, 5, "taken in whole (a file is the unit a poll claims)");
    t.emitted.length = 0;

    const restarted = t.make({ maxInFlight: 2 });
    const resumed = restarted.resume();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.emitted.length, 2, "two in flight, the rest wait");
    const source = `sftp-in-${t.name}`;
    await settleIntake([{ source, id: t.emitted[0]!.item.id }], "done");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.emitted.length, 3, "one settled, one more out");
    await settleIntake(t.emitted.slice(1).map((e) => ({ source, id: e.item.id })), "done");
    assert.equal(await resumed, 5);
    assert.deepEqual(t.emitted.map((e) => e.resumed), [true, true, true, true, true]);
    assert.equal(restarted.state().inFlight, 2);
    await restarted.stop();
  });

  it("a file another pickup's start-up recovery takes from processing/ before this one reads it is left to that one", async () => {
    const t = setUp();
    t.drop("race.csv", "id,value\r\n1,x\r\n");
    const starting = t.make(); // its first poll recovers everything in processing/
    let recovered: FileReport[] = [];
    const claimer = t.make({ hooks: { afterClaim: async () => void (recovered = await starting.poll()) } });
    assert.deepEqual(await claimer.poll(), [], "nothing to report: the file was gone when it came to read it");
    assert.deepEqual(recovered.map((r) => [r.name, r.outcome, r.records]), [["race.csv", "taken-in", 1]]);
    assert.equal(t.emitted.length, 1, "its record once");
    assert.deepEqual(t.list("archive"), ["race.csv"]);
    assert.deepEqual(t.list("processing"), []);
  });

  it("two pickups polling the same folder at once take each file exactly once", async () => {
    const t = setUp();
    for (let i = 0; i < 6; i++) t.drop(`f${i}.csv`, `id,value\r\n${i},x\r\n`);
    const [a, b] = [t.make(), t.make()];
    await Promise.all([a.poll(), b.poll()]);
    assert.deepEqual(t.emitted.map((e) => e.item.key).sort(), [0, 1, 2, 3, 4, 5].map((i) => `f${i}.csv#line2`));
    assert.equal(t.list("archive").length, 6);
  });

  it("an outbound file is uploaded under a temporary name, renamed once, and a re-send does not make a second file", async () => {
    const out = sshd.path("outbound-1");
    mkdirSync(out);
    const remote = await connect()();
    const calls: string[] = [];
    const spy: RemoteFiles = {
      ...remote,
      write: async (path, content) => {
        calls.push(`write ${path.slice(out.length + 1)}`);
        await remote.write(path, content);
      },
      rename: async (from, to) => {
        calls.push(`rename ${from.slice(out.length + 1)} -> ${to.slice(out.length + 1)}`);
        await remote.rename(from, to);
      },
    };
    try {
      assert.equal(await dropFile(spy, out, "204-LD42.edi", Buffer.from("ISA*first~")), "written");
      assert.equal(await dropFile(spy, out, "204-LD42.edi", Buffer.from("ISA*second~")), "exists");
      // A crash after the upload left the temporary file: the re-send replaces it and still ends in one file.
      writeFileSync(join(out, ".990-LD42.edi.part"), "half");
      assert.equal(await dropFile(spy, out, "990-LD42.edi", Buffer.from("ISA*990~")), "written");
    } finally {
      await remote.end();
    }
    assert.deepEqual(calls, [
      "write .204-LD42.edi.part",
      "rename .204-LD42.edi.part -> 204-LD42.edi",
      "write .990-LD42.edi.part",
      "rename .990-LD42.edi.part -> 990-LD42.edi",
    ]);
    assert.deepEqual(readdirSync(out).sort(), ["204-LD42.edi", "990-LD42.edi"]);
    assert.equal(readFileSync(join(out, "204-LD42.edi"), "utf8"), "ISA*first~");
    assert.equal(readFileSync(join(out, "990-LD42.edi"), "utf8"), "ISA*990~");
  });

  it("refuses a host key that is not pinned, and an unknown one unless explicitly allowed", async () => {
    await assert.rejects(connect({ fingerprints: ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] })(), (err: unknown) => {
      assert.ok(err instanceof HostKeyError);
      assert.equal(err.fingerprint, sshd.fingerprint);
      assert.match(err.message, /is not one of the pinned fingerprints/);
      return true;
    });
    // A pinned mismatch stays refused even when unknown keys are allowed.
    await assert.rejects(connect({ fingerprints: ["SHA256:AAAA"], allowUnknownHostKey: true })(), HostKeyError);
    await assert.rejects(connect({ fingerprints: [] })(), /is unknown: pin it/);
    const allowed = await connect({ fingerprints: [], allowUnknownHostKey: true })();
    await allowed.end();
    const pinned = await connect()();
    assert.deepEqual(await pinned.list(sshd.root).then((l) => Array.isArray(l)), true);
    await pinned.end();
  });
});
