/**
 * A verified provider outcome applied under locks, once: the path for everything the shared
 * one-statement success (notifications.ts) does not take. Every transition happens in one
 * transaction with its event.
 */
import type { NotificationVerdict, ProviderOutcome } from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import { recordEvent } from '../events/service.ts';
import { postEntry } from '../ledger/journal.ts';
import { doublePaymentReceived, paymentSucceeded } from '../ledger/postings.ts';
import { money } from '../money.ts';
import { queueReceipt } from '../receipts/queue.ts';
import { refundDoublePayment } from '../refunds/service.ts';
import * as aq from './attempt-queries.ts';
import type { AttemptRow, PaymentRow } from './model.ts';
import { takenAfterAmountChanged } from './penalty.ts';
import { canSucceed } from './states.ts';
import { paymentJson } from './view.ts';

export interface OutcomeDeps {
  db: Db;
  publicUrl: string;
}

type EventType = Parameters<typeof recordEvent>[1]['type'];

/** The payment's event, with the payment as the API shows it (its attempts read in `tx`). */
export async function paymentEvent(deps: OutcomeDeps, tx: Queryable, payment: PaymentRow, type: EventType) {
  const attempts = (await aq.attemptsOf(tx, [payment.id])).rows;
  await recordEvent(tx, {
    agencyId: payment.agency_id,
    mode: payment.mode,
    type,
    objectId: payment.id,
    data: paymentJson(payment, deps.publicUrl, attempts),
  });
}

/**
 * A second bank transfer naming an attempt that already paid its payment (the payer sent the
 * money twice): a double payment — into suspense, its refund created (refunded by hand for a bank
 * transfer, which finance records), `payment.double_paid` raised. Called in the transaction that
 * settles the credit.
 */
export async function recordSecondTransfer(deps: OutcomeDeps, tx: Queryable, attemptId: string) {
  const attempt = (await aq.attemptForUpdate(tx, attemptId)).rows[0]!;
  const payment = (await aq.paymentForUpdate(tx, attempt.payment_id)).rows[0]!;
  const refund = await refundDoublePayment(tx, payment, attempt);
  await paymentEvent(deps, tx, payment, 'payment.double_paid');
  return refund;
}

/**
 * Applies a verified provider outcome, once. A success after the payment was settled otherwise
 * is recorded as a double payment.
 */
export function applyOutcome(
  deps: OutcomeDeps,
  provider: string,
  outcome: ProviderOutcome,
): Promise<NotificationVerdict> {
  return deps.db.transaction(async (tx): Promise<NotificationVerdict> => {
    const attempt = (await aq.attemptForUpdate(tx, outcome.attemptId)).rows[0];
    if (!attempt || attempt.provider !== provider) return 'not_found';
    if (!money(outcome.amount).eq(attempt.amount)) return 'amount_mismatch';
    // A success for an attempt given up on (abandoned after expiry) is still money received:
    // it succeeds the payment if it can, else it is a double payment, refunded.
    const late = attempt.status === 'failed' && outcome.status === 'succeeded';
    if (attempt.status !== 'processing' && !late) return 'already_processed';
    if (outcome.status === 'pending') return 'accepted';
    const payment = (await aq.paymentForUpdate(tx, attempt.payment_id)).rows[0]!;
    if (outcome.status === 'succeeded') await succeeded(deps, tx, provider, payment, attempt, outcome);
    else await failed(deps, tx, payment, attempt, outcome);
    return 'accepted';
  });
}

async function succeeded(
  deps: OutcomeDeps,
  tx: Queryable,
  provider: string,
  payment: PaymentRow,
  attempt: AttemptRow,
  outcome: ProviderOutcome,
) {
  const doublePaid = !canSucceed(payment.status);
  // Late is decided by when the provider took the money, not when we heard: taken after the
  // amount changed (midnight, for a fine or tax) it pays less than is owed.
  if (!doublePaid && takenAfterAmountChanged(payment, outcome.paidAt ?? new Date())) {
    await underpaid(deps, tx, provider, payment, attempt, outcome);
    return;
  }
  await aq.completeAttempt(tx, attempt.id, {
    status: 'succeeded',
    providerTransactionId: outcome.providerTransactionId,
    doublePaid,
    providerData: outcome.raw,
  });
  if (doublePaid) {
    // Refunded automatically: the refund is created here, executed after the commit.
    await refundDoublePayment(tx, payment, attempt);
    await paymentEvent(deps, tx, payment, 'payment.double_paid');
    return;
  }
  const paid = (
    await aq.setPaymentStatus(tx, payment.id, 'succeeded', {
      succeededAttemptId: attempt.id,
      paidAt: outcome.paidAt ?? new Date(),
      lastError: null,
    })
  ).rows[0]!;
  await paymentEvent(deps, tx, paid, 'payment.succeeded');
  await postEntry(tx, {
    kind: 'payment',
    mode: paid.mode,
    agencyId: paid.agency_id,
    paymentId: paid.id,
    attemptId: attempt.id,
    lines: paymentSucceeded({ provider, agencyId: paid.agency_id, amount: attempt.amount }),
  });
  // Numbered just after the commit, in batches (a per-agency series would otherwise be one row
  // every success of the agency waits on until the commit).
  await queueReceipt(tx, paid);
}

async function failed(
  deps: OutcomeDeps,
  tx: Queryable,
  payment: PaymentRow,
  attempt: AttemptRow,
  outcome: ProviderOutcome,
) {
  const failure = outcome.failure ?? { code: 'failed', message: 'The provider reported a failure.' };
  await aq.completeAttempt(tx, attempt.id, { status: 'failed', failure, providerData: outcome.raw });
  const inFlight = (await aq.otherAttemptsInFlight(tx, payment.id, attempt.id)).rows[0]!.n;
  if (payment.status === 'processing' && inFlight === 0) {
    const back = await aq.setPaymentStatus(tx, payment.id, 'created', { lastError: failure });
    await paymentEvent(deps, tx, back.rows[0]!, 'payment.failed_attempt');
  }
}

/**
 * Money taken after the payment's amount changed: the attempt is recorded as an underpayment,
 * the money held in suspense for finance, the payment not paid by it (it expires as due), and
 * `payment.underpaid` raised (its event also writes the audit record).
 */
async function underpaid(
  deps: OutcomeDeps,
  tx: Queryable,
  provider: string,
  payment: PaymentRow,
  attempt: AttemptRow,
  outcome: ProviderOutcome,
) {
  await aq.completeAttempt(tx, attempt.id, {
    status: 'succeeded',
    providerTransactionId: outcome.providerTransactionId,
    underpaid: true,
    providerData: outcome.raw,
  });
  await postEntry(tx, {
    kind: 'underpayment',
    mode: payment.mode,
    agencyId: payment.agency_id,
    paymentId: payment.id,
    attemptId: attempt.id,
    lines: doublePaymentReceived({ provider, agencyId: payment.agency_id, amount: attempt.amount }),
  });
  const lastError = {
    code: 'underpaid',
    message: `${attempt.amount} đồng taken after the amount changed (${payment.expires_at.toISOString()}): held for finance, not a full payment.`,
  };
  const inFlight = (await aq.otherAttemptsInFlight(tx, payment.id, attempt.id)).rows[0]!.n;
  const status = payment.status === 'processing' && inFlight === 0 ? 'created' : payment.status;
  const after = (await aq.setPaymentStatus(tx, payment.id, status, { lastError })).rows[0]!;
  await paymentEvent(deps, tx, after, 'payment.underpaid');
}
