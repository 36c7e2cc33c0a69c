import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Options, parse } from 'csv-parse';

export interface CsvSettlementFormat {
  /** csv-parse options of the layout (`info` is always on: records carry their line number). */
  options: Options;
  header: readonly string[];
  /** The adapter's error for a line, so every message names the file's line the same way. */
  error(line: number, why: string): Error;
  /** Why a first line that is not the header is refused. */
  wrongHeader: string;
  /** Why an empty file is refused; unset, an empty file simply has no lines. */
  empty?: string;
}

/**
 * Streams a provider's settlement CSV for its adapter's parseSettlement: the header checked, then
 * each record with its line in the file. A large file is never buffered whole (pipeline keeps
 * backpressure and passes source errors on); csv-parse's own errors (a stray quote, a short
 * record) stop the parse naming their line, like the adapter's own checks.
 */
export async function* csvRecords(
  input: AsyncIterable<Buffer | string>,
  format: CsvSettlementFormat,
): AsyncIterable<{ line: number; record: string[] }> {
  const parser = parse({ ...format.options, info: true });
  const feeding = pipeline(Readable.from(input), parser).catch(() => {});
  let headerSeen = false;
  try {
    for await (const { info, record } of parser as AsyncIterable<{
      info: { lines: number };
      record: string[];
    }>) {
      if (!headerSeen) {
        if (record.join(',') !== format.header.join(',')) throw format.error(info.lines, format.wrongHeader);
        headerSeen = true;
        continue;
      }
      yield { line: info.lines, record };
    }
  } catch (error) {
    const { code, lines } = error as { code?: unknown; lines?: unknown };
    if (typeof code === 'string' && code.startsWith('CSV_') && typeof lines === 'number')
      throw format.error(lines, (error as Error).message);
    throw error;
  } finally {
    parser.destroy();
    await feeding;
  }
  if (!headerSeen && format.empty) throw format.error(1, format.empty);
}
