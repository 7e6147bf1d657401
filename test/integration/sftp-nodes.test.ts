/**
 * The SFTP nodes in Node-RED (node-red-node-test-helper) against a real OpenSSH server on
 * loopback: sftp in → records downstream with msg.intake, files archived, a refused file through
 * Catch to the dead-letter node (parked once), a restart with files left in processing/; sftp out
 * writes once per name; a wrong host key fails to Catch.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import deadLetterNode from "../../nodes/lsync-dead-letter/lsync-dead-letter";
import sftpInNode from "../../nodes/lsync-sftp-in/lsync-sftp-in";
import sftpOutNode from "../../nodes/lsync-sftp-out/lsync-sftp-out";
import sftpServerNode from "../../nodes/lsync-sftp-server/lsync-sftp-server";
import storeNode, { type StoreNode } from "../../nodes/lsync-store/lsync-store";
import { SqliteStore } from "../../nodes/lib/store";
import { sha256Hex } from "../../nodes/lib/sftp/names";
import { startSshd, sshdSkip, type RunningSshd } from "../helpers/sshd";
import { collect, getNode, helper, recorded, recorderModule, tempDir, waitFor, type FlowNodeDef } from "../unit/nodes/_helper";

const NODES = [storeNode, sftpServerNode, sftpInNode, sftpOutNode, deadLetterNode, recorderModule];
const CSV = "invoice,amount\r\nINV-7,10.00\r\nINV-8,\"1,250.00\"\r\n";

describe("SFTP nodes on OpenSSH", { skip: sshdSkip(), timeout: 120_000 }, () => {
  let sshd: RunningSshd;
  const dir = tempDir("lsync-sftp-nodes-");
  let n = 0;

  before(async () => {
    sshd = await startSshd();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await sshd?.stop();
    dir.remove();
  });
  afterEach(async () => {
    await helper.unload();
    recorded.clear();
  });

  const server = (fingerprints = sshd.fingerprint): FlowNodeDef => ({
    id: "srv", type: "lsync-sftp-server", host: "127.0.0.1", port: String(sshd.port), username: sshd.username,
    fingerprints, allowUnknownHostKey: false, connectTimeout: 10, operationTimeout: 10,
  });
  const credentials = () => ({ srv: { privateKey: sshd.privateKey } });

  function pickupFlow(folder: string, dbPath: string): FlowNodeDef[] {
    return [
      { id: "tab", type: "tab", label: "t" },
      { id: "store", type: "lsync-store", kind: "sqlite", path: dbPath, durability: "process" },
      server(),
      { id: "in", type: "lsync-sftp-in", z: "tab", name: "settlements", server: "srv", store: "store", folder, pattern: "*.csv,*.edi",
        interval: 1, format: "auto", delimiter: ",", processingFolder: "processing", archiveFolder: "archive", errorFolder: "error",
        ackFolder: "../acks", maxInFlight: 100, wires: [["rec"], ["files"]] },
      { id: "rec", type: "test-recorder", z: "tab" },
      { id: "files", type: "test-recorder", z: "tab" },
      { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["dl"]] },
      { id: "dl", type: "lsync-dead-letter", z: "tab", store: "store", wires: [["parked"]] },
      { id: "parked", type: "test-recorder", z: "tab" },
    ];
  }

  it("sftp in: records downstream with msg.intake, files archived, a 997 for X12, a refused file parked once via Catch", async () => {
    const folder = sshd.path(`in-${++n}`, "inbound");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "a-settlement.csv"), CSV);
    writeFileSync(join(folder, "b-invoice.edi"), readFileSync(join(__dirname, "../fixtures/x12/sample-210.edi")));
    writeFileSync(join(folder, "c-broken.csv"), "invoice,amount\r\nINV-9\r\n");
    await helper.load(NODES, pickupFlow(folder, join(dir.path, `nodes-${n}.db`)), credentials());
    const records = () => recorded.get("rec") ?? [];
    const files = () => recorded.get("files") ?? [];
    await waitFor("three file reports", () => files().length === 3, 15_000);
    await waitFor("the dead letter", () => (recorded.get("parked") ?? []).length === 1);

    assert.deepEqual(records().map((m) => m.idempotencyKey), ["a-settlement.csv#line2", "a-settlement.csv#line3", "X12|02:ODFL|000000124|ODFL|124|0001"]);
    const first = records()[0]!;
    assert.deepEqual(first.payload, { invoice: "INV-7", amount: "10.00" });
    assert.deepEqual(first.file, { name: "a-settlement.csv", sha256: sha256Hex(Buffer.from(CSV)), format: "csv", line: 2 });
    assert.deepEqual(Object.keys(first.intake as object).sort(), ["id", "resumed", "source"]);
    assert.equal((first.intake as { source: string }).source, "in");
    assert.equal((records()[2]!.payload as { set: string }).set, "210");

    assert.deepEqual(files().map((m) => (m.payload as { outcome: string }).outcome), ["taken-in", "taken-in", "error"]);
    assert.deepEqual(readdirSync(join(folder, "archive")).sort(), ["a-settlement.csv", "b-invoice.edi"]);
    assert.deepEqual(readdirSync(join(folder, "error")).sort(), ["c-broken.csv", "c-broken.csv.reason.txt"]);
    assert.deepEqual(readdirSync(sshd.path(`in-${n}`, "acks")), ["b-invoice.edi.997"]);

    const parked = (recorded.get("parked") ?? [])[0]!;
    const store = getNode<StoreNode>("store").store;
    const letters = await store.listDeadLetters();
    assert.equal(letters.length, 1, "parked by the sftp in node, passed on (not parked again) by the dead-letter node");
    assert.equal(parked.deadLetterId, letters[0]!.id);
    assert.match(letters[0]!.reason, /c-broken\.csv: CSV line 2: 1 fields where the header has 2/);
    assert.equal(letters[0]!.nodeType, "lsync-sftp-in");
    assert.equal(letters[0]!.nodeName, "settlements");
  });

  it("sftp in after a restart: a file claimed but not recorded is processed, one recorded but not archived is only archived; every record once", async () => {
    const folder = sshd.path(`in-${++n}`, "inbound");
    const dbPath = join(dir.path, `nodes-${n}.db`);
    mkdirSync(join(folder, "processing"), { recursive: true });
    // Left by a run that stopped: one claimed only, one whose records were taken in (store) but not archived.
    writeFileSync(join(folder, "processing", "claimed.csv"), "id,v\r\n1,claimed\r\n");
    const recordedCsv = "id,v\r\n2,recorded\r\n3,recorded\r\n";
    writeFileSync(join(folder, "processing", "recorded.csv"), recordedCsv);
    const row = (key: string, v: string) => ({ source: "in", key, topic: `${folder}/recorded.csv`, payload: JSON.stringify({ id: key.slice(-1), v }), props: { file: "recorded.csv", format: "csv", sha256: sha256Hex(Buffer.from(recordedCsv)) } });
    const direct = new SqliteStore({ path: dbPath });
    await direct.takeInFile({ scope: "in", name: "recorded.csv", sha256: sha256Hex(Buffer.from(recordedCsv)) }, [row("recorded.csv#line2", "recorded"), row("recorded.csv#line3", "recorded")]);
    await direct.close();

    await helper.load(NODES, pickupFlow(folder, dbPath), credentials());
    const records = () => recorded.get("rec") ?? [];
    await waitFor("two file reports", () => (recorded.get("files") ?? []).length === 2, 15_000);
    await waitFor("three records", () => records().length === 3);
    const seen = records().map((m) => [(m.payload as { v: string }).v, (m.intake as { resumed: boolean }).resumed]);
    assert.deepEqual(seen.sort(), [["claimed", false], ["recorded", true], ["recorded", true]]);
    assert.deepEqual((recorded.get("files") ?? []).map((m) => [(m.payload as { name: string }).name, (m.payload as { outcome: string }).outcome]).sort(), [
      ["claimed.csv", "taken-in"],
      ["recorded.csv", "recovered"],
    ]);
    assert.deepEqual(readdirSync(join(folder, "processing")), []);
    assert.deepEqual(readdirSync(join(folder, "archive")).sort(), ["claimed.csv", "recorded.csv"]);
    // Later polls find nothing more.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(records().length, 3);
  });

  it("sftp out: writes the file once under its name, a re-send does not write it again; a bad name fails to Catch", async () => {
    const folder = sshd.path(`out-${++n}`);
    await helper.load(
      [sftpServerNode, sftpOutNode],
      [
        { id: "tab", type: "tab", label: "t" },
        server(),
        { id: "out", type: "lsync-sftp-out", z: "tab", server: "srv", folder, filename: "204-{{idempotencyKey}}.edi", property: "payload", wires: [["done"]] },
        { id: "done", type: "helper", z: "tab" },
        { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
        { id: "caught", type: "helper", z: "tab" },
      ],
      credentials(),
    );
    const done = collect("done");
    const caught = collect("caught");
    getNode("out").receive({ payload: "ISA*204-first~", idempotencyKey: "LD42" });
    await waitFor("first write", () => done.length === 1, 10_000);
    getNode("out").receive({ payload: "ISA*204-again~", idempotencyKey: "LD42" });
    await waitFor("re-send", () => done.length === 2, 10_000);
    getNode("out").receive({ payload: "x" });
    await waitFor("caught", () => caught.length === 1);

    assert.deepEqual(done.map((m) => (m.sftp as { outcome: string }).outcome), ["written", "exists"]);
    assert.equal((done[0]!.sftp as { path: string }).path, `${folder}/204-LD42.edi`);
    assert.deepEqual(readdirSync(folder), ["204-LD42.edi"]);
    assert.equal(readFileSync(join(folder, "204-LD42.edi"), "utf8"), "ISA*204-first~");
    assert.match((caught[0]!.error as { message: string }).message, /msg\.idempotencyKey is missing/);
  });

  it("a server whose host key is not the pinned one is refused, and the failure reaches Catch", async () => {
    const folder = sshd.path(`out-${++n}`);
    await helper.load(
      [sftpServerNode, sftpOutNode],
      [
        { id: "tab", type: "tab", label: "t" },
        server("SHA256:notTheServersKeyAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        { id: "out", type: "lsync-sftp-out", z: "tab", server: "srv", folder, filename: "{{filename}}", property: "payload", wires: [["done"]] },
        { id: "done", type: "helper", z: "tab" },
        { id: "catcher", type: "catch", z: "tab", scope: null, uncaught: false, wires: [["caught"]] },
        { id: "caught", type: "helper", z: "tab" },
      ],
      credentials(),
    );
    const done = collect("done");
    const caught = collect("caught");
    getNode("out").receive({ payload: "secret settlement", filename: "s.csv" });
    await waitFor("caught", () => caught.length === 1, 10_000);
    assert.match((caught[0]!.error as { message: string }).message, new RegExp(`host key ${sshd.fingerprint.replace(/[+/]/g, "\\$&")} is not one of the pinned fingerprints`));
    assert.equal(done.length, 0);
    assert.equal(existsSync(folder), false, "nothing written to a server we do not trust");
  });
});

