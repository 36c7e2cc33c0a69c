import type { Queryable } from '../db/port.ts';
import { Params } from '../db/statement.ts';
import { eventCtes } from '../events/service.ts';
import { entryCtes } from '../ledger/journal.ts';
import { receiptQueueCte } from '../receipts/queue.ts';
import type { AttemptRow, PaymentRow } from './model.ts';
import { paymentWithId } from './queries.ts';
import { PAYABLE_STATUSES } from './states.ts';

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
    `UPDATE payments SET status = $2, updated_at = now(), revision = revision + 1,
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

type DateField = 'created_at' | 'updated_at' | 'completed_at';

export interface NotificationSnapshot {
  payment: PaymentRow;
  /** All the payment's attempts, the notified one among them. */
  attempts: AttemptRow[];
  attempt: AttemptRow;
  /** The agency's stored credentials for the provider; null when it has not enabled it. */
  provider: { credentials: Uint8Array | null } | null;
}

/**
 * What notifications need, for many in one round trip: each one's attempt and payment (with its
 * revision), all the payment's attempts, and the agency's stored credentials for the provider
 * named. Answers in the order asked; null for an unknown attempt.
 */
export async function notificationSnapshots(
  db: Queryable,
  asked: readonly { attemptId: string; provider: string }[],
): Promise<(NotificationSnapshot | null)[]> {
  const { rows } = await db.query<
    PaymentRow & {
      snapshot_ord: string;
      attempts_json: (Omit<AttemptRow, DateField> & Record<DateField, string | null>)[];
      provider_credentials: Uint8Array | null;
      provider_enabled: boolean;
    }
  >(
    `SELECT i.ord AS snapshot_ord, p.*, ap.credentials AS provider_credentials,
            ap.provider IS NOT NULL AS provider_enabled,
            (SELECT json_agg(to_jsonb(a) || jsonb_build_object('amount', a.amount::text) ORDER BY a.id)
               FROM attempts a WHERE a.payment_id = p.id) AS attempts_json
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i (attempt_id, provider, ord)
       JOIN attempts x ON x.id = i.attempt_id
       JOIN payments p ON p.id = x.payment_id
       LEFT JOIN agency_providers ap ON ap.agency_id = p.agency_id AND ap.provider = i.provider AND ap.enabled`,
    [asked.map((a) => a.attemptId), asked.map((a) => a.provider)],
  );
  const found = new Map(rows.map((row) => [Number(row.snapshot_ord) - 1, row]));
  return asked.map(({ attemptId }, i) => {
    const row = found.get(i);
    if (!row) return null;
    const { snapshot_ord, attempts_json, provider_credentials, provider_enabled, ...payment } = row;
    const attempts = attempts_json.map(
      (a): AttemptRow => ({
        ...a,
        created_at: new Date(a.created_at!),
        updated_at: new Date(a.updated_at!),
        completed_at: a.completed_at === null ? null : new Date(a.completed_at),
      }),
    );
    return {
      payment: payment as PaymentRow,
      attempts,
      attempt: attempts.find((a) => a.id === attemptId)!,
      provider: provider_enabled ? { credentials: provider_credentials } : null,
    };
  });
}

/** A verified success to apply from a snapshot: the rows as describeSuccess() says they become. */
export interface Success {
  /** The payment's revision the snapshot read: the statement applies only at this revision. */
  revision: number;
  paid: PaymentRow;
  succeeded: AttemptRow;
  eventId: string;
  /** The payment as the API shows it once succeeded (the event's data). */
  eventData: unknown;
  lines: readonly { account: string; amount: string }[];
}

/**
 * Verified successes applied in one statement, without locks taken beforehand: each payment and
 * its attempt written as described, with the event and its outbox, the journal entry and the
 * queued receipt, but only if the payment is still at the revision its snapshot read (nothing
 * changed it or its attempts since) and still payable. Says, in order, which were applied.
 */
export async function succeedAtOnce(
  db: Queryable,
  successes: readonly Success[],
): Promise<{ applied: boolean[]; deliveries: number }> {
  const p = new Params();
  const column = <T>(cast: string, value: (s: Success) => T) => p.add(successes.map(value), `${cast}[]`);
  const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
  const input = `unnest(${[
    column('text', (s) => s.paid.id),
    column('integer', (s) => s.revision),
    column('text', (s) => s.paid.status),
    column('timestamptz', (s) => s.paid.paid_at),
    column('jsonb', (s) => json(s.paid.last_error)),
    column('timestamptz', (s) => s.paid.updated_at),
    column('text', (s) => s.succeeded.id),
    column('text', (s) => s.succeeded.status),
    column('text', (s) => s.succeeded.provider_transaction_id),
    column('jsonb', (s) => json(s.succeeded.failure)),
    column('boolean', (s) => s.succeeded.double_paid),
    column('jsonb', (s) => json(s.succeeded.provider_data)),
    column('timestamptz', (s) => s.succeeded.completed_at),
    column('text', (s) => s.eventId),
    column('jsonb', (s) => JSON.stringify(s.eventData)),
  ].join(', ')}) WITH ORDINALITY AS i (payment_id, revision, status, paid_at, last_error, at, attempt_id,
                                        attempt_status, provider_transaction_id, failure, double_paid,
                                        provider_data, completed_at, event_id, event_data, ord)`;
  const lines = successes.flatMap((s) =>
    s.lines.map((l, n) => ({ attempt: s.succeeded.id, n: n + 1, ...l })),
  );
  const sql = `WITH paid AS (
       UPDATE payments SET status = i.status, succeeded_attempt_id = i.attempt_id, paid_at = i.paid_at,
           last_error = i.last_error, updated_at = i.at, revision = payments.revision + 1
         FROM ${input}
        WHERE payments.id = i.payment_id AND payments.revision = i.revision
          AND payments.status = ANY (${p.add(PAYABLE_STATUSES, 'text[]')})
          AND EXISTS (SELECT 1 FROM attempts a WHERE a.id = i.attempt_id AND a.payment_id = payments.id
                         AND a.status = 'processing')
       RETURNING i.*, payments.agency_id, payments.mode
     ), done AS (
       UPDATE attempts SET status = paid.attempt_status,
           provider_transaction_id = COALESCE(paid.provider_transaction_id, attempts.provider_transaction_id),
           failure = paid.failure, double_paid = paid.double_paid, provider_data = paid.provider_data,
           updated_at = paid.at, completed_at = paid.completed_at
         FROM paid WHERE attempts.id = paid.attempt_id
       RETURNING paid.*
     ), ${eventCtes({
       from: 'done',
       id: 'done.event_id',
       agencyId: 'done.agency_id',
       mode: 'done.mode',
       type: `'payment.succeeded'`,
       objectId: 'done.payment_id',
       data: 'done.event_data',
       objectType: `'payment'`,
     })}, ${entryCtes({
       from: 'done',
       kind: `'payment'`,
       mode: 'done.mode',
       agencyId: 'done.agency_id',
       paymentId: 'done.payment_id',
       attemptId: 'done.attempt_id',
       refundId: 'NULL::text',
       memo: 'NULL::text',
       lines: `entry JOIN unnest(${p.add(
         lines.map((l) => l.attempt),
         'text[]',
       )}, ${p.add(
         lines.map((l) => l.n),
         'integer[]',
       )}, ${p.add(
         lines.map((l) => l.account),
         'text[]',
       )}, ${p.add(
         lines.map((l) => l.amount),
         'numeric[]',
       )}) AS l (attempt_id, line_no, account, amount) ON l.attempt_id = entry.attempt_id`,
     })}, ${receiptQueueCte('done')}
     SELECT ord, (SELECT count(*)::int FROM deliveries) AS deliveries FROM done`;
  const { rows } = await db.query<{ ord: string; deliveries: number }>(sql, p.values);
  const applied = new Set(rows.map((r) => Number(r.ord) - 1));
  return { applied: successes.map((_, i) => applied.has(i)), deliveries: rows[0]?.deliveries ?? 0 };
}

export const attemptForUpdate = (tx: Queryable, id: string) =>
  tx.query<AttemptRow>('SELECT * FROM attempts WHERE id = $1 FOR UPDATE', [id]);

export const checkoutTokenOfAttempt = (db: Queryable, attemptId: string) =>
  db.query<{ checkout_token: string }>(
    'SELECT p.checkout_token FROM payments p JOIN attempts a ON a.payment_id = p.id WHERE a.id = $1',
    [attemptId],
  );

export const attemptById = (db: Queryable, id: string) =>
  db.query<AttemptRow>('SELECT * FROM attempts WHERE id = $1', [id]);

export const paymentForUpdate = (tx: Queryable, id: string) => paymentWithId(tx, id, true);

export const completeAttempt = (
  tx: Queryable,
  id: string,
  a: {
    status: 'succeeded' | 'failed';
    providerTransactionId?: string;
    failure?: unknown;
    doublePaid?: boolean;
    underpaid?: boolean;
    providerData: unknown;
  },
) =>
  tx.query<AttemptRow>(
    `WITH done AS (
       UPDATE attempts SET status = $2, provider_transaction_id = COALESCE($3, provider_transaction_id),
           failure = $4, double_paid = $5, provider_data = $6, underpaid = $7, updated_at = now(),
           completed_at = now()
        WHERE id = $1 RETURNING *
     ), revised AS (
       UPDATE payments SET revision = revision + 1 FROM done WHERE payments.id = done.payment_id
     )
     SELECT * FROM done`,
    [
      id,
      a.status,
      a.providerTransactionId ?? null,
      a.failure === undefined ? null : JSON.stringify(a.failure),
      a.doublePaid ?? false,
      JSON.stringify(a.providerData),
      a.underpaid ?? false,
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

export const expireDue = (db: Queryable, limit: number) =>
  db.query<PaymentRow>(
    `UPDATE payments SET status = 'expired', updated_at = now()
      WHERE id IN (SELECT id FROM payments WHERE status = 'created' AND expires_at <= now()
                   ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [limit],
  );
