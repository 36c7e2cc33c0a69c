import { addDays, daysBetween, isCalendarDate, localDate } from '../dates.ts';
import type { Db } from '../db/port.ts';
import { dailyTotals } from '../totals/service.ts';
import {
  DEFAULT_DAYS,
  MAX_DAYS,
  MIN_CELL,
  periodRefused,
  type StatsCell,
  type StatsPeriod,
} from './model.ts';

/** Small cells could point at a person (one commune, one fine, one day): they are suppressed. */
export function suppress(count: number, amount: string): Pick<StatsCell, 'count' | 'amount' | 'suppressed'> {
  return count < MIN_CELL
    ? { count: null, amount: null, suppressed: true }
    : { count, amount, suppressed: false };
}

/** The period asked for (default: the last 30 Vietnam days), checked. */
export function periodOf(query: { from?: unknown; to?: unknown }, now: Date): StatsPeriod {
  const today = localDate(now);
  const read = (field: 'from' | 'to', value: unknown, fallback: string) => {
    if (value === undefined || value === '') return fallback;
    if (typeof value !== 'string' || !isCalendarDate(value))
      throw periodRefused(field, 'is not a date YYYY-MM-DD');
    return value;
  };
  const to = read('to', query.to, today);
  const from = read('from', query.from, addDays(to, -(DEFAULT_DAYS - 1)));
  if (from > to) throw periodRefused('from', 'is after to');
  if (daysBetween(from, to) >= MAX_DAYS)
    throw periodRefused('from', `the period is longer than ${MAX_DAYS} days`);
  return { from, to };
}

const CACHE_MS = 60_000;
const CACHE_ENTRIES = 64;

/**
 * Open statistics, read from the daily roll-up (daily_totals, kept in each success's own
 * transaction), live mode only, with a minute's in-process cache per period.
 */
export function statsService(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const cache = new Map<string, { at: number; cells: StatsCell[] }>();

  async function cells(period: StatsPeriod): Promise<StatsCell[]> {
    const key = `${period.from}|${period.to}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.cells;
    const rows = await dailyTotals(deps.db, { ...period, mode: 'live' });
    const { rows: agencies } = await deps.db.query<{ id: string; name: string }>(
      'SELECT id, name FROM agencies WHERE id = ANY ($1::text[])',
      [[...new Set(rows.map((r) => r.agency_id))]],
    );
    const names = new Map(agencies.map((a) => [a.id, a.name]));
    const published = rows.map((r) => ({
      day: r.day,
      agency: r.agency_code,
      agency_name: names.get(r.agency_id) ?? r.agency_code,
      obligation_type: r.obligation_type,
      provider: r.provider,
      ...suppress(r.count, r.amount),
    }));
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: Date.now(), cells: published });
    return published;
  }

  return { cells, period: (query: { from?: unknown; to?: unknown }) => periodOf(query, now()) };
}

export type StatsService = ReturnType<typeof statsService>;
