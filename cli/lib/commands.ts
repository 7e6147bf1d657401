/**
 * What each `lsync-flows` command does, as plain functions: they take their options and a line
 * printer and answer an exit code, so tests call them directly and the bin only parses argv.
 * Exit codes: 0 done / no differences, 1 differences or problems (push blocked), 2 usage or
 * connection error, 3 conflict (the target changed after the diff).
 */
import { AdminApi, ConflictError, type DeploymentType, type RemoteFlows } from "./admin-api";
import { readEnvFile, resolveEnvFile } from "./env-file";
import { diffFlows, formatDiff, isEmptyDiff, type FlowDiff } from "./flow-diff";
import { readLocalFlows, withCredentialRefs, writeFlowsDir, type LocalFlows } from "./flows-dir";
import { canonicalSchemaIds, mappingProfiles, ownPackage } from "./package-info";
import { formatProblem, validateFlows, type Problem } from "./validate";

export type Print = (line: string) => void;

export const EXIT = { ok: 0, different: 1, error: 2, conflict: 3 } as const;

export interface Target {
  url: string;
  token?: string;
}

function api(target: Target): AdminApi {
  return new AdminApi(target.url, target.token);
}

export async function pull(opts: Target & { dir: string }, print: Print): Promise<number> {
  const remote = await api(opts).getFlows();
  const result = writeFlowsDir(opts.dir, remote.flows);
  print(`pulled ${remote.flows.length} nodes from ${opts.url} (rev ${remote.rev}) into ${opts.dir}/`);
  for (const f of result.written) print(`  wrote    ${f}`);
  for (const f of result.unchanged) print(`  same     ${f}`);
  for (const f of result.removed) print(`  removed  ${f}  (its tabs are gone from the instance)`);
  return EXIT.ok;
}

export async function diff(opts: Target & { dir: string; color?: boolean }, print: Print): Promise<number> {
  const local = readLocalFlows(opts.dir);
  const remote = await api(opts).getFlows();
  const d = diffFlows(local.nodes, remote.flows);
  print(`${opts.dir}/ against ${opts.url} (rev ${remote.rev}):`);
  formatDiff(d, local.nodes, remote.flows, opts.color).forEach(print);
  return isEmptyDiff(d) ? EXIT.ok : EXIT.different;
}

/** The problems with flows/ for an environment, checked against the target when a URL is given. */
export async function findProblems(opts: { dir: string; env: string; target?: Target }, local?: LocalFlows): Promise<Problem[]> {
  const flows = local ?? readLocalFlows(opts.dir);
  return validateFlows({
    nodes: flows.nodes,
    credentials: flows.credentials,
    env: readEnvFile(opts.dir, opts.env),
    ...(opts.target ? { installed: await api(opts.target).getNodes() } : {}),
    ownPackage: ownPackage(),
    schemas: canonicalSchemaIds(),
    profiles: new Set(mappingProfiles().map((p) => p.id)),
  });
}

function printProblems(problems: Problem[], env: string, print: Print): void {
  if (!problems.length) print(`valid for environment "${env}"`);
  else {
    print(`${problems.length} problem(s) for environment "${env}":`);
    for (const p of problems) print(`  ${formatProblem(p)}`);
  }
}

export async function validate(opts: { dir: string; env: string; target?: Target }, print: Print): Promise<number> {
  const problems = await findProblems(opts);
  if (!opts.target) print("(no --url: node types on the target not checked)");
  printProblems(problems, opts.env, print);
  return problems.length ? EXIT.different : EXIT.ok;
}

/** A push that has been validated and diffed against one rev of the target, not yet deployed. */
export interface PushPlan {
  target: Target;
  local: LocalFlows;
  remote: RemoteFlows;
  diff: FlowDiff;
  problems: Problem[];
}

/** Validates, then diffs against the target's current rev: the first half of a push. */
export async function planPush(opts: { dir: string; env: string; target: Target }): Promise<PushPlan> {
  const local = readLocalFlows(opts.dir);
  const problems = await findProblems(opts, local);
  const remote = await api(opts.target).getFlows();
  return { target: opts.target, local, remote, diff: diffFlows(local.nodes, remote.flows), problems };
}

/** Deploys a plan with the rev its diff was made against: a change on the target meanwhile is a ConflictError. */
export async function deployPlan(plan: PushPlan, deploymentType: DeploymentType): Promise<string> {
  return api(plan.target).deployFlows(withCredentialRefs(plan.local.nodes, plan.local.credentials), plan.remote.rev, deploymentType);
}

export async function push(
  opts: { dir: string; env: string; target: Target; dryRun?: boolean; deploymentType?: DeploymentType; rev?: string; force?: boolean; color?: boolean },
  print: Print,
): Promise<number> {
  const plan = await planPush(opts);
  if (plan.problems.length) {
    printProblems(plan.problems, opts.env, print);
    print(`push blocked: nothing deployed to ${opts.target.url}`);
    return EXIT.different;
  }
  // --rev: deploy only onto the rev a reviewed diff was made against, not whatever is there now.
  if (opts.rev) plan.remote = { ...plan.remote, rev: opts.rev };
  print(`${opts.dir}/ -> ${opts.target.url} (environment "${opts.env}", rev ${plan.remote.rev}):`);
  formatDiff(plan.diff, plan.local.nodes, plan.remote.flows, opts.color).forEach(print);
  // Credential references go with every deploy but are invisible in a diff (the target never shows
  // credentials): after changing only environments/credentials.json, --force sends them.
  if (isEmptyDiff(plan.diff) && !opts.force) {
    print(`nothing to deploy${Object.keys(plan.local.credentials).length ? " (credential references alone are sent with --force)" : ""}`);
    return EXIT.ok;
  }
  if (opts.dryRun) {
    print("dry run: nothing deployed");
    return EXIT.ok;
  }
  try {
    const rev = await deployPlan(plan, opts.deploymentType ?? "full");
    print(`deployed (${opts.deploymentType ?? "full"}): ${opts.target.url} is now at rev ${rev}`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ConflictError) {
      print(err.message);
      return EXIT.conflict;
    }
    throw err;
  }
}

/** The environment file with its references resolved from this machine's environment, as NAME=value lines. */
export function env(opts: { dir: string; env: string }, print: Print, host: NodeJS.ProcessEnv = process.env): number {
  const resolved = resolveEnvFile(readEnvFile(opts.dir, opts.env), host);
  for (const [k, v] of Object.entries(resolved)) print(`${k}=${v}`);
  return EXIT.ok;
}
