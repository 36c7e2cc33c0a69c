import { Decimal } from 'decimal.js';

/** VND has no minor unit and amounts stay below a trillion đồng: numeric(15,0) in Postgres. */
export const MAX_AMOUNT = new Decimal('999999999999');

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Money = Decimal;

/** Reads an amount as stored (numeric string) or as sent (a JSON integer already validated). */
export function money(value: string | number | Decimal): Money {
  return new D(value);
}

/** Rounds once, at the end, half-up to the đồng. */
export function roundDong(value: Money): Money {
  return value.toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
}

export function isWholeAmount(value: Money): boolean {
  return value.isInteger() && value.gt(0) && value.lte(MAX_AMOUNT);
}

/** A JSON number for the API: exact, since every amount is an integer below 2^53. */
export function toJsonAmount(value: string | Money): number {
  const d = typeof value === 'string' ? new D(value) : value;
  if (!d.isInteger()) throw new Error(`not a whole amount: ${d.toString()}`);
  return d.toNumber();
}

/** Stored form for numeric(15,0) parameters. */
export function toSqlAmount(value: Money): string {
  return value.toFixed(0);
}

/** "150.000 ₫": Vietnamese grouping with dots, the đồng sign after a space. */
export function formatVnd(value: string | Money): string {
  const digits = (typeof value === 'string' ? new D(value) : value).toFixed(0);
  const negative = digits.startsWith('-');
  const grouped = (negative ? digits.slice(1) : digits).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${negative ? '-' : ''}${grouped} ₫`;
}

/** principal × rate × days, rounded half-up to the đồng once. */
export function latePenalty(principal: Money, ratePerDay: string, days: number): Money {
  return roundDong(principal.times(new D(ratePerDay)).times(days));
}
