import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountInVietnameseWords } from '../../src/receipts/words.ts';

const TABLE: [string, string][] = [
  ['0', 'Không đồng'],
  ['1', 'Một đồng'],
  ['4', 'Bốn đồng'],
  ['5', 'Năm đồng'],
  ['10', 'Mười đồng'],
  ['11', 'Mười một đồng'],
  ['14', 'Mười bốn đồng'],
  ['15', 'Mười lăm đồng'],
  ['20', 'Hai mươi đồng'],
  ['21', 'Hai mươi mốt đồng'],
  ['24', 'Hai mươi tư đồng'],
  ['25', 'Hai mươi lăm đồng'],
  ['55', 'Năm mươi lăm đồng'],
  ['101', 'Một trăm linh một đồng'],
  ['104', 'Một trăm linh bốn đồng'],
  ['105', 'Một trăm linh năm đồng'],
  ['110', 'Một trăm mười đồng'],
  ['115', 'Một trăm mười lăm đồng'],
  ['121', 'Một trăm hai mươi mốt đồng'],
  ['1005', 'Một nghìn không trăm linh năm đồng'],
  ['1010', 'Một nghìn không trăm mười đồng'],
  ['1100', 'Một nghìn một trăm đồng'],
  ['15000', 'Mười lăm nghìn đồng'],
  ['21000', 'Hai mươi mốt nghìn đồng'],
  ['150000', 'Một trăm năm mươi nghìn đồng'],
  ['500000', 'Năm trăm nghìn đồng'],
  ['1000000', 'Một triệu đồng'],
  ['1000001', 'Một triệu không trăm linh một đồng'],
  ['2012000', 'Hai triệu không trăm mười hai nghìn đồng'],
  ['4020000', 'Bốn triệu không trăm hai mươi nghìn đồng'],
  ['35500000', 'Ba mươi lăm triệu năm trăm nghìn đồng'],
  ['300004000', 'Ba trăm triệu không trăm linh bốn nghìn đồng'],
  ['1000000000', 'Một tỷ đồng'],
  ['1000000005', 'Một tỷ không trăm linh năm đồng'],
  ['1250000000', 'Một tỷ hai trăm năm mươi triệu đồng'],
  [
    '999999999999',
    'Chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng',
  ],
];

const VOCABULARY = new Set(
  'không một hai ba bốn năm sáu bảy tám chín mười mươi trăm linh mốt tư lăm nghìn triệu tỷ đồng'.split(' '),
);

/** Reads the words back into a number: an independent check that nothing is dropped or misread. */
function parseWords(text: string): number {
  const DIGIT: Record<string, number> = {
    không: 0,
    một: 1,
    mốt: 1,
    hai: 2,
    ba: 3,
    bốn: 4,
    tư: 4,
    năm: 5,
    lăm: 5,
    sáu: 6,
    bảy: 7,
    tám: 8,
    chín: 9,
  };
  const SCALE: Record<string, number> = { nghìn: 1e3, triệu: 1e6, tỷ: 1e9 };
  let total = 0;
  let group = 0;
  let pending = 0;
  for (const word of text.toLowerCase().split(' ')) {
    if (word in DIGIT) pending = DIGIT[word] as number;
    else if (word === 'trăm') [group, pending] = [group + pending * 100, 0];
    else if (word === 'mươi') [group, pending] = [group + pending * 10, 0];
    else if (word === 'mười') group += 10;
    else if (word in SCALE)
      [total, group, pending] = [total + (group + pending) * (SCALE[word] as number), 0, 0];
    else if (word === 'đồng') total += group + pending;
    else if (word !== 'linh') throw new Error(`unexpected word ${word}`);
  }
  return total;
}

const amounts = fc.integer({ min: 0, max: 999_999_999_999 });

describe('amount in Vietnamese words (Bằng chữ)', () => {
  it.each(TABLE)('%s → %s', (amount, words) => {
    expect(amountInVietnameseWords(amount)).toBe(words);
  });

  it('refuses amounts a receipt cannot carry', () => {
    for (const bad of ['-1', '1.5', '1000000000000', 'abc']) {
      expect(() => amountInVietnameseWords(bad), bad).toThrow();
    }
  });

  it('uses only receipt vocabulary, single spaces, a capital first letter and ends in " đồng"', () => {
    fc.assert(
      fc.property(amounts, (n) => {
        const text = amountInVietnameseWords(String(n));
        expect(text).not.toMatch(/\s{2}|^\s|\s$/);
        expect(text.endsWith(' đồng') || text === 'Không đồng').toBe(true);
        expect(text.charAt(0)).toBe(text.charAt(0).toUpperCase());
        expect(text.charAt(0)).not.toBe(text.charAt(0).toLowerCase());
        for (const word of text.toLowerCase().split(' ')) expect(VOCABULARY.has(word), word).toBe(true);
      }),
    );
  });

  it('reads back to the same amount', () => {
    fc.assert(fc.property(amounts, (n) => parseWords(amountInVietnameseWords(String(n))) === n));
  });

  it('gives distinct words to distinct amounts below one million', () => {
    const below = fc.integer({ min: 0, max: 999_999 });
    // Near neighbours and digit shifts (105 vs 1005 vs 1050) are where a reading rule would collide.
    const pairs = fc.oneof(
      fc.tuple(below, below),
      fc.tuple(below, fc.integer({ min: 1, max: 1000 })).map(([a, d]) => [a, (a + d) % 1_000_000] as const),
      fc.integer({ min: 0, max: 99_999 }).map((a) => [a, a * 10] as const),
    );
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        fc.pre(a !== b);
        expect(amountInVietnameseWords(String(a))).not.toBe(amountInVietnameseWords(String(b)));
      }),
      { numRuns: 2000 },
    );
  });
});
