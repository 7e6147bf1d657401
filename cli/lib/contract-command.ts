/** `lsync-flows contract`: the contract check over every endpoint configured in flows/. */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compareContract, compareFields, openApiFields, profileAst, schemaTypeAt, type ContractFinding } from "./contract";
import { EXIT, type Print } from "./commands";
import { readEnvFile } from "./env-file";
import { readLocalFlows } from "./flows-dir";
import { mappingProfiles, packageRoot } from "./package-info";

/**
 * contracts/<system>/<operation>.json: the profile that must fit the system, and the system's
 * shape as a recorded sample, an OpenAPI document (JSON, beside it) and schema pointer, or both.
 * Other JSON files in the folder (the OpenAPI documents) have no "profile" and are not contracts.
 */
export interface ContractFile {
  system: string;
  profile: string;
  direction: "inbound" | "outbound";
  /** Where the sample was recorded (vendor documentation, simulator call, production capture). */
  recordedFrom?: string;
  sample?: unknown;
  /** File name of an OpenAPI 3 document (JSON) in the same folder, and the schema in it. */
  openapi?: string;
  schema?: string;
}

export interface ContractResult {
  system: string;
  /** The contract file, and "(OpenAPI <file><pointer>)" when the shape came from there. */
  file: string;
  profile: string;
  findings: ContractFinding[];
}

export function checkContracts(opts: { dir: string; contractsDir: string }): { results: ContractResult[]; systems: Map<string, string>; uncovered: string[] } {
  const root = packageRoot();
  const nodes = readLocalFlows(opts.dir).nodes;
  // Each configured endpoint, by system (TMS, ERP, …), with its base URL as the flow writes it.
  const systems = new Map<string, string>();
  for (const n of nodes) if (n.type === "lsync-endpoint" && typeof n.system === "string") systems.set(n.system, String(n.baseUrl ?? ""));
  const profiles = new Map(mappingProfiles(root).map((p) => [p.id, p]));
  const schemas = new Map<string, never>();
  for (const f of readdirSync(join(root, "canonical", "schemas"))) schemas.set(f, JSON.parse(readFileSync(join(root, "canonical", "schemas", f), "utf8")) as never);

  const results: ContractResult[] = [];
  const uncovered: string[] = [];
  for (const system of [...systems.keys()].sort()) {
    const folder = join(opts.contractsDir, system.toLowerCase());
    const files = existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith(".json")).sort() : [];
    if (!files.length) uncovered.push(system);
    for (const f of files) {
      const path = join(folder, f);
      const contract = JSON.parse(readFileSync(path, "utf8")) as ContractFile;
      if (typeof contract.profile !== "string") continue; // an OpenAPI document a contract points at
      const profile = profiles.get(contract.profile);
      if (!profile) throw new Error(`${path}: profile "${contract.profile}" is not in canonical/profiles/profiles.json`);
      const ast = profileAst(readFileSync(join(root, "canonical", "profiles", profile.file), "utf8"));
      const [name, major] = (profile.canonical ?? "").split("/");
      const schemaType = schemaTypeAt(schemas, `${name}.v${major}.json`);
      if (contract.sample === undefined && !contract.openapi) throw new Error(`${path}: give a recorded "sample", or "openapi" and "schema"`);
      if (contract.sample !== undefined) {
        results.push({ system, file: path, profile: contract.profile, findings: compareContract(contract.direction, ast, contract.sample, schemaType) });
      }
      if (contract.openapi) {
        if (!contract.schema) throw new Error(`${path}: "openapi" needs "schema", a pointer such as #/components/schemas/Event`);
        const doc = JSON.parse(readFileSync(join(folder, contract.openapi), "utf8")) as unknown;
        const fields = openApiFields(doc, contract.schema);
        results.push({ system, file: `${path} (OpenAPI ${contract.openapi}${contract.schema})`, profile: contract.profile, findings: compareFields(contract.direction, ast, fields, schemaType) });
      }
    }
  }
  return { results, systems, uncovered };
}

export async function contract(opts: { dir: string; env: string; contractsDir: string }, print: Print): Promise<number> {
  const envFile = readEnvFile(opts.dir, opts.env);
  const { results, systems, uncovered } = checkContracts(opts);
  let problems = 0;
  for (const r of results) {
    const ref = /^\$\{(\w+)\}$/.exec(systems.get(r.system) ?? "");
    const target = ref ? `${ref[1]}=${envFile.vars.get(ref[1]!) || "(from the host)"}` : systems.get(r.system);
    print(`${r.system} (${target}) ${r.file} vs profile ${r.profile}: ${r.findings.length ? `${r.findings.length} problem(s)` : "fits"}`);
    for (const f of r.findings) {
      problems++;
      print(
        f.kind === "removed"
          ? `  removed: ${f.field} (the profile uses it; the recorded shape has no such field)`
          : `  retyped: ${f.field} is ${f.actual} in the recorded shape; the profile gives ${f.expected}`,
      );
    }
  }
  for (const s of uncovered) print(`${s}: no recorded contract in ${join(opts.contractsDir, s.toLowerCase())}/ (not checked)`);
  return problems ? EXIT.different : EXIT.ok;
}
