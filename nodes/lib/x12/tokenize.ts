/**
 * Splits a pre-cleaned interchange into segments. Two shapes:
 * - Segment { name, elements, index }: elements[0] is element 01; index is the 0-based position in
 *   the interchange;
 * - FlatSegment { name, "1": ..., "2": ... }: what the canonical X12 profiles
 *   (canonical/profiles/x12-*.jsonata) consume, every element kept ("" when empty), values untrimmed
 *   (the profiles trim), composites and repetitions left as written.
 */
import type { Delimiters } from "./preclean";

export interface Segment {
  name: string;
  elements: string[];
  index: number;
}

export type FlatSegment = { name: string } & Record<string, string>;

export function tokenize(text: string, delimiters: Delimiters): Segment[] {
  const out: Segment[] = [];
  for (const raw of text.split(delimiters.segment)) {
    // Layout between segments (indentation, CR/LF) is tolerated; trailing spaces are data.
    const piece = raw.replace(/^\s+/, "");
    if (piece === "" || /^\s*$/.test(piece)) continue;
    const [name = "", ...elements] = piece.split(delimiters.element);
    out.push({ name, elements, index: out.length });
  }
  return out;
}

export function toFlat(segment: Pick<Segment, "name" | "elements">): FlatSegment {
  const flat = { name: segment.name } as FlatSegment;
  segment.elements.forEach((value, i) => {
    flat[String(i + 1)] = value;
  });
  return flat;
}

/** Element n (1-based) of a segment, "" when absent. */
export function el(segment: Pick<Segment, "elements"> | undefined, n: number): string {
  return segment?.elements[n - 1] ?? "";
}
