/** Cells with fewer payments than this are published without their count or amount. */
export const MIN_CELL = 5;
/** The longest period one request may ask for. */
export const MAX_DAYS = 366;
export const DEFAULT_DAYS = 30;

/** One published cell: succeeded live payments of a day × agency × obligation type × provider. */
export interface StatsCell {
  day: string;
  agency: string;
  agency_name: string;
  obligation_type: string;
  provider: string;
  /** Null when the cell holds fewer than MIN_CELL payments (suppressed). */
  count: number | null;
  amount: string | null;
  suppressed: boolean;
}

export interface StatsPeriod {
  from: string;
  to: string;
}

export class StatsError extends Error {
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
  }
}
