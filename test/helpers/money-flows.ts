import { expect } from 'vitest';
import { sandboxAdapter } from '../../adapters/sandbox/index.ts';
import type { Services } from '../../src/app.ts';
import type { Db } from '../../src/db/port.ts';
import { paymentBody, type TestHub } from './hub.ts';

/** A payment of `amount` đồng, paid through the sandbox's test helper. */
export async function paidPayment(hub: TestHub, amount = 150_000, key = hub.keys.a): Promise<string> {
  const created = await hub.api(key).post('/v1/payments', paymentBody({ amount }));
  expect(created.status).toBe(201);
  const paid = await hub
    .api(key)
    .post(`/v1/test_helpers/payments/${created.body.id}/complete`, { outcome: 'succeeded' });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id as string;
}

/** Two attempts with the sandbox, both paid: the second success is a double payment. */
export async function doublyPaidPayment(hub: TestHub, services: Services, amount = 150_000) {
  const created = await hub.api().post('/v1/payments', paymentBody({ amount }));
  const { rows } = await hub.db.query<{ checkout_token: string }>(
    'SELECT checkout_token FROM payments WHERE id = $1',
    [created.body.id],
  );
  const token = rows[0]!.checkout_token;
  const first = await services.attempts.start(token, 'sandbox', '127.0.0.1');
  const second = await services.attempts.start(token, 'sandbox', '127.0.0.1');
  const ctx = services.providers.context({}, 'test', 'sandbox');
  for (const attemptId of [first.attemptId, second.attemptId]) {
    await sandboxAdapter.completeForTest!(
      services.attempts.host,
      ctx,
      { id: attemptId, amount: String(amount) },
      'succeeded',
    );
  }
  return { paymentId: created.body.id as string, doublePaidAttempt: second.attemptId };
}

/** The sandbox "bank" refuses the next refund of this payment: as if it had already been refunded. */
export async function sandboxRefusesRefunds(db: Db, paymentId: string) {
  await db.query(
    `UPDATE provider_state SET value = jsonb_set(value, '{refunded}', to_jsonb(value->>'amount'))
      WHERE provider = 'sandbox' AND key = (SELECT 'attempt:' || succeeded_attempt_id FROM payments WHERE id = $1)`,
    [paymentId],
  );
}

/** Lines of entries that do not sum to zero, and the sum of every line (the trial balance). */
export async function ledgerChecks(db: Db) {
  const unbalanced = (
    await db.query<{ entry_id: string }>(
      'SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING sum(amount) <> 0 OR count(*) < 2',
    )
  ).rows;
  const trial = (
    await db.query<{ total: string }>('SELECT coalesce(sum(amount), 0)::text AS total FROM journal_lines')
  ).rows[0]!.total;
  return { unbalanced, trial };
}
