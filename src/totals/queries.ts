import type { Queryable } from '../db/port.ts';
import type { DailyAttempts, DailyTotal, TotalsFilter } from './model.ts';

export type { DailyAttempts, DailyTotal, TotalsFilter };

/**
 * The daily roll-up kept by migration 100's triggers in the same transaction as each success:
 * reading it costs the number of cells, not the number of payments. Ordered by day, agency code,
 * obligation type, provider.
 */
export async function dailyTotals(db: Queryable, filter: TotalsFilter): Promise<DailyTotal[]> {
  const { rows } = await db.query<DailyTotal>(
    `SELECT to_char(t.day, 'YYYY-MM-DD') AS day, t.agency_id, a.code AS agency_code, t.mode, t.obligation_type,
            t.provider, t.count::int AS count, t.amount::text AS amount, t.refunded::text AS refunded
       FROM daily_totals t JOIN agencies a ON a.id = t.agency_id
      WHERE t.mode = $1 AND t.day BETWEEN $2::date AND $3::date
        AND ($4::text[] IS NULL OR t.agency_id = ANY ($4::text[]))
        AND t.count <> 0
      ORDER BY t.day, a.code, t.obligation_type, t.provider`,
    [filter.mode, filter.from, filter.to, filter.agencies ?? null],
  );
  return rows;
}

/** Attempts that finished (succeeded or failed) per day of completion × agency × provider. */
export async function dailyAttempts(db: Queryable, filter: TotalsFilter): Promise<DailyAttempts[]> {
  const { rows } = await db.query<DailyAttempts>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, agency_id, provider, succeeded::int AS succeeded,
            failed::int AS failed
       FROM daily_attempts
      WHERE mode = $1 AND day BETWEEN $2::date AND $3::date
        AND ($4::text[] IS NULL OR agency_id = ANY ($4::text[]))
      ORDER BY day, agency_id, provider`,
    [filter.mode, filter.from, filter.to, filter.agencies ?? null],
  );
  return rows;
}
