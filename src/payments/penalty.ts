import { addDays, daysBetween, localDate, localMidnight } from '../dates.ts';
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

/** The instant a fine's or tax's amount next changes after its creation day; null for other payments. */
export function amountChangesAt(payment: {
  obligation: Record<string, unknown>;
  principal: string;
  created_at: Date;
}): Date | null {
  const { fine, tax } = payment.obligation as { fine?: { due_on?: unknown }; tax?: { due_on?: unknown } };
  const kind: LateKind | null = fine ? 'fine' : tax ? 'tax' : null;
  const dueOn = (fine ?? tax)?.due_on;
  if (!kind || typeof dueOn !== 'string') return null;
  const today = localDate(payment.created_at);
  return localMidnight(assessLateness(kind, payment.principal, dueOn, today).amountChangesOn);
}

/**
 * Whether money the provider reports taken at `paidAt` was taken after the payment's amount
 * changed (a fine's or tax's penalty grows at local midnight): then it is an underpayment,
 * whenever the hub hears of it (DESIGN.md "What may move money").
 */
export function takenAfterAmountChanged(
  payment: Parameters<typeof amountChangesAt>[0],
  paidAt: Date,
): boolean {
  const changesAt = amountChangesAt(payment);
  return changesAt !== null && paidAt.getTime() >= changesAt.getTime();
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
