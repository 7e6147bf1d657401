/**
 * Top self-time functions of a V8 .cpuprofile (what `node --cpu-prof` writes), aggregated by
 * function and by where the code lives (our nodes, Node-RED, a dependency, node internals, GC).
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Where a URL's code lives: `node_modules/<pkg>`, `ours: <path>`, `node:<module>` or a V8 pseudo-frame. */
export function area(url: string, repo: string): string {
  if (!url) return "(V8/native)";
  if (url.startsWith("node:")) return url;
  const path = url.replace(/^file:\/\//, "");
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "node_modules/".length).split("/");
    return `node_modules/${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return path.startsWith(repo) ? `ours: ${path.slice(repo.length + 1)}` : path;
}

export function summarise(file: string, repo: string, top = 15): { totalMs: number; functions: ProfileRow[]; areas: ProfileRow[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, ProfileRow>();
  const areas = new Map<string, ProfileRow>();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    total += us;
    const where = area(node.callFrame.url, repo);
    const name = node.callFrame.functionName || "(anonymous)";
    const key = `${name}@${where}:${node.callFrame.lineNumber + 1}`;
    const row = fns.get(key) ?? { name, where: node.callFrame.url ? `${where}:${node.callFrame.lineNumber + 1}` : where, selfMs: 0, share: 0 };
    row.selfMs += us / 1000;
    fns.set(key, row);
    const a = areas.get(where) ?? { name: where, where, selfMs: 0, share: 0 };
    a.selfMs += us / 1000;
    areas.set(where, a);
  }
  const rank = (rows: Iterable<ProfileRow>) =>
    [...rows]
      .map((r) => ({ ...r, share: total > 0 ? r.selfMs / (total / 1000) : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return { totalMs: total / 1000, functions: rank(fns.values()), areas: rank(areas.values()) };
}
