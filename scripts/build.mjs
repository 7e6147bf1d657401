// Build: compile TypeScript with tsc, then copy what Node-RED reads beside each compiled node
// (<type>.html, locales/, icons/) and the canonical schemas/profiles the runtime loads.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { expandHelp } from "./help-fragments.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], {
  stdio: "inherit",
});

const helpFragments = join(root, "nodes", "lib", "help");

/** Copy every non-TypeScript file below `from` into the same place below `to`; help files get their fragments. */
function copyAssets(from, to) {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry);
    const dest = join(to, entry);
    if (statSync(src).isDirectory()) copyAssets(src, dest);
    else if (entry.endsWith(".html") && src.includes(`${sep}locales${sep}`)) {
      mkdirSync(to, { recursive: true });
      writeFileSync(dest, expandHelp(readFileSync(src, "utf8"), helpFragments));
    }
    else if (!entry.endsWith(".ts")) cpSync(src, dest);
  }
}
for (const folder of ["nodes", "simulators", "canonical", "launcher"]) {
  if (existsSync(join(root, folder))) copyAssets(join(root, folder), join(dist, folder));
}
