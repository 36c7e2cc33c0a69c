import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse/sync';

export interface CsvSettlementFormat {
  header: readonly string[];
  /** The adapter's error for a line, so every message names the file's line the same way. */
  error(line: number, why: string): Error;
  /** Why a first line that is not the header is refused. */
  wrongHeader: string;
  /** Why an empty file is refused; unset, an empty file simply has no lines. */
  empty?: string;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An instant written ISO 8601 with an explicit offset, or null: a bare local time would be
 * ambiguous by 7 hours, and a cut-off one read as another instant.
 */
export function instantWithOffset(value: string): Date | null {
  if (!ISO_WITH_OFFSET.test(value)) return null;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? null : instant;
}

/** csv-parse's own words for a quoting fault, without its "at line 1" (it only ever saw one line). */
function quotingFault(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'CSV_QUOTE_NOT_CLOSED')
    return 'a quoted field is not closed on its line (fields never span lines)';
  return `bad quoting: ${String(message).replace(/ at line \d+/g, '')}`;
}

/**
 * A line's fields. Settlement fields (ids, amounts, codes, times) never hold a comma, a quote or a
 * line break, so a line without a quote is split as it stands; one with a quote is handed to
 * csv-parse, which knows RFC 4180 quoting and refuses a stray quote.
 */
function fieldsOf(text: string, line: number, format: CsvSettlementFormat): string[] {
  if (!text.includes('"')) {
    const fields = text.split(',');
    return /\s/.test(text) ? fields.map((f) => f.trim()) : fields;
  }
  try {
    return (parse(text, { trim: true, relax_column_count: true }) as string[][])[0] ?? [''];
  } catch (error) {
    throw format.error(line, quotingFault(error));
  }
}

/**
 * Streams a provider's settlement CSV for its adapter's parseSettlement: the header checked, then
 * each record of the header's width with its line in the file. A large file is never buffered
 * whole; a byte-order mark, CRLF line ends, blank lines and blanks around fields are accepted.
 * Lines are found first (a settlement field never spans lines), which keeps line numbers exact
 * and costs a fraction of a character-by-character parse at a million lines.
 */
export async function* csvRecords(
  input: AsyncIterable<Buffer | string>,
  format: CsvSettlementFormat,
): AsyncIterable<{ line: number; record: string[] }> {
  const width = format.header.length;
  const decoder = new StringDecoder('utf8');
  let line = 0;
  let headerSeen = false;
  let rest = '';
  function recordOf(raw: string): string[] | null {
    line++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (!text.trim()) return null;
    const record = fieldsOf(text, line, format);
    if (!headerSeen) {
      if (record.join(',') !== format.header.join(',')) throw format.error(line, format.wrongHeader);
      headerSeen = true;
      return null;
    }
    if (record.length !== width) throw format.error(line, `expected ${width} columns, got ${record.length}`);
    return record;
  }
  for await (const chunk of input) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      const record = recordOf(text.slice(start, end));
      start = end + 1;
      if (record) yield { line, record };
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest) {
    const record = recordOf(rest);
    if (record) yield { line, record };
  }
  if (!headerSeen && format.empty) throw format.error(1, format.empty);
}
