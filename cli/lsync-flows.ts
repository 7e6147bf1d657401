#!/usr/bin/env node
/**
 * lsync-flows: pull, diff, validate and promote flows between Node-RED instances through the
 * Admin API. Only argument parsing lives here; the commands are in cli/lib/commands.ts.
 */
import { parseArgs } from "node:util";
import { DEPLOYMENT_TYPES, type DeploymentType } from "./lib/admin-api";
import * as commands from "./lib/commands";
import { contract } from "./lib/contract-command";

const USAGE = `usage: lsync-flows <command> [options]

  pull      --url <editor> [--dir flows]           one file per tab + config.json, credentials never
  diff      --url <editor> [--dir flows]           per node; exit 1 when different
  validate  --env <name> [--url <editor>] [--dir]  node types, \${VAR}s, literals, schema versions
  push      --url <editor> --env <name> [--dry-run] [--deployment-type full|nodes|flows] [--rev <rev>] [--force]
            validates, shows the diff, deploys onto the rev it diffed (or --rev); --force deploys
            with no flow differences (to send changed credential references)
  contract  --env <name> [--dir flows] [--contracts contracts]   recorded vendor shapes vs the profiles
  env       --env <name> [--dir flows]             the environment file resolved from this shell

  --token <t>  admin API bearer token (or LSYNC_ADMIN_TOKEN) when adminAuth is on
exit codes: 0 ok, 1 differences/problems (push blocked), 2 error, 3 conflict (target changed after the diff)`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      dir: { type: "string", default: "flows" },
      env: { type: "string" },
      token: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      "deployment-type": { type: "string", default: "full" },
      rev: { type: "string" },
      contracts: { type: "string", default: "contracts" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  const print = (line: string) => console.log(line);
  if (values.help || !command) {
    print(USAGE);
    return values.help ? 0 : commands.EXIT.error;
  }
  const need = (name: "url" | "env"): string => {
    const v = values[name];
    if (!v) throw new UsageError(`${command} needs --${name}`);
    return v;
  };
  const token = values.token ?? process.env.LSYNC_ADMIN_TOKEN ?? undefined;
  const target = (url: string): commands.Target => ({ url, ...(token ? { token } : {}) });
  const dir = values.dir!;
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  switch (command) {
    case "pull":
      return commands.pull({ ...target(need("url")), dir }, print);
    case "diff":
      return commands.diff({ ...target(need("url")), dir, color }, print);
    case "validate":
      return commands.validate({ dir, env: need("env"), ...(values.url ? { target: target(values.url) } : {}) }, print);
    case "push": {
      const type = values["deployment-type"] as DeploymentType;
      if (!DEPLOYMENT_TYPES.includes(type)) throw new UsageError(`--deployment-type must be one of ${DEPLOYMENT_TYPES.join(", ")}`);
      return commands.push(
        { dir, env: need("env"), target: target(need("url")), dryRun: values["dry-run"], force: values.force, deploymentType: type, color, ...(values.rev ? { rev: values.rev } : {}) },
        print,
      );
    }
    case "contract":
      return contract({ dir, env: need("env"), contractsDir: values.contracts! }, print);
    case "env":
      return commands.env({ dir, env: need("env") }, print);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`lsync-flows: ${err.message}`);
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) console.error(USAGE);
    process.exit(commands.EXIT.error);
  },
);
