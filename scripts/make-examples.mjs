// Node-RED's Import > Examples menu reads only a folder named examples/ at the package root.
// At pack time we make it from flows/: each scenario tab plus the config nodes it refers to (and
// the tabs its link nodes lead to), so an example imports on its own, and works, into any
// Node-RED with this package installed.
// `--clean` removes it again after packing (it is generated, never edited).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const examples = join(root, "examples");
rmSync(examples, { recursive: true, force: true });
if (process.argv.includes("--clean")) process.exit(0);

const flows = join(root, "flows");
const read = (f) => JSON.parse(readFileSync(join(flows, f), "utf8"));
const config = existsSync(join(flows, "config.json")) ? read("config.json") : [];
const configById = new Map(config.map((n) => [n.id, n]));

/** Every config node a scenario points at, directly or through another config node. */
function referencedConfig(nodes) {
  const found = new Map();
  const visit = (node) => {
    for (const value of Object.values(node)) {
      if (typeof value === "string" && configById.has(value) && !found.has(value)) {
        found.set(value, configById.get(value));
        visit(configById.get(value));
      }
    }
  };
  nodes.forEach(visit);
  return [...found.values()];
}

const scenarioFiles = readdirSync(flows).filter((f) => f.endsWith(".json") && f !== "config.json").sort();
const fileOfNode = new Map(scenarioFiles.flatMap((f) => read(f).map((n) => [n.id, f])));

/**
 * The scenario files a scenario is wired to by link nodes, itself included, followed both ways
 * (delivery-to-finance hands its events to billing-rules): imported alone, a tab whose link nodes
 * point into another tab would be cut off from its input or its output.
 */
function linkedFiles(file) {
  const found = new Set([file]);
  const queue = [file];
  while (queue.length) {
    for (const node of read(queue.shift())) {
      for (const target of Array.isArray(node.links) ? node.links : []) {
        const other = fileOfNode.get(target);
        if (other && !found.has(other)) (found.add(other), queue.push(other));
      }
    }
  }
  return [file, ...[...found].filter((f) => f !== file).sort()];
}

mkdirSync(examples, { recursive: true });
for (const file of scenarioFiles) {
  const nodes = linkedFiles(file).flatMap(read);
  writeFileSync(join(examples, file), `${JSON.stringify([...nodes, ...referencedConfig(nodes)], null, 4)}\n`);
}
console.log(`examples/: ${readdirSync(examples).length} flow(s) from flows/`);
