import { describe, expect, it } from 'vitest';
import { type CsvSettlementFormat, csvRecords } from '../../adapters/csv.ts';

const FORMAT: CsvSettlementFormat = {
  header: ['id', 'ref', 'amount'],
  error: (line, why) => new Error(`line ${line}: ${why}`),
  wrongHeader: 'the header must be id,ref,amount',
  empty: 'the file is empty',
};

async function* bytes(text: string, size: number) {
  const all = Buffer.from(text);
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

async function records(text: string, size = 5) {
  const out: [number, string[]][] = [];
  for await (const { line, record } of csvRecords(bytes(text, size), FORMAT)) out.push([line, record]);
  return out;
}

describe('the shared settlement CSV reader', () => {
  it('reads quoted fields as RFC 4180 says, with the line each record is on', async () => {
    const text = 'id,ref,amount\nT1,att_1,1000\n"T2","att ""2""",2000\nT3, att_3 ,"3000"\n';
    expect(await records(text)).toEqual([
      [2, ['T1', 'att_1', '1000']],
      [3, ['T2', 'att "2"', '2000']],
      [4, ['T3', 'att_3', '3000']],
    ]);
  });

  it('keeps line numbers exact across a BOM, CRLF, blank lines, a missing last newline and split characters', async () => {
    const text = '\uFEFFid,ref,amount\r\n\r\nT1,Lệ phí,1000\r\n\nT2,att_2,2000';
    for (const size of [1, 2, 3, 7, 1000]) {
      expect(await records(text, size)).toEqual([
        [3, ['T1', 'Lệ phí', '1000']],
        [5, ['T2', 'att_2', '2000']],
      ]);
    }
  });

  it.each([
    ['a wrong header', 'id,ref\nT1,att_1\n', /^line 1: the header must be/],
    ['an empty file', '', /^line 1: the file is empty/],
    ['a short record', 'id,ref,amount\nT1,att_1,1000\nT2,2000\n', /^line 3: expected 3 columns, got 2$/],
    ['a long record', 'id,ref,amount\nT1,att_1,1000,9\n', /^line 2: expected 3 columns, got 4$/],
    ['a stray quote', 'id,ref,amount\nT1,"att_1,1000\n', /^line 2: a quoted field is not closed on its line/],
    [
      'a quote inside a field',
      'id,ref,amount\nT1,att"1,1000\n',
      /^line 2: bad quoting: Invalid Opening Quote/,
    ],
    [
      'a quoted field spanning lines',
      'id,ref,amount\nT1,"att\n1",1000\nT2,att_2,2000\n',
      /^line 2: a quoted field is not closed on its line/,
    ],
  ])('refuses %s, naming its line', async (_what, text, error) => {
    await expect(records(text)).rejects.toThrow(error);
  });
});
