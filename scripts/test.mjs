// Runs every *.test.ts below test/ with node's built-in runner (through tsx, so tests and the
// node sources they import need no separate build). Node 20's --test takes no globs, so we list.
// Usage: node scripts/test.mjs [folder-or-file ...]   (default: test/)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) collect(join(path, entry), out);
  } else if (path.endsWith(".test.ts")) out.push(relative(root, path));
  return out;
}
const targets = process.argv.slice(2);
// The longest files start first (longest-processing-time first; run-files.mjs keeps the order, with
// TEST_CONCURRENCY workers, default 2). On two workers the 10-minute month then runs beside
// everything else instead of starting after four minutes with a worker left to finish alone
// (CI on 2026-12-01: 1,002 s of tests for 1,537 s of suites summed; 951 s once reordered). In CI at
// 16:40 that day: month 438 s, crash test 132 s, editor in Chromium 70 s, the rest 55 s or less.
const LONGEST_FIRST = ["test/e2e/simulated-month.test.ts", "test/integration/crash-and-outage.test.ts", "test/browser/editor.test.ts"];
const rank = (file) => {
  const i = LONGEST_FIRST.indexOf(file.split("\\").join("/"));
  return i === -1 ? LONGEST_FIRST.length : i;
};
const files = (targets.length ? targets : ["test"])
  .flatMap((t) => collect(join(root, t), []))
  .map((file, order) => ({ file, order }))
  .sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order)
  .map(({ file }) => file);
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const typecheck = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.test.json"], {
  cwd: root,
  stdio: "inherit",
});
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);
// Not `node --test`: it sorts the files by name, which would undo the order above.
const result = spawnSync(process.execPath, ["--import", "tsx", join(root, "scripts", "run-files.mjs"), ...files], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
