/**
 * Master data the simulators share, so that an end-to-end run lines up: the SKUs the scanner
 * publisher picks are the materials the ERP holds stock for, at the plants its sites map to.
 */
import { withCheckDigit } from "./gs1";

/** Our fictional GS1 company prefix (7 digits, German 40–44 range like the domain note's examples). */
export const COMPANY_PREFIX = "4012345";

export interface CatalogItem {
  sku: string;
  gtin: string;
  description: string;
  unitWeightKg: number;
  baseUnit: string;
  unitPriceMinor: number;
  /** Batches in stock: the scanner picks from these and the ERP seeds stock for them. */
  batches: readonly string[];
}

function gtinFor(itemRef: string): string {
  // GTIN-14 = indicator 0 + company prefix (7) + item reference (5) + check digit.
  return withCheckDigit(`0${COMPANY_PREFIX}${itemRef}`);
}

export const CATALOG: readonly CatalogItem[] = [
  { sku: "SKU-10023", gtin: gtinFor("12345"), description: "Espresso beans 1 kg", unitWeightKg: 1.05, baseUnit: "EA", unitPriceMinor: 1499, batches: ["L2611A", "L2611B"] },
  { sku: "SKU-10024", gtin: gtinFor("12346"), description: "Filter coffee 500 g", unitWeightKg: 0.53, baseUnit: "EA", unitPriceMinor: 699, batches: ["L2610C"] },
  { sku: "SKU-10031", gtin: gtinFor("12410"), description: "Oat drink 1 l", unitWeightKg: 1.04, baseUnit: "EA", unitPriceMinor: 249, batches: ["L2611D", "L2612A"] },
  { sku: "SKU-10045", gtin: gtinFor("12577"), description: "Paper cups 50 pcs", unitWeightKg: 0.4, baseUnit: "EA", unitPriceMinor: 399, batches: ["L2609F"] },
  { sku: "SKU-10102", gtin: gtinFor("13020"), description: "Descaler 250 ml", unitWeightKg: 0.28, baseUnit: "EA", unitPriceMinor: 899, batches: ["L2611G"] },
  { sku: "SKU-10250", gtin: gtinFor("14001"), description: "Milk jug stainless", unitWeightKg: 0.35, baseUnit: "EA", unitPriceMinor: 1999, batches: ["L2608H"] },
  { sku: "SKU-10377", gtin: gtinFor("15377"), description: "Grinder burr set", unitWeightKg: 0.6, baseUnit: "EA", unitPriceMinor: 3499, batches: ["L2605K"] },
  { sku: "SKU-10490", gtin: gtinFor("16490"), description: "Cleaning tablets 100", unitWeightKg: 0.22, baseUnit: "EA", unitPriceMinor: 1299, batches: ["L2611M", "L2611N"] },
];

export interface SiteInfo {
  site: string;
  gln: string;
  /** SAP plant and storage location the site books against. */
  plant: string;
  storageLocation: string;
  /** Where a pick moves the stock to, and goods issue takes it from (the handoff's sitePlants). */
  stagingLocation: string;
  /** Fixed UTC offset used for scan timestamps (no DST: keeps generated data reproducible). */
  utcOffsetMinutes: number;
  city: string;
  postalCode: string;
  countryCode: string;
}

export const SITES: readonly SiteInfo[] = [
  { site: "DC1", gln: withCheckDigit(`${COMPANY_PREFIX}00000`), plant: "1010", storageLocation: "0001", stagingLocation: "0002", utcOffsetMinutes: 60, city: "Hamburg", postalCode: "20457", countryCode: "DE" },
  { site: "DC2", gln: withCheckDigit(`${COMPANY_PREFIX}00001`), plant: "1020", storageLocation: "0001", stagingLocation: "0002", utcOffsetMinutes: 0, city: "Birmingham", postalCode: "B6 7EU", countryCode: "GB" },
  { site: "DC3", gln: withCheckDigit(`${COMPANY_PREFIX}00002`), plant: "1710", storageLocation: "0001", stagingLocation: "0002", utcOffsetMinutes: -300, city: "Columbus", postalCode: "43215", countryCode: "US" },
];

export function siteInfo(site: string): SiteInfo {
  const known = SITES.find((s) => s.site === site);
  if (known) return known;
  // Unknown sites still get a stable, valid GLN so callers may invent their own site names.
  let h = 0;
  for (const ch of site) h = (h * 31 + ch.charCodeAt(0)) % 100000;
  return {
    site,
    gln: withCheckDigit(`${COMPANY_PREFIX}${String(h).padStart(5, "0")}`),
    plant: "1010",
    storageLocation: "0001",
    stagingLocation: "0002",
    utcOffsetMinutes: 0,
    city: "Unknown",
    postalCode: "00000",
    countryCode: "DE",
  };
}
