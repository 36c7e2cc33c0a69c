import type { Db } from '../db/port.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import { bankAdapters } from './adapters.ts';
import * as q from './queries.ts';

/** How long after a payment expired an attempt still waiting for a transfer is given up. */
export const ABANDON_TRANSFER_AFTER_MINUTES = 15;

/**
 * Attempts still waiting for a transfer well after their payment expired are given up, so the
 * payment can expire; a transfer booked later is kept as a late credit for finance.
 */
export async function abandonUnpaid(
  deps: { db: Db; attempts: AttemptsService },
  limit = 100,
): Promise<number> {
  const names = bankAdapters().map((a) => a.name);
  const unpaid = (await q.unpaidTransfers(deps.db, names, ABANDON_TRANSFER_AFTER_MINUTES, limit)).rows;
  for (const attempt of unpaid) {
    await deps.attempts.apply(attempt.provider, {
      attemptId: attempt.id,
      status: 'failed',
      amount: attempt.amount,
      failure: {
        code: 'transfer_not_received',
        message: 'No bank transfer was received before the payment expired.',
      },
      raw: {},
    });
  }
  return unpaid.length;
}
