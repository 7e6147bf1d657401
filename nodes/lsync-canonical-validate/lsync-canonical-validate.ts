import { canonicalValidator, describeErrors, parseSchemaRef } from "../lib/canonical/validator";
import { InputError } from "../lib/errors";
import { recordCanonical } from "../lib/events/record";
import { count, throttledStatus, type Done, type Node, type NodeAPI, type NodeDef, type NodeMessageInFlow, type Send } from "../lib/red";

export interface CanonicalValidateDef extends NodeDef {
  /** "" = the schema the message names; else e.g. "inventory-movement/1" (v2 is then refused). */
  schema: string;
  property: string;
  /** false: invalid messages go to Catch; true: to the second output with msg.validationErrors. */
  invalidOutput: boolean;
}

export default function register(RED: NodeAPI): void {
  function LsyncCanonicalValidateNode(this: Node, def: CanonicalValidateDef): void {
    RED.nodes.createNode(this, def);
    const validator = canonicalValidator();
    const expected = def.schema ? parseSchemaRef(def.schema) : null;
    if (def.schema && !expected) {
      this.status({ fill: "red", shape: "ring", text: `bad schema "${def.schema}"` });
      this.error(`schema must look like "inventory-movement/1", got "${def.schema}"`);
      return;
    }
    const property = def.property || "payload";
    const setStatus = throttledStatus(this);
    let valid = 0;
    let invalid = 0;

    this.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const value = RED.util.getMessageProperty(msg, property) as unknown;
      const verdict = validator.validate(value, expected ?? undefined);
      if (verdict.ok) valid++;
      else invalid++;
      recordCanonical([value], this.id, verdict.ok ? "valid" : "invalid");
      setStatus({ fill: invalid ? "yellow" : "green", shape: "dot", text: `${count(valid)} valid · ${count(invalid)} invalid` });
      if (verdict.ok) {
        send(def.invalidOutput ? [msg, null] : msg);
        return done();
      }
      const name = expected ? validator.title(expected) : "canonical object";
      const message = describeErrors(name, verdict.errors);
      if (def.invalidOutput) {
        msg.validationErrors = verdict.errors;
        msg.error = { message };
        send([null, msg]);
        return done();
      }
      done(new InputError(message, { rule: "schema", errors: verdict.errors }));
    });
  }
  RED.nodes.registerType("lsync-canonical-validate", LsyncCanonicalValidateNode);
}
