/**
 * Runs the six simulators standalone:
 *   node dist/simulators/cli.js [--host 127.0.0.1] [--base-port 3101] [--seed 1]
 * Prints one "name url" line per simulator, then waits for Ctrl-C.
 */
import { parseArgs } from "node:util";
import { startSimulators, stopSimulators } from "./index";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      "base-port": { type: "string", default: "3101" },
      seed: { type: "string", default: "1" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("Usage: node dist/simulators/cli.js [--host 127.0.0.1] [--base-port 3101 (0 = ephemeral)] [--seed 1]");
    return;
  }
  const basePort = Number(values["base-port"]);
  const seed = Number(values.seed);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65530) throw new Error("--base-port must be an integer 0..65530");
  if (!Number.isInteger(seed)) throw new Error("--seed must be an integer");
  const sims = await startSimulators({ host: values.host ?? "127.0.0.1", basePort, seed });
  for (const [name, sim] of Object.entries(sims)) console.log(`${name.padEnd(8)} ${sim.url}`);
  console.log("control API on each: /_sim/health /_sim/state /_sim/received /_sim/faults /_sim/reset — Ctrl-C stops");
  const stop = () => {
    stopSimulators().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
