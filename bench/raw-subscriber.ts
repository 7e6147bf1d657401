/**
 * Benchmark A's measured process: a bare mqtt.js subscriber (QoS 1) that only counts scanner
 * events. Spawned by bench/run.ts with an IPC channel:
 *   argv: <mqtt url> <protocol 4|5>
 *   sends {type:"ready"} once subscribed; for each {type:"phase", expect, mode: "burst"|"paced"}
 *   it answers {type:"armed"}, counts from zero and sends {type:"done", at, count, latencies}
 *   after the expected event (`at` = wall-clock ms; `latencies` = receive time − scannedAt in
 *   ms, paced mode only). One process serves both phases, so the paced run meets warm code.
 */
import { connect } from "mqtt";

const wall = (): number => performance.timeOrigin + performance.now();
const [url = "", protocol = "5"] = process.argv.slice(2);
let expect = Number.POSITIVE_INFINITY;
let paced = false;
let latencies: number[] = [];
let count = 0;
const MARK = '"scannedAt":"';

const client = connect(url, { protocolVersion: protocol === "4" ? 4 : 5, clean: true, clientId: `bench-raw-${process.pid}`, reconnectPeriod: 1000 });
client.on("connect", () => {
  client.subscribe("wms/+/scanner/+/+", { qos: 1 }, (err) => {
    if (err) throw err;
    process.send?.({ type: "ready" });
  });
});
client.on("message", (_topic, payload) => {
  count++;
  if (paced) {
    // Only the timestamp is read (no JSON.parse): the subscriber stays a pure counter.
    const text = payload.toString("utf8");
    const i = text.indexOf(MARK);
    if (i >= 0) {
      const end = text.indexOf('"', i + MARK.length);
      latencies.push(wall() - Date.parse(text.slice(i + MARK.length, end)));
    }
  }
  if (count === expect) process.send?.({ type: "done", at: wall(), count, latencies });
});
process.on("message", (m: { type: string; expect: number; mode: string }) => {
  if (m.type !== "phase") return;
  expect = m.expect;
  paced = m.mode === "paced";
  latencies = [];
  count = 0;
  process.send?.({ type: "armed" });
});
process.on("disconnect", () => {
  client.end(true);
  process.exit(0);
});
