/**
 * Batch messages: one Node-RED message carrying many items (scans), for feeds where the per-message
 * cost of Node-RED (routing, hooks, a turn of the event loop per hop) would be most of the work.
 *
 * A batch is `msg.batch`: an array holding, in arrival order, the very messages that would
 * otherwise travel one by one (each with its own _msgid, topic, payload, intake reference). The
 * scanner intake makes them when its batch size is above 1. A node that understands batches runs
 * its usual per-message step on every item side by side, so the items' store writes share one
 * group commit, and sends one batch per output with the items that came out of it. An item that
 * fails goes to Catch nodes (and from there to the dead-letter store) on its own, with its own
 * message, exactly as a single message would; the other items go on.
 */
import type { Node, NodeMessageInFlow } from "./red";

/** What one message's step sends: one entry per output, each a message, several, or null. */
export type Outputs = Array<NodeMessageInFlow | NodeMessageInFlow[] | null>;

/** The items of a batch message, or null for an ordinary message. */
export function batchItems(msg: NodeMessageInFlow): NodeMessageInFlow[] | null {
  const batch = (msg as { batch?: unknown }).batch;
  return Array.isArray(batch) ? (batch as NodeMessageInFlow[]) : null;
}

/** A batch message for `items`, taking the rest from `parent` (null when there are none: nothing is sent). */
export function batchMessage(parent: NodeMessageInFlow, items: NodeMessageInFlow[]): NodeMessageInFlow | null {
  if (items.length === 0) return null;
  return { ...parent, batch: items } as NodeMessageInFlow;
}

/**
 * Runs `step` on every item side by side and gathers, per output, what the items sent there, in
 * item order. A failing item is handed to `fail` and sends nothing.
 */
export async function runBatch(
  items: NodeMessageInFlow[],
  outputs: number,
  step: (item: NodeMessageInFlow) => Promise<Outputs>,
  fail: (err: Error, item: NodeMessageInFlow) => void,
): Promise<NodeMessageInFlow[][]> {
  const results = await Promise.allSettled(items.map((item) => step(item)));
  const perOutput: NodeMessageInFlow[][] = Array.from({ length: outputs }, () => []);
  results.forEach((result, i) => {
    if (result.status === "rejected") {
      fail(result.reason instanceof Error ? result.reason : new Error(String(result.reason)), items[i]!);
      return;
    }
    result.value.forEach((sent, output) => {
      if (sent === null || output >= outputs) return;
      if (Array.isArray(sent)) perOutput[output]!.push(...sent);
      else perOutput[output]!.push(sent);
    });
  });
  return perOutput;
}

type Send = (msg: NodeMessageInFlow | Outputs) => void;
type Done = (err?: Error) => void;

/**
 * The input handler of a node that takes batches: an ordinary message runs `step` and is sent on
 * (or fails to Catch through done(err)); a batch runs `step` for each item (see runBatch) and
 * sends one batch per output.
 */
export function onMessageOrBatch(node: Node, outputs: number, step: (msg: NodeMessageInFlow) => Promise<Outputs>): void {
  node.on("input", (msg: NodeMessageInFlow, send: Send, done: Done) => {
    const items = batchItems(msg);
    const work = items
      ? runBatch(items, outputs, step, (err, item) => node.error(err, item)).then((perOutput) => {
          const out = perOutput.map((list) => batchMessage(msg, list));
          if (out.some((m) => m !== null)) send(out);
        })
      : step(msg).then((out) => send(out));
    work.then(
      () => done(),
      (err: Error) => done(err),
    );
  });
}

/** The largest batch a node makes; beyond it a message gets slow to clone, show or park. */
export const MAX_BATCH = 1000;

/** A batch size setting: 1 (one message per item) when missing or not a whole number from 1 to MAX_BATCH. */
export function batchSizeOf(setting: number | string | undefined): number {
  const n = Number(setting);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_BATCH) : 1;
}

/**
 * Gathers the messages a source node makes in one turn of the event loop (the scans of one store
 * commit) and sends them at the end of it: one by one at batch size 1, else in batches of up to
 * `size`. Waiting for the turn's end costs no time and adds nothing to a lone message's latency
 * but a setImmediate.
 */
export class BatchOutbound {
  private pending: NodeMessageInFlow[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    private readonly size: number,
    private readonly send: (msg: NodeMessageInFlow) => void,
    private readonly newId: () => string,
  ) {}

  add(msg: NodeMessageInFlow): void {
    if (this.size <= 1) {
      this.send(msg);
      return;
    }
    this.pending.push(msg);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = null;
    const items = this.pending;
    this.pending = [];
    for (let i = 0; i < items.length; i += this.size) {
      const chunk = items.slice(i, i + this.size);
      this.send({ _msgid: this.newId(), topic: "lsync/batch", batch: chunk } as NodeMessageInFlow);
    }
  }

  /** Drops what is not sent yet (the node is closing; the items are stored and resume later). */
  clear(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.pending = [];
  }
}
