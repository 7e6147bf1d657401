/**
 * A/B of the mapping engines of two builds, interleaved in one process, so that a shared, noisy
 * machine slows both alike: `node --import tsx bench/mapping-ab.ts <repo A> <repo B> [profile,...]`,
 * each repo with a tsc build in dist/ (e.g. a `git archive` of the base commit, built with
 * `node scripts/build.mjs` and node_modules linked in). Prints the median µs per `map` of each
 * (BENCH_AB_ROUNDS rounds, default 5, of BENCH_AB_MS ms each, default 300) and B/A.
 */
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type * as MapperModule from "../nodes/lib/mapping/mapper";
import type * as ProfilesModule from "../nodes/lib/mapping/profiles";
import { sampleFor } from "./mapping";

const require_ = createRequire(__filename);
const [dirA, dirB, only] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error("usage: bench/mapping-ab.ts <repo A> <repo B> [profile,...]");
  process.exit(2);
}
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 5);
const budgetMs = Number(process.env.BENCH_AB_MS ?? 300);

function load(dir: string): { mapper: typeof MapperModule; profiles: typeof ProfilesModule } {
  const lib = join(resolve(dir), "dist", "nodes", "lib", "mapping");
  return { mapper: require_(join(lib, "mapper.js")) as typeof MapperModule, profiles: require_(join(lib, "profiles.js")) as typeof ProfilesModule };
}

async function usPerEval(mapper: MapperModule.Mapper, payload: unknown, context: MapperModule.MapContext): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (n < 50 || performance.now() - start < budgetMs) {
    await mapper.map(payload, context);
    n++;
  }
  return ((performance.now() - start) * 1000) / n;
}

async function main(): Promise<void> {
  const builds = [load(dirA!), load(dirB!)];
  const ids = only ? only.split(",") : builds[1]!.profiles.listProfiles().map((p) => p.id);
  const median = (xs: number[]) => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log("| mapping profile (µs per evaluation) | engine A → B | A | B | B/A |\n| --- | --- | ---: | ---: | ---: |");
  for (const id of ids) {
    const sample = await sampleFor(id);
    if (!sample) continue;
    const mappers = builds.map(({ mapper, profiles }) => {
      const profile = profiles.listProfiles().find((p) => p.id === id)!;
      return mapper.compileMapping(profiles.profileSource(profile), profile.input);
    });
    const times: number[][] = [[], []];
    for (const m of mappers) for (let i = 0; i < 100; i++) await m.map(sample.payload, sample.context);
    for (let r = 0; r < rounds; r++) for (let k = 0; k < 2; k++) times[k]!.push(await usPerEval(mappers[k]!, sample.payload, sample.context));
    const [a, b] = [median(times[0]!), median(times[1]!)];
    console.log(`| ${id} | ${mappers[0]!.engine} → ${mappers[1]!.engine} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)} |`);
  }
}
void main();
