/**
 * Heap used by a 1,000,000-key MemoryDedupe window (the dedupe node's in-memory back end).
 * Run with --expose-gc in a process of its own; prints one JSON line:
 * {keys, heapBeforeMB, heapAfterMB, windowMB, rssMB, insertMs}. "Heap" is the JS heap plus ArrayBuffer
 * backing stores (which heapUsed leaves out), so a window in typed arrays is counted in full.
 */
import { MemoryDedupe } from "../nodes/lib/dedupe/backends";

declare const gc: () => void;

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 1_000_000);
  const MB = 1024 * 1024;
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  gc();
  const before = used();
  const window = new MemoryDedupe(keys);
  const ttl = 7 * 24 * 3600 * 1000;
  const started = performance.now();
  // Keys and refs shaped like the product's: SCAN|<site>|<device>|<seq> and <intake node id>:<inbox id>.
  for (let i = 0; i < keys; i++) {
    const device = `RF-${String((i % 6) + 1).padStart(3, "0")}`;
    await window.claim(`SCAN|DC${(i % 2) + 1}|${device}|${10_000 + Math.floor(i / 6)}`, ttl, `w2t0000000000001:${i + 1}`);
  }
  const insertMs = performance.now() - started;
  // Twice, a turn apart: the backing stores of ArrayBuffers dropped on growth are freed after a GC.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  const after = used();
  const size = await window.size();
  console.log(
    JSON.stringify({
      keys: size,
      heapBeforeMB: before / MB,
      heapAfterMB: after / MB,
      windowMB: (after - before) / MB,
      rssMB: process.memoryUsage().rss / MB,
      insertMs,
    }),
  );
  window.close();
}
void main();
