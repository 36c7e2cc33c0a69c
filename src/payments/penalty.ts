import { addDays, daysBetween } from '../dates.ts';
import { latePenalty, type Money, money } from '../money.ts';

/**
 * Daily late-payment rates (tiền chậm nộp):
 * fines 0.05 %/day — Law on Handling Administrative Violations 15/2012/QH13 (amended 67/2020/QH14), art. 78;
 * taxes 0.03 %/day — Law on Tax Administration 38/2019/QH14, art. 59(2)(a).
 */
export const LATE_RATE_PER_DAY = { fine: '0.0005', tax: '0.0003' } as const;
export type LateKind = keyof typeof LATE_RATE_PER_DAY;

export interface Lateness {
  lateDays: number;
  ratePerDay: string;
  penalty: Money;
  /** The first local date on which the amount owed will differ from today's. */
  amountChangesOn: string;
}

/**
 * Late days run from the day after the due date to the day before payment, holidays included:
 * due on D and paid on P gives max(0, P − D − 1) days (Circular 153/2013/TT-BTC art. 5(1)).
 */
export function assessLateness(
  kind: LateKind,
  principal: Money | string,
  dueOn: string,
  paidOn: string,
): Lateness {
  const lateDays = Math.max(0, daysBetween(dueOn, paidOn) - 1);
  const ratePerDay = LATE_RATE_PER_DAY[kind];
  return {
    lateDays,
    ratePerDay,
    penalty: latePenalty(money(principal), ratePerDay, lateDays),
    amountChangesOn: lateDays > 0 ? addDays(paidOn, 1) : addDays(dueOn, 2),
  };
}
