/**
 * Refunds the hub creates itself: money the provider collected for an attempt that the hub will
 * not keep (a double payment, or found by reconciliation), and the pending refund row every
 * refund starts as.
 */
import { raiseAfterCommit } from '../db/after-commit.ts';
import type { Queryable } from '../db/port.ts';
import { newId } from '../ids.ts';
import { postEntry } from '../ledger/journal.ts';
import { doublePaymentReceived } from '../ledger/postings.ts';
import type { AttemptRow, PaymentRow } from '../payments/model.ts';
import * as q from './queries.ts';

/** A pending refund of what `attempt` took for `payment`, through the same provider. */
export async function insertRefundOf(
  tx: Queryable,
  payment: Pick<PaymentRow, 'id' | 'agency_id' | 'mode'>,
  attempt: Pick<AttemptRow, 'id' | 'provider'>,
  r: {
    kind: 'requested' | 'double_payment' | 'reconciliation';
    amount: string;
    reason: string;
    requestedBy: string;
  },
) {
  const { rows } = await q.insertRefund(tx, {
    id: newId('re'),
    payment_id: payment.id,
    attempt_id: attempt.id,
    agency_id: payment.agency_id,
    mode: payment.mode,
    provider: attempt.provider,
    kind: r.kind,
    amount: r.amount,
    reason: r.reason,
    requested_by: r.requestedBy,
  });
  return rows[0]!;
}

/**
 * Money the provider collected for an attempt that the hub will not keep (a double payment, or
 * found by reconciliation): received into suspense and refunded out of it. Call it in the
 * transaction that decides so; the refund is executed after the commit, like any other.
 */
export async function refundUnkept(
  tx: Queryable,
  payment: Pick<PaymentRow, 'id' | 'agency_id' | 'mode'>,
  attempt: Pick<AttemptRow, 'id' | 'provider'>,
  r: { kind: 'double_payment' | 'reconciliation'; amount: string; reason: string; requestedBy: string },
) {
  const refund = await insertRefundOf(tx, payment, attempt, r);
  await postEntry(tx, {
    kind: r.kind === 'double_payment' ? 'double_payment' : 'unkept_receipt',
    mode: payment.mode,
    agencyId: payment.agency_id,
    paymentId: payment.id,
    attemptId: attempt.id,
    lines: doublePaymentReceived({
      provider: attempt.provider,
      agencyId: payment.agency_id,
      amount: r.amount,
    }),
  });
  raiseAfterCommit(tx, 'refunds');
  return refund;
}

/**
 * A double payment: in the transaction that records it, the money is put in suspense and its
 * refund is created, to be executed like any other (the refunds job, or executeDue).
 */
export function refundDoublePayment(tx: Queryable, payment: PaymentRow, attempt: AttemptRow) {
  return refundUnkept(tx, payment, attempt, {
    kind: 'double_payment',
    amount: attempt.amount,
    reason: 'double payment',
    requestedBy: 'system',
  });
}
