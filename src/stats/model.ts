import { DomainError } from '../errors.ts';

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

/** A period refused: the API answers invalid_request with the field, the pages their own words. */
export function periodRefused(field: 'from' | 'to', message: string): DomainError {
  return new DomainError('invalid_request', message, [{ field, message }]);
}
