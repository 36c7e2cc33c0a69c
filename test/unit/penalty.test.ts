import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/dates.ts';
import { money } from '../../src/money.ts';
import { amountChangesAt, assessLateness, takenAfterAmountChanged } from '../../src/payments/penalty.ts';

describe('late-payment penalty', () => {
  it('counts from the day after the due date to the day before payment', () => {
    // Due 10 Oct, paid 12 Oct: only 11 Oct is late.
    expect(assessLateness('fine', '1000000', '2026-10-10', '2026-10-12').lateDays).toBe(1);
    expect(assessLateness('fine', '1000000', '2026-10-10', '2026-10-11').lateDays).toBe(0);
    expect(assessLateness('fine', '1000000', '2026-10-10', '2026-10-10').lateDays).toBe(0);
    expect(assessLateness('fine', '1000000', '2026-10-10', '2026-09-01').lateDays).toBe(0);
  });

  it('applies 0.05 %/day to fines and 0.03 %/day to taxes', () => {
    const fine = assessLateness('fine', '2000000', '2026-10-01', '2026-10-12');
    expect(fine.lateDays).toBe(10);
    expect(fine.penalty.toString()).toBe('10000'); // 2,000,000 × 0.0005 × 10
    const tax = assessLateness('tax', '2000000', '2026-10-01', '2026-10-12');
    expect(tax.penalty.toString()).toBe('6000'); // 2,000,000 × 0.0003 × 10
  });

  it('names the first day the amount changes', () => {
    // Not yet late: unchanged until the second day after the due date.
    expect(assessLateness('fine', '100000', '2026-10-10', '2026-10-05').amountChangesOn).toBe('2026-10-12');
    expect(assessLateness('fine', '100000', '2026-10-10', '2026-10-11').amountChangesOn).toBe('2026-10-12');
    // Already late: tomorrow.
    expect(assessLateness('fine', '100000', '2026-10-10', '2026-10-20').amountChangesOn).toBe('2026-10-21');
  });

  it('the amount really is the same until amountChangesOn, and differs on it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('fine' as const, 'tax' as const),
        fc.integer({ min: 10_000, max: 10_000_000_000 }),
        fc.integer({ min: -30, max: 400 }),
        (kind, amount, offset) => {
          const due = '2026-06-15';
          const today = addDays(due, offset);
          const owed = (paidOn: string) => {
            const late = assessLateness(kind, String(amount), due, paidOn);
            return late.penalty.plus(amount).toString();
          };
          const changes = assessLateness(kind, String(amount), due, today).amountChangesOn;
          // Every day from today to the eve of amountChangesOn owes what today owes…
          for (let day = today; day < changes; day = addDays(day, 1)) expect(owed(day)).toBe(owed(today));
          // …and on it, more.
          expect(money(owed(changes)).gt(owed(today))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('money taken after the amount changed', () => {
  const fine = (createdAt: string) => ({
    obligation: {
      type: 'fine',
      fine: { decision_no: '1/QĐ', decided_on: '2026-10-01', due_on: '2026-10-10' },
    },
    principal: '1000000',
    created_at: new Date(createdAt),
  });

  it('a late fine created one day changes at the next local midnight (Asia/Ho_Chi_Minh)', () => {
    const payment = fine('2026-10-20T23:00:00+07:00');
    expect(amountChangesAt(payment)?.toISOString()).toBe('2026-10-20T17:00:00.000Z');
    expect(takenAfterAmountChanged(payment, new Date('2026-10-20T23:59:59.999+07:00'))).toBe(false);
    expect(takenAfterAmountChanged(payment, new Date('2026-10-21T00:00:00+07:00'))).toBe(true);
  });

  it('a fine not yet late changes on the second day after its due date; a charge never does', () => {
    const payment = fine('2026-10-05T09:00:00+07:00');
    expect(amountChangesAt(payment)?.toISOString()).toBe('2026-10-11T17:00:00.000Z');
    expect(takenAfterAmountChanged(payment, new Date('2026-10-11T23:00:00+07:00'))).toBe(false);
    const charge = { obligation: { type: 'charge' }, principal: '150000', created_at: new Date() };
    expect(amountChangesAt(charge)).toBeNull();
    expect(takenAfterAmountChanged(charge, new Date('2099-01-01T00:00:00Z'))).toBe(false);
  });
});
