/**
 * GS1 element string decoding: check digits, the AI table, calendar dates and the parser.
 * See parse.ts for the design notes (separators, ambiguity policy, never-throw guarantee).
 */
export { gs1CheckDigit, hasValidCheckDigit, gmnCheckCharacters, isValidIban } from "./check-digit";
export { resolveCentury, daysInMonth, isLeapYear, parseYymmdd } from "./dates";
export { AI_TABLE, lookupAi, type AiDefinition, type Component, type ValueKind } from "./ai-table";
export { parseElementString, createElementStringParser, checkAssociations, decimalString } from "./parse";
export type {
  Gs1Element,
  Gs1Fields,
  Gs1Issue,
  Gs1Measure,
  Gs1Symbology,
  ParseFailure,
  ParseOptions,
  ParseResult,
  ParseSuccess,
} from "./types";
