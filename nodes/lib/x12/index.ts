/**
 * X12 EDI, our own thin layer (domain §7.1): pre-clean → tokenize → envelope checks → 997 / TA1.
 * parseX12 never throws: a text that cannot be read as an interchange comes back with ok: false
 * and a fatal error; an interchange with envelope faults comes back with its findings (each with
 * its 997 / TA1 codes) and rejected groups/transactions.
 */
import { buildAck997, isAckGroup, type AckOptions } from "./ack997";
import type { BuildResult } from "./build";
import { checkInterchange, type Finding, type Interchange, type InterchangeHeader, type ReceivedTa1 } from "./envelope";
import { preclean, type Delimiters, type PrecleanNote } from "./preclean";
import { buildTa1, decideTa1, type Ta1Decision, type Ta1Policy } from "./ta1";
import { toFlat, tokenize, type FlatSegment, type Segment } from "./tokenize";

export * from "./ack997";
export * from "./build";
export * from "./envelope";
export * from "./preclean";
export * from "./ta1";
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
  /** TA1 interchange acknowledgments the interchange carries (a partner answering one of ours). */
  ta1: ReceivedTa1[];
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
      ta1: interchange.ta1,
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

export interface InterchangeAnswer {
  /** The TA1 due (null: none), and its text when it could be built. */
  ta1: Ta1Decision | null;
  ta1Text: string | null;
  /** The 997, when the interchange is processed (its envelope accepted, not a duplicate) and has groups to acknowledge. */
  ack997: string | null;
  /** Why a due TA1 or 997 could not be built ("nothing to acknowledge" for an interchange of 997s is not listed). */
  errors: string[];
}

export interface AnswerOptions {
  /** The store knows this sender's ISA13 already. */
  duplicate?: boolean;
  policy?: Ta1Policy;
  /** Asked for only when a 997 is built: its control numbers. */
  ack997: () => AckOptions;
  /** Asked for only when a TA1 is built: its ISA13. */
  ta1ControlNumber: () => number | string;
  date?: Date | string;
}

/**
 * The acknowledgments of a read interchange (X12): an envelope fault or a duplicate gets a TA1 R
 * and no 997 (the interchange is not processed); otherwise the 997 for its groups, plus a TA1 A
 * when ISA14 = 1. See ta1.ts for when a TA1 is due.
 */
export function answerInterchange(result: ParseResult, options: AnswerOptions): InterchangeAnswer {
  const answer: InterchangeAnswer = { ta1: null, ta1Text: null, ack997: null, errors: [] };
  if (result.fatal) {
    answer.errors.push(`no TA1 or 997: ${result.fatal.message}`);
    return answer;
  }
  const decision = decideTa1(result.interchange, { duplicate: options.duplicate ?? false, policy: options.policy ?? "auto" });
  const rejected = options.duplicate === true || result.interchange.findings.some((f) => f.level === "interchange" && f.severity === "error");
  if (decision) {
    answer.ta1 = decision;
    const built = buildTa1(result.interchange.header, decision, { interchangeControlNumber: options.ta1ControlNumber(), ...(options.date !== undefined ? { date: options.date } : {}) }, result.delimiters);
    if (built.ok) answer.ta1Text = built.text;
    else answer.errors.push(...built.errors.map((e) => `no TA1: ${e}`));
  }
  if (!rejected && result.interchange.groups.some((g) => !isAckGroup(g))) {
    const ack = acknowledge(result, { ...options.ack997(), ...(options.date !== undefined ? { date: options.date } : {}) });
    if (ack.ok) answer.ack997 = ack.text;
    else answer.errors.push(...ack.errors);
  }
  return answer;
}
