/**
 * A stored credit settled: matched to an attempt by the transfer reference in its memo, its
 * amount checked, and the payment succeeded exactly once through attempts.apply. What cannot pay
 * a payment stays as an exception for finance staff (unmatched, amount_mismatch, late,
 * duplicate): never dropped.
 */
import type { ProviderOutcome } from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import { formatVnd, money } from '../money.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type { AttemptRow, PaymentRow } from '../payments/model.ts';
import { attemptRecord, paymentRecord } from '../payments/records.ts';
import { bankAdapter } from './adapters.ts';
import * as q from './queries.ts';

export interface SettleDeps {
  db: Db;
  attempts: AttemptsService;
}

/** A credit, the references its memo names, and the attempt the most plausible of them names. */
interface Match {
  credit: q.CreditRow;
  references: string[];
  attempt?: AttemptRow;
}

async function matchOf(db: Db, credit: q.CreditRow): Promise<Match> {
  const adapter = bankAdapter(credit.provider);
  const references = adapter.bankTransfer.referencesIn(credit.memo);
  const found = references.length
    ? (await q.attemptsByReference(db, credit.provider, credit.agency_id, references, credit.mode)).rows
    : [];
  // The memo's most plausible reference that names an attempt of this agency.
  const attempt = references.map((r) => found.find((a) => a.provider_reference === r)).find(Boolean);
  return { credit, references, attempt };
}

/** Writes the credit's final status; one another worker settled first keeps the status it got. */
async function finish(
  tx: Queryable,
  { credit, references, attempt }: Match,
  status: Exclude<q.CreditStatus, 'received'>,
  detail: string | null,
  refundId?: string,
): Promise<q.CreditStatus> {
  const done = await q.settleCredit(tx, credit.id, {
    status,
    transferReference: attempt?.provider_reference ?? references[0] ?? null,
    attemptId: attempt?.id ?? null,
    paymentId: attempt?.payment_id ?? null,
    detail,
    refundId,
  });
  return done.rows[0]?.status ?? (await q.creditById(tx, credit.id)).rows[0]!.status;
}

/** What of a credit pays an attempt: the bank's own record of it. */
type PayingCredit = Pick<q.CreditRow, 'id' | 'amount' | 'bank_reference' | 'booked_at'> & { source: string };

/**
 * The bank's word that the attempt was paid, as attempts.apply takes it: from the matcher, or
 * from finance staff who assigned the credit by hand (`raw` then says who).
 */
export function creditOutcome(
  credit: PayingCredit,
  attemptId: string,
  raw: Record<string, unknown>,
): ProviderOutcome {
  return {
    attemptId,
    status: 'succeeded',
    amount: credit.amount,
    providerTransactionId: credit.bank_reference,
    paidAt: credit.booked_at,
    raw: {
      bank_credit_id: credit.id,
      bank_reference: credit.bank_reference,
      source: credit.source,
      booked_at: credit.booked_at.toISOString(),
      ...raw,
    },
  };
}

const outcomeOf = (credit: q.CreditRow, attempt: AttemptRow) =>
  creditOutcome(credit, attempt.id, { account_no: credit.account_no, memo: credit.memo });

/** The attempt as it is now, if this credit is what made it succeed. */
async function settledByThis(db: Db, { credit, attempt }: Match) {
  const after = (await attemptRecord(db, attempt!.id))!;
  return after.status === 'succeeded' && after.provider_transaction_id === credit.bank_reference
    ? after
    : null;
}

/** A credit for a payment already paid: this credit's own success seen again, or a double payment. */
async function settleIntoPaid(deps: SettleDeps, match: Match, payment: PaymentRow): Promise<q.CreditStatus> {
  const { db, attempts } = deps;
  const { credit } = match;
  const attempt = match.attempt!;
  const mine = await settledByThis(db, match);
  if (mine && !mine.double_paid) return finish(db, match, 'matched', null);
  // A second transfer for a paid payment. When it names an attempt that had not succeeded,
  // apply() records the double payment (refund, finance).
  if (attempt.status !== 'succeeded') {
    await attempts.apply(credit.provider, outcomeOf(credit, attempt));
    return finish(
      db,
      match,
      'duplicate',
      `Payment ${payment.id} was already paid; this transfer is a double payment.`,
    );
  }
  // The payer sent the same reference's money twice: the credit and the double payment it
  // makes (suspense, its refund, the event) are recorded together, so a crash records neither.
  return db.transaction(async (tx) => {
    const locked = (await q.creditForUpdate(tx, credit.id)).rows[0]!;
    if (locked.status !== 'received') return locked.status;
    const refund = await attempts.recordSecondTransfer(tx, attempt.id);
    return finish(
      tx,
      match,
      'duplicate',
      `Payment ${payment.id} was already paid by this reference; this second transfer is a ` +
        `double payment, to be returned by refund ${refund.id}.`,
      refund.id,
    );
  });
}

function mismatchDetail(credit: q.CreditRow, attempt: AttemptRow): string {
  const partial = money(credit.amount).lt(attempt.amount);
  return (
    `${partial ? 'Partial payment' : 'Over-payment'}: received ${formatVnd(credit.amount)}, ` +
    `the payment is ${formatVnd(attempt.amount)}.`
  );
}

/** Matches one stored credit and applies it; returns its final status. Safe to run twice. */
export async function settle(deps: SettleDeps, creditId: string): Promise<q.CreditStatus> {
  const { db } = deps;
  const credit = (await q.creditById(db, creditId)).rows[0];
  if (!credit) throw new Error(`no bank credit ${creditId}`);
  if (credit.status !== 'received') return credit.status;
  const match = await matchOf(db, credit);
  const { references, attempt } = match;
  if (!attempt) {
    return finish(
      db,
      match,
      'unmatched',
      references.length
        ? `Reference ${references[0]} names no payment of this agency.`
        : 'No transfer reference in the memo.',
    );
  }
  if (!money(credit.amount).eq(attempt.amount)) {
    return finish(db, match, 'amount_mismatch', mismatchDetail(credit, attempt));
  }
  const payment = (await paymentRecord(db, attempt.payment_id))!;
  if (payment.status === 'succeeded') return settleIntoPaid(deps, match, payment);
  if (
    payment.status === 'expired' ||
    payment.status === 'cancelled' ||
    credit.booked_at > payment.expires_at
  ) {
    return finish(
      db,
      match,
      'late',
      `Booked ${credit.booked_at.toISOString()}, after payment ${payment.id} ` +
        `${payment.status === 'cancelled' ? 'was cancelled' : `expired (${payment.expires_at.toISOString()})`}.`,
    );
  }
  await deps.attempts.apply(credit.provider, outcomeOf(credit, attempt));
  const mine = await settledByThis(db, match);
  if (mine && !mine.double_paid) return finish(db, match, 'matched', null);
  return finish(
    db,
    match,
    'duplicate',
    `Payment ${payment.id} was paid by another transfer or method first.`,
  );
}

/** Settles credits left `received` (crash recovery; statements beyond what an upload settles inline). */
export async function settlePending(
  deps: SettleDeps,
  options: { olderThanSeconds?: number; limit?: number; statementId?: string } = {},
): Promise<number> {
  const pending = (
    await q.creditsToSettle(
      deps.db,
      options.olderThanSeconds ?? 30,
      options.limit ?? 1000,
      options.statementId,
    )
  ).rows;
  for (const { id } of pending) await settle(deps, id);
  return pending.length;
}
