import { InputError } from "../lib/errors";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";
import { acknowledge, buildDocument, parseX12, type BuildInput, type EnvelopeInput, type Finding } from "../lib/x12";

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
}

type Msg = NodeMessageInFlow & Record<string, unknown>;

/** The control-number counter is kept in node context (persistent when a persistent context store is configured). */
const COUNTER_KEY = "x12ControlNumber";

export default function register(RED: NodeAPI): void {
  function LsyncX12Node(this: Node, def: X12Def): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const mode = def.mode === "build" ? "build" : "parse";
    const property = def.property || "payload";
    const setStatus = throttledStatus(this);
    let good = 0;
    let bad = 0;

    const nextControlNumber = (): number => {
      const ctx = node.context();
      const current = Number(ctx.get(COUNTER_KEY)) || 0;
      const next = current >= 999_999_999 || current < 0 ? 1 : current + 1;
      ctx.set(COUNTER_KEY, next);
      return next;
    };
    const show = () =>
      setStatus({
        fill: bad ? "yellow" : "green",
        shape: "dot",
        text: mode === "parse" ? `${count(good)} accepted · ${count(bad)} rejected` : `${count(good)} built · ${count(bad)} failed`,
      });

    const reject = (msg: Msg, send: Send, done: Done, message: string, details: Record<string, unknown>) => {
      bad++;
      show();
      if (def.rejectOutput) {
        msg.error = { message };
        send([null, msg]);
        return done();
      }
      done(new InputError(message, details));
    };

    this.on("input", (inMsg: NodeMessageInFlow, send: Send, done: Done) => {
      const msg = inMsg as Msg;
      const value = RED.util.getMessageProperty(msg, property) as unknown;
      if (mode === "parse") {
        const result = parseX12(value);
        msg.x12Findings = result.findings;
        delete msg.ack997;
        if (result.fatal) {
          return reject(msg, send, done, `X12 ${result.fatal.code}: ${result.fatal.message}`, { rule: "x12", code: result.fatal.code });
        }
        const ctl = msg.x12AckControlNumbers as { interchangeControlNumber?: number; groupControlNumber?: number } | undefined;
        const n = ctl?.interchangeControlNumber ?? nextControlNumber();
        const ack = acknowledge(result, {
          interchangeControlNumber: n,
          groupControlNumber: ctl?.groupControlNumber ?? n,
        });
        if (ack.ok) msg.ack997 = ack.text;
        msg.payload = result.document;
        msg.x12Notes = result.notes;
        if (result.ok) {
          good++;
          show();
          send(def.rejectOutput ? [msg, null] : msg);
          return done();
        }
        const errors = result.findings.filter((f: Finding) => f.severity === "error");
        const ic = result.document.interchange.controlNumber;
        return reject(msg, send, done, `X12 interchange ${ic} rejected: ${errors.map((f) => f.message).join("; ")}`, { rule: "x12", findings: errors });
      }

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
