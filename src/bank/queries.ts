import type { BankCredit } from '../../adapters/types.ts';
import type { Queryable } from '../db/port.ts';
import type { AttemptRow } from '../payments/model.ts';

export const CREDIT_STATUSES = [
  'received',
  'matched',
  'unmatched',
  'amount_mismatch',
  'late',
  'duplicate',
] as const;
export type CreditStatus = (typeof CREDIT_STATUSES)[number];
export type CreditSource = 'feed' | 'camt.053' | 'camt.054';

export interface CreditRow {
  id: string;
  agency_id: string;
  provider: string;
  source: CreditSource;
  statement_id: string | null;
  mode: 'test' | null;
  account_no: string;
  bank_reference: string;
  amount: string;
  currency: string;
  memo: string;
  payer_name: string | null;
  booked_at: Date;
  status: CreditStatus;
  transfer_reference: string | null;
  attempt_id: string | null;
  payment_id: string | null;
  detail: string | null;
  received_at: Date;
  matched_at: Date | null;
}

export interface StatementRow {
  id: string;
  agency_id: string;
  provider: string;
  kind: 'camt.053' | 'camt.054';
  message_id: string;
  account_no: string;
  source: 'upload' | 'drop_folder';
  mode: 'test' | null;
  file_name: string | null;
  sha256: string;
  credits: number;
  new_credits: number;
  created_at: Date;
}

const CREDIT_COLUMNS = 13;

export interface NewCredit {
  id: string;
  agencyId: string;
  provider: string;
  source: CreditSource;
  statementId: string | null;
  mode: 'test' | null;
  credit: BankCredit;
}

/** Inserts credits not seen before (by bank reference); returns the ids of those that were new. */
export function insertCredits(db: Queryable, credits: readonly NewCredit[]) {
  const params: unknown[] = [];
  const rows = credits.map((c, i) => {
    params.push(
      c.id,
      c.agencyId,
      c.provider,
      c.source,
      c.statementId,
      c.credit.accountNo,
      c.credit.bankReference,
      c.credit.amount,
      c.credit.memo,
      c.credit.payerName ?? null,
      c.credit.bookedAt,
      JSON.stringify(c.credit.raw),
      c.mode,
    );
    const at = i * CREDIT_COLUMNS;
    return `(${Array.from({ length: CREDIT_COLUMNS }, (_, k) => `$${at + k + 1}`).join(', ')}, 'VND', 'received')`;
  });
  return db.query<{ id: string }>(
    `INSERT INTO bank_credits (id, agency_id, provider, source, statement_id, account_no, bank_reference,
                               amount, memo, payer_name, booked_at, raw, mode, currency, status)
     VALUES ${rows.join(',\n')}
     ON CONFLICT (agency_id, provider, bank_reference, (coalesce(mode, ''))) DO NOTHING
     RETURNING id`,
    params,
  );
}

export const creditByBankReference = (db: Queryable, agencyId: string, provider: string, reference: string) =>
  db.query<CreditRow>(
    'SELECT * FROM bank_credits WHERE agency_id = $1 AND provider = $2 AND bank_reference = $3 AND mode IS NULL',
    [agencyId, provider, reference],
  );

export const creditById = (db: Queryable, id: string) =>
  db.query<CreditRow>('SELECT * FROM bank_credits WHERE id = $1', [id]);

/** Attempts of the agency (in `mode`, unless null) whose transfer reference is one of `references`. */
export const attemptsByReference = (
  db: Queryable,
  provider: string,
  agencyId: string,
  references: string[],
  mode: string | null,
) =>
  db.query<AttemptRow>(
    `SELECT * FROM attempts WHERE provider = $1 AND agency_id = $2 AND provider_reference = ANY($3)
        AND ($4::text IS NULL OR mode = $4)`,
    [provider, agencyId, references, mode],
  );

/** Only a credit still `received` is settled: two workers settling the same credit write once. */
export const settleCredit = (
  db: Queryable,
  id: string,
  s: {
    status: Exclude<CreditStatus, 'received'>;
    transferReference: string | null;
    attemptId: string | null;
    paymentId: string | null;
    detail: string | null;
    /** The refund that returns a double payment this credit made. */
    refundId?: string;
  },
) =>
  db.query<CreditRow>(
    `UPDATE bank_credits SET status = $2, transfer_reference = $3, attempt_id = $4, payment_id = $5,
            detail = $6, refund_id = $7, matched_at = now()
      WHERE id = $1 AND status = 'received' RETURNING *`,
    [id, s.status, s.transferReference, s.attemptId, s.paymentId, s.detail, s.refundId ?? null],
  );

/** The credit, locked, while its settlement is decided in the same transaction. */
export const creditForUpdate = (db: Queryable, id: string) =>
  db.query<CreditRow>('SELECT * FROM bank_credits WHERE id = $1 FOR UPDATE', [id]);

/** Credits stored but not yet settled (a crash between the two), oldest first. */
export const creditsToSettle = (
  db: Queryable,
  olderThanSeconds: number,
  limit: number,
  statementId?: string,
) =>
  db.query<{ id: string }>(
    `SELECT id FROM bank_credits WHERE status = 'received'
        AND received_at <= now() - make_interval(secs => $1)
        AND ($3::text IS NULL OR statement_id = $3)
      ORDER BY received_at, id LIMIT $2`,
    [olderThanSeconds, limit, statementId ?? null],
  );

export const insertStatement = (
  db: Queryable,
  s: Omit<StatementRow, 'created_at' | 'credits' | 'new_credits' | 'sha256'>,
) =>
  db.query<StatementRow>(
    `INSERT INTO bank_statements (id, agency_id, provider, kind, message_id, account_no, source, mode,
                                  file_name, sha256, credits, new_credits)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 0, 0) RETURNING *`,
    [s.id, s.agency_id, s.provider, s.kind, s.message_id, s.account_no, s.source, s.mode, s.file_name],
  );

export const finishStatement = (
  db: Queryable,
  id: string,
  sha256: string,
  credits: number,
  newCredits: number,
) =>
  db.query<StatementRow>(
    'UPDATE bank_statements SET sha256 = $2, credits = $3, new_credits = $4 WHERE id = $1 RETURNING *',
    [id, sha256, credits, newCredits],
  );

export const statusesOfStatement = (db: Queryable, statementId: string) =>
  db.query<{ status: CreditStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM bank_credits WHERE statement_id = $1 GROUP BY status',
    [statementId],
  );

/** Attempts waiting for a transfer, whose payment expired more than `minutes` ago. */
export const unpaidTransfers = (db: Queryable, providers: string[], minutes: number, limit: number) =>
  db.query<AttemptRow>(
    `SELECT a.* FROM attempts a JOIN payments p ON p.id = a.payment_id
      WHERE a.status = 'processing' AND a.provider = ANY($1)
        AND p.expires_at < now() - make_interval(mins => $2)
      ORDER BY p.expires_at LIMIT $3`,
    [providers, minutes, limit],
  );

/** Credits waiting for a person (unmatched, wrong amount, late, paid twice); test mode's apart from live's. */
export const creditsNeedingReviewCount = (db: Queryable, scope: string[] | null, mode: string) =>
  db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM bank_credits
      WHERE status IN ('unmatched', 'amount_mismatch', 'late', 'duplicate')
        AND ($1::text[] IS NULL OR agency_id = ANY ($1))
        AND (CASE WHEN $2 = 'test' THEN mode = 'test' ELSE mode IS NULL END)`,
    [scope, mode],
  );
