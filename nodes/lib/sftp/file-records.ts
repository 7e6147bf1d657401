/**
 * What one picked-up file holds, as inbox records: one X12 transaction set or one CSV row each.
 * A file is taken in whole or not at all: any fault refuses the file with a reason and, for X12,
 * the acknowledgments to send back: the rejecting 997 for faults inside groups, a TA1 R (and no
 * 997) for an envelope fault or a duplicate interchange; a TA1 A too when the sender asked (ISA14 = 1).
 */
import { answerInterchange, interchangeKey, parseX12 } from "../x12";
import { parseCsv } from "./csv";

export type FileFormat = "x12" | "csv";

export interface FileRecordItem {
  /** Stable per record: `X12|<ISA05>:<ISA06>|<ISA13>|<GS02>|<GS06>|<ST02>` or `<file name>#line<n>`. */
  key: string;
  /** The record as JSON text (what the inbox keeps and the node emits parsed). */
  payload: string;
  props: Record<string, string>;
}

export interface FileReading {
  format: FileFormat;
  /** Null when the file cannot be taken in; `records` is then empty. */
  error: string | null;
  records: FileRecordItem[];
  /** X12: the 997 answering the interchange's groups (accepting or rejecting), when its envelope was accepted. */
  ack997: string | null;
  /** X12: the TA1 answering the interchange envelope, when one is due (see nodes/lib/x12/ta1.ts). */
  ta1: string | null;
  /** X12 that can be taken in: the interchange's sender and control number (`ISA05:ISA06|ISA13`), for duplicate detection. */
  interchangeKey: string | null;
}

export interface ReadOptions {
  /** "auto": an interchange starting with ISA is X12, anything else CSV. */
  format: FileFormat | "auto";
  csvDelimiter?: string;
  /** Control number of the 997 (the caller derives it from its ledger so a redo builds the same 997). */
  ackControlNumber: number;
  /** Control number of the TA1 (default: the 997's, used when no 997 goes out). */
  ta1ControlNumber?: number;
  /** The interchange was received before: refuse it with TA1 R 025. */
  duplicate?: boolean;
}

export function detectFormat(content: Buffer): FileFormat {
  const head = content.subarray(0, 16).toString("latin1").replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, "").trimStart();
  return head.startsWith("ISA") ? "x12" : "csv";
}

export function readFileRecords(name: string, content: Buffer, options: ReadOptions): FileReading {
  const format = options.format === "auto" ? detectFormat(content) : options.format;
  return format === "x12" ? readX12(name, content, options) : readCsv(name, content, options);
}

function readX12(name: string, content: Buffer, options: ReadOptions): FileReading {
  const result = parseX12(content);
  const fail = (error: string, ack997: string | null, ta1: string | null = null): FileReading => ({ format: "x12", error, records: [], ack997, ta1, interchangeKey: null });
  if (result.fatal) return fail(`X12 ${result.fatal.code}: ${result.fatal.message}`, null);
  const n = options.ackControlNumber % 1_000_000_000 || 1;
  const t = (options.ta1ControlNumber ?? n) % 1_000_000_000 || 1;
  const duplicate = options.duplicate === true && result.ok;
  const answer = answerInterchange(result, {
    duplicate,
    ack997: () => ({ interchangeControlNumber: n, groupControlNumber: n }),
    ta1ControlNumber: () => t,
  });
  const { ack997, ta1Text: ta1 } = answer;
  const { interchange, groups } = result.document;
  if (duplicate) {
    return fail(`X12 interchange ${interchange.controlNumber} from ${interchange.senderQualifier}:${interchange.senderId} is a duplicate: that sender's control number was received before${ta1 ? " (answered with TA1 R 025)" : ""}`, null, ta1);
  }
  if (!result.ok) {
    const errors = result.findings.filter((f) => f.severity === "error").map((f) => f.message);
    const ta1Note = answer.ta1?.rejected && ta1 ? ` (TA1 R ${answer.ta1.note})` : "";
    return fail(`X12 interchange ${interchange.controlNumber} rejected${ta1Note}: ${errors.join("; ")}`, ack997, ta1);
  }
  const records: FileRecordItem[] = [];
  for (const group of groups) {
    for (const tx of group.transactions) {
      records.push({
        // Domain §1.7: an interchange is the same one by sender and ISA13, a transaction set by GS02, GS06
        // and ST02, whatever file it came in: a partner re-sending it under a new name gives the same key.
        key: `X12|${interchange.senderQualifier}:${interchange.senderId.trim()}|${interchange.controlNumber}|${group.senderId}|${group.controlNumber}|${tx.controlNumber}`,
        payload: JSON.stringify({
          set: tx.set,
          controlNumber: tx.controlNumber,
          interchange,
          group: { functionalId: group.functionalId, controlNumber: group.controlNumber, senderId: group.senderId, receiverId: group.receiverId, version: group.version },
          segments: tx.segments,
        }),
        props: { file: name, format: "x12", set: tx.set, controlNumber: tx.controlNumber },
      });
    }
  }
  if (records.length === 0) return fail("X12 interchange holds no transaction set", ack997, ta1);
  return { format: "x12", error: null, records, ack997, ta1, interchangeKey: interchangeKey(result.interchange.header) };
}

function readCsv(name: string, content: Buffer, options: ReadOptions): FileReading {
  const text = content.toString("utf8");
  if (text.includes("\uFFFD")) {
    return { format: "csv", error: "CSV file is not valid UTF-8 text", records: [], ack997: null, ta1: null, interchangeKey: null };
  }
  const parsed = parseCsv(text, { delimiter: options.csvDelimiter || "," });
  if (!parsed.ok) return { format: "csv", error: parsed.error, records: [], ack997: null, ta1: null, interchangeKey: null };
  if (parsed.rows.length === 0) return { format: "csv", error: "CSV file has a header but no records", records: [], ack997: null, ta1: null, interchangeKey: null };
  return {
    format: "csv",
    error: null,
    ack997: null,
    ta1: null,
    interchangeKey: null,
    records: parsed.rows.map((row) => ({
      key: `${name}#line${row.line}`,
      payload: JSON.stringify(row.values),
      props: { file: name, format: "csv", line: String(row.line) },
    })),
  };
}
