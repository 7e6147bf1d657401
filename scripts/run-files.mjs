// Runs the given test files with node:test's run(), in the order given: `node --test` sorts its
// files by name, so the longest could not be started first. Started by scripts/test.mjs under
// `--import tsx`, which the test files' processes inherit.
import { run } from "node:test";
import { spec } from "node:test/reporters";

const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const stream = run({ files: process.argv.slice(2), concurrency });
stream.on("test:fail", () => {
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
