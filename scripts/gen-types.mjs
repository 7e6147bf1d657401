// Generates canonical/types.generated.ts from the JSON Schemas in canonical/schemas, so the schema
// is the one source of truth for both validation and the TypeScript types.
//   node scripts/gen-types.mjs            write canonical/types.generated.ts
//   node scripts/gen-types.mjs --check    exit 1 when the checked-in file is not current
// The unit test test/unit/canonical/types-current.test.ts calls generateTypes() and compares.
//
// Types carry the structure only: conditional rules (if/then, "occurredAt or localDateTime",
// "sku or gtin") and custom keywords (x-gs1-check) are checked at run time by the validator;
// json-schema-to-typescript would otherwise turn them into `{[k: string]: unknown} & ...`.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compile } from "json-schema-to-typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMAS_DIR = join(root, "canonical", "schemas");
export const OUTPUT = join(root, "canonical", "types.generated.ts");

const BANNER = `/* eslint-disable */
/**
 * generated — edit the schemas, then npm run gen:types
 *
 * From canonical/schemas/*.json by scripts/gen-types.mjs (json-schema-to-typescript). Structure only:
 * conditional rules and GS1 check digits are enforced by the validator (nodes/lib/canonical/validator.ts).
 */`;

const CONDITIONAL_ONLY = new Set(["required", "if", "then", "else", "not", "description", "$comment"]);

/** Type name of a `$ref` target: the $defs key, or the title of a whole schema file. */
function refName(ref, titles) {
  const def = /#\/\$defs\/([A-Za-z0-9]+)$/.exec(ref);
  return def ? def[1] : titles.get(ref.replace(/^\.\//, ""));
}

/**
 * The schema without its run-time-only rules (deep copy). A `$ref` with sibling keywords (a field's
 * own description) becomes `tsType` + description: json-schema-to-typescript would otherwise emit a
 * numbered copy of the referenced type (Code1, Code2, ...) for every distinct description.
 */
function structural(node, titles) {
  if (Array.isArray(node)) return node.map((n) => structural(n, titles));
  if (node === null || typeof node !== "object") return node;
  if (typeof node.$ref === "string" && Object.keys(node).length > 1) {
    const name = refName(node.$ref, titles);
    if (name) return { tsType: name, ...(node.description ? { description: node.description } : {}) };
  }
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "if" || key === "then" || key === "else") continue;
    if (key === "allOf" || key === "anyOf" || key === "oneOf") {
      const branches = structural(value, titles);
      if (branches.every((b) => Object.keys(b).every((k) => CONDITIONAL_ONLY.has(k)))) continue;
      out[key] = branches;
      continue;
    }
    out[key] = structural(value, titles);
  }
  return out;
}

function schemaFiles() {
  return readdirSync(SCHEMAS_DIR)
    .filter((f) => /^[a-z][a-z0-9-]*\.v\d+\.json$/.test(f))
    .sort();
}

/** The TypeScript source for the current schemas. */
export async function generateTypes() {
  const files = schemaFiles();
  const load = (file) => JSON.parse(readFileSync(join(SCHEMAS_DIR, file), "utf8"));
  const common = load("common.v1.json");
  const objects = files.filter((f) => !f.startsWith("common."));
  const titles = new Map(objects.map((f) => [f, load(f).title]));
  // One synthetic root naming every object and every shared definition, so each type is emitted once.
  const rootSchema = {
    title: "CanonicalObject",
    description: "Any canonical object; its `schema` field names which.",
    oneOf: objects.map((f) => ({ $ref: f })),
    $defs: Object.fromEntries(Object.keys(common.$defs).map((name) => [name, { $ref: `common.v1.json#/$defs/${name}` }])),
  };
  const base = pathToFileURL(`${SCHEMAS_DIR}/`).href;
  const source = await compile(rootSchema, "CanonicalObject", {
    cwd: `${SCHEMAS_DIR}/`,
    bannerComment: BANNER,
    additionalProperties: false,
    unreachableDefinitions: true,
    ignoreMinAndMaxItems: true,
    strictIndexSignatures: true,
    style: { printWidth: 120, singleQuote: false, trailingComma: "all" },
    $refOptions: {
      resolve: {
        // Serve the schema files run-time-rules stripped; everything else is refused (no network).
        canonical: {
          order: 1,
          canRead: (file) => file.url.startsWith(base) || file.url.startsWith(SCHEMAS_DIR),
          read: (file) => {
            const name = file.url.split("/").pop();
            return JSON.stringify(structural(load(name), titles));
          },
        },
        http: false,
      },
    },
  });
  return source;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const source = await generateTypes();
  if (process.argv.includes("--check")) {
    const current = readFileSync(OUTPUT, "utf8");
    if (current !== source) {
      console.error("canonical/types.generated.ts is out of date: run npm run gen:types");
      process.exit(1);
    }
    console.log("canonical/types.generated.ts is current");
  } else {
    writeFileSync(OUTPUT, source);
    console.log(`wrote ${OUTPUT}`);
  }
}
