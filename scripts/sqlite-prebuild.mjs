// Keeps this checkout's better-sqlite3 build as a prebuilt binary in <dir>, named as prebuild-install
// names a download (package version, Node ABI, platform, architecture), so that an npm install with
// npm_config_better_sqlite3_local_prebuilds=<dir> installs it instead of compiling from source (no
// prebuilt binary can be downloaded here). Writes it only when missing; prints its path.
// Used by .ci/run (kept between CI runs) and test/pack/install.test.ts (the packed module's install).
// Usage: node scripts/sqlite-prebuild.mjs <dir>
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/sqlite-prebuild.mjs <dir>");
  process.exit(2);
}
const pkg = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "better-sqlite3");
const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const file = resolve(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`);
if (!existsSync(file)) {
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["-czf", `${file}.tmp`, "-C", pkg, "build/Release/better_sqlite3.node"]);
  renameSync(`${file}.tmp`, file);
  console.error(`kept the better-sqlite3 build as ${file}`);
}
console.log(file);
