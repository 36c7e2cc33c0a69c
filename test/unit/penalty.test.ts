import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/dates.ts';
import { assessLateness } from '../../src/payments/penalty.ts';

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
        fc.integer({ min: 10_000, max: 10_000_000_000 }),
        fc.integer({ min: -30, max: 400 }),
        (amount, offset) => {
          const due = '2026-06-15';
          const today = addDays(due, offset);
          const now = assessLateness('fine', String(amount), due, today);
          const changes = now.amountChangesOn;
          const dayBefore = assessLateness('fine', String(amount), due, addDays(changes, -1));
          const onChange = assessLateness('fine', String(amount), due, changes);
          expect(dayBefore.lateDays).toBe(now.lateDays);
          expect(onChange.lateDays).toBe(now.lateDays + 1);
        },
      ),
    );
  });
});
