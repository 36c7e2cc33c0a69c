/**
 * A refund asked for through the API: the payment locked, what is left to refund checked and the
 * refund created in one transaction, then executed at once.
 */
import { adapterNamed } from '../../adapters/index.ts';
import type { Principal } from '../agencies/service.ts';
import type { Queryable } from '../db/port.ts';
import { DomainError, domainErrors } from '../errors.ts';
import type { StoredResponse } from '../idempotency/store.ts';
import { money, toSqlAmount } from '../money.ts';
import type { AttemptRow } from '../payments/model.ts';
import { attemptRecord } from '../payments/records.ts';
import { execute, type RefundsDeps } from './execute.ts';
import * as q from './queries.ts';
import { insertRefundOf } from './unkept.ts';
import { type RefundJson, refundJson } from './view.ts';

export interface RefundCreate {
  amount?: number;
  reason: string;
}

/** The payment, locked: the lock serialises refunds of one payment, so concurrent requests cannot over-refund. */
async function refundablePayment(tx: Queryable, principal: Principal, paymentId: string) {
  const payment = (await q.paymentForRefund(tx, principal.agencyId, principal.mode, paymentId)).rows[0];
  if (!payment) throw domainErrors.notFound('payment', paymentId);
  if (payment.status !== 'succeeded' || !payment.succeeded_attempt_id) {
    throw new DomainError(
      'payment_not_refundable',
      `Payment ${paymentId} is ${payment.status}: only a succeeded payment can be refunded.`,
    );
  }
  return payment;
}

/** The amount to refund (all that is left when none is asked), within what the provider can take. */
async function amountToRefund(tx: Queryable, paymentId: string, attempt: AttemptRow, body: RefundCreate) {
  const adapter = adapterNamed(attempt.provider);
  if (!adapter?.capabilities.refund) {
    throw new DomainError(
      'refund_not_supported',
      `${attempt.provider} does not take refunds through the hub; refund the citizen another way.`,
    );
  }
  const captured = money(attempt.amount);
  const refundable = captured.minus((await q.committedOf(tx, attempt.id)).rows[0]!.total);
  const amount = body.amount === undefined ? refundable : money(body.amount);
  if (refundable.lte(0) || amount.gt(refundable)) {
    throw new DomainError(
      'amount_exceeds_refundable',
      `Payment ${paymentId} captured ${captured.toFixed(0)} ₫ and has ${refundable.toFixed(0)} ₫ left to refund (refunds pending or succeeded count).`,
      [{ field: 'amount', message: `must be at most ${refundable.toFixed(0)}` }],
      { refundable: refundable.toNumber() },
    );
  }
  if (amount.lt(captured) && !adapter.capabilities.partialRefund) {
    throw new DomainError(
      'partial_refund_not_supported',
      `${attempt.provider} refunds whole payments only: refund ${captured.toFixed(0)} ₫ or nothing.`,
      [{ field: 'amount', message: 'must be the whole captured amount for this provider' }],
    );
  }
  return amount;
}

/** Locks the payment, checks what is left to refund, creates the refund: one transaction. */
export async function createRefund(
  deps: RefundsDeps,
  principal: Principal,
  paymentId: string,
  body: RefundCreate,
  remember: (tx: Queryable, response: StoredResponse) => Promise<void>,
): Promise<StoredResponse> {
  const created = await deps.db.transaction(async (tx) => {
    const payment = await refundablePayment(tx, principal, paymentId);
    const attempt = (await attemptRecord(tx, payment.succeeded_attempt_id!))!;
    const amount = await amountToRefund(tx, paymentId, attempt, body);
    const refund = await insertRefundOf(tx, payment, attempt, {
      kind: 'requested',
      amount: toSqlAmount(amount),
      reason: body.reason,
      requestedBy: principal.keyId,
    });
    const response = { status: 201, body: refundJson(refund) };
    await remember(tx, response);
    return refund;
  });
  // Executed at once; if this node dies first, the refunds job finds it pending.
  let latest: RefundJson = refundJson(created);
  await execute(deps, created.id, async (tx, settled) => {
    latest = settled;
    await remember(tx, { status: 201, body: settled });
  });
  return { status: 201, body: latest };
}
