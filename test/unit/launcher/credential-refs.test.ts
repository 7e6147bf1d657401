import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyCredentialRefs, decryptCredentials, encryptCredentials } from "../../../launcher/credential-refs";

const SECRET = "test-secret";

function credFile(content?: Record<string, Record<string, unknown>>): string {
  const file = join(mkdtempSync(join(tmpdir(), "lsync-cred-")), "flows_cred.json");
  if (content) writeFileSync(file, JSON.stringify(encryptCredentials(content, SECRET)));
  return file;
}

const read = (file: string) => decryptCredentials(JSON.parse(readFileSync(file, "utf8")) as { $: string }, SECRET);

describe("credential references into the runtime's credentials file", () => {
  it("writes the references encrypted, never the secret values", () => {
    const file = credFile();
    const set = applyCredentialRefs({ wms: { username: "${WMS_USER}", password: "${WMS_PASSWORD}" } }, file, SECRET);
    assert.equal(set, 2);
    const raw = readFileSync(file, "utf8");
    assert.doesNotMatch(raw, /WMS_PASSWORD/, "the file is encrypted");
    assert.deepEqual(read(file), { wms: { username: "${WMS_USER}", password: "${WMS_PASSWORD}" } });
  });

  it("keeps what was typed in the editor and fills only missing fields", () => {
    const file = credFile({ wms: { username: "picker", password: "" }, other: { apiKey: "k" } });
    const set = applyCredentialRefs({ wms: { username: "${WMS_USER}", password: "${WMS_PASSWORD}" } }, file, SECRET);
    assert.equal(set, 1);
    assert.deepEqual(read(file), { wms: { username: "picker", password: "${WMS_PASSWORD}" }, other: { apiKey: "k" } });
  });

  it("does not touch the file when there is nothing to add", () => {
    const file = credFile({ wms: { username: "u", password: "p" } });
    const before = readFileSync(file, "utf8");
    assert.equal(applyCredentialRefs({ wms: { username: "${WMS_USER}", password: "${WMS_PASSWORD}" } }, file, SECRET), 0);
    assert.equal(readFileSync(file, "utf8"), before);
  });

  it("refuses a file encrypted with another secret instead of overwriting it", () => {
    const file = credFile({ wms: { username: "u" } });
    assert.throws(() => applyCredentialRefs({ wms: { password: "${P}" } }, file, "another-secret"));
  });
});
