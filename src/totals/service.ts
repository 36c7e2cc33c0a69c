/**
 * The daily roll-ups of payments and attempts, as the dashboard and the open statistics read
 * them (migration 100's triggers keep them in the transaction of each success).
 */
export type { DailyAttempts, DailyTotal, TotalsFilter } from './model.ts';
export { dailyAttempts, dailyTotals } from './queries.ts';
