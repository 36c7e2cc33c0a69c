import { describe, expect, it } from 'vitest';
import { deadline, initials } from '../../src/checkout/format.ts';

describe('"Pay by" on the checkout', () => {
  it('a deadline at local midnight is the end of the day before, not "03/12/2026, 00:00"', () => {
    // 00:00 on 3 December in Hanoi (UTC+7) is 17:00 UTC on 2 December.
    const midnight = new Date('2026-12-02T17:00:00Z');
    expect(deadline('vi', midnight)).toBe('hết ngày 02/12/2026');
    expect(deadline('en', midnight)).toBe('the end of 2 December 2026');
  });

  it('any other deadline is a time on its local day', () => {
    const afternoon = new Date('2026-12-02T07:30:00Z');
    expect(deadline('vi', afternoon)).toBe('trước 14:30 ngày 02/12/2026');
    expect(deadline('en', afternoon)).toBe('14:30 on 2 December 2026');
  });
});

describe("an agency's initials for its emblem", () => {
  it('takes the capitalised words, at most three, and skips a parenthesis', () => {
    expect(initials('Sở Tư pháp tỉnh Mẫu')).toBe('STM');
    expect(initials('Sở Tư pháp tỉnh Mẫu (demo)')).toBe('STM');
    expect(initials('Ủy ban nhân dân Thành phố Hà Nội')).toBe('UTH');
    expect(initials('Đài Phát thanh')).toBe('ĐP');
    expect(initials('bộ tài chính')).toBe('BTC');
  });
});
