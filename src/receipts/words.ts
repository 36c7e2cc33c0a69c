import { MAX_AMOUNT, money } from '../money.ts';

const DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;

/** Scale words for each group of three digits, lowest first; "nghìn" (not the southern "ngàn") as in official documents. */
const SCALES = ['', 'nghìn', 'triệu', 'tỷ'] as const;

function digit(d: number): string {
  return DIGITS[d] ?? '';
}

/** Units after a tens digit ≥ 1: "mốt" (only after mươi), "tư" (only after mươi), "lăm". */
function unitsAfterTens(tens: number, units: number): string {
  if (units === 0) return '';
  if (units === 5) return 'lăm';
  if (tens >= 2 && units === 1) return 'mốt';
  if (tens >= 2 && units === 4) return 'tư';
  return digit(units);
}

/**
 * One group of three digits. A group after a larger one is read in full ("không trăm linh năm"),
 * so that 2 012 000 reads "hai triệu không trăm mười hai nghìn" rather than "hai triệu mười hai nghìn".
 */
function readGroup(n: number, full: boolean): string[] {
  const hundreds = Math.floor(n / 100);
  const tens = Math.floor(n / 10) % 10;
  const units = n % 10;
  const words: string[] = [];
  const withHundreds = full || hundreds > 0;
  if (withHundreds) words.push(digit(hundreds), 'trăm');
  if (tens === 0) {
    if (units > 0) {
      if (withHundreds) words.push('linh');
      words.push(digit(units));
    }
  } else if (tens === 1) {
    words.push('mười');
  } else {
    words.push(digit(tens), 'mươi');
  }
  if (tens > 0) {
    const u = unitsAfterTens(tens, units);
    if (u) words.push(u);
  }
  return words;
}

/**
 * The amount in words as written on receipts ("Bằng chữ"): 1005 → "Một nghìn không trăm linh năm đồng".
 * Empty groups are skipped (1 000 000 → "Một triệu đồng"). After "mươi", 4 is read "tư" and 1 "mốt";
 * 5 after any tens digit is "lăm"; a zero tens digit before units is "linh".
 */
export function amountInVietnameseWords(amount: string): string {
  const value = money(amount);
  if (!value.isInteger() || value.isNegative() || value.gt(MAX_AMOUNT)) {
    throw new RangeError(`not a whole amount from 0 to ${MAX_AMOUNT.toFixed(0)}: ${amount}`);
  }
  const digits = value.toFixed(0);
  const groups: number[] = [];
  for (let end = digits.length; end > 0; end -= 3) {
    groups.unshift(Number(digits.slice(Math.max(0, end - 3), end)));
  }

  const words: string[] = [];
  groups.forEach((group, i) => {
    if (group === 0) return;
    const scale = SCALES[groups.length - 1 - i] ?? '';
    words.push(...readGroup(group, words.length > 0));
    if (scale) words.push(scale);
  });
  if (words.length === 0) words.push('không');
  words.push('đồng');

  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
