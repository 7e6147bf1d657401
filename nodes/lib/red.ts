/**
 * The slice of Node-RED's API our nodes use, typed once. Only types come from Node-RED here:
 * everything below nodes/lib stays testable without a runtime.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow, NodeStatus } from "node-red";

export type { Node, NodeAPI, NodeDef, NodeMessageInFlow, NodeStatus };
/** One message, or one entry per output: a message, several messages, or null for none. */
export type Send = (msg: NodeMessageInFlow | Array<NodeMessageInFlow | NodeMessageInFlow[] | null>) => void;
export type Done = (err?: Error) => void;

/** A typedInput value as the editor stores it: the value and where to read it from. */
export interface TypedValue {
  value: string;
  type: "msg" | "flow" | "global" | "env" | "str" | "num" | "jsonata" | "json";
}

/** Compact counts for node.status: 12345 → "12.3k". */
export function count(n: number): string {
  if (n < 10_000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/**
 * Sets node status at most every 250 ms: a scanner burst would otherwise push thousands of
 * status updates per second to every open editor.
 */
export function throttledStatus(node: Node, intervalMs = 250): (status: NodeStatus) => void {
  let last = 0;
  let pending: NodeStatus | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (pending) node.status(pending);
    last = Date.now();
    pending = null;
  };
  node.on("close", () => {
    if (timer) clearTimeout(timer);
  });
  return (status) => {
    pending = status;
    const wait = intervalMs - (Date.now() - last);
    if (wait <= 0) flush();
    else timer ??= setTimeout(flush, wait);
  };
}

/**
 * A config value that may be a `${VAR}` reference. Node-RED substitutes a reference only when the
 * variable is set and leaves the literal text otherwise; an unresolved reference counts as empty
 * here, so the node falls back to its documented default instead of using "${TMS_URL}" as a URL.
 */
export function configValue(value: string | undefined | null): string {
  const trimmed = (value ?? "").trim();
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(trimmed) ? "" : trimmed;
}
