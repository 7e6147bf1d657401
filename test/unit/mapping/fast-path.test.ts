import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { InputError } from "../../../nodes/lib/errors";
import { compileMapping } from "../../../nodes/lib/mapping/mapper";
import { findProfile, listProfiles, profileSource } from "../../../nodes/lib/mapping/profiles";
import { x12Segments } from "../canonical/x12-segments";
import { assertEquivalent, pairFor, viaJsonata, type Pair } from "./equivalence";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "vendor");
const RECEIVED = "2025-03-22T10:00:00.000Z";
const GS = "\x1d";
const SSCC = "340123450000000017";
const GTIN = "09506000134352";

/** An X12 sample of the parser tests (test/fixtures/x12), as the flat segment list. */
function x12Fixture(file: string): unknown {
  return x12Segments(readFileSync(join(FIXTURES, "..", "x12", file), "utf8"));
}

function fixture(file: string): unknown {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  return file.endsWith(".edi") ? x12Segments(text) : JSON.parse(text);
}

/** The bindings the mapper gives every expression, plus the node's own. */
function bindings(topic = "", extra: Record<string, unknown> = {}, props: Record<string, string> = {}): Record<string, unknown> {
  return { ...extra, topic, topicParts: topic.split("/"), props, receivedAt: RECEIVED };
}

const pairs = new Map<string, Pair>();
function pair(id: string): Pair {
  if (!pairs.has(id)) pairs.set(id, pairFor(profileSource(findProfile(id)!)));
  return pairs.get(id)!;
}

/** Realistic inputs per fast profile: the vendor fixtures and the quirk variants the profile tests use. */
const SITE_PLANTS = { DC1: { plant: "1010", storageLocation: "0001", stagingLocation: "0002" } };
const JSON_SCANS: [string, Record<string, unknown>][] = [
  ["pick", { deviceId: "RF-017", seq: 48211, scannedAt: "2025-03-04T10:15:02.120Z", operatorId: "op-77", sku: "SKU-10042", gtin: GTIN, quantity: 12, uom: "EA", binId: "A01-02-03", workOrderRef: "WO-5531" }],
  ["pack", { deviceId: "RF-017", seq: 48212, scannedAt: "2025-03-04T10:16:40Z", raw: `]C100${SSCC}`, symbologyId: "]C1", loadId: "LD-2025-0042" }],
  ["weight", { deviceId: "RF-017", seq: 48213, scannedAt: "2025-03-04T10:17:05+01:00", sscc: SSCC, grossWeightKg: 412.5, loadId: "LD-2025-0042" }],
  ["cube", { deviceId: "RF-017", seq: 48214, scannedAt: "2025-03-04T10:17:30Z", sscc: SSCC, dims: { lengthCm: 120, widthCm: 80, heightCm: 152.5 }, loadId: "LD-2025-0042" }],
  ["ship", { deviceId: "RF-017", seq: 48215, scannedAt: "2025-03-04T10:45:00Z", sscc: SSCC, sku: "SKU-10042", quantity: 12, loadId: "LD-2025-0042", siteGln: "4012345000009" }],
  ["pack", { deviceId: "RF-017", seq: 1, scannedAt: "2025-03-04T10:16:40Z", raw: `]C100${SSCC.slice(0, 17)}8` }],
];
const GS1_SCANS = [`]C100${SSCC}`, `]C101${GTIN}10LOT-7${GS}17260331`, `]d201${GTIN}21SER-1${GS}3103000412`, `0200${GTIN.slice(1)}37${"24"}${GS}3302001250`, "]C1019", ""];

interface Sample {
  input: unknown;
  bindings: Record<string, unknown>;
}

function samples(id: string): Sample[] {
  const plain = (input: unknown, extra: Record<string, unknown> = {}): Sample => ({ input, bindings: bindings("", extra) });
  switch (id) {
    case "scanner-json":
      return JSON_SCANS.map(([event, body]) => ({ input: body, bindings: bindings(`wms/DC1/scanner/RF-017/${event}`) }));
    case "scanner-gs1":
      return GS1_SCANS.map((scan, i) => ({ input: scan, bindings: bindings(`wms/DC2/scanner/RF-9/${["pick", "pack", "ship", "load", "weight", "cube"][i]}`, {}, i % 2 ? { deviceId: "RF-9", seq: String(100 + i), scannedAt: "2025-03-04T10:00:00Z", loadId: "LD-1" } : {}) }));
    case "tms-load-execution-event":
    case "erp-goods-movement-item":
      return [];
    case "sap-outbound-delivery": {
      const d = fixture("sap-outbound-delivery.json") as { d: { results: unknown[] } };
      return [plain(d), plain(d, { tz: "-0500" }), plain({ d: d.d.results[0] }), plain(d, { tz: "bad" })];
    }
    case "sap-sales-order":
      return [plain(fixture("sap-sales-order.json")), plain(fixture("sap-sales-order.json"), { sapUnits: { ZZ: "H87" } })];
    case "netsuite-sales-order": {
      const so = fixture("netsuite-sales-order.json") as object;
      return [plain(so), plain({ ...so, currency: { id: "2", refName: "Canadian Dollar" } }, { nsCurrencies: { "2": "CAD" } }), plain({ ...so, currency: { id: "9", refName: "Dollar" } })];
    }
    case "netsuite-item-fulfillment":
      return [plain(fixture("netsuite-item-fulfillment.json")), plain(fixture("netsuite-item-fulfillment.json"), { nsWeightUnit: "KGM" })];
    case "odoo-stock-picking": {
      const o = fixture("odoo-stock-picking.json") as { picking: Record<string, unknown> };
      return [plain(o), plain({ jsonrpc: "2.0", id: 7, result: [{ ...o.picking, state: "assigned", date_done: false, carrier_id: false }] })];
    }
    case "fedex-track-v1":
      return [plain(fixture("fedex-track-v1.json"))];
    case "ups-track-v1":
      return [plain(fixture("ups-track-v1.json"))];
    case "p44-event-history":
      return [plain(fixture("p44-ltl-event-history.json"))];
    case "wms-short-pick": {
      const confirmation = { id: 41, type: "pick", pickingId: 7, pickingName: "WH/PICK/00007", origin: "1000012", confirmedAt: "2026-11-30T09:12:00.000Z" };
      const prices = { unitPrices: { "SKU-10023": 1499, "SKU-10045": 399 } };
      const short = { ...confirmation, lines: [{ sku: "SKU-10023", gtin: GTIN, quantity: 7, ordered: 10 }, { sku: "SKU-10045", gtin: GTIN, quantity: 2, ordered: 2 }] };
      const none = { ...confirmation, lines: [{ sku: "SKU-10023", gtin: GTIN, quantity: 0, ordered: 3 }] };
      return [plain(short, prices), plain(short, { ...prices, currency: "USD" }), plain(none, prices), plain({ ...confirmation, origin: false, lines: short.lines.slice(1) }, prices), plain(short)];
    }
    case "wms-confirmation": {
      const conf = fixture("wms-confirmation.json") as { lines: Array<Record<string, unknown>> };
      const site = { site: "DC1" };
      return [
        plain(conf, site),
        plain({ ...conf, lines: [{ ...conf.lines[0], quantity: 0 }, { ...conf.lines[1], lot: "", gtin: "" }] }, site),
        plain({ ...conf, type: "ship" }, site),
        plain({ ...conf, origin: false }, site),
        plain(conf),
      ];
    }
    case "tms-milestone-exception": {
      const m = { seq: 12, loadId: "SO-1000012", reference: "1000012", dateTime: "2026-11-30T10:00:00+0100", receivedDateTime: "2026-11-30T10:00:02+0100" };
      return [
        plain({ ...m, type: "DELAYED", description: "Weather: road closure A7", newEta: "2026-12-09T16:00:00+01:00" }),
        plain({ ...m, type: "REROUTED", newDestination: { city: "Lyon", postalCode: "69002", country: "FR" }, newEta: "2026-12-10T12:00:00+01:00" }),
        plain({ ...m, type: "REROUTED", reference: undefined, newDestination: { city: "Lyon" } }),
        plain({ ...m, type: "ARRIVED" }),
      ];
    }
    case "x12-214-status":
      return [plain(fixture("x12-214-ltl.edi")), plain(x12Fixture("sample-214.edi"))];
    case "x12-210-invoice":
      return [plain(fixture("x12-210-ltl.edi")), plain(fixture("x12-210-corrected-minimal.edi")), plain(x12Fixture("sample-210.edi"))];
    case "x12-945-ship-advice":
      return [plain(fixture("x12-945-ship-advice.edi"))];
    case "tms-actual-shipment": {
      const a = fixture("tms-actual-shipment.json") as Record<string, unknown>;
      return [plain(a), plain({ ...a, reference: undefined, accessorials: [], handlingUnits: [] })];
    }
    case "carrier-invoice-json": {
      const inv = fixture("carrier-invoice-api.json") as { invoice: Record<string, unknown> };
      return [plain(inv), plain(inv, { chargeCodes: { APT: "OTHER" } }), plain({ invoice: { ...inv.invoice, charges: [{ lineNo: 1, code: "ZZZ", amount: "1.00" }] } })];
    }
    case "tms-milestone-status": {
      const m = { seq: 14, loadId: "SO-1000014", reference: "1000014", dateTime: "2026-11-30T15:10:00+0100", receivedDateTime: "2026-11-30T15:10:04+0100" };
      return [
        plain({ ...m, type: "DELIVERY", stopId: "SO-1000014-S2", signedBy: "M. Keller", podDocumentRef: "POD-77" }),
        plain({ ...m, type: "DELIVERY", reference: undefined }),
        plain({ ...m, type: "EXCEPTION", description: "Pallet damaged in transit" }),
        plain({ ...m, type: "ARRIVAL_AT_STOP", stopId: "SO-1000014-S2" }),
        plain({ ...m, type: "DELAYED", newEta: "2026-12-09T16:00:00+01:00" }),
      ];
    }
    default:
      return [];
  }
}

/** Samples for every profile; the outbound ones consume what scanner-json produces (jsonata's own output). */
async function samplesOf(id: string): Promise<Sample[]> {
  if (id !== "tms-load-execution-event" && id !== "erp-goods-movement-item") return samples(id);
  const inputs: Sample[] = [];
  for (const s of samples("scanner-json")) {
    const movement = await viaJsonata(pair("scanner-json"), s.input, s.bindings);
    if (!movement.ok) continue;
    const doc = JSON.parse(JSON.stringify(movement.value)) as unknown;
    inputs.push({ input: doc, bindings: bindings("", { sitePlants: SITE_PLANTS, materialByGtin: { [GTIN]: "MAT-1" } }) });
    inputs.push({ input: doc, bindings: bindings("", {}) });
  }
  return inputs;
}

/** The shipped profiles the fast path compiles whole. A change here is a regression (or progress): say which. */
const COMPILED = [
  "scanner-json",
  "scanner-gs1",
  "tms-load-execution-event",
  "erp-goods-movement-item",
  "sap-outbound-delivery",
  "sap-sales-order",
  "netsuite-sales-order",
  "netsuite-item-fulfillment",
  "odoo-stock-picking",
  "fedex-track-v1",
  "ups-track-v1",
  "p44-event-history",
  "wms-short-pick",
  "wms-confirmation",
  "tms-milestone-exception",
  "x12-214-status",
  "x12-210-invoice",
  "x12-945-ship-advice",
  "tms-actual-shipment",
  "carrier-invoice-json",
  "tms-milestone-status",
];

/**
 * Outbound and answer profiles of the system operations that compile whole too. Their vendor
 * bodies are checked through the fast path by the operation tests against the simulators
 * (test/unit/systems); they have no sample-by-sample equivalence run here yet.
 */
const COMPILED_OPERATIONS = [
  "tms-tender",
  "tms-milestone",
  "erp-billing-document",
  "erp-goods-issue",
  "erp-outbound-delivery",
  "wms-fulfillment-instruction",
  "finance-accrual",
  "finance-accrual-adjustment",
  "finance-invoice-ready",
  "finance-ap-invoice",
  "carrier-track-request",
  "portal-alert",
  "sap-billing-document",
  "erp-order-exception",
  "tms-planning-requirement",
];

describe("fast path coverage of the shipped profiles", () => {
  it("compiles these profiles whole (the X12 ones with their # positional bindings); tms-shipment-plan stays on jsonata", () => {
    const engines = listProfiles().map((p) => {
      const m = compileMapping(profileSource(p), p.input);
      return { id: p.id, engine: m.engine, reason: m.fastPathReason };
    });
    assert.deepEqual(
      engines.filter((e) => e.engine === "fast").map((e) => e.id).sort(),
      [...COMPILED, ...COMPILED_OPERATIONS].sort(),
    );
    const fallbacks = Object.fromEntries(engines.filter((x) => x.engine === "jsonata").map((e) => [e.id, e.reason ?? ""]));
    assert.deepEqual(Object.keys(fallbacks), ["tms-shipment-plan"]);
    assert.match(fallbacks["tms-shipment-plan"]!, /sort expressions/);
  });

  it("LSYNC_MAPPING_FAST=off or {fast: false} keeps a mapping on jsonata", () => {
    assert.equal(compileMapping("a.b", "json", { fast: false }).engine, "jsonata");
    assert.equal(compileMapping("a.b", "json").engine, "fast");
  });
});

describe("fast path equals jsonata on realistic samples", () => {
  for (const id of COMPILED) {
    it(id, async () => {
      const inputs = await samplesOf(id);
      assert.ok(inputs.length > 0);
      let succeeded = 0;
      for (const [i, s] of inputs.entries()) {
        const outcome = await assertEquivalent(pair(id), s.input, s.bindings, `${id} sample ${i}`);
        if (outcome.ok) succeeded++;
      }
      assert.ok(succeeded > 0, "at least one sample maps (the comparison is not only of failures)");
    });
  }
});

// ---- generated inputs -----------------------------------------------------------------------

/** Every path to a value in a JSON document (objects and arrays), to aim mutations at. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

const oddValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined), // removes the field
  fc.boolean(),
  fc.constantFrom(0, -0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, 123456789.123456789, 12.5, -816.12, Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("", " ", "0", "12.000", "PC", "KG", "ZZ1", "C", "A", "/Date(1742515200000)/", "PT14H05M00S", "2025-03-21T14:05:00Z", "Sales Order #SO-1"),
  fc.string({ maxLength: 6 }),
  fc.constant({}),
  fc.constant([]),
);

type Mutation = { at: number; kind: "set"; value: unknown } | { at: number; kind: "wrap" | "unwrap" | "delete" };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), kind: fc.constant("set" as const), value: oddValue }),
  fc.record({ at: fc.nat(), kind: fc.constantFrom("wrap" as const, "unwrap" as const, "delete" as const) }),
);

/** Applies mutations to a copy: a field set to an odd value, removed, an object made a one-item array or an array its first item. */
function mutate(input: unknown, mutations: Mutation[]): unknown {
  const doc = structuredClone(input);
  for (const m of mutations) {
    const all = paths(doc);
    if (all.length === 0) break;
    const path = all[m.at % all.length]!;
    let parent = doc as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    const current = parent[key];
    if (m.kind === "delete" || (m.kind === "set" && m.value === undefined)) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.kind === "set") parent[key] = m.value;
    else if (m.kind === "wrap") parent[key] = [current];
    else if (Array.isArray(current) && current.length > 0) parent[key] = current[0];
  }
  return doc;
}

describe("fast path equals jsonata on generated inputs", () => {
  for (const id of COMPILED) {
    it(`${id}: fields missing, null, odd numbers and strings, arrays vs singletons`, async () => {
      const base = await samplesOf(id);
      let mapped = 0;
      await fc.assert(
        fc.asyncProperty(fc.nat(base.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, mutations) => {
          const s = base[which]!;
          if ((await assertEquivalent(pair(id), mutate(s.input, mutations), s.bindings, id)).ok) mapped++;
        }),
        { numRuns: 80, seed: 20250322 },
      );
      assert.ok(mapped > 0, "some generated inputs map (not only failures are compared)");
    });
  }

  it("scanner-gs1: generated element strings", async () => {
    const ai = fc.constantFrom("00", "01", "02", "10", "11", "17", "21", "37", "3103", "3302", "3922", "400", "90");
    const element = fc.tuple(ai, fc.stringMatching(/^[0-9A-Z.-]{0,18}$/)).map(([a, v]) => a + v);
    const scan = fc.tuple(fc.constantFrom("", "]C1", "]d2", "]Q3", "]"), fc.array(element, { maxLength: 4 })).map(([sym, els]) => sym + els.join(GS));
    await fc.assert(
      fc.asyncProperty(scan, fc.boolean(), async (raw, withProps) => {
        const props: Record<string, string> = withProps ? { deviceId: "RF-1", seq: "7", loadId: "L" } : {};
        await assertEquivalent(pair("scanner-gs1"), raw, bindings("wms/DC1/scanner/RF-1/pick", {}, props), "scanner-gs1");
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

/** Expressions an analyst might write, each aimed at one piece of JSONata's semantics. */
const EXPRESSIONS = [
  "a", "a.b", "a.b.c", "a[0]", "a[-1].b", "a[b > 1]", "a[b = 'x'][0].c", "a.b[0]", "a[]", "a.b[]", "$.a", "$$.a", "*", "a.*",
  "[a]", "[a, b]", "[[a], b]", "[a.b]", "a.[b]", "{'x': a, 'y': b.c}", "a.{'k': b}", "{'n': $count(a)}",
  "a & b", "$string(a)", "$string(a) & '/' & $string(b)", "$number(a)", "$exists(a) ? 'y' : 'n'", "a ? a : b", "a and b", "a or b",
  "a = b", "a != b", "a > 1", "a < b", "a + 1", "-a", "a * 2 - b", "a % 3", "a in ['x', 'y', 1]", "a in b",
  "($x := a; $y := $x.b; {'x': $x, 'y': $y})", "($f := function($v) { $v ? $string($v) }; $f(a) & $f(b))",
  "($t := function($v) { $v ? ($s := $trim($v); $s != '' ? $s) }; [$t(a), $t(b)])",
  "$lookup({'x': 1, 'y': 2}, a)", "$join(a, ',')", "$substring(a, 1, 2)", "$type(a)", "$not(a)", "$boolean(a)", "$count(a)", "$sum(a)",
  "$max(a)", "$distinct(a)", "$merge([a, b])", "$keys(a)", "$trim(a)", "$pad($string(a), -4, '0')", "$uppercase(a)", "$length(a)",
  "$match(a, /(\\d+)-(\\w)/).groups[1]", "$replace(a, /\\.?0+$/, '')", "$replace(a, 'x', 'y')", "$contains(a, /[1-9]/)", "$contains(a, 'b')",
  "$sort(a)", "$sort(a, function($l, $r) { $l.b > $r.b })", "$sort(a, function($l, $r) { $string($l) > $string($r) })",
  "a.$string($)", "a.($ & '!')", "a ~> $string()", "a ~> $count", "$x", "$gs1(a)", "$error(a)", "$fromMillis(a)", "$toMillis(a)",
  // paths over single values, then an array or a sequence part-way (the single-value shortcut hands over)
  "a.b.c.x", "$x.a.b", "$x.a[0]", "a.[b].c", "a.[b, c]", "{'s': a[]}.s", "{'s': a.b}.s.c", "($v := a[]; $v.b)", "($v := a.b; $v.c)",
  "a.(b).c", "a.{'k': b}.k", "$.a.b", "$$.a.b.c", "a.[b, c].$count($)", "$x.[a].$type($)",
  // `#$i` positional bindings (tuple streams): on steps, as index stages between filters, across steps
  "a#$i.b", "a#$i.$i", "a#$i[$i > 0]", "a#$i[$i > 0].[$i, b]", "$x#$i[0]", "$x#$i[-1].$i", "a#$i[b]#$j[$j = 0].$i", "a[b]#$i.($i & ':' & $string(c))",
  "a#$i.b#$j.[$i, $j]", "a.b#$i.c", "$x#$i[$i < 2 and b].c", "$min($x#$i[b = 'x'].$i)", "a#$i.(b)[0]", "a#$i[[0, 1]]", "a#$i[$i].b", "$count(a#$i[$i > 0])",
  "($j := 1; a#$i[$i = $j].b)", "a#$i.($k := $i; c.$k)", "a#$i.{'i': $i, 'v': b}", "a#$i[]", "[a#$i.$i]",
  "a.b#$i.$i", "a.b#$i[$i = 0]", "a.b#$i.c#$j.[$i, $j]",
  "($i := 1; a#$k[$i = $k].b#$i.[$i, $k])", "($i := 0; a[$i = 0]#$i.$i)",
  // names bound in the expression vs the call's bindings and built-ins (resolved at compile time)
  "($x := a; $x)", "[$x, ($x := b; $x), $x]", "($string := function($v) { 'S' & $v }; $string(a))", "($f := function() { $z }; $z := a; $f())",
  "($topic := 'mine'; $topic & $string($x))", "$topicParts[1] & $topic", "a#$x.$x", "($g := function($x) { $x.b }; $g(a) & $string($x))",
];

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.constantFrom(0, 1, 2, -1, 1.5, 0.1 + 0.2, 1e21, 1742515200000),
    fc.constantFrom("", "x", "y", "b", "12-a", "816.120", " pad ", "2025-03-21T14:05:00Z", "]C100340123450000000017"),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "c", "x"), tie("value"), { maxKeys: 3 }),
  ),
})).value;

describe("fast path equals jsonata on an analyst's own expressions", () => {
  it("every expression compiles to the fast path", () => {
    for (const e of EXPRESSIONS) assert.equal(compileMapping(e, "json").engine, "fast", e);
  });

  it("on generated data (values, errors), for every expression", async () => {
    const compiled = EXPRESSIONS.map((e) => ({ e, p: pairFor(e) }));
    await fc.assert(
      fc.asyncProperty(json, async (data) => {
        for (const { e, p } of compiled) await assertEquivalent(p, data, bindings("t/u", { x: data }), e);
      }),
      { numRuns: 120, seed: 42 },
    );
  });
});

describe("fast path equals jsonata on # positional bindings over nested arrays", () => {
  it("positions count within each input item's results, and index stages after filters renumber", async () => {
    const data = { a: [{ b: [{ c: [1, 2] }, { c: 3 }] }, { b: [{ c: [4] }, { c: [5, 6] }, { c: 7 }] }, { b: "x" }] };
    const exprs = ["($i := 1; a#$k[$k = $i].b#$i.[$i, $k])", "a.b#$i.$i", "a.b#$i[$i = 1].c", "a.b#$i.c#$j.[$i, $j]", "a.b[c]#$i[$i > 0].c", "a#$i.b#$j[$j = $i].c", "a#$i.b[-1]", "a#$i.b#$j[-1].[$i, $j]"];
    for (const e of exprs) {
      const outcome = await assertEquivalent(pairFor(e), data, bindings(), e);
      assert.ok(outcome.ok, `${e} maps`);
    }
  });
});

describe("through the mapper", () => {
  it("gives jsonata's own error, word for word, and jsonata's result where the fast path hands over", async () => {
    const profile = findProfile("sap-outbound-delivery")!;
    const odd = structuredClone(fixture("sap-outbound-delivery.json")) as { d: { results: { to_DeliveryDocumentItem: { results: Record<string, unknown>[] } }[] } };
    odd.d.results[0]!.to_DeliveryDocumentItem.results[0]!.DeliveryQuantityUnit = "ZZ1";
    const fast = compileMapping(profileSource(profile), "json");
    const slow = compileMapping(profileSource(profile), "json", { fast: false });
    assert.equal(fast.engine, "fast");
    const errorOf = async (p: Promise<unknown>) => p.then(() => assert.fail("should fail"), (e: unknown) => e);
    const a = await errorOf(fast.map(odd, { receivedAt: RECEIVED }));
    const b = await errorOf(slow.map(odd, { receivedAt: RECEIVED }));
    assert.ok(a instanceof InputError && b instanceof InputError);
    assert.equal(a.message, b.message);
    assert.match(a.message, /SAP unit ZZ1/);
    // $millis is not on the fast path: such an expression compiles to jsonata
    assert.equal(compileMapping("$millis()", "json").engine, "jsonata");
  });

  it("a bad GS1 scan fails the same way on both engines", async () => {
    const fast = compileMapping(profileSource(findProfile("scanner-gs1")!), "text");
    const slow = compileMapping(profileSource(findProfile("scanner-gs1")!), "text", { fast: false });
    const ctx = { topic: "wms/DC1/scanner/RF-1/pack", receivedAt: RECEIVED };
    const bad = `]C100${SSCC.slice(0, 17)}8`;
    const [a, b] = await Promise.all([fast.map(bad, ctx).catch((e: unknown) => e), slow.map(bad, ctx).catch((e: unknown) => e)]);
    assert.ok(a instanceof InputError, "the bad check digit is refused");
    assert.equal((a as Error).message, (b as Error).message);
  });
});
