import type { Queryable } from '../db/port.ts';
import type { PaymentRow } from '../payments/model.ts';
import type { RefundRow } from './model.ts';

export const insertRefund = (
  tx: Queryable,
  r: Pick<
    RefundRow,
    | 'id'
    | 'payment_id'
    | 'attempt_id'
    | 'agency_id'
    | 'mode'
    | 'provider'
    | 'kind'
    | 'amount'
    | 'reason'
    | 'requested_by'
  >,
) =>
  tx.query<RefundRow>(
    `INSERT INTO refunds (id, payment_id, attempt_id, agency_id, mode, provider, kind, amount, reason, requested_by, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending') RETURNING *`,
    [
      r.id,
      r.payment_id,
      r.attempt_id,
      r.agency_id,
      r.mode,
      r.provider,
      r.kind,
      r.amount,
      r.reason,
      r.requested_by,
    ],
  );

/** What is already promised back from an attempt: refunds pending or succeeded. */
export const committedOf = (tx: Queryable, attemptId: string) =>
  tx.query<{ total: string }>(
    `SELECT coalesce(sum(amount), 0)::text AS total FROM refunds WHERE attempt_id = $1 AND status <> 'failed'`,
    [attemptId],
  );

export const paymentForRefund = (tx: Queryable, agencyId: string, mode: string, id: string) =>
  tx.query<PaymentRow>('SELECT * FROM payments WHERE id = $1 AND agency_id = $2 AND mode = $3 FOR UPDATE', [
    id,
    agencyId,
    mode,
  ]);

export const refundById = (db: Queryable, agencyId: string, mode: string, id: string) =>
  db.query<RefundRow>('SELECT * FROM refunds WHERE id = $1 AND agency_id = $2 AND mode = $3', [
    id,
    agencyId,
    mode,
  ]);

export const refundsOfPayment = (db: Queryable, paymentId: string) =>
  db.query<RefundRow>('SELECT * FROM refunds WHERE payment_id = $1 ORDER BY id DESC', [paymentId]);

/**
 * Takes a pending refund to call its provider: a lease (next_attempt_at moves ahead) so no other
 * instance calls at the same time; after a crash the refund is due again when the lease ends.
 */
export const claim = (db: Queryable, id: string, leaseSeconds: number) =>
  db.query<RefundRow>(
    `UPDATE refunds SET tries = tries + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
      WHERE id = $1 AND status = 'pending' AND next_attempt_at <= now() RETURNING *`,
    [id, leaseSeconds],
  );

/** The provider's numbers of an attempt's other refunds. */
export const providerRefundIdsBesides = (db: Queryable, attemptId: string, refundId: string) =>
  db.query<{ provider_refund_id: string }>(
    `SELECT provider_refund_id FROM refunds
      WHERE attempt_id = $1 AND id <> $2 AND provider_refund_id IS NOT NULL`,
    [attemptId, refundId],
  );

export const due = (db: Queryable, limit: number) =>
  db.query<{ id: string }>(
    `SELECT id FROM refunds WHERE status = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1`,
    [limit],
  );

/** The provider's answer is not final (or it did not answer): ask again later. */
export const retryLater = (db: Queryable, id: string, inSeconds: number, providerRefundId: string | null) =>
  db.query(
    `UPDATE refunds SET next_attempt_at = now() + make_interval(secs => $2),
            provider_refund_id = COALESCE($3, provider_refund_id), updated_at = now()
      WHERE id = $1 AND status = 'pending'`,
    [id, inSeconds, providerRefundId],
  );

/** pending → succeeded | failed, once. */
export const settle = (
  tx: Queryable,
  id: string,
  s: { status: 'succeeded' | 'failed'; providerRefundId: string | null; failure: unknown },
) =>
  tx.query<RefundRow>(
    `UPDATE refunds SET status = $2, provider_refund_id = COALESCE($3, provider_refund_id), failure = $4,
            completed_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'pending' RETURNING *`,
    [id, s.status, s.providerRefundId, s.failure === null ? null : JSON.stringify(s.failure)],
  );

export const addRefunded = (tx: Queryable, paymentId: string, amount: string) =>
  tx.query('UPDATE payments SET amount_refunded = amount_refunded + $2, updated_at = now() WHERE id = $1', [
    paymentId,
    amount,
  ]);
