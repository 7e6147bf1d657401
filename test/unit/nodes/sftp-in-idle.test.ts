/**
 * A shipped tab's SFTP intake on a machine without the partner's server (npm start): the server
 * config's host is an unset ${VAR}, so the intake stays idle with a grey status, and logs no error
 * poll after poll.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import sftpInNode from "../../../nodes/lsync-sftp-in/lsync-sftp-in";
import sftpServerNode from "../../../nodes/lsync-sftp-server/lsync-sftp-server";
import storeNode from "../../../nodes/lsync-store/lsync-store";
import { helper, sleep, tempDir, waitFor, type FlowNodeDef } from "./_helper";

const dir = tempDir("lsync-sftp-idle-");

function flow(host: string): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    { id: "store", type: "lsync-store", kind: "sqlite", path: join(dir.path, `s-${host ? "h" : "n"}.db`), durability: "process" },
    { id: "srv", type: "lsync-sftp-server", host, port: "22", username: "u", fingerprints: "", allowUnknownHostKey: false, connectTimeout: 1, operationTimeout: 1 },
    { id: "in", type: "lsync-sftp-in", z: "tab", server: "srv", store: "store", folder: "inbound", pattern: "*.edi", interval: 1, format: "x12", delimiter: ",", processingFolder: "processing", archiveFolder: "archive", errorFolder: "error", ackFolder: "", maxInFlight: 10, wires: [[], []] },
  ];
}

const entriesOf = (level: number) => helper.log().args.filter(([e]) => e.id === "in" && e.level === level);

before(() => helper.startServer());
after(async () => {
  await helper.stopServer();
  dir.remove();
});
afterEach(() => helper.unload());

describe("lsync-sftp-in without a host", () => {
  it("stays idle: no poll, no error, says so once", async () => {
    delete process.env.LSYNC_TEST_UNSET_SFTP_HOST;
    await helper.load([storeNode, sftpServerNode, sftpInNode], flow("${LSYNC_TEST_UNSET_SFTP_HOST}"));
    await waitFor("the idle note", () => entriesOf(40).some(([e]) => /SFTP in idle/.test(String(e.msg))), 5_000);
    await sleep(2_500); // more than two poll intervals
    assert.deepEqual(entriesOf(20).map(([e]) => e.msg), [], "no error logged");
  });

  it("with a host it polls (and reports the failure to connect as an error)", async () => {
    // Port 9 on loopback: nothing listens, so the poll fails quickly.
    const flowWithHost = flow("127.0.0.1").map((n) => (n.id === "srv" ? { ...n, port: "9" } : n));
    await helper.load([storeNode, sftpServerNode, sftpInNode], flowWithHost, { srv: { password: "x" } });
    await waitFor("a failed poll", () => entriesOf(20).length > 0, 10_000);
    assert.match(String(entriesOf(20)[0]![0].msg), /SFTP poll of inbound on u@127\.0\.0\.1:9 failed/);
  });
});
