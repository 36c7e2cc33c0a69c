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

export interface DailyAttempts {
  day: string;
  agency_id: string;
  provider: string;
  succeeded: number;
  failed: number;
}
