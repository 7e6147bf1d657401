/** Raw GS1 element strings (MQTT v5 properties for device and sequence) into canonical map (scanner-gs1). */
import fc from "fast-check";
import mapNode from "../../../nodes/lsync-canonical-map/lsync-canonical-map";
import { GTIN, SSCC } from "../../unit/nodes/_helper";
import { garbage, huge, invalidUtf8 } from "../hostile";
import type { FlowIngress, IngressMessage } from "../ingress";

const GS = "\u001d";
const VALID: Array<[string, string]> = [
  ["pick", `]d201${GTIN}10LOT-42${GS}17270630${GS}3024`],
  ["pack", `]C100${SSCC}`],
  ["weight", `]C100${SSCC}3301004125`],
  ["cube", `]C100${SSCC}331200012033220000803332000152`],
  ["ship", `]C100${SSCC}`],
];
const PIECES = ["]C1", "]d2", "]e0", "]Q3", "00", "01", "10", "17", "21", "30", "3301", "3312", "8003", "414", GS, SSCC, GTIN, "9", "0", "\u0000", "(", ")", "99", "LOT-42"];
const props = (seq: unknown) => ({ mqtt: { userProperties: { deviceId: "RF-017", seq, scannedAt: "2025-03-04T10:15:00Z" } } });

/** A valid scan mutated: pieces spliced in, cut, or a character flipped. */
const mutated = fc.tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...PIECES), fc.nat(3)), { minLength: 1, maxLength: 5 })).map(([[event, raw], edits]) => {
  let s = raw;
  for (const [at, piece, op] of edits) {
    const i = at % (s.length + 1);
    if (op === 0) s = s.slice(0, i) + piece + s.slice(i);
    else if (op === 1) s = s.slice(0, i);
    else if (op === 2) s = s.slice(0, i) + s.slice(i + piece.length);
    else s = s.slice(0, i) + String.fromCharCode((s.charCodeAt(i) || 48) ^ 1) + s.slice(i + 1);
  }
  return { event, s };
});

export const scannerGs1: FlowIngress = {
  name: "raw GS1 scans → canonical map (scanner-gs1)",
  modules: [mapNode],
  nodes: (accepted) => [
    { id: "entry", type: "lsync-canonical-map", z: "tab", profile: "scanner-gs1", inputFormat: "text", property: "payload", validate: true, bindings: "", wires: [[accepted]] },
  ],
  hostile: fc.oneof(
    mutated.chain(({ event, s }) => fc.constantFrom<unknown>("7", "-1", "1e400", "x", { __proto__: { polluted: "yes" } }, undefined).map((seq): IngressMessage => ({ payload: s, topic: `wms/DC1/scanner/RF-017/${event}`, extra: props(seq ?? "7") }))),
    fc.tuple(fc.oneof(garbage, invalidUtf8.map((b) => b.toString("utf8"))), fc.constantFrom(...VALID.map((v) => v[0]))).map(([payload, event]): IngressMessage => ({ payload, topic: `wms/DC1/scanner/RF-017/${event}`, extra: props("8") })),
    fc.constantFrom(...VALID).map(([, raw]): IngressMessage => ({ payload: raw, topic: "wms/../scanner/\u0000/__proto__", extra: props({ toString: 1 }) })),
  ),
  extras: huge().map((payload) => ({ payload, topic: "wms/DC1/scanner/RF-017/pack", extra: props("9") })),
  valid: (i) => {
    const [event, raw] = VALID[i % VALID.length]!;
    return { payload: raw, topic: `wms/DC1/scanner/RF-017/${event}`, extra: props(String(3_000_000_000 + i)) };
  },
  runs: 3500,
};
