import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CANONICAL_DIR } from "./paths";

/**
 * Money in canonical objects is integer minor units of an ISO 4217 currency: USD 816.12 is
 * `{currency: "USD", amountMinor: 81612}`. These helpers convert decimal strings exactly (string
 * arithmetic, never floats), with the minor units from canonical/code-lists/iso4217.json.
 */

let table: Readonly<Record<string, number>> | null = null;

/** Code → minor units, from canonical/code-lists/iso4217.json (read once). */
export function iso4217(): Readonly<Record<string, number>> {
  table ??= Object.freeze(
    (JSON.parse(readFileSync(join(CANONICAL_DIR, "code-lists", "iso4217.json"), "utf8")) as { minorUnits: Record<string, number> }).minorUnits,
  );
  return table;
}

export class MoneyError extends Error {
  override name = "MoneyError";
}

/** Minor units of `currency` (USD 2, JPY 0, KWD 3, CLF 4); throws naming the currency when ISO 4217 has none. */
export function minorUnits(currency: string): number {
  const units = Object.prototype.hasOwnProperty.call(iso4217(), currency) ? iso4217()[currency] : undefined;
  if (units === undefined) throw new MoneyError(`unknown currency "${currency}": not an ISO 4217 code with minor units`);
  return units;
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/**
 * `toMinor("816.12", "USD")` → 81612; `toMinor("-240.5", "USD")` → -24050; `toMinor("1500", "JPY")` → 1500.
 * Trailing zeros beyond the currency's minor units are fine (SAP sends "816.120"); a non-zero digit
 * there is an error naming the currency, never a rounding.
 */
export function toMinor(amount: string, currency: string): number {
  const units = minorUnits(currency);
  const text = typeof amount === "string" ? amount.trim() : "";
  const m = DECIMAL.exec(text);
  if (!m) throw new MoneyError(`${currency} amount ${JSON.stringify(amount)} is not a decimal number`);
  const [, sign, whole, fraction = ""] = m;
  if (/[1-9]/.test(fraction.slice(units))) {
    throw new MoneyError(`${currency} amount ${text} has more decimals than ${currency}'s ${units} minor unit${units === 1 ? "" : "s"}`);
  }
  const digits = `${whole}${fraction.slice(0, units).padEnd(units, "0")}`.replace(/^0+(?=\d)/, "");
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new MoneyError(`${currency} amount ${text} is too large for exact minor units`);
  return sign === "-" && value !== 0 ? -value : value;
}

/** `fromMinor(81612, "USD")` → "816.12"; `fromMinor(-5, "KWD")` → "-0.005"; `fromMinor(1500, "JPY")` → "1500". */
export function fromMinor(amountMinor: number, currency: string): string {
  const units = minorUnits(currency);
  if (!Number.isSafeInteger(amountMinor)) throw new MoneyError(`${currency} minor amount ${amountMinor} is not a safe integer`);
  const digits = String(Math.abs(amountMinor)).padStart(units + 1, "0");
  const text = units === 0 ? digits : `${digits.slice(0, -units)}.${digits.slice(-units)}`;
  return amountMinor < 0 ? `-${text}` : text;
}
