/**
 * Envelope checks for one interchange (ISA/IEA, GS/GE, ST/SE): control-number pairs, SE segment
 * counts, GE transaction counts, IEA group counts, duplicate control numbers. Every fault is a
 * structured Finding carrying the 997 codes (domain §1.7) — AK3 (X12 element 720), AK4 (723),
 * AK5 (718), AK9 (716) — or the TA1 note code (I18) for interchange faults (ISA values, IEA
 * trailer, content outside groups). TA1 segments between the ISA and the first GS (an interchange
 * acknowledgment received) are read into `ta1`. Never throws.
 */
import { el, type Segment } from "./tokenize";

export type FindingLevel = "interchange" | "group" | "transaction";

export interface SegmentError {
  /** AK301 segment ID. */
  segmentId: string;
  /** AK302 position in the transaction set, ST = 1. */
  position: number;
  /** AK304 (720). */
  code: string;
  elements: ElementError[];
}

export interface ElementError {
  /** AK401 element position in the segment. */
  position: number;
  /** AK402 data element reference number. */
  reference?: string;
  /** AK403 (723). */
  code: string;
  /** AK404 copy of the bad value. */
  badValue?: string;
}

export interface Finding {
  level: FindingLevel;
  /** Our machine-readable code, e.g. SE_COUNT_MISMATCH. */
  code: string;
  /** "error" rejects the transaction / group / interchange; "warning" is reported only. */
  severity: "error" | "warning";
  message: string;
  /** Index of the segment in the interchange (0-based) when the finding is about one segment. */
  segmentIndex?: number;
  groupControlNumber?: string;
  transactionControlNumber?: string;
  ak3?: SegmentError;
  ak5?: string;
  ak9?: string;
  ta1?: string;
}

export interface Transaction {
  set: string;
  controlNumber: string;
  /** ST..SE inclusive (SE absent when the trailer is missing). */
  segments: Segment[];
  declaredSegmentCount: string;
  /** AK5-01: A accepted, R rejected. */
  status: "A" | "R";
  /** AK5-02..06 (718). */
  codes: string[];
  segmentErrors: SegmentError[];
}

export interface Group {
  functionalId: string;
  senderId: string;
  receiverId: string;
  date: string;
  time: string;
  controlNumber: string;
  agency: string;
  version: string;
  /** GE01 as written ("" when the trailer is missing). */
  declaredTransactionCount: string;
  transactions: Transaction[];
  /** AK9-01: A accepted, E accepted with errors, P partially accepted, R rejected. */
  status: "A" | "E" | "P" | "R";
  /** AK9-05..09 (716). */
  codes: string[];
  gs: Segment;
}

export interface InterchangeHeader {
  authorizationQualifier: string;
  authorization: string;
  securityQualifier: string;
  security: string;
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  date: string;
  time: string;
  standardsOrRepetition: string;
  version: string;
  controlNumber: string;
  ackRequested: string;
  usage: string;
}

/** A TA1 received inside an interchange (between the ISA and the first GS): a partner's interchange acknowledgment. */
export interface ReceivedTa1 {
  /** TA101: the acknowledged interchange's ISA13. */
  controlNumber: string;
  /** TA102 / TA103: its ISA09 / ISA10. */
  date: string;
  time: string;
  /** TA104 (I17): A accepted, E accepted with errors, R rejected. */
  acknowledgment: string;
  /** TA105 (I18) note code, 000 = no error. */
  note: string;
}

export interface Interchange {
  header: InterchangeHeader;
  groups: Group[];
  /** TA1 segments the interchange carries (a partner acknowledging our interchanges). */
  ta1: ReceivedTa1[];
  findings: Finding[];
  /** False when any error finding exists at any level. */
  accepted: boolean;
}

const SEGMENT_ID = /^[A-Z0-9]{2,3}$/;
const trimmed = (s: string) => s.trim();

export function readHeader(isa: Segment | undefined): InterchangeHeader {
  const v = (n: number) => trimmed(el(isa, n));
  return {
    authorizationQualifier: v(1),
    authorization: v(2),
    securityQualifier: v(3),
    security: v(4),
    senderQualifier: v(5),
    senderId: v(6),
    receiverQualifier: v(7),
    receiverId: v(8),
    date: v(9),
    time: v(10),
    standardsOrRepetition: v(11),
    version: v(12),
    controlNumber: v(13),
    ackRequested: v(14),
    usage: v(15),
  };
}

const addCode = (codes: string[], code: string) => {
  if (!codes.includes(code) && codes.length < 5) codes.push(code);
};

/** Compares two counts written as text ("0026" = 26); "" or non-numeric never matches. */
function sameCount(written: string, actual: number): boolean {
  const t = written.trim();
  return /^\d{1,10}$/.test(t) && Number(t) === actual;
}

/** Header/trailer control numbers: equal text, or equal numbers when a partner drops the zero padding ("000000123" = "123"). */
function sameControl(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return x !== "";
  return /^\d+$/.test(x) && /^\d+$/.test(y) && BigInt(x) === BigInt(y);
}

export function checkInterchange(segments: Segment[]): Interchange {
  const findings: Finding[] = [];
  const isa = segments[0];
  const header = readHeader(isa?.name === "ISA" ? isa : undefined);
  const groups: Group[] = [];
  const fail = (f: Omit<Finding, "severity"> & { severity?: Finding["severity"] }) => findings.push({ severity: "error", ...f });

  if (!isa || isa.name !== "ISA") {
    fail({ level: "interchange", code: "ISA_MISSING", message: "the interchange does not start with an ISA segment", ta1: "022" });
    return { header, groups, ta1: [], findings, accepted: false };
  }
  if (isa.elements.length !== 16) {
    fail({ level: "interchange", code: "ISA_ELEMENTS", message: `the ISA has ${isa.elements.length} elements, not 16`, segmentIndex: 0, ta1: "022" });
  }
  if (!/^\d{9}$/.test(header.controlNumber)) {
    fail({ level: "interchange", code: "ISA13_INVALID", message: `ISA13 interchange control number "${header.controlNumber}" is not 9 digits`, segmentIndex: 0, ta1: "018" });
  }

  checkIsaValues(header, findings);

  let i = 1;
  let iea: Segment | undefined;
  const ta1: ReceivedTa1[] = [];
  // TA1 segments may only stand between the ISA and the first GS.
  while (i < segments.length && segments[i]!.name === "TA1") {
    const t = segments[i]!;
    ta1.push({ controlNumber: el(t, 1).trim(), date: el(t, 2).trim(), time: el(t, 3).trim(), acknowledgment: el(t, 4).trim(), note: el(t, 5).trim() });
    i++;
  }
  const groupNumbers = new Set<string>();
  while (i < segments.length) {
    const seg = segments[i]!;
    if (seg.name === "IEA") {
      iea = seg;
      i++;
      break;
    }
    if (seg.name !== "GS") {
      fail({
        level: "interchange",
        code: "SEGMENT_OUTSIDE_GROUP",
        message: `segment ${JSON.stringify(seg.name)} at position ${seg.index + 1} is outside any functional group (expected GS or IEA)`,
        segmentIndex: seg.index,
        ta1: "024",
      });
      i++;
      continue;
    }
    const { group, next } = readGroup(segments, i, findings);
    if (groupNumbers.has(group.controlNumber)) {
      addCode(group.codes, "19");
      group.status = "R";
      fail({
        level: "group",
        code: "GS06_DUPLICATE",
        message: `group control number GS06 "${group.controlNumber}" is used twice in the interchange`,
        segmentIndex: group.gs.index,
        groupControlNumber: group.controlNumber,
        ak9: "19",
      });
    }
    groupNumbers.add(group.controlNumber);
    groups.push(group);
    i = next;
  }

  if (!iea) {
    fail({ level: "interchange", code: "IEA_MISSING", message: "the interchange has no IEA trailer (truncated?)", ta1: "023" });
  } else {
    if (!sameControl(el(iea, 2), header.controlNumber)) {
      fail({
        level: "interchange",
        code: "IEA_CONTROL_MISMATCH",
        message: `IEA02 "${el(iea, 2)}" does not match ISA13 "${header.controlNumber}"`,
        segmentIndex: iea.index,
        ta1: "001",
      });
    }
    if (!sameCount(el(iea, 1), groups.length)) {
      fail({
        level: "interchange",
        code: "IEA_COUNT_MISMATCH",
        message: `IEA01 says ${JSON.stringify(el(iea, 1))} functional groups, the interchange holds ${groups.length}`,
        segmentIndex: iea.index,
        ta1: "021",
      });
    }
    if (i < segments.length) {
      fail({
        level: "interchange",
        code: "DATA_AFTER_IEA",
        message: `${segments.length - i} segment(s) after the IEA (starting with ${JSON.stringify(segments[i]!.name)}): one interchange per document`,
        segmentIndex: segments[i]!.index,
        ta1: "024",
      });
    }
  }
  if (groups.length === 0 && ta1.length === 0) {
    fail({ level: "interchange", code: "NO_GROUPS", message: "the interchange holds no functional group", ta1: "024" });
  }
  return { header, groups, ta1, findings, accepted: !findings.some((f) => f.severity === "error") };
}

/** ISA09 / ISA10 / ISA14 / ISA15: values a TA1 has a note code for (I18 014, 015, 019, 020). */
function checkIsaValues(header: InterchangeHeader, findings: Finding[]): void {
  const fail = (code: string, ta1: string, message: string) =>
    findings.push({ level: "interchange", code, severity: "error", message, segmentIndex: 0, ta1 });
  const d = /^(\d{2})(\d{2})(\d{2})$/.exec(header.date);
  const month = d ? Number(d[2]) : 0;
  const day = d ? Number(d[3]) : 0;
  if (!d || month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(2000 + Number(d[1]), month, 0)).getUTCDate()) {
    fail("ISA09_INVALID", "014", `ISA09 interchange date "${header.date}" is not a date (YYMMDD)`);
  }
  const t = /^(\d{2})(\d{2})$/.exec(header.time);
  if (!t || Number(t[1]) > 23 || Number(t[2]) > 59) {
    fail("ISA10_INVALID", "015", `ISA10 interchange time "${header.time}" is not a time (HHMM)`);
  }
  if (header.ackRequested !== "0" && header.ackRequested !== "1") {
    fail("ISA14_INVALID", "019", `ISA14 acknowledgment requested "${header.ackRequested}" must be 0 (no TA1) or 1 (TA1 requested)`);
  }
  if (!["P", "T", "I"].includes(header.usage)) {
    fail("ISA15_INVALID", "020", `ISA15 usage indicator "${header.usage}" must be P (production), T (test) or I (information)`);
  }
}

function readGroup(segments: Segment[], start: number, findings: Finding[]): { group: Group; next: number } {
  const gs = segments[start]!;
  const v = (n: number) => trimmed(el(gs, n));
  const group: Group = {
    functionalId: v(1),
    senderId: v(2),
    receiverId: v(3),
    date: v(4),
    time: v(5),
    controlNumber: v(6),
    agency: v(7),
    version: v(8),
    declaredTransactionCount: "",
    transactions: [],
    status: "A",
    codes: [],
    gs,
  };
  const groupFail = (code: string, ak9: string, message: string, segmentIndex = gs.index) => {
    addCode(group.codes, ak9);
    findings.push({ level: "group", code, severity: "error", message, segmentIndex, groupControlNumber: group.controlNumber, ak9 });
  };
  if (!/^\d{1,9}$/.test(group.controlNumber)) {
    groupFail("GS06_INVALID", "6", `GS06 group control number "${group.controlNumber}" is not 1-9 digits`);
  }
  let i = start + 1;
  let ge: Segment | undefined;
  const stNumbers = new Set<string>();
  while (i < segments.length) {
    const seg = segments[i]!;
    if (seg.name === "GE") {
      ge = seg;
      i++;
      break;
    }
    if (seg.name === "GS" || seg.name === "IEA") break;
    if (seg.name !== "ST") {
      groupFail(
        "SEGMENT_OUTSIDE_TRANSACTION",
        "5",
        `segment ${JSON.stringify(seg.name)} at position ${seg.index + 1} is outside any transaction set (expected ST or GE)`,
        seg.index,
      );
      i++;
      continue;
    }
    const { transaction, next } = readTransaction(segments, i, group, findings);
    if (stNumbers.has(transaction.controlNumber)) {
      addCode(transaction.codes, "23");
      transaction.status = "R";
      findings.push({
        level: "transaction",
        code: "ST02_DUPLICATE",
        severity: "error",
        message: `transaction set control number ST02 "${transaction.controlNumber}" is used twice in group ${group.controlNumber}`,
        segmentIndex: transaction.segments[0]!.index,
        groupControlNumber: group.controlNumber,
        transactionControlNumber: transaction.controlNumber,
        ak5: "23",
      });
    }
    stNumbers.add(transaction.controlNumber);
    group.transactions.push(transaction);
    i = next;
  }
  if (!ge) {
    groupFail("GE_MISSING", "3", `functional group ${group.controlNumber} has no GE trailer`);
  } else {
    group.declaredTransactionCount = el(ge, 1).trim();
    if (!sameControl(el(ge, 2), group.controlNumber)) {
      groupFail("GE_CONTROL_MISMATCH", "4", `GE02 "${el(ge, 2)}" does not match GS06 "${group.controlNumber}"`, ge.index);
    }
    if (!sameCount(el(ge, 1), group.transactions.length)) {
      groupFail(
        "GE_COUNT_MISMATCH",
        "5",
        `GE01 says ${JSON.stringify(el(ge, 1))} transaction sets, group ${group.controlNumber} holds ${group.transactions.length}`,
        ge.index,
      );
    }
  }
  for (const t of group.transactions) {
    if (group.functionalId && expectedGs01[t.set] && expectedGs01[t.set] !== group.functionalId) {
      findings.push({
        level: "transaction",
        code: "GS01_UNEXPECTED",
        severity: "warning",
        message: `GS01 "${group.functionalId}" is not the functional ID of a ${t.set} ("${expectedGs01[t.set]}"); routed on ST01`,
        segmentIndex: group.gs.index,
        groupControlNumber: group.controlNumber,
        transactionControlNumber: t.controlNumber,
      });
    }
  }
  const rejected = group.transactions.filter((t) => t.status === "R").length;
  if (group.codes.length > 0 || (group.transactions.length > 0 && rejected === group.transactions.length)) group.status = "R";
  else if (rejected > 0) group.status = "P";
  return { group, next: i };
}

/** GS01 per transaction set (domain §1.1): checked, never used for routing. */
export const expectedGs01: Record<string, string> = {
  "204": "SM",
  "990": "GF",
  "214": "QM",
  "210": "IM",
  "940": "OW",
  "945": "SW",
  "943": "AR",
  "944": "RE",
  "856": "SH",
  "810": "IN",
  "997": "FA",
};

function readTransaction(segments: Segment[], start: number, group: Group, findings: Finding[]): { transaction: Transaction; next: number } {
  const st = segments[start]!;
  const transaction: Transaction = {
    set: el(st, 1).trim(),
    controlNumber: el(st, 2).trim(),
    segments: [st],
    declaredSegmentCount: "",
    status: "A",
    codes: [],
    segmentErrors: [],
  };
  const reject = (code: string, ak5: string, message: string, segmentIndex: number, ak3?: SegmentError) => {
    addCode(transaction.codes, ak5);
    transaction.status = "R";
    if (ak3) transaction.segmentErrors.push(ak3);
    findings.push({
      level: "transaction",
      code,
      severity: "error",
      message,
      segmentIndex,
      groupControlNumber: group.controlNumber,
      transactionControlNumber: transaction.controlNumber,
      ak5,
      ...(ak3 ? { ak3 } : {}),
    });
  };
  if (!/^\d{3}$/.test(transaction.set)) {
    reject("ST01_INVALID", "6", `ST01 transaction set identifier "${el(st, 1)}" is not a 3-digit set number`, st.index, {
      segmentId: "ST",
      position: 1,
      code: "8",
      elements: [{ position: 1, reference: "143", code: "7", badValue: el(st, 1) }],
    });
  }
  if (!/^[0-9A-Za-z]{4,9}$/.test(transaction.controlNumber)) {
    reject("ST02_INVALID", "7", `ST02 transaction set control number "${el(st, 2)}" is not 4-9 characters`, st.index, {
      segmentId: "ST",
      position: 1,
      code: "8",
      elements: [{ position: 2, reference: "329", code: transaction.controlNumber ? "4" : "1", badValue: el(st, 2) }],
    });
  }
  let i = start + 1;
  let se: Segment | undefined;
  while (i < segments.length) {
    const seg = segments[i]!;
    if (seg.name === "ST" || seg.name === "GE" || seg.name === "GS" || seg.name === "IEA") break;
    transaction.segments.push(seg);
    i++;
    if (seg.name === "SE") {
      se = seg;
      break;
    }
    if (!SEGMENT_ID.test(seg.name)) {
      reject(
        "SEGMENT_ID_INVALID",
        "5",
        `segment ${transaction.segments.length} of transaction ${transaction.controlNumber} has an unrecognised segment ID ${JSON.stringify(seg.name)}`,
        seg.index,
        { segmentId: seg.name.slice(0, 3), position: transaction.segments.length, code: "1", elements: [] },
      );
    }
  }
  if (!se) {
    reject("SE_MISSING", "2", `transaction set ${transaction.set} ${transaction.controlNumber} has no SE trailer`, st.index);
    return { transaction, next: i };
  }
  transaction.declaredSegmentCount = el(se, 1).trim();
  const position = transaction.segments.length;
  if (!sameCount(el(se, 1), position)) {
    reject(
      "SE_COUNT_MISMATCH",
      "4",
      `SE01 says ${JSON.stringify(el(se, 1))} segments, transaction set ${transaction.set} ${transaction.controlNumber} has ${position} (ST and SE included)`,
      se.index,
      { segmentId: "SE", position, code: "8", elements: [{ position: 1, reference: "96", code: "7", badValue: el(se, 1) }] },
    );
  }
  if (el(se, 2).trim() !== transaction.controlNumber) {
    reject(
      "SE_CONTROL_MISMATCH",
      "3",
      `SE02 "${el(se, 2)}" does not match ST02 "${transaction.controlNumber}"`,
      se.index,
      { segmentId: "SE", position, code: "8", elements: [{ position: 2, reference: "329", code: "7", badValue: el(se, 2) }] },
    );
  }
  return { transaction, next: i };
}
