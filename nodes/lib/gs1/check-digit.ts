/**
 * GS1 check digits and check characters.
 *
 * - Mod-10 check digit (GS1 General Specifications §7.9.1) used by GTIN-8/12/13/14, GLN, SSCC, GSIN,
 *   GSRN, GDTI, GCN, GRAI and ITIP.
 * - Check character pair of the GMN (AI 8013, "csumalpha").
 * - IBAN mod-97 (AI 8007), because a wrong IBAN on a label is worth catching at the scanner.
 *
 * Every function here works on char codes without allocating, because the parser calls them on the
 * scanner hot path. None of them throws: invalid input gives NaN / false.
 */

/**
 * Mod-10 check digit of `body` (the key WITHOUT its check digit): weights 3,1,3,1… from the right,
 * check = (10 − sum mod 10) mod 10.
 *
 * Returns NaN when `body` is empty or contains anything but ASCII digits, so a comparison with a real
 * digit is always false.
 */
export function gs1CheckDigit(body: string): number {
  if (typeof body !== "string" || body.length === 0) return Number.NaN;
  return checkDigitOfRange(body, 0, body.length);
}

/**
 * Same as {@link gs1CheckDigit} for `s[start, end)`; lets the parser check a component in place
 * without slicing.
 */
export function checkDigitOfRange(s: string, start: number, end: number): number {
  let sum = 0;
  let weight = 3;
  for (let i = end - 1; i >= start; i--) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    sum += d * weight;
    weight = weight === 3 ? 1 : 3;
  }
  return (10 - (sum % 10)) % 10;
}

/** Key lengths that carry a mod-10 check digit in their last position. */
const KEY_LENGTHS: ReadonlySet<number> = new Set([
  8, // GTIN-8
  12, // GTIN-12 (UPC-A)
  13, // GTIN-13, GLN, GDTI/GCN body
  14, // GTIN-14, ITIP body
  17, // GSIN
  18, // SSCC, GSRN
]);

/**
 * True when `key` is an all-digit GTIN-8/12/13/14, GLN-13, GSIN-17 or SSCC-18 (or GSRN-18) whose last
 * digit is the correct mod-10 check digit. Any other length or character gives false.
 */
export function hasValidCheckDigit(key: string): boolean {
  if (typeof key !== "string" || !KEY_LENGTHS.has(key.length)) return false;
  const last = key.charCodeAt(key.length - 1) - 48;
  if (last < 0 || last > 9) return false;
  return checkDigitOfRange(key, 0, key.length - 1) === last;
}

/**
 * GS1 AI encodable character set 82 in the order of GS1 General Specifications figure 7.11-1; the
 * index of a character is its value in the GMN check character calculation.
 */
export const CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
/** Character set 32 used for the two GMN check characters. */
const CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

const CSET82_VALUE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < CSET82.length; i++) t[CSET82.charCodeAt(i)] = i;
  return t;
})();

/** The first 24 primes: weights of the GMN body characters, rightmost body character first. */
const GMN_WEIGHTS = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89];

/**
 * The two check characters for a GMN body (the GMN without its last two characters), or null when
 * the body is empty, longer than 23 characters or contains a character outside CSET 82.
 * GS1 General Specifications §7.9.5: sum of CSET-82 values × prime weights (2 for the rightmost),
 * mod 1021, written as two CSET-32 characters (sum div 32, sum mod 32).
 */
export function gmnCheckCharacters(body: string, start = 0, end = body.length): string | null {
  const n = end - start;
  if (n < 1 || n > 23) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = body.charCodeAt(end - 1 - i);
    const v = c < 128 ? CSET82_VALUE[c]! : -1;
    if (v < 0) return null;
    sum += v * GMN_WEIGHTS[i]!;
  }
  sum %= 1021;
  return CSET32[sum >> 5]! + CSET32[sum & 31]!;
}

/** IBAN check (ISO 13616): 2 letters, 2 check digits, up to 30 alphanumerics; mod 97 of the rearranged number is 1. */
export function isValidIban(s: string, start = 0, end = s.length): boolean {
  const n = end - start;
  if (n < 5 || n > 34) return false;
  for (let k = 0; k < 2; k++) {
    const c = s.charCodeAt(start + k);
    if (c < 65 || c > 90) return false;
  }
  for (let k = 2; k < 4; k++) {
    const c = s.charCodeAt(start + k);
    if (c < 48 || c > 57) return false;
  }
  let rem = 0;
  // Rearranged: characters 5..n first, then the first four.
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(start + ((k + 4) % n));
    if (c >= 48 && c <= 57) {
      rem = (rem * 10 + (c - 48)) % 97;
    } else if (c >= 65 && c <= 90) {
      rem = (rem * 100 + (c - 55)) % 97;
    } else {
      return false;
    }
  }
  return rem === 1;
}
