/**
 * The bulk route's own CSV reader (src/links/csv.ts) reads what csv-parse reads: random tables,
 * written with csv-stringify under random line endings, come back as the same records from both;
 * what csv-parse refuses, it refuses too, naming the line.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvUnreadable, csvField, readCsv } from '../../src/links/csv.ts';

const cell = fc.string({
  unit: fc.constantFrom('a', 'Ă', 'ễ', ' ', ',', '"', '\n', '\r', '\r\n', '1', '-', '@'),
  maxLength: 8,
});
/** Rows of one or more cells; a row that is a single empty cell is an empty line, which both skip. */
const table = fc.array(
  fc.array(cell, { minLength: 1, maxLength: 5 }).filter((row) => !(row.length === 1 && row[0] === '')),
  { minLength: 1, maxLength: 12 },
);

const library = (text: string) =>
  parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];

describe('the bulk CSV reader', () => {
  it('reads random tables as csv-parse does, under LF, CRLF and CR line endings, with or without a BOM', () => {
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n', '\r'), fc.boolean(), (rows, eol, bom) => {
        const text =
          (bom ? '\ufeff' : '') + stringify(rows, { record_delimiter: eol, quoted_match: /[\r\n]/ });
        expect(readCsv(text).map((r) => r.fields)).toEqual(library(text));
      }),
      { numRuns: 400 },
    );
  });

  it('writes fields that read back as they were (csvField quotes only what needs quoting)', () => {
    fc.assert(
      fc.property(table, (rows) => {
        const text = `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`;
        expect(readCsv(text).map((r) => r.fields)).toEqual(rows);
        expect(library(text)).toEqual(rows);
      }),
      { numRuns: 400 },
    );
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
  });

  it('numbers records by the line they start on, empty lines counted', () => {
    const records = readCsv('a,b\n\n"x\ny",2\nlast,3\n');
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [3, ['x\ny', '2']],
      [5, ['last', '3']],
    ]);
  });

  it('refuses what csv-parse refuses: an unclosed quote, a quote inside a bare field, text after a closing quote', () => {
    for (const [text, line] of [
      ['a,b\nc,"never closed\n', 2],
      ['a,b\nc,d"e\n', 2],
      ['a,b\n\n"x"y,1\n', 3],
    ] as const) {
      expect(() => library(text)).toThrow();
      let thrown: unknown;
      try {
        readCsv(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, text).toBeInstanceOf(CsvUnreadable);
      expect((thrown as CsvUnreadable).line, text).toBe(line);
    }
  });
});
