/**
 * X12 EDI, our own thin layer (domain §7.1): pre-clean → tokenize → envelope checks → 997.
 * parseX12 never throws: a text that cannot be read as an interchange comes back with ok: false
 * and a fatal error; an interchange with envelope faults comes back with its findings (each with
 * its 997 / TA1 codes) and rejected groups/transactions.
 */
import { buildAck997, type AckOptions } from "./ack997";
import type { BuildResult } from "./build";
import { checkInterchange, type Finding, type Interchange, type InterchangeHeader } from "./envelope";
import { preclean, type Delimiters, type PrecleanNote } from "./preclean";
import { toFlat, tokenize, type FlatSegment, type Segment } from "./tokenize";

export * from "./ack997";
export * from "./build";
export * from "./envelope";
export * from "./preclean";
export * from "./tokenize";

export interface ParsedTransaction {
  set: string;
  controlNumber: string;
  status: "A" | "R";
  segments: FlatSegment[];
}

export interface ParsedGroup {
  functionalId: string;
  senderId: string;
  receiverId: string;
  date: string;
  time: string;
  controlNumber: string;
  version: string;
  status: "A" | "E" | "P" | "R";
  transactions: ParsedTransaction[];
}

/** What the lsync-x12 node puts in msg.payload. */
export interface ParsedDocument {
  interchange: InterchangeHeader & { accepted: boolean };
  groups: ParsedGroup[];
  /** The whole interchange as one flat list (ISA..IEA): the input of the canonical X12 profiles. */
  segments: FlatSegment[];
}

export type ParseResult =
  | {
      ok: boolean;
      fatal: null;
      interchange: Interchange;
      document: ParsedDocument;
      segments: Segment[];
      delimiters: Delimiters;
      notes: PrecleanNote[];
      findings: Finding[];
    }
  | { ok: false; fatal: { code: string; message: string }; notes: PrecleanNote[]; findings: Finding[] };

export function parseX12(input: unknown): ParseResult {
  try {
    const clean = preclean(input as string | Uint8Array);
    if (!clean.ok) return { ok: false, fatal: { code: clean.code, message: clean.message }, notes: clean.notes, findings: [] };
    const segments = tokenize(clean.text, clean.delimiters);
    const interchange = checkInterchange(segments);
    const document: ParsedDocument = {
      interchange: { ...interchange.header, accepted: interchange.accepted },
      groups: interchange.groups.map((g) => ({
        functionalId: g.functionalId,
        senderId: g.senderId,
        receiverId: g.receiverId,
        date: g.date,
        time: g.time,
        controlNumber: g.controlNumber,
        version: g.version,
        status: g.status,
        transactions: g.transactions.map((t) => ({ set: t.set, controlNumber: t.controlNumber, status: t.status, segments: t.segments.map(toFlat) })),
      })),
      segments: segments.map(toFlat),
    };
    return {
      ok: interchange.accepted,
      fatal: null,
      interchange,
      document,
      segments,
      delimiters: clean.delimiters,
      notes: clean.notes,
      findings: interchange.findings,
    };
  } catch (err) {
    // Not expected (the fuzz test guards it), but a parser must not take the flow down.
    return { ok: false, fatal: { code: "INTERNAL", message: `X12 parser failed: ${err instanceof Error ? err.message : String(err)}` }, notes: [], findings: [] };
  }
}

/** Parses and acknowledges in one step: the 997 text (or why there is none). */
export function acknowledge(result: ParseResult, options: AckOptions): BuildResult {
  if (result.fatal) return { ok: false, errors: [`no 997: ${result.fatal.message}`] };
  try {
    return buildAck997(result.interchange, options, result.delimiters);
  } catch (err) {
    return { ok: false, errors: [`997 could not be built: ${err instanceof Error ? err.message : String(err)}`] };
  }
}
