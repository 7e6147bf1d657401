import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { parseFingerprints, sshFingerprint, verifyHostKey } from "../../../nodes/lib/sftp/host-key";
import { checkFileName, fileNameFromPattern, namePattern, remoteJoin } from "../../../nodes/lib/sftp/names";
import { temporaryName } from "../../../nodes/lib/sftp/drop";

describe("SFTP names", () => {
  it("namePattern: *, ? and comma-separated alternatives, whole name, any case", () => {
    const m = namePattern("*.edi, INV-????.csv");
    assert.equal(m("odfl-214.EDI"), true);
    assert.equal(m("INV-0322.csv"), true);
    assert.equal(m("INV-03222.csv"), false);
    assert.equal(m("x.edi.part"), false);
    assert.equal(m("a+b.edi"), true);
    assert.equal(namePattern("")("anything"), true);
    assert.equal(namePattern("a.b")("axb"), false, "a dot is a dot");
  });

  it("fileNameFromPattern reads message properties and refuses missing values and folder tricks", () => {
    const msg: Record<string, unknown> = { idempotencyKey: "LD42-204", payload: { set: "204" }, dir: "../etc" };
    const read = (path: string) => path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], msg);
    assert.deepEqual(fileNameFromPattern("{{payload.set}}-{{ idempotencyKey }}.edi", read), { ok: true, name: "204-LD42-204.edi" });
    assert.match((fileNameFromPattern("{{missing}}.edi", read) as { error: string }).error, /msg\.missing is missing/);
    assert.match((fileNameFromPattern("{{payload}}.edi", read) as { error: string }).error, /msg\.payload is missing or not a plain value/);
    assert.match((fileNameFromPattern("{{dir}}/x", read) as { error: string }).error, /folder separator/);
    assert.equal(checkFileName(".."), 'file name ".." is not a file name');
    assert.equal(checkFileName("204.edi"), null);
  });

  it("remoteJoin and the temporary name of a drop", () => {
    assert.equal(remoteJoin("/in/", "a.csv"), "/in/a.csv");
    assert.equal(remoteJoin("", "a.csv"), "a.csv");
    assert.equal(temporaryName("204.edi"), ".204.edi.part");
  });
});

describe("host key pinning", () => {
  const key = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" });
  const expected = `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;

  it("fingerprints as OpenSSH prints them, pins parsed with or without the prefix", () => {
    assert.equal(sshFingerprint(key), expected);
    assert.deepEqual(parseFingerprints(` ${expected},\n${expected.slice(7)}= `), [expected, expected]);
  });

  it("accepts a pinned key; refuses another key, and an unknown one unless allowed", () => {
    assert.equal(verifyHostKey(key, [expected], false).accepted, true);
    const other = verifyHostKey(key, ["SHA256:other"], true);
    assert.equal(other.accepted, false);
    assert.match((other as { reason: string }).reason, /not one of the pinned fingerprints/);
    assert.match((verifyHostKey(key, [], false) as { reason: string }).reason, new RegExp(`host key ${expected.replace(/[+/]/g, "\\$&")} is unknown`));
    assert.equal(verifyHostKey(key, [], true).accepted, true);
  });
});
