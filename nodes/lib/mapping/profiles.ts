import { readFileSync } from "node:fs";
import { join } from "node:path";
import { iso4217 } from "../canonical/money";
import { PROFILES_DIR } from "../canonical/paths";
import { parseSchemaRef, type SchemaRef } from "../canonical/validator";

/** A shipped mapping profile: a JSONata file that turns one vendor shape into a canonical object. */
export interface ProfileInfo {
  id: string;
  title: string;
  file: string;
  direction: "inbound" | "outbound";
  /** "json": the payload is (or is parsed as) JSON; "text": the payload is handed over as a string. */
  input: "json" | "text";
  /** The canonical schema an inbound profile produces or an outbound profile consumes. */
  canonical: string;
  description: string;
}

let manifest: ProfileInfo[] | null = null;

export function listProfiles(): ProfileInfo[] {
  manifest ??= (JSON.parse(readFileSync(join(PROFILES_DIR, "profiles.json"), "utf8")) as { profiles: ProfileInfo[] })
    .profiles;
  return manifest;
}

export function findProfile(id: string): ProfileInfo | undefined {
  return listProfiles().find((p) => p.id === id);
}

/**
 * The profile's JSONata. A profile that calls $toMinor or $money gets the shared money functions
 * (canonical/profiles/lib/money.jsonata) and $iso4217 (canonical/code-lists/iso4217.json) in front
 * of it, so every profile converts amounts with the same table and the same exact arithmetic.
 */
export function profileSource(profile: ProfileInfo): string {
  const source = readFileSync(join(PROFILES_DIR, profile.file), "utf8");
  if (!/\$(toMinor|money)\(/.test(source)) return source;
  const money = readFileSync(join(PROFILES_DIR, "lib", "money.jsonata"), "utf8");
  return `(\n$iso4217 := ${JSON.stringify(iso4217())};\n${money.trim()};\n${source.trim()}\n)\n`;
}

export function profileSchema(profile: ProfileInfo): SchemaRef {
  const ref = parseSchemaRef(profile.canonical);
  if (!ref) throw new Error(`profile ${profile.id} names an invalid canonical schema "${profile.canonical}"`);
  return ref;
}
