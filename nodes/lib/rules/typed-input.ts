/**
 * Reads a typedInput value (msg, flow, global, env, str, num, json, jsonata) for one message. A
 * JSONata expression is prepared once, when the node starts, not per message (DESIGN.md).
 * Node-RED comes in as a parameter: only its types are imported here.
 */
import type { Node, NodeAPI, NodeMessageInFlow } from "../red";

export type ReadTyped = (msg: NodeMessageInFlow) => Promise<unknown>;

export function typedValueReader(RED: NodeAPI, node: Node, value: string, type: string): ReadTyped {
  if (type === "jsonata") {
    const expression = RED.util.prepareJSONataExpression(value, node);
    return (msg) =>
      new Promise((resolve, reject) => RED.util.evaluateJSONataExpression(expression, msg, (err, result) => (err ? reject(err) : resolve(result))));
  }
  return (msg) =>
    new Promise((resolve, reject) =>
      RED.util.evaluateNodeProperty(value, type, node, msg, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result))),
    );
}

/** How an analyst would name where a value was read: `msg.customerId`, `jsonata …`, `flow accruals`. */
export function describeTyped(value: string, type: string): string {
  return type === "msg" ? `msg.${value}` : `${type} ${value.length > 60 ? `${value.slice(0, 57)}…` : value}`;
}
