/** Where this package sits (source under tsx, or dist/ when built) and what it ships. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";

export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "canonical"))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the node-red-logistics-sync package above ${from}`);
  }
}

export function ownPackage(root = packageRoot()): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** "inventory-movement.v1.json" -> "inventory-movement/1": the ids flows use. */
export function canonicalSchemaIds(root = packageRoot()): Set<string> {
  const ids = new Set<string>();
  for (const f of readdirSync(join(root, "canonical", "schemas"))) {
    const m = /^([a-z][a-z0-9-]*)\.v(\d+)\.json$/.exec(f);
    if (m) ids.add(`${m[1]}/${m[2]}`);
  }
  return ids;
}

export interface ProfileEntry {
  id: string;
  file: string;
  direction?: string;
  canonical?: string;
}

export function mappingProfiles(root = packageRoot()): ProfileEntry[] {
  const list = JSON.parse(readFileSync(join(root, "canonical", "profiles", "profiles.json"), "utf8")) as { profiles: ProfileEntry[] };
  return list.profiles;
}
