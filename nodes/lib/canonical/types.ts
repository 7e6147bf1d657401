/**
 * TypeScript types of the canonical objects, generated from canonical/schemas by
 * scripts/gen-types.mjs (npm run gen:types). Nodes import them from here rather than from the
 * generated file, so the generated file's location can change without touching them.
 */
export type * from "../../../canonical/types.generated";
