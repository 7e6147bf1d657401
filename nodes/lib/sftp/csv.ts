/**
 * A small RFC 4180 CSV reader: quoted fields (with "" for a quote, and delimiters and line breaks
 * inside quotes), CRLF or LF, a header row naming the columns, a configurable delimiter. Our own
 * rather than a library: settlement and carrier invoice files need exactly this, and every rule
 * is one we test. Errors name the line and the rule, and the whole file is refused (a settlement
 * file is taken in completely or not at all).
 */

export interface CsvOptions {
  /** One character; default ",". */
  delimiter?: string;
}

export interface CsvRow {
  /** 1-based line on which the record starts (the header is line 1). */
  line: number;
  values: Record<string, string>;
}

export type CsvResult = { ok: true; header: string[]; rows: CsvRow[] } | { ok: false; error: string };

export function parseCsv(text: string, options: CsvOptions = {}): CsvResult {
  const delimiter = options.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\r" || delimiter === "\n") {
    return { ok: false, error: `CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}` };
  }
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let atFieldStart = true;
  let quotedField = false;

  const endField = () => {
    fields.push(field);
    field = "";
    atFieldStart = true;
    quotedField = false;
  };
  const endRecord = () => {
    endField();
    // A blank line (one empty unquoted field) is no record.
    if (!(fields.length === 1 && fields[0] === "" && !lastWasQuoted)) records.push({ line: recordLine, fields });
    fields = [];
  };
  let lastWasQuoted = false;

  while (i < src.length) {
    const c = src[i]!;
    if (atFieldStart && c === '"') {
      // Quoted field: runs to the closing quote; "" inside is one quote.
      quotedField = true;
      lastWasQuoted = true;
      const startLine = line;
      i++;
      for (;;) {
        if (i >= src.length) return { ok: false, error: `CSV line ${startLine}: quoted field is not closed (RFC 4180: a field in quotes ends with a quote)` };
        const q = src[i]!;
        if (q === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === "\n") line++;
        field += q;
        i++;
      }
      atFieldStart = false;
      const next = src[i];
      if (next !== undefined && next !== delimiter && next !== "\n" && next !== "\r") {
        return { ok: false, error: `CSV line ${line}: text after a closing quote (RFC 4180: a quoted field must be followed by the delimiter or a line break)` };
      }
      continue;
    }
    if (c === delimiter) {
      endField();
      lastWasQuoted = false;
      i++;
      continue;
    }
    if (c === "\r" || c === "\n") {
      endRecord();
      lastWasQuoted = false;
      i += c === "\r" && src[i + 1] === "\n" ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    if (c === '"' && !quotedField) {
      return { ok: false, error: `CSV line ${line}: a quote inside an unquoted field (RFC 4180: put the field in quotes and double the quote)` };
    }
    field += c;
    atFieldStart = false;
    i++;
  }
  if (!atFieldStart || fields.length > 0 || lastWasQuoted) endRecord();

  const [head, ...body] = records;
  if (!head) return { ok: false, error: "CSV file is empty: a header row naming the columns is required" };
  const header = head.fields.map((h) => h.trim());
  const blank = header.findIndex((h) => h === "");
  if (blank >= 0) return { ok: false, error: `CSV header: column ${blank + 1} has no name` };
  const dup = header.find((h, idx) => header.indexOf(h) !== idx);
  if (dup !== undefined) return { ok: false, error: `CSV header: column "${dup}" appears twice` };
  const rows: CsvRow[] = [];
  for (const record of body) {
    if (record.fields.length !== header.length) {
      return {
        ok: false,
        error: `CSV line ${record.line}: ${record.fields.length} fields where the header has ${header.length} (every record must have one field per column)`,
      };
    }
    const values: Record<string, string> = {};
    header.forEach((name, idx) => (values[name] = record.fields[idx]!));
    rows.push({ line: record.line, values });
  }
  return { ok: true, header, rows };
}
