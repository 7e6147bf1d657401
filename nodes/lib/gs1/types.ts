/** Public types of the GS1 element string decoder. */

/** GS1 symbologies recognised from their AIM symbology identifier (`]C1`, `]d2`, `]Q3`, `]e0`, `]J1`). */
export type Gs1Symbology = "GS1-128" | "GS1 DataMatrix" | "GS1 QR Code" | "GS1 DataBar" | "GS1 DotCode";

/** A measure with its implied decimal point applied, as a decimal string, and a UN/ECE Rec 20 unit. */
export interface Gs1Measure {
  /** Decimal string, e.g. `"12.50"`. Trailing zeros are kept: they carry the stated precision. */
  value: string;
  /** UN/ECE Recommendation 20 unit code, e.g. `KGM`, `MTR`, `LBR`. */
  unit: string;
  /** The AI it came from, e.g. `"3102"`. */
  ai: string;
}

export interface Gs1Element {
  /** Application Identifier, e.g. `"01"`, `"3102"`. */
  ai: string;
  /** GS1 short data title, e.g. `"SSCC"`, `"BATCH/LOT"`, `"NET WEIGHT (kg)"`. */
  title: string;
  /** The data field exactly as transmitted (without AI and separator). */
  raw: string;
  /**
   * Typed value: dates `YYYY-MM-DD`, date-times `YYYY-MM-DDTHH:MM[:SS]` (local to the label, no
   * offset), measures/amounts as decimal strings, counts as integers, keys and text as strings.
   */
  value: string | number;
  /** UN/ECE Rec 20 unit for measures (and `CEL`/`FAH` for temperatures). */
  unit?: string;
  /** ISO 3166-1 numeric country code carried in the field (421, 422, 424, 426, 703n). */
  country?: string;
  /** ISO 4217 numeric currency code (391n, 393n). */
  currency?: string;
  /** True when a YYMMDD date had day 00 and `value` is therefore the last day of the month. */
  dayOmitted?: boolean;
  /** The parts of a multi-part field (e.g. 8003 GRAI: zero, GRAI-13, serial), as transmitted. */
  components?: string[];
  /** Index (UTF-16 code unit) in the input where the AI starts. */
  position: number;
}

export interface Gs1Issue {
  /** Index (UTF-16 code unit) in the input the issue points at. */
  position: number;
  ai?: string;
  /**
   * Machine-readable rule: `input`, `empty`, `input-too-long`, `symbology`, `ai-syntax`, `unknown-ai`,
   * `truncated`, `too-long`, `too-short`, `charset`, `check-digit`, `date`, `format`, `duplicate`,
   * `requires`, `excludes`, `ambiguous`.
   */
  rule: string;
  /** Names the AI, the rule broken and the offending value. */
  message: string;
}

export interface Gs1Fields {
  sscc?: string;
  gtin?: string;
  containedGtin?: string;
  mtoGtin?: string;
  batch?: string;
  serial?: string;
  variant?: string;
  productionDate?: string;
  dueDate?: string;
  packDate?: string;
  bestBefore?: string;
  sellBy?: string;
  expiry?: string;
  expiryDateTime?: string;
  productionDateTime?: string;
  variableCount?: number;
  count?: number;
  netWeight?: Gs1Measure;
  length?: Gs1Measure;
  width?: Gs1Measure;
  height?: Gs1Measure;
  area?: Gs1Measure;
  netVolume?: Gs1Measure;
  grossWeight?: Gs1Measure;
  logisticLength?: Gs1Measure;
  logisticWidth?: Gs1Measure;
  logisticHeight?: Gs1Measure;
  logisticArea?: Gs1Measure;
  logisticVolume?: Gs1Measure;
  orderNumber?: string;
  ginc?: string;
  gsin?: string;
  routingCode?: string;
  shipToGln?: string;
  billToGln?: string;
  purchaseFromGln?: string;
  shipForGln?: string;
  locationGln?: string;
  payToGln?: string;
  productionLocationGln?: string;
  partyGln?: string;
  /** From 420 (postal code only) or 421 (ISO 3166 numeric country + postal code). */
  shipToPostal?: { country?: string; postalCode: string };
  countryOfOrigin?: string;
  additionalId?: string;
  customerPartNumber?: string;
  secondarySerial?: string;
  gdti?: string;
  gcn?: string;
  grai?: string;
  giai?: string;
  itip?: string;
  gsrnProvider?: string;
  gsrnRecipient?: string;
  gmn?: string;
  cpid?: string;
}

export type Gs1StringField = {
  [K in keyof Gs1Fields]-?: Gs1Fields[K] extends string | undefined ? K : never;
}[keyof Gs1Fields];
export type Gs1NumberField = {
  [K in keyof Gs1Fields]-?: Gs1Fields[K] extends number | undefined ? K : never;
}[keyof Gs1Fields];
export type Gs1MeasureField = {
  [K in keyof Gs1Fields]-?: Gs1Fields[K] extends Gs1Measure | undefined ? K : never;
}[keyof Gs1Fields];
export type Gs1FieldName = Gs1StringField | Gs1NumberField | Gs1MeasureField | "shipToPostal";

export interface ParseSuccess {
  ok: true;
  symbology: Gs1Symbology | null;
  /** `raw` = FNC1/GS-separated data as scanned; `bracketed` = human-readable `(01)…(10)…`. */
  form: "raw" | "bracketed";
  /** In input order. An identical repeat of an AI is dropped (with a warning). */
  elements: Gs1Element[];
  byAi: Record<string, Gs1Element>;
  fields: Gs1Fields;
  /**
   * True when no separator occurred anywhere and the final variable-length field can also be read
   * as a shorter field followed by further valid elements (see `onAmbiguous`).
   */
  ambiguous: boolean;
  warnings: Gs1Issue[];
}

export interface ParseFailure {
  ok: false;
  symbology: Gs1Symbology | null;
  errors: Gs1Issue[];
}

export type ParseResult = ParseSuccess | ParseFailure;

export interface ParseOptions {
  /**
   * Strings a device sends instead of GS (0x1D) for FNC1, e.g. `["|"]`, `["<GS>"]`, `["^]"]`.
   * GS itself is always recognised.
   */
  gsSubstitutes?: readonly string[];
  /** Reference time for the century window of YYMMDD dates (its UTC year). Default: now. */
  now?: Date;
  /**
   * Check GS1 mandatory/invalid AI pairings (e.g. 37 needs 00 + 02). Default true. Turn off when the
   * AIs of one item are spread over several barcodes and you check the combined set yourself with
   * `checkAssociations()` (GS1 evaluates pairings over all carriers on the item).
   */
  checkAssociations?: boolean;
  /**
   * What to do when the data is ambiguous because no separator was seen: `"warn"` (default) returns
   * ok with `ambiguous: true` and a warning; `"error"` rejects it (use for devices known to strip GS);
   * `"ignore"` skips the check.
   */
  onAmbiguous?: "warn" | "error" | "ignore";
  /** Inputs longer than this (UTF-16 code units) are rejected before parsing. Default 4096. */
  maxInputLength?: number;
}
