import type { FreightCharge, InvoiceEvent } from "../lib/canonical/types";
import { errorMessage } from "../lib/errors";
import { intakeRefOf, splitIntake } from "../lib/intake/settlement";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send, type TypedValue } from "../lib/red";
import { ruleError } from "../lib/rules/common";
import {
  auditCharges,
  auditedInvoice,
  auditSubject,
  DEFAULT_TOLERANCE_RULES,
  parseToleranceRules,
  varianceExceptions,
  type ExpectedCharges,
} from "../lib/rules/tolerance";

export interface ToleranceCheckDef extends NodeDef {
  /** Where the accruals / contract charges are: a message property by default (`msg.accruals`). */
  expected: string;
  expectedType: TypedValue["type"];
  /** The rule table from the dialog's list (missing in a node added by hand: the defaults). */
  rules?: unknown;
}

export default function register(RED: NodeAPI): void {
  function LsyncToleranceCheckNode(this: Node, def: ToleranceCheckDef): void {
    RED.nodes.createNode(this, def);
    let rules: ReturnType<typeof parseToleranceRules>;
    try {
      rules = parseToleranceRules(Array.isArray(def.rules) && def.rules.length ? def.rules : DEFAULT_TOLERANCE_RULES);
    } catch (err) {
      // A broken table must not approve anything: the node refuses every message until fixed.
      this.status({ fill: "red", shape: "ring", text: "rule table invalid" });
      this.error(`tolerance check: ${errorMessage(err)}`);
      this.on("input", (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(new Error(`tolerance check: ${errorMessage(err)}`)));
      return;
    }
    const expectedProp = def.expected || "accruals";
    const expectedType = def.expectedType || "msg";
    const setStatus = throttledStatus(this);
    const counts = { approved: 0, exception: 0, review: 0 };
    let errors = 0;

    const expectedOf = (msg: NodeMessageInFlow): Promise<unknown> =>
      new Promise((resolve, reject) =>
        RED.util.evaluateNodeProperty(expectedProp, expectedType, this, msg, (err: Error | null, value: unknown) => (err ? reject(err) : resolve(value))),
      );

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      expectedOf(msg)
        .then((expected) => {
          const where = expectedType === "msg" ? `msg.${expectedProp}` : `${expectedType} ${expectedProp}`;
          if (expected === undefined || expected === null) throw ruleError(where, "required", "no accruals or contract charges to check against (an empty list or {} means none)", expected);
          const subject = auditSubject(msg.payload);
          let audit;
          try {
            audit = auditCharges(subject.lines, expected as ExpectedCharges, rules);
          } catch (err) {
            // Name where the expected charges came from rather than the function's parameter.
            throw err instanceof Error ? Object.assign(err, { message: err.message.replace(/^expected/, where) }) : err;
          }
          const payload = subject.kind === "invoice" ? auditedInvoice(msg.payload as InvoiceEvent, audit) : (msg.payload as FreightCharge);
          const out = msg as NodeMessageInFlow & Record<string, unknown>;
          out.audit = audit;
          counts[audit.outcome]++;
          if (audit.outcome === "exception") {
            const exceptions = varianceExceptions(subject, audit, new Date());
            // One taken-in invoice, several exceptions: each carries its share, so the intake settles when the last one ends.
            const intake = intakeRefOf(out);
            const parts = intake ? splitIntake(intake, exceptions.length) : [];
            const messages = exceptions.map((e, i) => {
              const m = (i === 0 ? out : RED.util.cloneMessage(out)) as NodeMessageInFlow & Record<string, unknown>;
              if (parts[i]) m.intake = parts[i];
              m.invoice = payload;
              m.payload = e;
              return m;
            });
            send([null, messages, null]);
          } else {
            out.payload = payload;
            send(audit.outcome === "approved" ? [out, null, null] : [null, null, out]);
          }
          setStatus({
            fill: counts.exception + counts.review ? "yellow" : "green",
            shape: "dot",
            text: `${count(counts.approved)} approved · ${count(counts.exception)} exception · ${count(counts.review)} review`,
          });
          done();
        })
        .catch((err: Error) => {
          errors++;
          setStatus({ fill: "red", shape: "dot", text: `${count(errors)} refused: ${err.message.slice(0, 60)}` });
          done(err);
        });
    });
  }
  RED.nodes.registerType("lsync-tolerance-check", LsyncToleranceCheckNode);
}
