/**
 * GS1 Application Identifier table: our own TypeScript data, written from the public GS1 General
 * Specifications (AI definitions §3.2, pre-defined length table figure 7.8.4-2, mandatory and invalid
 * pairings §4.14). Covers identification keys, dates, measures, logistics and shipping AIs and the
 * other common ones; extend by adding `row(...)` calls.
 *
 * Format notation in the rows (parsed once at module load, never per scan):
 *   component = Type Length [",lint"...]; components separated by spaces; `[...]` = optional last part
 *   Type: N digits, X GS1 character set 82, Y character set 39, Z base64url
 *   Length: `18` exact, `..20` 1 to 20, `6..12` 6 to 12
 * `req`: alternatives separated by `,`, each alternative an AND of AIs joined by `+`
 *   (`"00+02,00+8026"` = needs 00 and 02, or 00 and 8026). `ex`: AIs that must not appear with it.
 *   A trailing `n` in a pattern matches any digit (`310n`), `nn` two digits (`31nn`).
 *
 * Not checked (would need code lists that belong in canonical/): membership of ISO 3166 country and
 * ISO 4217 currency codes, GS1 company prefixes, coupon internals (8110/8112).
 */
import type { Gs1FieldName } from "./types";

export type CharSet = "N" | "X" | "Y" | "Z";

export type Lint =
  | "csum" // mod-10 check digit in the last position of the component
  | "csumalpha" // GMN check character pair
  | "yymmd0" // YYMMDD, day 00 allowed (= last day of month)
  | "yymmdd" // YYMMDD
  | "hhmm" // 24-hour time
  | "hh"
  | "mi"
  | "ss"
  | "yesno" // 0 or 1
  | "zero" // must be 0
  | "nonzero" // digits not all zero
  | "nozeroprefix" // no leading zero
  | "pieceoftotal" // NNTT: piece NN of TT, 1 ≤ NN ≤ TT
  | "winding" // 0, 1 or 9
  | "hyphen" // must be "-"
  | "latitude" // N10: 0…1800000000 (degrees + 90, 7 decimals)
  | "longitude" // N10: 0…3600000000 (degrees + 180, 7 decimals)
  | "iban"
  | "pcenc"; // percent-encoding: "%" followed by two hex digits

export interface Component {
  readonly charset: CharSet;
  readonly min: number;
  readonly max: number;
  readonly optional: boolean;
  readonly lints: readonly Lint[];
}

/** How the parser types an element's value. */
export type ValueKind =
  | "text" // string as transmitted
  | "integer" // number
  | "date" // YYYY-MM-DD
  | "dateTime" // YYYY-MM-DDTHH:MM[:SS] from date + time components
  | "dateRange" // YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD (7007)
  | "decimal" // implied decimals = last AI digit, decimal string (+ unit for measures)
  | "signedDecimal" // N6 with 2 implied decimals and optional "-" (4330-4333 temperatures)
  | "currencyDecimal" // N3 ISO 4217 + amount with implied decimals (391n, 393n)
  | "countryText" // N3 ISO 3166 + text (421, 703n)
  | "country"; // N3 ISO 3166 (422, 424, 426)

/** An AI or an AI pattern (`310n`, `31nn`) as used in pairing rules. */
export interface AiPattern {
  readonly prefix: string;
  readonly length: number;
  readonly text: string;
}

export interface AiDefinition {
  readonly ai: string;
  readonly title: string;
  /** In GS1's pre-defined length table: its data never needs a FNC1/GS after it. */
  readonly predefinedLength: boolean;
  readonly components: readonly Component[];
  readonly minLength: number;
  readonly maxLength: number;
  readonly kind: ValueKind;
  /** Implied decimal places (measures, amounts): the last digit of the AI. */
  readonly decimals: number;
  readonly unit?: string;
  readonly field?: Gs1FieldName;
  /** OR of AND-groups; empty = no mandatory pairing. */
  readonly requires: readonly (readonly AiPattern[])[];
  readonly excludes: readonly AiPattern[];
}

interface RowOptions {
  /** Pre-defined length (no FNC1 needed). */
  fixed?: boolean;
  kind?: ValueKind;
  field?: Gs1FieldName;
  unit?: string;
  decimals?: number;
  req?: string;
  ex?: string;
}

const table = new Map<string, AiDefinition>();

function parsePattern(text: string): AiPattern {
  let prefix = text;
  while (prefix.endsWith("n")) prefix = prefix.slice(0, -1);
  return { prefix, length: text.length, text };
}

function parseSpec(ai: string, spec: string): Component[] {
  return spec.split(" ").map((part) => {
    const optional = part.startsWith("[");
    // "[N6],yymmdd" and "[N6,yymmdd]" both mean: optional N6 with linter yymmdd.
    const cleaned = part.replace("[", "").replace("]", "");
    const [type, ...lints] = cleaned.split(",");
    const m = /^([NXYZ])(\d*)(?:\.\.(\d+))?$/.exec(type ?? "");
    if (!m) throw new Error(`ai-table: bad spec "${spec}" for AI ${ai}`);
    const charset = m[1] as CharSet;
    const max = Number(m[3] ?? m[2]);
    const min = m[3] === undefined ? max : m[2] === "" ? 1 : Number(m[2]);
    return { charset, min, max, optional, lints: lints as Lint[] };
  });
}

function row(ai: string, title: string, spec: string, o: RowOptions = {}): void {
  if (table.has(ai)) throw new Error(`ai-table: AI ${ai} defined twice`);
  const components = parseSpec(ai, spec);
  let minLength = 0;
  let maxLength = 0;
  for (const c of components) {
    if (!c.optional) minLength += c.min;
    maxLength += c.max;
  }
  table.set(ai, {
    ai,
    title,
    predefinedLength: o.fixed === true,
    components,
    minLength,
    maxLength,
    kind: o.kind ?? "text",
    decimals: o.decimals ?? 0,
    ...(o.unit === undefined ? {} : { unit: o.unit }),
    ...(o.field === undefined ? {} : { field: o.field }),
    requires: o.req ? o.req.split(",").map((alt) => alt.split("+").map(parsePattern)) : [],
    excludes: o.ex ? o.ex.split(",").map(parsePattern) : [],
  });
}

// Frequently used pairing sets.
const TRADE_ITEM = "01,02,03,8006,8026"; // things that describe a trade item (or its contents)

// ---------------------------------------------------------------------------------------------
// Identification keys and item attributes
row("00", "SSCC", "N18,csum", { fixed: true, field: "sscc" });
row("01", "GTIN", "N14,csum", { fixed: true, field: "gtin", ex: "02,03,255,37" });
row("02", "CONTENT", "N14,csum", { fixed: true, field: "containedGtin", req: "37", ex: "01,03" });
row("03", "MTO GTIN", "N14,csum", { fixed: true, field: "mtoGtin", ex: "01,02,37,235" });
row("10", "BATCH/LOT", "X..20", { field: "batch", req: TRADE_ITEM });
row("11", "PROD DATE", "N6,yymmd0", { fixed: true, kind: "date", field: "productionDate", req: TRADE_ITEM });
row("12", "DUE DATE", "N6,yymmd0", { fixed: true, kind: "date", field: "dueDate", req: "8020" });
row("13", "PACK DATE", "N6,yymmd0", { fixed: true, kind: "date", field: "packDate", req: TRADE_ITEM });
row("15", "BEST BEFORE or BEST BY", "N6,yymmd0", { fixed: true, kind: "date", field: "bestBefore", req: TRADE_ITEM });
row("16", "SELL BY", "N6,yymmd0", { fixed: true, kind: "date", field: "sellBy", req: TRADE_ITEM });
row("17", "USE BY or EXPIRY", "N6,yymmd0", { fixed: true, kind: "date", field: "expiry", req: `${TRADE_ITEM},255` });
row("20", "VARIANT", "N2", { fixed: true, field: "variant", req: TRADE_ITEM });
// Serial numbers identify an instance of one trade item, so not with 02 (contents of a logistic unit).
row("21", "SERIAL", "X..20", { field: "serial", req: "01,03,8006", ex: "235" });
row("22", "CPV", "X..20", { req: "01" });
row("235", "TPX", "X..28", { req: "01" });
row("240", "ADDITIONAL ID", "X..30", { field: "additionalId", req: TRADE_ITEM });
row("241", "CUST. PART No.", "X..30", { field: "customerPartNumber", req: TRADE_ITEM });
row("242", "MTO VARIANT", "N..6", { req: "01,02,8006,8026" });
row("243", "PCN", "X..20", { req: "01,03" });
row("250", "SECONDARY SERIAL", "X..30", { field: "secondarySerial", req: "01+21,03+21,8006+21" });
row("251", "REF. TO SOURCE", "X..30", { req: "01,03,8006" });
row("253", "GDTI", "N13,csum [X..17]", { field: "gdti" });
row("254", "GLN EXTENSION COMPONENT", "X..20", { req: "414" });
row("255", "GCN", "N13,csum [N..12]", { field: "gcn", ex: "01,02,415,8006,8020,8026" });
row("30", "VAR. COUNT", "N..8", { kind: "integer", field: "variableCount", req: "01,02" });
row("37", "COUNT", "N..8", { kind: "integer", field: "count", req: "00+02,00+8026" });

// ---------------------------------------------------------------------------------------------
// Measures 31nn–36nn: N6, last AI digit = decimals. Trade measures pair with 01/02, logistic
// measures (gross weight, dimensions of the logistic unit) with 00/01. Two different decimal
// positions of the same measure (3102 and 3103) contradict each other: ex = own `nnnn` pattern.
interface MeasureFamily {
  base: string;
  title: string;
  unit: string;
  logistic: boolean;
  field?: Gs1FieldName;
}
const MEASURES: MeasureFamily[] = [
  { base: "310", title: "NET WEIGHT (kg)", unit: "KGM", logistic: false, field: "netWeight" },
  { base: "311", title: "LENGTH (m)", unit: "MTR", logistic: false, field: "length" },
  { base: "312", title: "WIDTH (m)", unit: "MTR", logistic: false, field: "width" },
  { base: "313", title: "HEIGHT (m)", unit: "MTR", logistic: false, field: "height" },
  { base: "314", title: "AREA (m²)", unit: "MTK", logistic: false, field: "area" },
  { base: "315", title: "NET VOLUME (l)", unit: "LTR", logistic: false, field: "netVolume" },
  { base: "316", title: "NET VOLUME (m³)", unit: "MTQ", logistic: false, field: "netVolume" },
  { base: "320", title: "NET WEIGHT (lb)", unit: "LBR", logistic: false, field: "netWeight" },
  { base: "321", title: "LENGTH (in)", unit: "INH", logistic: false, field: "length" },
  { base: "322", title: "LENGTH (ft)", unit: "FOT", logistic: false, field: "length" },
  { base: "323", title: "LENGTH (yd)", unit: "YRD", logistic: false, field: "length" },
  { base: "324", title: "WIDTH (in)", unit: "INH", logistic: false, field: "width" },
  { base: "325", title: "WIDTH (ft)", unit: "FOT", logistic: false, field: "width" },
  { base: "326", title: "WIDTH (yd)", unit: "YRD", logistic: false, field: "width" },
  { base: "327", title: "HEIGHT (in)", unit: "INH", logistic: false, field: "height" },
  { base: "328", title: "HEIGHT (ft)", unit: "FOT", logistic: false, field: "height" },
  { base: "329", title: "HEIGHT (yd)", unit: "YRD", logistic: false, field: "height" },
  { base: "330", title: "GROSS WEIGHT (kg)", unit: "KGM", logistic: true, field: "grossWeight" },
  { base: "331", title: "LENGTH (m), log", unit: "MTR", logistic: true, field: "logisticLength" },
  { base: "332", title: "WIDTH (m), log", unit: "MTR", logistic: true, field: "logisticWidth" },
  { base: "333", title: "HEIGHT (m), log", unit: "MTR", logistic: true, field: "logisticHeight" },
  { base: "334", title: "AREA (m²), log", unit: "MTK", logistic: true, field: "logisticArea" },
  { base: "335", title: "VOLUME (l), log", unit: "LTR", logistic: true, field: "logisticVolume" },
  { base: "336", title: "VOLUME (m³), log", unit: "MTQ", logistic: true, field: "logisticVolume" },
  // Rec 20 "28" = kilogram per square metre. Pairs with 01 only (special-cased below).
  { base: "337", title: "KG PER m²", unit: "28", logistic: false },
  { base: "340", title: "GROSS WEIGHT (lb)", unit: "LBR", logistic: true, field: "grossWeight" },
  { base: "341", title: "LENGTH (in), log", unit: "INH", logistic: true, field: "logisticLength" },
  { base: "342", title: "LENGTH (ft), log", unit: "FOT", logistic: true, field: "logisticLength" },
  { base: "343", title: "LENGTH (yd), log", unit: "YRD", logistic: true, field: "logisticLength" },
  { base: "344", title: "WIDTH (in), log", unit: "INH", logistic: true, field: "logisticWidth" },
  { base: "345", title: "WIDTH (ft), log", unit: "FOT", logistic: true, field: "logisticWidth" },
  { base: "346", title: "WIDTH (yd), log", unit: "YRD", logistic: true, field: "logisticWidth" },
  { base: "347", title: "HEIGHT (in), log", unit: "INH", logistic: true, field: "logisticHeight" },
  { base: "348", title: "HEIGHT (ft), log", unit: "FOT", logistic: true, field: "logisticHeight" },
  { base: "349", title: "HEIGHT (yd), log", unit: "YRD", logistic: true, field: "logisticHeight" },
  { base: "350", title: "AREA (in²)", unit: "INK", logistic: false, field: "area" },
  { base: "351", title: "AREA (ft²)", unit: "FTK", logistic: false, field: "area" },
  { base: "352", title: "AREA (yd²)", unit: "YDK", logistic: false, field: "area" },
  { base: "353", title: "AREA (in²), log", unit: "INK", logistic: true, field: "logisticArea" },
  { base: "354", title: "AREA (ft²), log", unit: "FTK", logistic: true, field: "logisticArea" },
  { base: "355", title: "AREA (yd²), log", unit: "YDK", logistic: true, field: "logisticArea" },
  // Troy ounce (APZ); 357n is "net weight or volume, ounces": Rec 20 ONZ (avoirdupois ounce).
  { base: "356", title: "NET WEIGHT (t oz)", unit: "APZ", logistic: false, field: "netWeight" },
  { base: "357", title: "NET VOLUME (oz)", unit: "ONZ", logistic: false, field: "netVolume" },
  // US liquid quart (QTL) and US gallon (GLL).
  { base: "360", title: "NET VOLUME (qt)", unit: "QTL", logistic: false, field: "netVolume" },
  { base: "361", title: "NET VOLUME (gal.)", unit: "GLL", logistic: false, field: "netVolume" },
  { base: "362", title: "VOLUME (qt), log", unit: "QTL", logistic: true, field: "logisticVolume" },
  { base: "363", title: "VOLUME (gal.), log", unit: "GLL", logistic: true, field: "logisticVolume" },
  { base: "364", title: "VOLUME (in³)", unit: "INQ", logistic: false, field: "netVolume" },
  { base: "365", title: "VOLUME (ft³)", unit: "FTQ", logistic: false, field: "netVolume" },
  { base: "366", title: "VOLUME (yd³)", unit: "YDQ", logistic: false, field: "netVolume" },
  { base: "367", title: "VOLUME (in³), log", unit: "INQ", logistic: true, field: "logisticVolume" },
  { base: "368", title: "VOLUME (ft³), log", unit: "FTQ", logistic: true, field: "logisticVolume" },
  { base: "369", title: "VOLUME (yd³), log", unit: "YDQ", logistic: true, field: "logisticVolume" },
];
for (const m of MEASURES) {
  for (let d = 0; d <= 5; d++) {
    row(`${m.base}${d}`, m.title, "N6", {
      fixed: true,
      kind: "decimal",
      decimals: d,
      unit: m.unit,
      ...(m.field === undefined ? {} : { field: m.field }),
      req: m.base === "337" ? "01" : m.logistic ? "00,01" : "01,02",
      ex: `${m.base}n`,
    });
  }
}

// Amounts and prices (390n–395n): decimals = last AI digit.
for (let d = 0; d <= 9; d++) {
  row(`390${d}`, "AMOUNT", "N..15", { kind: "decimal", decimals: d, req: "255,8020", ex: "390n,391n,394n,8111" });
  row(`391${d}`, "AMOUNT", "N3 N..15", { kind: "currencyDecimal", decimals: d, req: "8020", ex: "391n" });
  row(`392${d}`, "PRICE", "N..15", {
    kind: "decimal",
    decimals: d,
    req: "01+30,01+31nn,01+32nn,01+35nn,01+36nn",
    ex: "392n,393n",
  });
  row(`393${d}`, "PRICE", "N3 N..15", {
    kind: "currencyDecimal",
    decimals: d,
    req: "30,31nn,32nn,35nn,36nn",
    ex: "393n",
  });
}
for (let d = 0; d <= 3; d++) {
  row(`394${d}`, "PRCNT OFF", "N4", { kind: "decimal", decimals: d, req: "255", ex: "394n,8111" });
}
for (let d = 0; d <= 5; d++) {
  row(`395${d}`, "PRICE/UoM", "N6", {
    kind: "decimal",
    decimals: d,
    req: "30,31nn,32nn,35nn,36nn",
    ex: "392n,393n,395n,8005",
  });
}

// ---------------------------------------------------------------------------------------------
// Shipping and logistics
row("400", "ORDER NUMBER", "X..30", { field: "orderNumber" });
row("401", "GINC", "X..30", { field: "ginc" });
row("402", "GSIN", "N17,csum", { field: "gsin" });
row("403", "ROUTE", "X..30", { field: "routingCode", req: "00" });
row("410", "SHIP TO LOC", "N13,csum", { fixed: true, field: "shipToGln" });
row("411", "BILL TO", "N13,csum", { fixed: true, field: "billToGln" });
row("412", "PURCHASE FROM", "N13,csum", { fixed: true, field: "purchaseFromGln" });
row("413", "SHIP FOR LOC", "N13,csum", { fixed: true, field: "shipForGln" });
row("414", "LOC No.", "N13,csum", { fixed: true, field: "locationGln" });
row("415", "PAY TO", "N13,csum", { fixed: true, field: "payToGln", req: "8020" });
row("416", "PROD/SERV LOC", "N13,csum", { fixed: true, field: "productionLocationGln" });
row("417", "PARTY", "N13,csum", { fixed: true, field: "partyGln" });
row("420", "SHIP TO POST", "X..20", { field: "shipToPostal", ex: "421" });
row("421", "SHIP TO POST", "N3 X..9", { kind: "countryText", field: "shipToPostal", ex: "4307" });
row("422", "ORIGIN", "N3", { kind: "country", field: "countryOfOrigin", req: TRADE_ITEM, ex: "426" });
row("423", "COUNTRY - INITIAL PROCESS", "N3 [N3] [N3] [N3] [N3]", { req: "01,02,03", ex: "426" });
row("424", "COUNTRY - PROCESS", "N3", { kind: "country", req: "01,02,03", ex: "426" });
row("425", "COUNTRY - DISASSEMBLY", "N3 [N3] [N3] [N3] [N3]", { req: "01,02,03", ex: "426" });
row("426", "COUNTRY - FULL PROCESS", "N3", { kind: "country", req: "01,02,03" });
row("427", "ORIGIN SUBDIVISION", "X..3", { req: "01+422,02+422,03+422" });
// Ship-to / return-to address of a parcel: all hang off the SSCC.
row("4300", "SHIP TO COMP", "X..35,pcenc", { req: "00" });
row("4301", "SHIP TO NAME", "X..35,pcenc", { req: "00" });
row("4302", "SHIP TO ADD1", "X..70,pcenc", { req: "00" });
row("4303", "SHIP TO ADD2", "X..70,pcenc", { req: "4302" });
row("4304", "SHIP TO SUB", "X..70,pcenc", { req: "00" });
row("4305", "SHIP TO LOC", "X..70,pcenc", { req: "00" });
row("4306", "SHIP TO REG", "X..70,pcenc", { req: "00" });
row("4307", "SHIP TO COUNTRY", "X2", { req: "00" });
row("4308", "SHIP TO PHONE", "X..30", { req: "00" });
row("4309", "SHIP TO GEO", "N10,latitude N10,longitude", { req: "00" });
row("4310", "RTN TO COMP", "X..35,pcenc", { req: "00" });
row("4311", "RTN TO NAME", "X..35,pcenc", { req: "00" });
row("4312", "RTN TO ADD1", "X..70,pcenc", { req: "00" });
row("4313", "RTN TO ADD2", "X..70,pcenc", { req: "4312" });
row("4314", "RTN TO SUB", "X..70,pcenc", { req: "00" });
row("4315", "RTN TO LOC", "X..70,pcenc", { req: "00" });
row("4316", "RTN TO REG", "X..70,pcenc", { req: "00" });
row("4317", "RTN TO COUNTRY", "X2", { req: "00" });
row("4318", "RTN TO POST", "X..20", { req: "00" });
row("4319", "RTN TO PHONE", "X..30", { req: "00" });
row("4320", "SRV DESCRIPTION", "X..35,pcenc", { req: "00" });
row("4321", "DANGEROUS GOODS", "N1,yesno", { kind: "integer", req: "00" });
row("4322", "AUTH TO LEAVE", "N1,yesno", { kind: "integer", req: "00" });
row("4323", "SIG REQUIRED", "N1,yesno", { kind: "integer", req: "00" });
row("4324", "NOT BEF DEL DT", "N6,yymmd0 N4,hhmm", { kind: "dateTime", req: "00" });
row("4325", "NOT AFT DEL DT", "N6,yymmd0 N4,hhmm", { kind: "dateTime", req: "00" });
row("4326", "REL DATE", "N6,yymmdd", { kind: "date", req: "00" });
row("4330", "MAX TEMP F.", "N6 [X1,hyphen]", {
  kind: "signedDecimal",
  decimals: 2,
  unit: "FAH",
  req: "00",
  ex: "4331",
});
row("4331", "MAX TEMP C.", "N6 [X1,hyphen]", {
  kind: "signedDecimal",
  decimals: 2,
  unit: "CEL",
  req: "00",
  ex: "4330",
});
row("4332", "MIN TEMP F.", "N6 [X1,hyphen]", {
  kind: "signedDecimal",
  decimals: 2,
  unit: "FAH",
  req: "00",
  ex: "4333",
});
row("4333", "MIN TEMP C.", "N6 [X1,hyphen]", {
  kind: "signedDecimal",
  decimals: 2,
  unit: "CEL",
  req: "00",
  ex: "4332",
});

// ---------------------------------------------------------------------------------------------
// 7000 series: NATO stock number, food, healthcare, refurbishment, certification
row("7001", "NSN", "N13", { req: "01,02,8006,8026" });
row("7002", "MEAT CUT", "X..30", { req: "01,02" });
row("7003", "EXPIRY TIME", "N6,yymmdd N4,hhmm", { kind: "dateTime", field: "expiryDateTime", req: "01,02,03" });
row("7004", "ACTIVE POTENCY", "N..4", { kind: "integer", req: "01+10,03+10" });
row("7005", "CATCH AREA", "X..12", { req: "01,02" });
row("7006", "FIRST FREEZE DATE", "N6,yymmdd", { kind: "date", req: "01,02" });
row("7007", "HARVEST DATE", "N6,yymmdd [N6,yymmdd]", { kind: "dateRange", req: "01,02" });
row("7008", "AQUATIC SPECIES", "X..3", { req: "01,02" });
row("7009", "FISHING GEAR TYPE", "X..10", { req: "01,02" });
row("7010", "PROD METHOD", "X..2", { req: "01,02,03" });
row("7011", "TEST BY DATE", "N6,yymmdd [N4,hhmm]", { kind: "dateTime", req: "01,02,03" });
row("7020", "REFURB LOT", "X..20", { req: "01+416,03+416,8006+416" });
row("7021", "FUNC STAT", "X..20", { req: "01,03,8006" });
row("7022", "REV STAT", "X..20", { req: "01+7021,03+7021,8006+7021" });
row("7023", "GIAI - ASSEMBLY", "X..30");
for (let d = 0; d <= 9; d++) {
  row(`703${d}`, `PROCESSOR # ${d}`, "N3 X..27", { kind: "countryText", req: "01,02" });
}
row("7040", "UIC+EXT", "N1 X1 X1 X1");
for (const [ai, title] of [
  ["710", "NHRN PZN"],
  ["711", "NHRN CIP"],
  ["712", "NHRN CN"],
  ["713", "NHRN DRN"],
  ["714", "NHRN AIM"],
  ["715", "NHRN NDC"],
  ["716", "NHRN AIC"],
  ["717", "NHRN SRN"],
] as const) {
  row(ai, title, "X..20", { req: "01" });
}
for (let d = 0; d <= 9; d++) {
  row(`723${d}`, `CERT # ${d + 1}`, "X2 X..28", { req: "01,8004" });
}
row("7240", "PROTOCOL", "X..20", { req: "01,8006", ex: "03" });

// ---------------------------------------------------------------------------------------------
// 8000 series: returnable/individual assets, service relations, coupons
row("8001", "DIMENSIONS", "N4,nonzero N5,nonzero N3,nonzero N1,winding N1", { req: "01" });
row("8002", "CMT No.", "X..20");
row("8003", "GRAI", "N1,zero N13,csum [X..16]", { field: "grai" });
row("8004", "GIAI", "X..30", { field: "giai" });
row("8005", "PRICE PER UNIT", "N6", { req: "01,02" });
row("8006", "ITIP", "N14,csum N4,pieceoftotal", { field: "itip", ex: "01,03,37" });
row("8007", "IBAN", "X..34,iban", { req: "415" });
row("8008", "PROD TIME", "N6,yymmdd N2,hh [N2,mi] [N2,ss]", {
  kind: "dateTime",
  field: "productionDateTime",
  req: "01,02,03",
});
row("8009", "OPTSEN", "X..50", { req: "00,01,03" });
row("8010", "CPID", "Y..30", { field: "cpid" });
row("8011", "CPID SERIAL", "N..12,nozeroprefix", { req: "8010" });
row("8012", "VERSION", "X..20", { req: "01,03,8006" });
row("8013", "GMN", "X..25,csumalpha", { field: "gmn" });
row("8017", "GSRN - PROVIDER", "N18,csum", { field: "gsrnProvider", ex: "8018" });
row("8018", "GSRN - RECIPIENT", "N18,csum", { field: "gsrnRecipient", ex: "8017" });
row("8019", "SRIN", "N..10", { req: "8017,8018" });
row("8020", "REF No.", "X..25", { req: "415" });
row("8026", "ITIP CONTENT", "N14,csum N4,pieceoftotal", { req: "37", ex: "02,03,8006" });
row("8030", "DIGSIG", "Z..90", { req: "00,01+21,03+21,253,255,8003,8004,8006+21,8010+8011,8017,8018" });
row("8110", "COUPON (NORTH AMERICA)", "X..70");
row("8111", "POINTS", "N4", { req: "255" });
row("8112", "PAPERLESS COUPON (NORTH AMERICA)", "X..70");
row("8200", "PRODUCT URL", "X..70", { req: "01" });
row("90", "INTERNAL", "X..30");
for (let d = 1; d <= 9; d++) row(`9${d}`, "INTERNAL", "X..90");

/** All AIs we know, keyed by the AI itself (`"00"`, `"3102"`, `"8003"`). */
export const AI_TABLE: ReadonlyMap<string, AiDefinition> = table;

/**
 * AI length (2, 3 or 4) by its first two digits, indexed by their numeric value (0–99); 0 = no AI
 * starts with these digits. GS1 AIs form a prefix code: the first two digits fix the AI's length, so
 * the parser looks up once and then reads the AI without trying lengths.
 */
export const AI_LENGTH_BY_PREFIX: Uint8Array = (() => {
  const lengths = new Uint8Array(100);
  for (const ai of table.keys()) {
    const p = Number(ai.slice(0, 2));
    const seen = lengths[p]!;
    if (seen !== 0 && seen !== ai.length) throw new Error(`ai-table: AIs starting ${ai.slice(0, 2)} differ in length`);
    lengths[p] = ai.length;
  }
  return lengths;
})();

/** Definition of `ai`, or undefined when it is not in our table. */
export function lookupAi(ai: string): AiDefinition | undefined {
  return table.get(ai);
}

/** True when `ai` matches `pattern` (`310n` matches 3100–3109; an exact AI matches itself). */
export function matchesPattern(ai: string, pattern: AiPattern): boolean {
  return ai.length === pattern.length && ai.startsWith(pattern.prefix);
}
