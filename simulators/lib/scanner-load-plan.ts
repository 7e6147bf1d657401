/**
 * The demo world's TMS plan for the loads the scanner publisher works (LD-<site>-NNNN): tendered
 * to the site's contracted carrier (the freight tab's contracts, simulators/month) with a delivery
 * stop in one of the lanes' zones. Without it those loads reach the freight tab with no carrier
 * and no zone, and every dispatched one would be parked as unratable under `npm start`.
 */
import { CONTRACTS } from "../month/generate";
import type { ImplicitLoadPlan } from "../tms";
import { siteInfo } from "./catalog";

export function planScannerLoad(loadId: string): ImplicitLoadPlan | null {
  const m = /^LD-(DC\d+)-(\d+)$/.exec(loadId);
  if (!m) return null;
  const [, site, n] = m as unknown as [string, string, string];
  const contract = CONTRACTS.find((c) => c.site === site);
  if (!contract) return null;
  const zones = Object.keys(contract.lanes).sort();
  const zone = zones[Number(n) % zones.length]!;
  const dc = siteInfo(site);
  return {
    carrierScac: contract.scac,
    stops: [
      { type: "PICKUP", location: { name: `${site} dock`, siteId: site, city: dc.city, country: dc.countryCode } },
      { type: "DELIVERY", location: { name: `customer in ${zone}`, zone } },
    ],
  };
}
