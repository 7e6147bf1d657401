import { errorMessage, InputError } from "../lib/errors";
import { intakeRefOf } from "../lib/intake/settlement";
import { configValue, count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import type { LsyncStore } from "../lib/store";
import {
  answerInterchange,
  buildDocument,
  interchangeErrors,
  interchangeKey,
  INTERCHANGE_DEDUPE_DAYS,
  INTERCHANGE_DEDUPE_SCOPE,
  parseX12,
  type BuildInput,
  type EnvelopeInput,
  type Finding,
  type Ta1Policy,
} from "../lib/x12";
import type { StoreNode } from "../lsync-store/lsync-store";

export interface X12Def extends NodeDef {
  mode: "parse" | "build";
  property: string;
  /** false: rejected documents / build errors go to Catch; true: to the second output. */
  rejectOutput: boolean;
  /** Our own interchange identity (the sender of 997s and built documents). */
  senderQualifier: string;
  senderId: string;
  /** The partner (build mode; parse mode answers whoever sent the interchange). */
  receiverQualifier: string;
  receiverId: string;
  usage: "P" | "T";
  /** Parse: when TA1s are sent (missing in older flows: "auto"). */
  ta1?: Ta1Policy;
  /** Parse: refuse an interchange whose sender (ISA05/ISA06) and ISA13 were received before. */
  dedupe?: boolean;
  /** The lsync-store config node that remembers received interchanges. */
  store?: string;
  /** How long a sender's control number stays remembered, in days (default 365; `${VAR}` allowed). */
  dedupeDays?: number | string;
  /** Nodes with the same scope share one memory (default "x12-interchange": every node, any channel). */
  dedupeScope?: string;
}

type Msg = NodeMessageInFlow & Record<string, unknown>;

/** The control-number counter is kept in node context (persistent when a persistent context store is configured). */
const COUNTER_KEY = "x12ControlNumber";
export const DEFAULT_DEDUPE_DAYS = INTERCHANGE_DEDUPE_DAYS;
export const DEFAULT_DEDUPE_SCOPE = INTERCHANGE_DEDUPE_SCOPE;
const DAY_MS = 86_400_000;

/** The dedupe window in ms from the node's setting; an error text when it is not a positive number of days. */
export function dedupeWindowMs(value: number | string | undefined): number | string {
  const text = configValue(value === undefined || value === null ? "" : String(value));
  if (text === "") return DEFAULT_DEDUPE_DAYS * DAY_MS;
  const days = Number(text);
  if (!Number.isFinite(days) || days <= 0 || days > 36_500) return `dedupe window ${JSON.stringify(text)} must be a positive number of days, at most 36500`;
  return Math.round(days * DAY_MS);
}

interface AckControlNumbers {
  interchangeControlNumber?: number;
  groupControlNumber?: number;
  ta1ControlNumber?: number;
}

export default function register(RED: NodeAPI): void {
  function LsyncX12Node(this: Node, def: X12Def): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode = def.mode === "build" ? "build" : "parse";
    const property = def.property || "payload";
    const policy: Ta1Policy = def.ta1 === "requested" || def.ta1 === "never" ? def.ta1 : "auto";
    const setStatus = throttledStatus(this);
    let good = 0;
    let bad = 0;
    let duplicates = 0;

    // Interchange dedupe (parse mode): a problem with its settings fails every message, loudly.
    let store: LsyncStore | null = null;
    let setupError: string | null = null;
    const windowMs = dedupeWindowMs(def.dedupeDays);
    const scope = (def.dedupeScope ?? "").trim() || DEFAULT_DEDUPE_SCOPE;
    if (mode === "parse" && def.dedupe) {
      const storeNode = def.store ? (RED.nodes.getNode(def.store) as StoreNode | null) : null;
      if (!storeNode) setupError = "interchange dedupe needs a store configuration (lsync-store)";
      else if (typeof windowMs === "string") setupError = windowMs;
      else store = storeNode.store;
      if (setupError) {
        this.status({ fill: "red", shape: "ring", text: setupError });
        this.error(setupError);
      }
    }

    const nextControlNumber = (): number => {
      const ctx = node.context();
      const current = Number(ctx.get(COUNTER_KEY)) || 0;
      const next = current >= 999_999_999 || current < 0 ? 1 : current + 1;
      ctx.set(COUNTER_KEY, next);
      return next;
    };
    const show = (latest?: string) => {
      const counters =
        mode === "parse"
          ? `${count(good)} accepted · ${count(bad)} rejected${duplicates ? ` · ${count(duplicates)} duplicate${duplicates === 1 ? "" : "s"}` : ""}`
          : `${count(good)} built · ${count(bad)} failed`;
      setStatus({ fill: bad || duplicates ? "yellow" : "green", shape: latest ? "ring" : "dot", text: latest ? `${latest} · ${counters}` : counters });
    };

    const refuse = (msg: Msg, send: Send, done: Done, message: string, details: Record<string, unknown>) => {
      if (def.rejectOutput) {
        msg.error = { message };
        send([null, msg]);
        return done();
      }
      done(new InputError(message, details));
    };
    const reject = (msg: Msg, send: Send, done: Done, message: string, details: Record<string, unknown>) => {
      bad++;
      show();
      refuse(msg, send, done, message, details);
    };

    const parse = async (msg: Msg, send: Send, done: Done): Promise<void> => {
      const value = RED.util.getMessageProperty(msg, property) as unknown;
      const result = parseX12(value);
      msg.x12Findings = result.findings;
      delete msg.ack997;
      delete msg.ta1;
      delete msg.x12Ta1;
      delete msg.x12Duplicate;
      if (result.fatal) {
        return reject(msg, send, done, `X12 ${result.fatal.code}: ${result.fatal.message}`, { rule: "x12", code: result.fatal.code });
      }
      const header = result.interchange.header;
      const envelopeFaults = interchangeErrors(result.interchange);
      // Only an interchange that is passed on is remembered: a refused one (its envelope or any of
      // its sets) is often sent again, repaired, under the same control number.
      let duplicate: { key: string; sender: string; controlNumber: string; firstSeenAt: string } | null = null;
      if (store && result.ok) {
        const key = interchangeKey(header);
        const intake = intakeRefOf(msg);
        // A resumed or replayed intake item carries the same ref as its first run: it passes again.
        const ref = intake ? `${intake.source}:${intake.id}${intake.part === undefined ? "" : `#${intake.part}`}` : String(msg._msgid);
        let claim;
        try {
          claim = await store.claimDedupe(scope, key, windowMs as number, ref);
        } catch (err) {
          show("store unavailable");
          return done(new Error(`X12 interchange ${header.controlNumber} from ${header.senderQualifier}:${header.senderId}: could not check it for duplicates: ${errorMessage(err)}`));
        }
        if (!claim.first) {
          duplicate = { key, sender: `${header.senderQualifier}:${header.senderId}`, controlNumber: header.controlNumber, firstSeenAt: new Date(claim.firstSeenAt).toISOString() };
        }
      }
      const ctl = msg.x12AckControlNumbers as AckControlNumbers | undefined;
      const rejected = duplicate !== null || envelopeFaults.length > 0;
      const answer = answerInterchange(result, {
        duplicate: duplicate !== null,
        policy,
        ack997: () => {
          const n = ctl?.interchangeControlNumber ?? nextControlNumber();
          return { interchangeControlNumber: n, groupControlNumber: ctl?.groupControlNumber ?? n };
        },
        // With no 997 to send, the TA1 takes the number the caller meant for the acknowledgment.
        ta1ControlNumber: () => ctl?.ta1ControlNumber ?? (rejected ? ctl?.interchangeControlNumber : undefined) ?? nextControlNumber(),
      });
      if (answer.ack997) msg.ack997 = answer.ack997;
      if (answer.ta1Text) msg.ta1 = answer.ta1Text;
      if (answer.ta1) msg.x12Ta1 = { acknowledgment: answer.ta1.acknowledgment, note: answer.ta1.note, reason: answer.ta1.reason, sent: answer.ta1Text !== null };
      if (answer.ta1 && !answer.ta1Text) node.warn(`X12 interchange ${header.controlNumber}: TA1 ${answer.ta1.acknowledgment} ${answer.ta1.note} due but not built: ${answer.errors.join("; ")}`);
      msg.payload = result.document;
      msg.x12Notes = result.notes;
      if (duplicate) {
        msg.x12Duplicate = duplicate;
        duplicates++;
        show(`duplicate ${duplicate.controlNumber} from ${duplicate.sender}`);
        const answered = answer.ta1Text ? "answered with TA1 R 025" : "no TA1 sent";
        return refuse(
          msg,
          send,
          done,
          `X12 interchange ${duplicate.controlNumber} from ${duplicate.sender} is a duplicate: that sender's control number was first received ${duplicate.firstSeenAt}; not processed again (${answered})`,
          { rule: "x12-duplicate-interchange", ...duplicate },
        );
      }
      if (result.ok) {
        good++;
        show();
        send(def.rejectOutput ? [msg, null] : msg);
        return done();
      }
      const errors = result.findings.filter((f: Finding) => f.severity === "error");
      const ic = result.document.interchange.controlNumber;
      const ta1Note = envelopeFaults.length && answer.ta1Text ? ` (TA1 R ${answer.ta1!.note})` : "";
      return reject(msg, send, done, `X12 interchange ${ic} rejected${ta1Note}: ${errors.map((f) => f.message).join("; ")}`, { rule: "x12", findings: errors });
    };

    this.on("input", (inMsg: NodeMessageInFlow, send: Send, done: Done) => {
      const msg = inMsg as Msg;
      if (mode === "parse") {
        if (setupError) return done(new Error(`lsync-x12: ${setupError}`));
        parse(msg, send, done).catch((err: unknown) => done(err instanceof Error ? err : new Error(errorMessage(err))));
        return;
      }
      const value = RED.util.getMessageProperty(msg, property) as unknown;

      // build
      const input = value as BuildInput;
      const override = (msg.x12Envelope ?? {}) as Partial<EnvelopeInput>;
      const n = nextControlNumber();
      const env: EnvelopeInput = {
        sender: { qualifier: def.senderQualifier || "ZZ", id: def.senderId },
        receiver: { qualifier: def.receiverQualifier || "ZZ", id: def.receiverId },
        interchangeControlNumber: n,
        groupControlNumber: n,
        transactionControlNumber: 1,
        usage: def.usage === "T" ? "T" : "P",
        ...override,
      };
      const built = buildDocument(input, env);
      if (!built.ok) {
        msg.x12Errors = built.errors;
        return reject(msg, send, done, `X12 ${String((input as { set?: unknown } | null)?.set ?? "document")} not built: ${built.errors.join("; ")}`, { rule: "x12-build", errors: built.errors });
      }
      msg.payload = built.text;
      msg.x12ControlNumbers = { interchange: env.interchangeControlNumber, group: env.groupControlNumber, transaction: env.transactionControlNumber };
      good++;
      show();
      send(def.rejectOutput ? [msg, null] : msg);
      done();
    });
  }
  RED.nodes.registerType("lsync-x12", LsyncX12Node);
}
