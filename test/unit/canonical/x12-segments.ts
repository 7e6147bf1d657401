/**
 * What an X12 parser hands a mapping: the interchange as a flat list of segments, elements keyed by
 * position ({name: "AT7", "1": "D1", "2": "NS", ...}, empty elements as ""). Delimiters come from
 * the ISA (element = 4th character, segment terminator = the character after ISA16), like
 * node-x12 / x12-parser. A test helper, not a parser: no envelope validation.
 */
export type X12Segment = { name: string } & Record<string, string>;

export function x12Segments(text: string): X12Segment[] {
  const edi = text.replace(/^\uFEFF/, "");
  if (!edi.startsWith("ISA")) throw new Error("not an X12 interchange");
  const element = edi[3]!;
  const terminator = edi[105]!;
  return edi
    .split(terminator)
    .map((s) => s.replace(/^[\r\n]+|[\r\n]+$/g, ""))
    .filter((s) => s.length > 0)
    .map((s) => {
      const [name, ...elements] = s.split(element);
      const segment: X12Segment = { name: name! } as X12Segment;
      elements.forEach((value, i) => (segment[String(i + 1)] = value));
      return segment;
    });
}
