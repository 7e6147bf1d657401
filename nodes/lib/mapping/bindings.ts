/**
 * Mapping bindings: reference data an analyst gives a mapping as JSONata variables (a site to
 * plant table, a partner's charge codes, a time zone). Kept as JSON text in the node.
 */
export function parseBindings(text: string | undefined): Record<string, unknown> {
  if (!text?.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`mapping bindings are not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("mapping bindings must be a JSON object");
  return parsed as Record<string, unknown>;
}
