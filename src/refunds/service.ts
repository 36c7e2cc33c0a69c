/**
 * Refunds as the hub wires them: created through the API (create.ts), executed with the provider
 * (execute.ts), settled (outcome.ts), or created by the hub itself for money it will not keep
 * (unkept.ts). Other folders import from here.
 */
import type { Principal } from '../agencies/service.ts';
import type { Queryable } from '../db/port.ts';
import { domainErrors } from '../errors.ts';
import type { StoredResponse } from '../idempotency/store.ts';
import { paymentOf } from '../payments/records.ts';
import { createRefund, type RefundCreate } from './create.ts';
import { execute, executeDue, type RefundsDeps } from './execute.ts';
import type { OnSettled } from './outcome.ts';
import * as q from './queries.ts';
import { refundJson } from './view.ts';

export type { RefundCreate } from './create.ts';
export { type RefundsDeps, retryDelaySeconds } from './execute.ts';
export { recordOutcome } from './outcome.ts';
export { refundDoublePayment, refundUnkept } from './unkept.ts';

async function refundOf(db: Queryable, principal: Principal, id: string) {
  const row = (await q.refundById(db, principal.agencyId, principal.mode, id)).rows[0];
  if (!row) throw domainErrors.notFound('refund', id);
  return refundJson(row);
}

async function refundsOfPaymentFor(db: Queryable, principal: Principal, paymentId: string) {
  const payment = await paymentOf(db, principal, paymentId);
  if (!payment) throw domainErrors.notFound('payment', paymentId);
  const { rows } = await q.refundsOfPayment(db, payment.id);
  return { object: 'list' as const, data: rows.map(refundJson), has_more: false };
}

export function refundsService(deps: RefundsDeps) {
  const { db } = deps;
  const listeners = new Set<() => void>();
  return {
    create: (
      principal: Principal,
      paymentId: string,
      body: RefundCreate,
      remember: (tx: Queryable, response: StoredResponse) => Promise<void>,
    ) => createRefund(deps, principal, paymentId, body, remember),
    execute: (refundId: string, onSettled?: OnSettled) => execute(deps, refundId, onSettled),
    /** Every pending refund that is due (a crash, a provider that did not answer): the job's work. */
    executeDue: (limit = 50) => executeDue(deps, limit),
    get: (principal: Principal, id: string) => refundOf(db, principal, id),
    listForPayment: (principal: Principal, paymentId: string) =>
      refundsOfPaymentFor(db, principal, paymentId),
    nudge() {
      for (const listener of listeners) listener();
    },
    onNudge(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type RefundsService = ReturnType<typeof refundsService>;

/** A payment's refunds, as stored (the console's timeline). */
export const refundsOfPayment = (db: Queryable, paymentId: string) => q.refundsOfPayment(db, paymentId);
