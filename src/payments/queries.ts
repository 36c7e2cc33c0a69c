import type { Queryable } from '../db/port.ts';
import { claimStatement } from '../idempotency/store.ts';
import type { NewPaymentRow, PaymentRow } from './model.ts';

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

/** Each column's SQL type, for reading a batch of rows out of one JSON parameter. */
const COLUMN_TYPES: Record<(typeof COLUMNS)[number], string> = {
  id: 'text',
  agency_id: 'text',
  mode: 'text',
  status: 'text',
  currency: 'text',
  principal: 'numeric',
  late_penalty: 'numeric',
  late_days: 'integer',
  amount: 'numeric',
  reference: 'text',
  description: 'text',
  return_url: 'text',
  obligation: 'jsonb',
  budget: 'jsonb',
  payer: 'jsonb',
  language: 'text',
  metadata: 'jsonb',
  checkout_token: 'text',
  expires_at: 'timestamptz',
  created_at: 'timestamptz',
};

const INSERT_COLUMNS = `${COLUMNS.join(', ')}, updated_at`;

/** A payment to create, with its Idempotency-Key claim (and final response) and its audit record. */
export interface PaymentInsert {
  row: NewPaymentRow;
  claim?: { key: string; requestHash: string; status: number; body: unknown };
  audit: {
    actorId: string;
    action: string;
    ip: string | null;
    requestId: string | null;
    /** Default api_key; a payment link's payment is the hub's own (system) write. */
    actorType?: 'api_key' | 'system';
  };
}

/**
 * Creates payments in one statement, one round trip: for each, claims its Idempotency-Key with its
 * final response, inserts the payment only if the claim was taken (a twin waits on the key's row
 * lock, then finds it taken), and writes the API write's audit record with it. Says, in order,
 * which were inserted. One bad row (a reference already held) fails the whole statement.
 */
export async function insertPayments(db: Queryable, inserts: readonly PaymentInsert[]): Promise<boolean[]> {
  const batch = inserts.map(({ row, claim, audit }, ord) => ({
    ...row,
    ord,
    idempotency_key: claim?.key ?? null,
    request_hash: claim?.requestHash ?? null,
    response_status: claim?.status ?? null,
    response_body: claim?.body ?? null,
    actor_type: audit.actorType ?? 'api_key',
    actor_id: audit.actorId,
    action: audit.action,
    ip: audit.ip,
    request_id: audit.requestId,
  }));
  const { rows } = await db.query<{ ord: number }>(
    `WITH i AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS i (
         ${COLUMNS.map((c) => `${c} ${COLUMN_TYPES[c]}`).join(', ')}, ord integer, idempotency_key text,
         request_hash text, response_status integer, response_body jsonb, actor_type text, actor_id text, action text,
         ip text, request_id text)
     ), claim AS (
       ${claimStatement({
         from: 'i WHERE idempotency_key IS NOT NULL',
         agencyId: 'agency_id',
         mode: 'mode',
         key: 'idempotency_key',
         requestHash: 'request_hash',
         responseStatus: 'response_status',
         responseBody: 'response_body',
       })}
     ), inserted AS (
       INSERT INTO payments (${INSERT_COLUMNS})
       SELECT ${COLUMNS.join(', ')}, created_at FROM i
        WHERE idempotency_key IS NULL
           OR EXISTS (SELECT 1 FROM claim c
                       WHERE c.agency_id = i.agency_id AND c.mode = i.mode AND c.key = i.idempotency_key)
       RETURNING id
     ), audited AS (
       INSERT INTO audit_log (actor_type, actor_id, action, object_type, object_id, agency_id, mode, ip,
                              request_id, details)
       SELECT i.actor_type, i.actor_id, i.action, 'payment', i.id, i.agency_id, i.mode, i.ip, i.request_id,
              jsonb_build_object('status', 201)
         FROM inserted JOIN i ON i.id = inserted.id
     )
     SELECT i.ord FROM inserted JOIN i ON i.id = inserted.id`,
    [JSON.stringify(batch)],
  );
  const inserted = new Set(rows.map((r) => r.ord));
  return inserts.map((_, ord) => inserted.has(ord));
}

/** The one "payment by id" statement; `forUpdate` locks the row for the caller's transaction. */
export const paymentWithId = (db: Queryable, id: string, forUpdate = false) =>
  db.query<PaymentRow>(`SELECT * FROM payments WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);

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
  at: Date,
) =>
  db.query<PaymentRow>(
    `UPDATE payments SET status = 'cancelled', cancellation_reason = $4, updated_at = now()
      WHERE id = $1 AND agency_id = $2 AND mode = $3 AND status = 'created' AND expires_at > $5
      RETURNING *`,
    [id, agencyId, mode, reason, at],
  );

export const treasuryAccounts = (db: Queryable) =>
  db.query<{ code: string }>(
    `SELECT code FROM budget_codes WHERE kind = 'treasury_account'
        AND valid_from <= current_date AND (valid_to IS NULL OR valid_to >= current_date)`,
  );
