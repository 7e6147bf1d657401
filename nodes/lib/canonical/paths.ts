import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The canonical/ folder: beside the sources (repo, tests through tsx) or copied into dist/ by the
 * build (installed package). Both sit three levels above this file.
 */
export const CANONICAL_DIR = (() => {
  const candidate = join(__dirname, "..", "..", "..", "canonical");
  if (existsSync(join(candidate, "schemas"))) return candidate;
  return join(__dirname, "..", "..", "..", "..", "canonical");
})();

export const SCHEMAS_DIR = join(CANONICAL_DIR, "schemas");
export const PROFILES_DIR = join(CANONICAL_DIR, "profiles");
