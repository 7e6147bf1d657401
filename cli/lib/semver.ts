/** Enough of semver for "is the installed package compatible with the one the flows were built with". */
function parse(version: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/**
 * Caret compatibility (`^wanted`): same major (same minor below 1.0, where minors may break),
 * and not older than wanted. Flows built with 0.1.3 run on 0.1.5, not on 0.1.2 or 0.2.0.
 */
export function caretCompatible(installed: string, wanted: string): boolean {
  const a = parse(installed);
  const b = parse(wanted);
  if (!a || !b) return false;
  if (a[0] !== b[0]) return false;
  if (b[0] === 0 && a[1] !== b[1]) return false;
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! > b[i]!;
  return true;
}
