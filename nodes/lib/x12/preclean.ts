/**
 * Pre-normalisation of an X12 interchange before tokenizing (domain §7.1 step 1, quirks §1.9):
 * strip a byte-order mark, decode UTF-8 (latin1 fallback on invalid bytes, recorded), read the
 * delimiters from the ISA, unwrap hard line breaks (80-column wraps) when the segment terminator is
 * not a newline, normalise CR/LF when it is. Never throws: a text that is not an interchange comes
 * back as { ok: false, code, message }.
 */

export interface Delimiters {
  /** ISA position 3 (the 4th character). */
  element: string;
  /** ISA16. */
  component: string;
  /** ISA11 when it is a separator (00403+, tolerated on earlier versions); null when it is "U". */
  repetition: string | null;
  /** The character right after ISA16. "\n" for newline-terminated files (CRLF normalised). */
  segment: string;
}

export type PrecleanNote =
  | "bom"
  | "latin1"
  | "unwrapped"
  | "crlf-normalised"
  | "leading-whitespace"
  | "isa-not-fixed-length";

export type PrecleanResult =
  | { ok: true; text: string; delimiters: Delimiters; notes: PrecleanNote[] }
  | { ok: false; code: "EMPTY" | "NOT_X12" | "BAD_ISA" | "BAD_DELIMITERS"; message: string; notes: PrecleanNote[] };

const ISA_ELEMENTS = 16;
const isNewline = (c: string) => c === "\n" || c === "\r";

/** Decodes bytes as UTF-8, or as latin1 when they are not valid UTF-8. */
function decode(input: Uint8Array, notes: PrecleanNote[]): string {
  let bytes = input;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    bytes = bytes.subarray(3);
    notes.push("bom");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    notes.push("latin1");
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  }
}

interface IsaScan {
  /** ISA elements 1..16 (index 0 = "ISA"), line breaks inside removed. */
  elements: string[];
  component: string;
  segment: string;
  /** Index in the text of the first character after the ISA terminator. */
  end: number;
  /** Length of the ISA as written, terminator included, line breaks excluded. */
  length: number;
}

/**
 * Reads the ISA by counting element separators rather than trusting fixed offsets alone, so that
 * an ISA broken by an 80-column wrap still yields its delimiters. Well-formed files give the same
 * answer as the fixed positions (3, 104, 105).
 */
function scanIsa(text: string): IsaScan | string {
  const element = text[3];
  if (element === undefined) return "the text ends inside the ISA segment";
  const elements: string[] = ["ISA"];
  let current = "";
  let length = 4;
  let i = 4;
  // ISA01..ISA15 end with an element separator; ISA16 is one character (the component separator).
  while (elements.length < ISA_ELEMENTS) {
    const c = text[i];
    if (c === undefined) return `the text ends inside the ISA segment (after ISA${String(elements.length - 1).padStart(2, "0")})`;
    i++;
    if (isNewline(c)) continue;
    length++;
    if (c === element) {
      elements.push(current);
      current = "";
    } else {
      current += c;
      if (current.length > 40) return `ISA${String(elements.length).padStart(2, "0")} is longer than any ISA element can be`;
    }
  }
  while (i < text.length && isNewline(text[i]!)) i++;
  const component = text[i];
  if (component === undefined) return "the text ends before ISA16 (component separator)";
  elements.push(component);
  i++;
  length++;
  let segment = text[i];
  if (segment === undefined) return "the text ends before the ISA segment terminator";
  if (isNewline(segment)) {
    // Either the terminator is a newline, or an 80-column wrap fell right before it.
    let j = i;
    while (j < text.length && isNewline(text[j]!)) j++;
    const next = text[j];
    if (next === undefined || /[A-Za-z\s]/.test(next)) {
      segment = "\n";
      i = j;
    } else {
      segment = next;
      i = j + 1;
    }
  } else {
    // A terminator outside the BMP takes two UTF-16 units.
    const cp = text.codePointAt(i)!;
    segment = String.fromCodePoint(cp);
    i += segment.length;
  }
  length++;
  return { elements, component, segment, end: i, length };
}

export function preclean(input: string | Uint8Array | null | undefined): PrecleanResult {
  const notes: PrecleanNote[] = [];
  if (input === null || input === undefined) return { ok: false, code: "EMPTY", message: "no X12 text given", notes };
  let text: string;
  if (typeof input === "string") {
    text = input;
    if (text.charCodeAt(0) === 0xfeff) {
      text = text.slice(1);
      notes.push("bom");
    }
  } else if (input instanceof Uint8Array) {
    text = decode(input, notes);
  } else {
    return { ok: false, code: "NOT_X12", message: `expected X12 text (string or Buffer), got ${typeof input}`, notes };
  }
  const start = text.search(/\S/);
  if (start < 0) return { ok: false, code: "EMPTY", message: "the X12 text is empty", notes };
  if (start > 0) {
    text = text.slice(start);
    notes.push("leading-whitespace");
  }
  if (!text.startsWith("ISA")) {
    return { ok: false, code: "NOT_X12", message: `not an X12 interchange: it starts with ${JSON.stringify(text.slice(0, 12))}, not "ISA"`, notes };
  }
  const scan = scanIsa(text);
  if (typeof scan === "string") return { ok: false, code: "BAD_ISA", message: scan, notes };
  const element = text[3]!;
  const { component, segment } = scan;
  const isa11 = scan.elements[11] ?? "";
  const repetition = isa11.length === 1 && !/[A-Za-z0-9\s]/.test(isa11) ? isa11 : null;

  const problems: string[] = [];
  if (/[A-Za-z0-9\s]/.test(element)) problems.push(`element separator ${JSON.stringify(element)} is a letter, digit or space`);
  if (/[A-Za-z0-9 ]/.test(component)) problems.push(`component separator (ISA16) ${JSON.stringify(component)} is a letter, digit or space`);
  if (/[A-Za-z0-9 ]/.test(segment)) problems.push(`segment terminator ${JSON.stringify(segment)} is a letter, digit or space`);
  const distinct = [element, component, segment, ...(repetition ? [repetition] : [])];
  if (new Set(distinct).size !== distinct.length) {
    problems.push(`delimiters are not distinct (element ${JSON.stringify(element)}, component ${JSON.stringify(component)}, repetition ${JSON.stringify(repetition)}, segment ${JSON.stringify(segment)})`);
  }
  if (problems.length) return { ok: false, code: "BAD_DELIMITERS", message: problems.join("; "), notes };
  if (scan.length !== 106) notes.push("isa-not-fixed-length");

  // The ISA as it should be, then the rest of the text.
  const isa = scan.elements.slice(0, ISA_ELEMENTS).join(element) + element + component + segment;
  let rest = text.slice(scan.end);
  if (segment === "\n") {
    if (/\r/.test(rest) || /\r/.test(text.slice(0, scan.end))) notes.push("crlf-normalised");
    rest = rest.replace(/\r\n?/g, "\n");
  } else {
    // Line breaks cannot be data here: a break right after a terminator is layout, any other is a hard wrap.
    let wrapped = false;
    rest = rest.replace(/[\r\n]+/g, (_m: string, offset: number) => {
      const before = offset === 0 ? segment : rest.slice(Math.max(0, offset - segment.length), offset);
      if (before !== segment) wrapped = true;
      return "";
    });
    if (wrapped || /[\r\n]/.test(text.slice(0, Math.max(0, scan.end - 1)))) notes.push("unwrapped");
  }
  return { ok: true, text: isa + rest, delimiters: { element, component, repetition, segment }, notes };
}
