import type { FlowNodeDef } from "../nodes/_helper";

/** An X12 node in parse mode (ACMESHIPPER to ODFL) with its outputs and a Catch scoped to it. */
export function x12ParseFlow(extra: Record<string, unknown>, outputs: 1 | 2): FlowNodeDef[] {
  return [
    { id: "tab", type: "tab", label: "t" },
    {
      id: "x12",
      type: "lsync-x12",
      z: "tab",
      mode: "parse",
      property: "payload",
      rejectOutput: outputs === 2,
      senderQualifier: "ZZ",
      senderId: "ACMESHIPPER",
      receiverQualifier: "02",
      receiverId: "ODFL",
      usage: "P",
      wires: outputs === 2 ? [["ok"], ["bad"]] : [["ok"]],
      ...extra,
    },
    { id: "ok", type: "helper", z: "tab" },
    { id: "bad", type: "helper", z: "tab" },
    { id: "catcher", type: "catch", z: "tab", scope: ["x12"], uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", z: "tab" },
  ];
}
