import type { Queryable } from '../db/port.ts';

/** One cell of the daily roll-up: succeeded payments of one day (Vietnam) × agency × mode × obligation type × provider. */
export interface DailyTotal {
  /** 'YYYY-MM-DD', Vietnam's calendar day of payment. */
  day: string;
  agency_id: string;
  agency_code: string;
  mode: 'test' | 'live';
  obligation_type: string;
  provider: string;
  count: number;
  /** Whole đồng, as a decimal string (sums may pass 2^53 on a big hub). */
  amount: string;
  /** Refunded so far of those payments. */
  refunded: string;
}

export interface TotalsFilter {
  /** First and last day, inclusive, 'YYYY-MM-DD'. */
  from: string;
  to: string;
  mode: 'test' | 'live';
  /** Agency ids (a staff member's scope); null: every agency. */
  agencies?: string[] | null;
}

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

export interface DailyAttempts {
  day: string;
  agency_id: string;
  provider: string;
  succeeded: number;
  failed: number;
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
