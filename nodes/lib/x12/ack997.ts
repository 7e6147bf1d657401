/**
 * 997 acknowledgments for a received interchange (domain §1.7): one 997 per received functional
 * group (AK1, one AK2 [+AK3/AK4] + AK5 per transaction set, AK9 with the counts), all in one
 * interchange with one FA group. Sender and receiver of the received interchange are swapped;
 * control numbers are the caller's (unique per partner, which only the caller's store knows).
 * 997 groups are never acknowledged.
 */
import { body997, DEFAULT_DELIMITERS, envelope, safeCopy, type Ack997Input, type BuildResult, type TransactionBody } from "./build";
import type { Group, Interchange } from "./envelope";
import type { Delimiters } from "./preclean";

export interface AckOptions {
  interchangeControlNumber: number | string;
  groupControlNumber: number | string;
  /** ST02 of the first 997 (default 1; each next 997 +1). */
  transactionControlNumber?: number | string;
  date?: Date | string;
  /** Default: the delimiters of the received interchange (newline terminator → "~"), else * > ~. */
  delimiters?: Partial<Delimiters>;
}

/** The AK1..AK9 content for one received group. */
export function ackContent(group: Group): Ack997Input {
  const accepted = group.codes.length > 0 ? 0 : group.transactions.filter((t) => t.status !== "R").length;
  return {
    functionalId: group.functionalId,
    groupControlNumber: group.controlNumber,
    transactions: group.transactions.map((t) => ({
      set: t.set,
      controlNumber: t.controlNumber,
      status: t.status,
      codes: t.codes,
      segmentErrors: t.segmentErrors,
    })),
    status: group.status,
    included: /^\d{1,6}$/.test(group.declaredTransactionCount) ? Number(group.declaredTransactionCount) : group.transactions.length,
    received: group.transactions.length,
    accepted,
    codes: group.codes,
  };
}

/** Is this group made of acknowledgments (which are never acknowledged)? */
export function isAckGroup(group: Group): boolean {
  return group.functionalId === "FA" || (group.transactions.length > 0 && group.transactions.every((t) => t.set === "997"));
}

/** Values copied from the received document (AK1/AK2 ids, AK4 bad values) must not carry our delimiters. */
function clean(value: string, d: Delimiters): string {
  let v = safeCopy(value);
  for (const c of [d.element, d.component, d.segment, d.repetition]) if (c) v = v.split(c).join("");
  return v;
}

export function buildAck997(interchange: Interchange, options: AckOptions, received?: Delimiters): BuildResult {
  const groups = interchange.groups.filter((g) => !isAckGroup(g));
  if (groups.length === 0) {
    return { ok: false, errors: ["nothing to acknowledge: no functional group other than 997 acknowledgments"] };
  }
  const base = received ? { ...received, repetition: null, segment: received.segment === "\n" ? "~" : received.segment } : DEFAULT_DELIMITERS;
  const delimiters: Delimiters = { ...base, ...(options.delimiters ?? {}) };
  const errors: string[] = [];
  const bodies: TransactionBody[] = groups.map((g) => {
    const content = ackContent(g);
    content.functionalId = clean(content.functionalId, delimiters) || "ZZ";
    content.groupControlNumber = clean(content.groupControlNumber, delimiters) || "0";
    for (const t of content.transactions) {
      t.set = clean(t.set, delimiters) || "000";
      t.controlNumber = clean(t.controlNumber, delimiters) || "0000";
      for (const s of t.segmentErrors ?? []) {
        s.segmentId = clean(s.segmentId, delimiters) || "ZZ";
        for (const e of s.elements ?? []) if (e.badValue !== undefined) e.badValue = clean(e.badValue, delimiters);
      }
    }
    return body997(content, errors);
  });
  const h = interchange.header;
  const first = groups[0]!;
  const version = /^\d{6}$/.test(first.version) ? first.version : "004010";
  return envelope(
    {
      sender: { qualifier: h.receiverQualifier || "ZZ", id: h.receiverId },
      receiver: { qualifier: h.senderQualifier || "ZZ", id: h.senderId },
      ...(first.receiverId ? { applicationSender: clean(first.receiverId, delimiters) } : {}),
      ...(first.senderId ? { applicationReceiver: clean(first.senderId, delimiters) } : {}),
      interchangeControlNumber: options.interchangeControlNumber,
      groupControlNumber: options.groupControlNumber,
      transactionControlNumber: options.transactionControlNumber ?? 1,
      usage: h.usage === "T" ? "T" : "P",
      version,
      delimiters,
      ...(options.date !== undefined ? { date: options.date } : {}),
    },
    "FA",
    bodies,
    errors,
  );
}
