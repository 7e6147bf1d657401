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
const files = (targets.length ? targets : ["test"]).flatMap((t) => collect(join(root, t), []));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
const typecheck = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.test.json"], {
  cwd: root,
  stdio: "inherit",
});
if (typecheck.status !== 0) process.exit(typecheck.status ?? 1);
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
