import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/db/port.ts';
import { ulid } from '../../src/ids.ts';

export interface SeededAttempt {
  paymentId: string;
  attemptId: string;
  amount: string;
}

/**
 * A payment and one attempt of it, written straight to the tables (reconciliation tests need
 * hundreds in every state, not a checkout journey each).
 */
export async function seedAttempt(
  db: Db,
  o: {
    agencyCode: string;
    provider?: string;
    amount?: number;
    /** succeeded: payment succeeded; processing: in flight; failed: back to created. */
    status?: 'succeeded' | 'processing' | 'failed';
    completedAt?: string;
    budget?: Record<string, string>;
    providerTransactionId?: string;
  },
): Promise<SeededAttempt> {
  const amount = String(o.amount ?? 150000);
  const status = o.status ?? 'succeeded';
  const paymentId = `pay_${ulid()}`;
  const attemptId = `att_${ulid()}`;
  const at = o.completedAt ?? new Date().toISOString();
  const paymentStatus = { succeeded: 'succeeded', processing: 'processing', failed: 'created' }[status];
  await db.query(
    `INSERT INTO payments (id, agency_id, mode, status, currency, principal, amount, reference, description,
       return_url, obligation, budget, language, checkout_token, expires_at, created_at, updated_at)
     SELECT $1, id, 'test', $2, 'VND', $3, $3, $4, 'Lệ phí', 'https://portal.example.vn/', '{"type":"charge"}',
       $5::jsonb, 'vi', $6, $7::timestamptz + interval '1 day', $7::timestamptz - interval '5 minutes', $7
     FROM agencies WHERE code = $8`,
    [
      paymentId,
      paymentStatus,
      amount,
      `REF-${ulid()}`,
      o.budget ? JSON.stringify(o.budget) : null,
      randomBytes(16).toString('hex'),
      at,
      o.agencyCode,
    ],
  );
  await db.query(
    `INSERT INTO attempts (id, payment_id, agency_id, mode, provider, status, amount, provider_transaction_id,
       created_at, updated_at, completed_at)
     SELECT $1, p.id, p.agency_id, 'test', $2, $3, $4, $5, $6::timestamptz - interval '2 minutes', $6,
       CASE WHEN $3 = 'processing' THEN NULL ELSE $6::timestamptz END
     FROM payments p WHERE p.id = $7`,
    [attemptId, o.provider ?? 'sandbox', status, amount, o.providerTransactionId ?? null, at, paymentId],
  );
  if (status === 'succeeded') {
    await db.query('UPDATE payments SET succeeded_attempt_id = $1, paid_at = $2 WHERE id = $3', [
      attemptId,
      at,
      paymentId,
    ]);
  }
  return { paymentId, attemptId, amount };
}
