/**
 * GS1 mod-10 check digits (GTIN-8/12/13/14, SSCC, GLN). Kept local to the simulators so they do
 * not depend on the product's parser: a simulator that shared the product's bug would hide it.
 */

/** Check digit for `body` (the key without its check digit): weights 3,1,3,… from the right. */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** Appends the check digit to a numeric body. */
export function withCheckDigit(body: string): string {
  if (!/^\d+$/.test(body)) throw new Error(`GS1 key body must be digits: ${body}`);
  return body + String(gs1CheckDigit(body));
}

/** True when `key` is all digits, of one of the given lengths, and its last digit checks. */
export function isValidGs1Key(key: string, lengths: readonly number[] = [8, 12, 13, 14, 17, 18]): boolean {
  if (!/^\d+$/.test(key) || !lengths.includes(key.length)) return false;
  return gs1CheckDigit(key.slice(0, -1)) === Number(key[key.length - 1]);
}

export const isValidGtin = (s: string): boolean => isValidGs1Key(s, [8, 12, 13, 14]);
export const isValidSscc = (s: string): boolean => isValidGs1Key(s, [18]);
export const isValidGln = (s: string): boolean => isValidGs1Key(s, [13]);

/** ASCII 29, what a scanner transmits for FNC1 between variable-length elements. */
export const GS = "\u001d";
