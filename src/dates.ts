/** Calendar dates in Vietnam (Asia/Ho_Chi_Minh, UTC+7 all year, no daylight saving since 1975). */
export const VN_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const OFFSET_MS = 7 * 3_600_000;

/** 'YYYY-MM-DD' of an instant, in Vietnam (a fixed offset: cheaper than Intl on every request). */
export function localDate(instant: Date): string {
  return new Date(instant.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

function utcDay(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** Whole days from a to b (b − a), both 'YYYY-MM-DD'. */
export function daysBetween(a: string, b: string): number {
  return utcDay(b) - utcDay(a);
}

export function addDays(date: string, days: number): string {
  return new Date((utcDay(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** 00:00 in Vietnam on that date, as an instant. */
export function localMidnight(date: string): Date {
  return new Date(`${date}T00:00:00+07:00`);
}

/** True for a real calendar date written 'YYYY-MM-DD' (rejects 2025-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  return new Date(utcDay(value) * DAY_MS).toISOString().slice(0, 10) === value;
}
