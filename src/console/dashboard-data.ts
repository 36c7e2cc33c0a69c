import { creditsNeedingReviewCount } from '../bank/service.ts';
import { addDays } from '../dates.ts';
import type { Queryable } from '../db/port.ts';
import { openBreakCount } from '../reconciliation/service.ts';
import { dailyAttempts, dailyTotals } from '../totals/service.ts';
import { failingEndpointCount } from '../webhooks/service.ts';

export interface Sum {
  count: number;
  amount: bigint;
}

export interface Breakdown {
  key: string;
  today: Sum;
  month: Sum;
}

export interface DashboardData {
  today: string;
  from: string;
  days: { day: string; count: number; amount: bigint }[];
  totals: { today: Sum; month: Sum };
  byType: Breakdown[];
  byProvider: Breakdown[];
  byAgency: Breakdown[];
  attempts: { today: { succeeded: number; failed: number }; month: { succeeded: number; failed: number } };
  openBreaks: number;
  unmatchedCredits: number;
  failingEndpoints: number;
}

const zero = (): Sum => ({ count: 0, amount: 0n });

function breakdown(rows: { key: string; day: string; count: number; amount: string }[], today: string) {
  const map = new Map<string, Breakdown>();
  for (const r of rows) {
    const b = map.get(r.key) ?? { key: r.key, today: zero(), month: zero() };
    b.month.count += r.count;
    b.month.amount += BigInt(r.amount);
    if (r.day === today) {
      b.today.count += r.count;
      b.today.amount += BigInt(r.amount);
    }
    map.set(r.key, b);
  }
  return [...map.values()].sort((a, b) => (b.month.amount > a.month.amount ? 1 : -1));
}

/**
 * The dashboard's figures: from the daily roll-ups (cost grows with days × cells, not with
 * payments) and small counts over the work queues' partial indexes, each asked of its owner.
 */
export async function dashboardData(
  db: Queryable,
  input: { today: string; from: string; mode: 'test' | 'live'; scope: string[] | null },
): Promise<DashboardData> {
  const filter = { from: input.from, to: input.today, mode: input.mode, agencies: input.scope };
  const [totals, attempts, openBreaks, unmatchedCredits, failingEndpoints] = await Promise.all([
    dailyTotals(db, filter),
    dailyAttempts(db, filter),
    openBreakCount(db, input.scope),
    creditsNeedingReviewCount(db, input.scope, input.mode),
    failingEndpointCount(db, input.scope, input.mode),
  ]);
  const byDay = new Map<string, { day: string; count: number; amount: bigint }>();
  for (const r of totals) {
    const d = byDay.get(r.day) ?? { day: r.day, count: 0, amount: 0n };
    d.count += r.count;
    d.amount += BigInt(r.amount);
    byDay.set(r.day, d);
  }
  const days: DashboardData['days'] = [];
  for (let day = input.from; day <= input.today; day = addDays(day, 1))
    days.push(byDay.get(day) ?? { day, count: 0, amount: 0n });
  const sum = (pick: (d: (typeof days)[number]) => boolean) =>
    days.filter(pick).reduce((s, d) => ({ count: s.count + d.count, amount: s.amount + d.amount }), zero());
  const tally = (pick: (day: string) => boolean) =>
    attempts
      .filter((a) => pick(a.day))
      .reduce((s, a) => ({ succeeded: s.succeeded + a.succeeded, failed: s.failed + a.failed }), {
        succeeded: 0,
        failed: 0,
      });
  return {
    today: input.today,
    from: input.from,
    days,
    totals: { today: sum((d) => d.day === input.today), month: sum(() => true) },
    byType: breakdown(
      totals.map((r) => ({ ...r, key: r.obligation_type })),
      input.today,
    ),
    byProvider: breakdown(
      totals.map((r) => ({ ...r, key: r.provider })),
      input.today,
    ),
    byAgency: breakdown(
      totals.map((r) => ({ ...r, key: r.agency_code })),
      input.today,
    ),
    attempts: { today: tally((d) => d === input.today), month: tally(() => true) },
    openBreaks,
    unmatchedCredits,
    failingEndpoints,
  };
}
