import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SettlementLine } from '../../adapters/types.ts';
import { hashPassword, verifyPassword } from '../../src/admin/passwords.ts';
import { csrfMatches, csrfTokenFor } from '../../src/admin/staff.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { DomainError } from '../../src/errors.ts';
import { RepeatSieve } from '../../src/reconciliation/repeats.ts';
import {
  businessDay,
  checkDay,
  checkLine,
  copyLine,
  isoInstant,
  parseErrorOf,
} from '../../src/reconciliation/rules.ts';

const line = (over: Partial<SettlementLine> = {}): SettlementLine => ({
  lineNo: 2,
  providerTransactionId: 'T1',
  merchantReference: 'att_1',
  type: 'payment',
  amount: '150000',
  fee: '1650',
  status: '00',
  occurredAt: new Date('2026-03-10T10:00:00+07:00'),
  ...over,
});

describe('business day', () => {
  it('runs from 00:00 to 24:00 in Vietnam', () => {
    const day = businessDay('2026-03-10');
    expect(day.start.toISOString()).toBe('2026-03-09T17:00:00.000Z');
    expect(day.end.toISOString()).toBe('2026-03-10T17:00:00.000Z');
    expect(() =>
      checkDay(line({ occurredAt: new Date('2026-03-10T00:00:00+07:00') }), day, '2026-03-10'),
    ).not.toThrow();
    expect(() =>
      checkDay(line({ occurredAt: new Date('2026-03-09T23:59:59+07:00') }), day, '2026-03-10'),
    ).toThrow(DomainError);
    expect(() =>
      checkDay(line({ occurredAt: new Date('2026-03-09T23:59:59+07:00') }), day, '2026-03-10'),
    ).toThrow(expect.objectContaining({ code: 'wrong_day', extensions: { line: 2 } }));
    expect(() =>
      checkDay(line({ occurredAt: new Date('2026-03-11T00:00:00+07:00') }), day, '2026-03-10'),
    ).toThrow(/line 2/);
  });
});

describe('line checks and COPY text', () => {
  it('refuses fractions, zero and negative amounts', () => {
    for (const amount of ['0', '12.5', '-5', '1e3', ''])
      expect(() => checkLine(line({ amount }))).toThrow(/amount/);
    expect(() => checkLine(line({ fee: '1.5' }))).toThrow(/fee/);
    expect(() => checkLine(line())).not.toThrow();
  });

  it('escapes what COPY text format would misread', () => {
    expect(copyLine('rrun_1', line({ merchantReference: 'a\tb\\c\nd' }))).toBe(
      'rrun_1\t2\tT1\ta\\tb\\\\c\\nd\tpayment\t150000\t1650\t00\t2026-03-10T03:00:00.000Z\n',
    );
  });

  it('writes every instant exactly as toISOString does, in any order of days', () => {
    const instant = fc.date({ noInvalidDate: true });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (dates) => {
        for (const at of dates) expect(isoInstant(at)).toBe(at.toISOString());
      }),
      { numRuns: 500 },
    );
    for (const at of ['1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2026-06-14T17:00:00.080Z'])
      expect(isoInstant(new Date(at))).toBe(at);
  });

  it("keeps the line number of an adapter's error", () => {
    expect(parseErrorOf(new Error('VNPay settlement line 7: bad amount'))).toMatchObject({
      code: 'malformed_file',
      extensions: { line: 7 },
    });
  });
});

describe('the repeat sieve of ingest', () => {
  it('names every key a line of the same type had before, and almost nothing else', () => {
    const line = fc.record({
      type: fc.constantFrom('payment' as const, 'refund' as const),
      key: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 300 }), (lines) => {
        const sieve = new RepeatSieve();
        for (const l of lines) sieve.see(l.type, l.key);
        const { types, keys } = sieve.named();
        const named = new Set(types.map((t, i) => `${t}\n${keys[i]}`));
        const counts = new Map<string, number>();
        for (const l of lines)
          counts.set(`${l.type}\n${l.key}`, (counts.get(`${l.type}\n${l.key}`) ?? 0) + 1);
        for (const [key, n] of counts) expect(named.has(key)).toBe(n > 1);
      }),
    );
  });

  it('stays exact past many growths', () => {
    const sieve = new RepeatSieve();
    for (let i = 0; i < 200_000; i++) sieve.see('payment', `att_b${String(i).padStart(9, '0')}`);
    sieve.see('refund', 'att_b000000007');
    sieve.see('payment', 'att_b000123456');
    expect(sieve.named()).toEqual({ types: ['payment'], keys: ['att_b000123456'] });
  });
});

describe('settings', () => {
  it('parses fee rules, carry days and the daily time', () => {
    const config = loadConfig({
      PAYHUB_PROVIDER_FEES: 'vnpay:1.1:1650, momo:1.5',
      PAYHUB_RECON_TIME: '07:30',
    });
    expect(config.reconciliation).toMatchObject({
      carryDays: 2,
      cron: '30 7 * * *',
      fees: { vnpay: { percent: '1.1', min: '1650' }, momo: { percent: '1.5', min: '0' } },
    });
    expect(() => loadConfig({ PAYHUB_PROVIDER_FEES: 'vnpay=1%' })).toThrow(ConfigError);
    expect(() => loadConfig({ PAYHUB_RECON_TIME: '25:00' })).toThrow(ConfigError);
    expect(() => loadConfig({ PAYHUB_RECON_CARRY_DAYS: '-1' })).toThrow(ConfigError);
  });
});

describe('staff credentials', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
  });

  it('binds the CSRF token to the session', () => {
    const token = csrfTokenFor('secret', 'session-a');
    expect(csrfMatches('secret', 'session-a', token)).toBe(true);
    expect(csrfMatches('secret', 'session-b', token)).toBe(false);
    expect(csrfMatches('secret', 'session-a', undefined)).toBe(false);
  });
});
