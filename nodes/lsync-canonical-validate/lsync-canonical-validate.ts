import { canonicalValidator, describeErrors, parseSchemaRef } from "../lib/canonical/validator";
import { InputError } from "../lib/errors";
import { recordCanonical } from "../lib/events/record";
import { onMessageOrBatch } from "../lib/batch";
import { count, throttledStatus, type Node, type NodeAPI, type NodeDef } from "../lib/red";

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

    // A batch (msg.batch, see nodes/lib/batch.ts) is checked item by item, and sent on as one per output.
    onMessageOrBatch(this, def.invalidOutput ? 2 : 1, async (msg) => {
      const value = RED.util.getMessageProperty(msg, property) as unknown;
      const verdict = validator.validate(value, expected ?? undefined);
      if (verdict.ok) valid++;
      else invalid++;
      recordCanonical([value], this.id, verdict.ok ? "valid" : "invalid");
      setStatus({ fill: invalid ? "yellow" : "green", shape: "dot", text: `${count(valid)} valid · ${count(invalid)} invalid` });
      if (verdict.ok) return [msg, null];
      const name = expected ? validator.title(expected) : "canonical object";
      const message = describeErrors(name, verdict.errors);
      if (!def.invalidOutput) throw new InputError(message, { rule: "schema", errors: verdict.errors });
      msg.validationErrors = verdict.errors;
      msg.error = { message };
      return [null, msg];
    });
  }
  RED.nodes.registerType("lsync-canonical-validate", LsyncCanonicalValidateNode);
}
