/**
 * TA1 interchange acknowledgments (X12 control segments; domain §1.7). A TA1 answers the
 * interchange envelope (ISA/IEA) only; functional groups are answered by the 997.
 *
 * When one is due:
 * - the envelope has a fault (each interchange finding carries its TA1 note code, I18): TA1 R with
 *   that note. The interchange is not processed, so it gets no 997 (a 997 acknowledges groups of an
 *   interchange whose envelope was accepted);
 * - the interchange control number was received from the sender before (duplicate): TA1 R 025,
 *   no 997 (the first copy was acknowledged already);
 * - the sender asked for one (ISA14 = 1) and the envelope is fine: TA1 A (E when the envelope has
 *   warnings), next to the 997 for its groups.
 * An interchange that holds only TA1s (an acknowledgment) is never acknowledged.
 *
 * The TA1 is an interchange of its own: ISA (sender and receiver swapped), TA1, IEA with 0 groups.
 */
import { checkParty, controlNumber, DEFAULT_DELIMITERS, isaSegment, stamp, Writer, type BuildResult } from "./build";
import type { Finding, Interchange, InterchangeHeader } from "./envelope";
import type { Delimiters } from "./preclean";

/** I17: A accepted, E accepted with errors, R rejected. */
export type Ta1Acknowledgment = "A" | "E" | "R";

/** When TA1s are sent: "auto" as X12 (faults always, acceptance when ISA14 = 1), "requested" only when ISA14 = 1, "never". */
export type Ta1Policy = "auto" | "requested" | "never";

export interface Ta1Decision {
  /** TA104. */
  acknowledgment: Ta1Acknowledgment;
  /** TA105 (I18), "000" = no error. */
  note: string;
  /** Why, as one line. */
  reason: string;
  /** True when the interchange is not to be processed (no 997, nothing passed on). */
  rejected: boolean;
}

/** The interchange-level error findings (the envelope faults a TA1 reports). */
export function interchangeErrors(interchange: Interchange): Finding[] {
  return interchange.findings.filter((f) => f.level === "interchange" && f.severity === "error");
}

/** Is this interchange an acknowledgment itself (TA1s and no group)? */
export function isTa1Only(interchange: Interchange): boolean {
  return interchange.ta1.length > 0 && interchange.groups.length === 0;
}

/**
 * What the interchange's TA1 says and whether one is due under `policy` (null: none). `duplicate`:
 * the store knows this sender's ISA13 already.
 */
export function decideTa1(interchange: Interchange, options: { duplicate?: boolean; policy?: Ta1Policy } = {}): Ta1Decision | null {
  const policy = options.policy ?? "auto";
  if (policy === "never") return null;
  const requested = interchange.header.ackRequested === "1";
  const errors = interchangeErrors(interchange);
  let decision: Ta1Decision;
  if (errors.length > 0) {
    const first = errors[0]!;
    decision = { acknowledgment: "R", note: first.ta1 ?? "024", reason: errors.map((f) => f.message).join("; "), rejected: true };
  } else if (options.duplicate) {
    const h = interchange.header;
    decision = {
      acknowledgment: "R",
      note: "025",
      reason: `duplicate interchange control number: ISA13 ${h.controlNumber} was received from ${h.senderQualifier}:${h.senderId} before`,
      rejected: true,
    };
  } else {
    if (!requested || isTa1Only(interchange)) return null;
    const warnings = interchange.findings.filter((f) => f.level === "interchange" && f.ta1);
    decision = warnings.length
      ? { acknowledgment: "E", note: warnings[0]!.ta1!, reason: warnings.map((f) => f.message).join("; "), rejected: false }
      : { acknowledgment: "A", note: "000", reason: "interchange envelope accepted", rejected: false };
  }
  return policy === "auto" || requested ? decision : null;
}

export interface Ta1Options {
  /** ISA13 of the TA1's own interchange. */
  interchangeControlNumber: number | string;
  /** Default now: the TA1 interchange's ISA09/ISA10 (TA102/TA103 echo the received interchange's). */
  date?: Date | string;
  /** Default: the received interchange's delimiters (newline terminator → "~"), else * > ~. */
  delimiters?: Partial<Delimiters>;
}

/** Builds the TA1 interchange answering `header` (the received ISA). Never throws. */
export function buildTa1(header: InterchangeHeader, decision: Ta1Decision, options: Ta1Options, received?: Delimiters): BuildResult {
  try {
    const errors: string[] = [];
    const base = received ? { ...received, segment: received.segment === "\n" ? "~" : received.segment } : DEFAULT_DELIMITERS;
    const delimiters: Delimiters = { ...base, ...(options.delimiters ?? {}) };
    const sender = checkParty({ qualifier: header.receiverQualifier, id: header.receiverId }, "received ISA07/ISA08 (our interchange ID)", errors);
    const receiver = checkParty({ qualifier: header.senderQualifier, id: header.senderId }, "received ISA05/ISA06 (the sender)", errors);
    const isa13 = controlNumber(options.interchangeControlNumber, "interchangeControlNumber", errors, 9);
    const when = stamp(options.date);
    if (!when) errors.push(`date ${JSON.stringify(options.date)} is not a date`);
    // TA101 names the received interchange: its ISA13, zero-padded when a partner shortened it.
    const ta101 = /^\d{1,9}$/.test(header.controlNumber) ? header.controlNumber.padStart(9, "0") : null;
    if (!ta101) errors.push(`TA101: the received ISA13 ${JSON.stringify(header.controlNumber)} is not a control number of up to 9 digits, so no TA1 can name the interchange`);
    if (!["A", "E", "R"].includes(decision.acknowledgment)) errors.push(`TA104 ${JSON.stringify(decision.acknowledgment)} must be A, E or R`);
    if (!/^\d{3}$/.test(decision.note)) errors.push(`TA105 ${JSON.stringify(decision.note)} must be a 3-digit note code`);
    const used = [delimiters.element, delimiters.component, delimiters.segment, delimiters.repetition].filter(Boolean);
    if (new Set(used).size !== used.length) errors.push(`delimiters ${JSON.stringify(used)} must be distinct`);
    if (errors.length) return { ok: false, errors };
    // TA102/TA103 echo ISA09/ISA10; an unreadable one (itself the fault, 014/015) is replaced by ours.
    const ta102 = /^\d{6}$/.test(header.date) && decision.note !== "014" ? header.date : when!.ccyymmdd.slice(2);
    const ta103 = /^\d{4}$/.test(header.time) && decision.note !== "015" ? header.time : when!.hhmm;
    const version = /^\d{5}$/.test(header.version) ? header.version : "00401";
    const w = new Writer(delimiters);
    const isa = isaSegment(
      { sender, receiver, ccyymmdd: when!.ccyymmdd, hhmm: when!.hhmm, version, isa13, ackRequested: "0", usage: header.usage === "T" ? "T" : "P" },
      delimiters,
    );
    // The ISA fields (IDs) go through the writer too, so a received value holding one of our delimiters is refused.
    w.segment(["ISA", sender.qualifier, sender.id, receiver.qualifier, receiver.id]);
    const text = isa + w.segment(["TA1", ta101, ta102, ta103, decision.acknowledgment, decision.note]) + w.segment(["IEA", 0, isa13]);
    if (w.errors.length) return { ok: false, errors: w.errors };
    return { ok: true, text, segmentCounts: [] };
  } catch (err) {
    return { ok: false, errors: [`TA1 could not be built: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

/** The store scope where received interchanges are remembered (shared by the X12 node and the SFTP pickup). */
export const INTERCHANGE_DEDUPE_SCOPE = "x12-interchange";
/** How long a sender's interchange control number is remembered by default. */
export const INTERCHANGE_DEDUPE_DAYS = 365;

/** Sender key of an interchange for duplicate detection (domain §1.7): ISA05:ISA06|ISA13. */
export function interchangeKey(header: InterchangeHeader): string {
  return `${header.senderQualifier}:${header.senderId}|${header.controlNumber}`;
}
