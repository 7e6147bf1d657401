import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalValidator } from "../../../nodes/lib/canonical/validator";
import {
  fillTemplate,
  MasterDataChecker,
  parseInlineTable,
  parseKeyChecks,
  ReferenceCache,
  unknownKeyException,
  type EndpointGet,
} from "../../../nodes/lib/rules/master-data";
import { order } from "./_fixtures";

const dir = mkdtempSync(join(tmpdir(), "lsync-master-data-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const so = order("SO-1", [{ lineNo: 10, sku: "SKU-10023", qty: "1" }, { lineNo: 20, sku: "SKU-99999", qty: "1" }], "C100");

describe("key checks", () => {
  it("parse and name the row and field of a bad one", () => {
    assert.equal(parseKeyChecks([{ name: "item", path: "lines.sku", source: "inline", table: "A, B" }])[0]!.optional, false);
    assert.throws(() => parseKeyChecks([{ name: "item", path: "lines.[", source: "inline" }]), /checks\[0\]\.path: is not a JSONata expression/);
    assert.throws(() => parseKeyChecks([{ name: "item", path: "x", source: "endpoint", table: "/items" }]), /checks\[0\]\.table: an endpoint path template must contain \{key\}/);
    assert.throws(() => parseKeyChecks([{ name: "item", path: "x", source: "ftp" }]), /checks\[0\]\.source: must be inline, file or endpoint/);
    assert.throws(() => parseKeyChecks([{ name: "item", path: "x", source: "inline", table: "[1," }]), /checks\[0\]\.table: is not valid JSON/);
  });

  it("inline tables: plain list, JSON keys, records with id, object", () => {
    assert.deepEqual([...parseInlineTable("A, B\nC", "t").keys()], ["A", "B", "C"]);
    assert.deepEqual([...parseInlineTable('["A", 7]', "t").keys()], ["A", "7"]);
    assert.deepEqual(parseInlineTable('[{"id": "DC1", "name": "Dallas"}]', "t").get("DC1"), { id: "DC1", name: "Dallas" });
    assert.deepEqual(parseInlineTable('{"ODFL": {"name": "Old Dominion"}}', "t").get("ODFL"), { name: "Old Dominion" });
  });

  it("fillTemplate doubles OData quotes and URL-encodes", () => {
    assert.equal(fillTemplate("/A_Customer('{key}')", "O'Neil & Co"), "/A_Customer('O''Neil%20%26%20Co')");
  });
});

describe("ReferenceCache", () => {
  it("expires after the TTL (unknown keys after at most a minute) and evicts the least recently used", () => {
    let t = 0;
    const cache = new ReferenceCache(600_000, 2, () => t);
    cache.set("item", "A", true, { a: 1 });
    cache.set("item", "B", false, null);
    assert.equal(cache.get("item", "A")?.found, true); // A is now the most recent
    cache.set("item", "C", true, null);
    assert.equal(cache.get("item", "B"), undefined, "B evicted");
    assert.equal(cache.size, 2);
    cache.set("item", "D", false, null);
    t = 61_000;
    assert.equal(cache.get("item", "D"), undefined, "a miss is kept a minute at most");
    assert.equal(cache.get("item", "C")?.found, true);
    t = 600_001;
    assert.equal(cache.get("item", "C"), undefined);
  });
});

describe("MasterDataChecker", () => {
  it("inline: finds known keys and reports the unknown one with where it looked", async () => {
    const checker = new MasterDataChecker({
      checks: parseKeyChecks([
        { name: "customer", path: 'parties[role="SOLD_TO"].ids.value', source: "inline", table: "C100" },
        { name: "item", path: "lines.sku", source: "inline", table: "SKU-10023" },
      ]),
      cacheTtlMs: 60_000,
      cacheSize: 100,
    });
    const results = await checker.check(so);
    assert.deepEqual(results.map((r) => [r.check, r.key, r.found]), [["customer", "C100", true], ["item", "SKU-10023", true], ["item", "SKU-99999", false]]);
    const exc = unknownKeyException(so, results[2]!, new Date("2025-03-01T00:00:00Z"));
    const v = canonicalValidator().validate(exc);
    assert.ok(v.ok, JSON.stringify(!v.ok && v.errors));
    assert.equal(exc.cause?.code, "UNKNOWN_ITEM");
    assert.equal(exc.cause?.text, 'item "SKU-99999" is not in the reference data (the inline table)');
    assert.deepEqual(exc.subjectRefs, [{ type: "SO", value: "SO-1" }]);
  });

  it("a missing key is an error naming the path unless optional", async () => {
    const checks = (optional: boolean) => parseKeyChecks([{ name: "plant", path: "shipFrom.ids.value", source: "inline", table: "1010", optional }]);
    await assert.rejects(new MasterDataChecker({ checks: checks(false), cacheTtlMs: 1, cacheSize: 1 }).check(so), /payload plant key \(shipFrom\.ids\.value\): is missing/);
    assert.deepEqual(await new MasterDataChecker({ checks: checks(true), cacheTtlMs: 1, cacheSize: 1 }).check(so), []);
  });

  it("file: read again when it changes", async () => {
    const path = join(dir, "customers.json");
    writeFileSync(path, JSON.stringify(["C200"]));
    let t = 0;
    const checker = new MasterDataChecker({ checks: parseKeyChecks([{ name: "customer", path: 'parties.ids.value', source: "file", table: path }]), cacheTtlMs: 1000, cacheSize: 10, now: () => t });
    assert.equal((await checker.check(so))[0]!.found, false);
    writeFileSync(path, JSON.stringify([{ id: "C100", name: "Acme" }]));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    t = 2000;
    const [r] = await checker.check(so);
    assert.deepEqual([r!.found, r!.record, r!.where], [true, { id: "C100", name: "Acme" }, `file ${path}`]);
  });

  it("endpoint: 200 found, 404 or an empty collection unknown, both cached; a 5xx is an error, not unknown", async () => {
    const calls: string[] = [];
    let status = 200;
    const get: EndpointGet = async (path) => {
      calls.push(path);
      if (status >= 500) return { ok: false, status, error: "Service Unavailable" };
      if (path.includes("C100")) return { ok: true, status: 200, data: { d: { Customer: "C100" } } };
      if (path.includes("SKU-99999")) return { ok: true, status: 200, data: { d: { results: [] } } };
      return { ok: false, status: 404, error: "Not Found" };
    };
    const checker = new MasterDataChecker({
      checks: parseKeyChecks([
        { name: "customer", path: 'parties.ids.value', source: "endpoint", table: "/A_Customer('{key}')" },
        { name: "item", path: "lines.sku", source: "endpoint", table: "/A_Stock?$filter=Material eq '{key}'" },
      ]),
      cacheTtlMs: 60_000,
      cacheSize: 10,
      endpoint: { get, name: "ERP" },
    });
    const first = await checker.check(so);
    assert.deepEqual(first.map((r) => r.found), [true, false, false]);
    assert.equal(first[2]!.where, "ERP GET /A_Stock?$filter=Material eq 'SKU-99999'");
    const again = await checker.check(so);
    assert.deepEqual(again.map((r) => r.cached), [true, true, true]);
    assert.equal(calls.length, 3, "the second check came from the cache");
    status = 503;
    const fresh = new MasterDataChecker({ checks: parseKeyChecks([{ name: "customer", path: 'parties.ids.value', source: "endpoint", table: "/A_Customer('{key}')" }]), cacheTtlMs: 1, cacheSize: 1, endpoint: { get, name: "ERP" } });
    await assert.rejects(fresh.check(so), /customer C100: ERP GET \/A_Customer\('C100'\) failed \(503\)/);
  });
});
