/**
 * The product's heap cap. With Node's default limit (about 4 GB here) V8 lets the old generation
 * fill with garbage before it collects, and a scanner burst took the process to 378 MB RSS; with a
 * cap its heuristics collect earlier: 205-210 MB peak through the same 100,000-event burst at caps
 * of 256 and 512 MB, at the same throughput (bench, 2026-12-01). Node-RED's own advice for small
 * devices is the same flag. `npm start` passes it (package.json: the default there must equal
 * DEFAULT_HEAP_MB, a unit test checks); the tests and the benchmark start the launcher with it too.
 * LSYNC_MAX_HEAP_MB raises it for large dedupe windows or event logs kept in memory.
 */
export const DEFAULT_HEAP_MB = 512;

/** The V8 flags the product process runs with. */
export function productNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const mb = Number(env.LSYNC_MAX_HEAP_MB);
  return [`--max-old-space-size=${Number.isInteger(mb) && mb >= 64 ? mb : DEFAULT_HEAP_MB}`];
}
