import type { Queryable } from '../db/port.ts';
import type { PaymentStatus } from './states.ts';

export interface PaymentRow {
  id: string;
  agency_id: string;
  mode: 'test' | 'live';
  status: PaymentStatus;
  currency: string;
  principal: string;
  late_penalty: string;
  late_days: number;
  amount: string;
  amount_refunded: string;
  reference: string;
  description: string;
  return_url: string;
  obligation: Record<string, unknown> & { type: string };
  budget: Record<string, string> | null;
  payer: Record<string, string> | null;
  language: 'vi' | 'en';
  metadata: Record<string, string>;
  checkout_token: string;
  last_error: { code: string; message: string } | null;
  cancellation_reason: string | null;
  succeeded_attempt_id?: string | null;
  paid_at?: Date | null;
  /** Counts changes to the payment and its attempts (one-statement transitions check it). */
  revision: number;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

export type NewPaymentRow = Omit<
  PaymentRow,
  'amount_refunded' | 'last_error' | 'updated_at' | 'cancellation_reason' | 'revision'
>;

const COLUMNS = [
  'id',
  'agency_id',
  'mode',
  'status',
  'currency',
  'principal',
  'late_penalty',
  'late_days',
  'amount',
  'reference',
  'description',
  'return_url',
  'obligation',
  'budget',
  'payer',
  'language',
  'metadata',
  'checkout_token',
  'expires_at',
  'created_at',
] as const;

function values(row: NewPaymentRow): unknown[] {
  return COLUMNS.map((column) => {
    const value = row[column];
    return column === 'obligation' || column === 'budget' || column === 'payer' || column === 'metadata'
      ? value === null
        ? null
        : JSON.stringify(value)
      : value;
  });
}

const PLACEHOLDERS = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
const INSERT_COLUMNS = `${COLUMNS.join(', ')}, updated_at`;

export const insertPayment = (db: Queryable, row: NewPaymentRow) =>
  db.query<{ id: string }>(
    `INSERT INTO payments (${INSERT_COLUMNS}) VALUES (${PLACEHOLDERS}, $${COLUMNS.length}) RETURNING id`,
    values(row),
  );

/**
 * One statement, one round trip: claims the Idempotency-Key with its final response and inserts the
 * payment only if the claim was taken. A twin waits on the key's row lock, then finds it taken.
 */
export const insertPaymentIdempotent = (
  db: Queryable,
  row: NewPaymentRow,
  claim: { key: string; requestHash: string; status: number; body: unknown },
) => {
  const n = COLUMNS.length;
  return db.query<{ id: string }>(
    `WITH claim AS (
       INSERT INTO idempotency_keys (agency_id, mode, key, request_hash, response_status, response_body)
       VALUES ($2, $3, $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4})
       ON CONFLICT (agency_id, mode, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
              response_body = EXCLUDED.response_body, created_at = now()
        WHERE idempotency_keys.created_at < now() - interval '24 hours'
       RETURNING 1
     )
     INSERT INTO payments (${INSERT_COLUMNS})
     SELECT ${PLACEHOLDERS}, $${n} WHERE EXISTS (SELECT 1 FROM claim)
     RETURNING id`,
    [...values(row), claim.key, claim.requestHash, claim.status, JSON.stringify(claim.body)],
  );
};

export const paymentById = (db: Queryable, agencyId: string, mode: string, id: string) =>
  db.query<PaymentRow>('SELECT * FROM payments WHERE id = $1 AND agency_id = $2 AND mode = $3', [
    id,
    agencyId,
    mode,
  ]);

export const openPaymentByReference = (db: Queryable, agencyId: string, mode: string, reference: string) =>
  db.query<{ id: string; status: string }>(
    `SELECT id, status FROM payments
      WHERE agency_id = $1 AND mode = $2 AND reference = $3 AND status IN ('created', 'processing', 'succeeded')`,
    [agencyId, mode, reference],
  );

export interface ListFilter {
  reference?: string;
  status?: string;
  created_gte?: string;
  created_lt?: string;
  starting_after?: string;
  limit: number;
}

/** Newest first by id (ids are time-ordered); one extra row tells whether there is a next page. */
export function listPayments(db: Queryable, agencyId: string, mode: string, filter: ListFilter) {
  const where = ['agency_id = $1', 'mode = $2'];
  const params: unknown[] = [agencyId, mode];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.reference !== undefined) add('reference = ?', filter.reference);
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.created_gte !== undefined) add('created_at >= ?', filter.created_gte);
  if (filter.created_lt !== undefined) add('created_at < ?', filter.created_lt);
  if (filter.starting_after !== undefined) add('id < ?', filter.starting_after);
  params.push(filter.limit + 1);
  return db.query<PaymentRow>(
    `SELECT * FROM payments WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
}

/** The cancel transition: only from created, only before expiry. */
export const cancelPayment = (
  db: Queryable,
  agencyId: string,
  mode: string,
  id: string,
  reason: string | null,
) =>
  db.query<PaymentRow>(
    `UPDATE payments SET status = 'cancelled', cancellation_reason = $4, updated_at = now()
      WHERE id = $1 AND agency_id = $2 AND mode = $3 AND status = 'created' AND expires_at > now()
      RETURNING *`,
    [id, agencyId, mode, reason],
  );

export const treasuryAccounts = (db: Queryable) =>
  db.query<{ code: string }>(
    `SELECT code FROM budget_codes WHERE kind = 'treasury_account'
        AND valid_from <= current_date AND (valid_to IS NULL OR valid_to >= current_date)`,
  );
