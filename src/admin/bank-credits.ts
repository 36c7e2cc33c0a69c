/**
 * Bank credits that paid nothing (VietQR transfers with a garbled memo, late or of another
 * amount), as staff see and settle them through `/admin/v1` and `/console`. Assigning one to a
 * payment moves money (DESIGN.md § What may move money, 4): it needs a note, is audited in the
 * transaction of the change, and pays through the same path as a matched credit.
 */
import { audit } from '../audit/service.ts';
import { creditOutcome } from '../bank/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { formatVnd, money, toJsonAmount } from '../money.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import { mustWrite, noteOf, refuse } from './errors.ts';
import type { Staff } from './staff.ts';

export const ASSIGNABLE = ['unmatched', 'amount_mismatch', 'late'];
const EXCEPTIONS = ['unmatched', 'amount_mismatch', 'late', 'duplicate'];

export interface BankCreditRow {
  id: string;
  agency_id: string;
  agency_code: string;
  provider: string;
  mode: 'test' | null;
  source: string;
  bank_reference: string;
  amount: string;
  memo: string;
  payer_name: string | null;
  booked_at: Date;
  status: string;
  transfer_reference: string | null;
  payment_id: string | null;
  attempt_id: string | null;
  detail: string | null;
  refund_id: string | null;
  received_at: Date;
}

export function bankCreditJson(c: BankCreditRow) {
  return {
    id: c.id,
    object: 'bank_credit' as const,
    agency: c.agency_code,
    source: c.source,
    bank_reference: c.bank_reference,
    amount: toJsonAmount(c.amount),
    currency: 'VND' as const,
    memo: c.memo,
    payer_name: c.payer_name,
    booked_at: new Date(c.booked_at).toISOString(),
    status: c.status,
    transfer_reference: c.transfer_reference,
    payment: c.payment_id,
    attempt: c.attempt_id,
    detail: c.detail,
    refund: c.refund_id,
    received_at: new Date(c.received_at).toISOString(),
  };
}

export type BankCreditJson = ReturnType<typeof bankCreditJson>;

const CREDIT_COLUMNS = `c.id, c.agency_id, a.code AS agency_code, c.provider, c.mode, c.source, c.bank_reference,
  c.amount::text AS amount, c.memo, c.payer_name, c.booked_at, c.status, c.transfer_reference, c.payment_id,
  c.attempt_id, c.detail, c.refund_id, c.received_at`;

/** Credits in scope, newest first; without a status, those still waiting for finance. */
export async function listBankCredits(
  db: Db,
  staff: Staff,
  query: { status?: string; limit?: number; starting_after?: string },
) {
  const limit = query.limit ?? 20;
  const { rows } = await db.query<BankCreditRow>(
    `SELECT ${CREDIT_COLUMNS} FROM bank_credits c JOIN agencies a ON a.id = c.agency_id
      WHERE ($1::text[] IS NULL OR c.agency_id = ANY ($1))
        AND (CASE WHEN $2::text IS NULL THEN c.status = ANY ($5::text[]) ELSE c.status = $2 END)
        AND ($3::text IS NULL OR c.id < $3)
      ORDER BY c.id DESC LIMIT $4`,
    [staff.scope, query.status ?? null, query.starting_after ?? null, limit + 1, EXCEPTIONS],
  );
  return { data: rows.slice(0, limit).map(bankCreditJson), hasMore: rows.length > limit };
}

export async function bankCreditFor(db: Db, staff: Staff, id: string): Promise<BankCreditRow> {
  const { rows } = await db.query<BankCreditRow>(
    `SELECT ${CREDIT_COLUMNS} FROM bank_credits c JOIN agencies a ON a.id = c.agency_id
      WHERE c.id = $1 AND ($2::text[] IS NULL OR c.agency_id = ANY ($2::text[]))`,
    [id, staff.scope],
  );
  if (!rows[0]) throw refuse.notFound('bank credit', id);
  return rows[0];
}

interface Target {
  payment_id: string;
  payment_status: string;
  payment_mode: 'test' | 'live';
  attempt_id: string | null;
  attempt_status: string | null;
  attempt_amount: string | null;
  provider_transaction_id: string | null;
}

/**
 * The payment a credit would pay, checked: the credit's agency's, of the credit's mode (a test
 * upload pays test payments only), offered for a transfer, of the same amount, not paid already.
 */
export async function assignmentTarget(db: Db, credit: BankCreditRow, paymentId: string) {
  const { rows } = await db.query<Target>(
    `SELECT p.id AS payment_id, p.status AS payment_status, p.mode AS payment_mode, a.id AS attempt_id,
            a.status AS attempt_status, a.amount::text AS attempt_amount, a.provider_transaction_id
       FROM payments p
       LEFT JOIN LATERAL (SELECT * FROM attempts WHERE payment_id = p.id AND provider = $3
                           ORDER BY created_at DESC LIMIT 1) a ON true
      WHERE p.id = $1 AND p.agency_id = $2 AND ($4::text IS NULL OR p.mode = $4)`,
    [paymentId, credit.agency_id, credit.provider, credit.mode],
  );
  const target = rows[0];
  if (!target) throw refuse.notFound('payment', paymentId, 'payment');
  const notAssignable = (detail: string) => new DomainError('credit_not_assignable', detail);
  // Assigned before, and crashed before the credit was marked: finish it.
  const alreadyPaidByIt =
    target.attempt_status === 'succeeded' && target.provider_transaction_id === credit.bank_reference;
  if (!ASSIGNABLE.includes(credit.status))
    throw notAssignable(
      `Bank credit ${credit.id} is ${credit.status}: only unmatched, late or mismatched credits can be assigned.`,
    );
  if (!target.attempt_id)
    throw new DomainError(
      'no_transfer_attempt',
      `Payment ${paymentId} was never offered for a ${credit.provider} transfer.`,
    );
  if (!money(credit.amount).eq(target.attempt_amount!))
    throw new DomainError(
      'amount_mismatch',
      `The credit is ${formatVnd(credit.amount)}, payment ${paymentId} is ${formatVnd(target.attempt_amount!)}.`,
    );
  if (target.payment_status === 'succeeded' && !alreadyPaidByIt)
    throw new DomainError(
      'payment_already_paid',
      `Payment ${paymentId} is paid already; refund this transfer instead.`,
    );
  return { ...target, attempt_id: target.attempt_id, alreadyPaidByIt };
}

/** Names the payment a credit pays; it then pays through attempts.apply (receipt, ledger entry, webhooks). */
export async function assignBankCredit(
  deps: { db: Db; attempts: AttemptsService },
  staff: Staff,
  request: { id: string; payment: string; note: string; ip?: string },
) {
  const { db, attempts } = deps;
  mustWrite(staff);
  const note = noteOf(request.note);
  const credit = await bankCreditFor(db, staff, request.id);
  const target = await assignmentTarget(db, credit, request.payment);
  const verdict = target.alreadyPaidByIt
    ? 'already_processed'
    : await attempts.apply(
        credit.provider,
        creditOutcome(credit, target.attempt_id, { assigned_by: staff.id }),
      );
  const changed = (detail: string) => new DomainError('credit_not_assignable', detail);
  if (verdict !== 'accepted' && verdict !== 'already_processed')
    throw changed(`The payment refused it: ${verdict}.`);
  const status = await db.transaction(async (tx) => {
    const updated = await tx.query<{ id: string }>(
      `UPDATE bank_credits SET status = 'matched', attempt_id = $2, payment_id = $3, detail = $4, matched_at = now()
        WHERE id = $1 AND status = ANY($5::text[]) RETURNING id`,
      [
        credit.id,
        target.attempt_id,
        target.payment_id,
        `Assigned by staff: ${note}`.slice(0, 500),
        ASSIGNABLE,
      ],
    );
    if (updated.rowCount === 0) throw changed(`Bank credit ${credit.id} changed meanwhile.`);
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'bank_credit.assign',
      objectType: 'bank_credit',
      objectId: credit.id,
      agencyId: credit.agency_id,
      mode: target.payment_mode,
      ip: request.ip,
      details: {
        note,
        payment: target.payment_id,
        attempt: target.attempt_id,
        previous_status: credit.status,
      },
    });
    const { rows } = await tx.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [
      target.payment_id,
    ]);
    return rows[0]!.status;
  });
  return {
    object: 'bank_credit_assignment' as const,
    bank_credit: credit.id,
    status: 'matched' as const,
    payment: target.payment_id,
    attempt: target.attempt_id,
    payment_status: status,
  };
}
