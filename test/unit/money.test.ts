import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  isCalendarDate,
  localDate,
  localMidnight,
  VN_TIME_ZONE,
} from '../../src/dates.ts';
import { formatVnd, latePenalty, money, roundDong, toJsonAmount } from '../../src/money.ts';

describe('money', () => {
  it('formats đồng the Vietnamese way', () => {
    expect(formatVnd('150000')).toBe('150.000 ₫');
    expect(formatVnd('0')).toBe('0 ₫');
    expect(formatVnd('999999999999')).toBe('999.999.999.999 ₫');
    expect(formatVnd('1000')).toBe('1.000 ₫');
    expect(formatVnd('999')).toBe('999 ₫');
  });

  it('rounds half-up to the đồng, once', () => {
    expect(roundDong(money('0.5')).toString()).toBe('1');
    expect(roundDong(money('1.49999')).toString()).toBe('1');
    expect(roundDong(money('2.5')).toString()).toBe('3');
    // 1,234,567 × 0.0005 × 3 = 1851.8505 → 1852
    expect(latePenalty(money('1234567'), '0.0005', 3).toString()).toBe('1852');
    // 333 × 0.0003 × 5 = 0.4995 → 0 (half-up, not banker's, not floor of a float)
    expect(latePenalty(money('333'), '0.0003', 5).toString()).toBe('0');
    expect(latePenalty(money('1000'), '0.0005', 1).toString()).toBe('1');
  });

  it('penalty equals exact rational arithmetic for any amount and day count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999_999_999_999 }),
        fc.integer({ min: 0, max: 3650 }),
        (amount, days) => {
          // Exact: amount × 5 × days / 10000, rounded half-up with BigInt.
          const numerator = BigInt(amount) * 5n * BigInt(days);
          const expected = (numerator * 2n + 10000n) / 20000n;
          expect(latePenalty(money(amount), '0.0005', days).toFixed(0)).toBe(expected.toString());
        },
      ),
    );
  });

  it('refuses to turn a fraction into a JSON amount', () => {
    expect(toJsonAmount('150000')).toBe(150000);
    expect(() => toJsonAmount('1.5')).toThrow();
  });
});

describe('dates in Vietnam', () => {
  it('uses the Vietnamese calendar day, not UTC', () => {
    expect(localDate(new Date('2026-11-23T16:59:59Z'))).toBe('2026-11-23');
    expect(localDate(new Date('2026-11-23T17:00:00Z'))).toBe('2026-11-24');
    expect(localMidnight('2026-11-24').toISOString()).toBe('2026-11-23T17:00:00.000Z');
  });

  it('agrees with the time-zone database on every instant since 1976', () => {
    const zone = new Intl.DateTimeFormat('en-CA', { timeZone: VN_TIME_ZONE, dateStyle: 'short' });
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1976-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        (instant) => {
          expect(localDate(instant)).toBe(zone.format(instant));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('counts days across month and leap-year ends', () => {
    expect(daysBetween('2028-02-28', '2028-03-01')).toBe(2);
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('rejects dates that do not exist', () => {
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('26-01-01')).toBe(false);
  });
});

describe('ids', async () => {
  const { ulid, newId } = await import('../../src/ids.ts');
  it('are ULIDs: 26 Crockford characters, time first, strictly increasing within a millisecond', () => {
    const ids = Array.from({ length: 1000 }, () => ulid(1_700_000_000_000));
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(ulid(1_700_000_000_001) > ids[999]!).toBe(true);
    // Time part decodes back to the millisecond.
    const decoded = [...ulid(1_800_000_000_123).slice(0, 10)].reduce(
      (n, c) => n * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c),
      0,
    );
    expect(decoded).toBe(1_800_000_000_123);
    expect(newId('pay')).toMatch(/^pay_[0-9A-Z]{26}$/);
  });
});
