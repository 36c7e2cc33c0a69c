import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FIELD_VI_FALLBACK,
  fieldText,
  REFUSAL_TEXT,
  REJECTION_VI,
  refusalText,
  rejectionText,
} from '../../src/console/refusal-text.ts';
import { DOMAIN_STATUS } from '../../src/http/problem.ts';

describe("a console refusal in the page's language", () => {
  it('every domain error code has a Vietnamese sentence (add yours to src/console/refusal-text.ts)', () => {
    const missing = Object.keys(DOMAIN_STATUS).filter((code) => !REFUSAL_TEXT[code]?.vi.trim());
    expect(missing).toEqual([]);
  });

  it('speaks Vietnamese on a vi page and keeps the service’s English on an en page', () => {
    const detail =
      'Bank credit bcr_1 is matched: only unmatched, late or mismatched credits can be assigned.';
    expect(refusalText('vi', 'credit_not_assignable', detail)).toBe(REFUSAL_TEXT.credit_not_assignable!.vi);
    expect(refusalText('en', 'credit_not_assignable', detail)).toBe(detail);
    expect(refusalText('vi', 'no_such_code', 'x')).not.toBe('x');
  });

  it('every literal field message of the staff services has a Vietnamese text', () => {
    const dir = 'src/admin';
    const literals = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(`${dir}/${f}`, 'utf8').matchAll(/message: '([^']+)'/g)].map((m) => m[1]!),
      );
    expect(literals.length).toBeGreaterThan(5);
    const untranslated = literals.filter((m) => fieldText('vi', m) === FIELD_VI_FALLBACK);
    expect(untranslated).toEqual([]);
    for (const m of literals) expect(fieldText('en', m)).toBe(m);
  });

  it('the field messages with values in them are matched too', () => {
    const given = [
      'no such payment in your scope',
      'no agency with code NOPE',
      'is required for a finance user; send hub_wide: true for the whole hub',
      'must be one of finance, auditor, admin',
      '"x@" is not an e-mail address',
      'a staff user a@b.vn already exists',
      'unknown provider "paypal"; known: sandbox, vnpay',
      'vnpay has no setting colour; known: tmn_code, hash_secret',
      '"2026-13-01" is not a date (YYYY-MM-DD)',
      'host nowhere.invalid does not resolve',
      'resolves to 10.0.0.1, a private, loopback or reserved address: not allowed in live mode',
      'must be https in live mode',
    ];
    const untranslated = given.filter((m) => fieldText('vi', m) === FIELD_VI_FALLBACK);
    expect(untranslated).toEqual([]);
    expect(fieldText('vi', 'no agency with code NOPE')).toBe('Không có đơn vị mã NOPE.');
  });

  it('a settlement file’s rejection reads in Vietnamese with its line, in English as kept', () => {
    for (const code of ['malformed_file', 'wrong_day', 'duplicate_file', 'empty_file', 'file_not_found'])
      expect(REJECTION_VI[code], code).toBeTruthy();
    const rejection = { code: 'malformed_file', detail: 'line 3: amount is not a number', line: 3 };
    expect(rejectionText('vi', rejection)).toBe(`${REJECTION_VI.malformed_file} (dòng 3)`);
    expect(rejectionText('en', rejection)).toBe(rejection.detail);
  });
});
