/**
 * Starts all six simulators. Used by `npm start` (launcher), by scenario tests (port 0) and by
 * simulators/cli.ts. Each returned simulator has { url, state(), received(), setFaults(), reset(), close() }.
 */
import { CarrierSimulator } from "./carrier";
import { ErpSimulator, type ErpOptions } from "./erp";
import { FinanceSimulator } from "./finance";
import type { SimulatorOptions } from "./lib/server";
import { PortalSimulator } from "./portal";
import { TmsSimulator, type TmsOptions } from "./tms";
import { WmsSimulator, type WmsOptions } from "./wms";

export { CarrierSimulator, ErpSimulator, FinanceSimulator, PortalSimulator, TmsSimulator, WmsSimulator };
export type { ErpOptions, TmsOptions, WmsOptions, SimulatorOptions };
export type { FaultConfig } from "./lib/faults";
export type { AuthConfig } from "./lib/auth";
export type { ReceivedEntry } from "./lib/received-log";
export { HttpSimulator } from "./lib/server";

export const SIMULATOR_NAMES = ["erp", "wms", "tms", "finance", "carrier", "portal"] as const;
export type SimulatorName = (typeof SIMULATOR_NAMES)[number];

/** Default ports, in SIMULATOR_NAMES order: ERP 3101 … portal 3106. */
export const DEFAULT_PORTS: Record<SimulatorName, number> = { erp: 3101, wms: 3102, tms: 3103, finance: 3104, carrier: 3105, portal: 3106 };

export interface Simulators {
  erp: ErpSimulator;
  wms: WmsSimulator;
  tms: TmsSimulator;
  finance: FinanceSimulator;
  carrier: CarrierSimulator;
  portal: PortalSimulator;
}

export interface StartOptions {
  host?: string;
  /** ERP gets basePort, WMS basePort+1 … portal basePort+5. 0 = every simulator on an ephemeral port. */
  basePort?: number;
  /** Per-simulator port (wins over basePort); 0 = ephemeral. */
  ports?: Partial<Record<SimulatorName, number>>;
  /** Seed for the fault PRNGs (each simulator gets seed + its index). */
  seed?: number;
  /** Constructor options per simulator (auth, faults, …). */
  options?: { erp?: ErpOptions; wms?: WmsOptions; tms?: TmsOptions; finance?: SimulatorOptions; carrier?: SimulatorOptions; portal?: SimulatorOptions };
}

/** Every set started and not yet stopped (several may run side by side). */
const running = new Set<Simulators>();

function portFor(name: SimulatorName, index: number, opts: StartOptions): number {
  const explicit = opts.ports?.[name];
  if (explicit !== undefined) return explicit;
  if (opts.basePort !== undefined) return opts.basePort === 0 ? 0 : opts.basePort + index;
  return DEFAULT_PORTS[name];
}

export async function startSimulators(opts: StartOptions = {}): Promise<Simulators> {
  const host = opts.host ?? "127.0.0.1";
  const seed = opts.seed ?? 1;
  const o = opts.options ?? {};
  const withSeed = <T extends SimulatorOptions>(index: number, given: T | undefined): T => ({ seed: seed + index, ...(given ?? ({} as T)) });
  const sims: Simulators = {
    erp: new ErpSimulator(withSeed(0, o.erp)),
    wms: new WmsSimulator(withSeed(1, o.wms)),
    tms: new TmsSimulator(withSeed(2, o.tms)),
    finance: new FinanceSimulator(withSeed(3, o.finance)),
    carrier: new CarrierSimulator(withSeed(4, o.carrier)),
    portal: new PortalSimulator(withSeed(5, o.portal)),
  };
  try {
    for (const [i, name] of SIMULATOR_NAMES.entries()) await sims[name].listen(portFor(name, i, opts), host);
  } catch (err) {
    // One port taken: do not leave the others listening.
    await Promise.all(SIMULATOR_NAMES.map((n) => sims[n].close()));
    throw err;
  }
  running.add(sims);
  return sims;
}

/** Closes the given set, or every set startSimulators() started. */
export async function stopSimulators(sims?: Simulators): Promise<void> {
  const sets = sims ? [sims] : [...running];
  await Promise.all(sets.flatMap((set) => SIMULATOR_NAMES.map((n) => set[n].close())));
  for (const set of sets) running.delete(set);
}
