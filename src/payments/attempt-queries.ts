import type { Queryable } from '../db/port.ts';
import type { PaymentRow } from './queries.ts';

export interface AttemptRow {
  id: string;
  payment_id: string;
  agency_id: string;
  mode: 'test' | 'live';
  provider: string;
  status: 'processing' | 'succeeded' | 'failed';
  amount: string;
  provider_transaction_id: string | null;
  failure: { code: string; message: string } | null;
  double_paid: boolean;
  provider_data: Record<string, unknown> | null;
  provider_reference: string | null;
  /** A page of the hub's own the checkout shows while the attempt is in flight (bank transfer). */
  checkout_page: { view: string; data: Record<string, unknown> } | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

export const paymentByTokenForUpdate = (tx: Queryable, token: string) =>
  tx.query<PaymentRow>('SELECT * FROM payments WHERE checkout_token = $1 FOR UPDATE', [token]);

export const paymentByToken = (db: Queryable, token: string) =>
  db.query<PaymentRow>('SELECT * FROM payments WHERE checkout_token = $1', [token]);

export const insertAttempt = (
  tx: Queryable,
  a: { id: string; payment_id: string; agency_id: string; mode: string; provider: string; amount: string },
) =>
  tx.query<AttemptRow>(
    `INSERT INTO attempts (id, payment_id, agency_id, mode, provider, status, amount)
     VALUES ($1, $2, $3, $4, $5, 'processing', $6) RETURNING *`,
    [a.id, a.payment_id, a.agency_id, a.mode, a.provider, a.amount],
  );

export const setPaymentStatus = (
  tx: Queryable,
  id: string,
  status: string,
  extra: { lastError?: unknown; succeededAttemptId?: string; paidAt?: Date } = {},
) =>
  tx.query<PaymentRow>(
    `UPDATE payments SET status = $2, updated_at = now(),
        last_error = CASE WHEN $3::boolean THEN $4::jsonb ELSE last_error END,
        succeeded_attempt_id = COALESCE($5, succeeded_attempt_id),
        paid_at = COALESCE($6, paid_at)
      WHERE id = $1 RETURNING *`,
    [
      id,
      status,
      extra.lastError !== undefined,
      extra.lastError === undefined ? null : JSON.stringify(extra.lastError),
      extra.succeededAttemptId ?? null,
      extra.paidAt ?? null,
    ],
  );

export const recordCheckout = (
  db: Queryable,
  id: string,
  result: { kind: string; providerReference?: string; view?: string; data?: Record<string, unknown> },
) =>
  db.query(
    'UPDATE attempts SET provider_reference = $2, checkout_page = $3, updated_at = now() WHERE id = $1',
    [
      id,
      result.providerReference ?? null,
      result.kind === 'page' ? JSON.stringify({ view: result.view, data: result.data }) : null,
    ],
  );

export const attemptForUpdate = (tx: Queryable, id: string) =>
  tx.query<AttemptRow>('SELECT * FROM attempts WHERE id = $1 FOR UPDATE', [id]);

export const attemptById = (db: Queryable, id: string) =>
  db.query<AttemptRow>('SELECT * FROM attempts WHERE id = $1', [id]);

export const paymentForUpdate = (tx: Queryable, id: string) =>
  tx.query<PaymentRow>('SELECT * FROM payments WHERE id = $1 FOR UPDATE', [id]);

export const completeAttempt = (
  tx: Queryable,
  id: string,
  a: {
    status: 'succeeded' | 'failed';
    providerTransactionId?: string;
    failure?: unknown;
    doublePaid?: boolean;
    providerData: unknown;
  },
) =>
  tx.query<AttemptRow>(
    `UPDATE attempts SET status = $2, provider_transaction_id = COALESCE($3, provider_transaction_id),
        failure = $4, double_paid = $5, provider_data = $6, updated_at = now(), completed_at = now()
      WHERE id = $1 RETURNING *`,
    [
      id,
      a.status,
      a.providerTransactionId ?? null,
      a.failure === undefined ? null : JSON.stringify(a.failure),
      a.doublePaid ?? false,
      JSON.stringify(a.providerData),
    ],
  );

export const otherAttemptsInFlight = (tx: Queryable, paymentId: string, exceptId: string) =>
  tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM attempts WHERE payment_id = $1 AND id <> $2 AND status = 'processing'`,
    [paymentId, exceptId],
  );

export const attemptsOf = (db: Queryable, paymentIds: string[]) =>
  db.query<AttemptRow>('SELECT * FROM attempts WHERE payment_id = ANY($1) ORDER BY id', [paymentIds]);

/** Attempts with a provider for longer than `minutes`: candidates for a status query. */
export const staleAttempts = (db: Queryable, minutes: number, limit: number, providers: string[]) =>
  db.query<AttemptRow>(
    `SELECT * FROM attempts WHERE status = 'processing' AND created_at < now() - make_interval(mins => $1)
        AND provider = ANY($3)
      ORDER BY created_at LIMIT $2`,
    [minutes, limit, providers],
  );

export const enabledProviders = (db: Queryable, agencyId: string) =>
  db.query<{ provider: string; credentials: Uint8Array | null }>(
    'SELECT provider, credentials FROM agency_providers WHERE agency_id = $1 AND enabled ORDER BY provider',
    [agencyId],
  );

export const agencyOf = (db: Queryable, id: string) =>
  db.query<{ id: string; code: string; name: string }>('SELECT id, code, name FROM agencies WHERE id = $1', [
    id,
  ]);

export const expireDue = (db: Queryable, limit: number) =>
  db.query<PaymentRow>(
    `UPDATE payments SET status = 'expired', updated_at = now()
      WHERE id IN (SELECT id FROM payments WHERE status = 'created' AND expires_at <= now()
                   ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [limit],
  );
