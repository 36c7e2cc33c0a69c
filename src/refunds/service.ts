import { adapterNamed } from '../../adapters/index.ts';
import type { RefundRequest } from '../../adapters/types.ts';
import type { Principal } from '../agencies/service.ts';
import { raiseAfterCommit } from '../db/after-commit.ts';
import type { Db, Queryable } from '../db/port.ts';
import { DomainError, domainErrors } from '../errors.ts';
import { recordEvent } from '../events/service.ts';
import type { StoredResponse } from '../idempotency/store.ts';
import { newId } from '../ids.ts';
import { postEntry } from '../ledger/journal.ts';
import { doublePaymentReceived, refundSucceeded } from '../ledger/postings.ts';
import { money, toSqlAmount } from '../money.ts';
import type { AttemptRow, PaymentRow } from '../payments/model.ts';
import { attemptRecord, paymentOf } from '../payments/records.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { RefundRow } from './model.ts';
import * as q from './queries.ts';
import { type RefundJson, refundJson } from './view.ts';

export interface RefundCreate {
  amount?: number;
  reason: string;
}

/** While one instance calls the provider, others leave the refund alone this long. */
const LEASE_SECONDS = 120;

/** A provider that did not answer, or answered "in progress", is asked again: 30 s, 1 min, 2 min… up to hourly. */
export const retryDelaySeconds = (tries: number) => Math.min(30 * 2 ** Math.max(0, tries - 1), 3_600);

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

/** A pending refund of what `attempt` took for `payment`, through the same provider. */
async function insertRefundOf(
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

export interface RefundsDeps {
  db: Db;
  providers: ProviderAccountsService;
}

/**
 * What a refund's final outcome writes, however it was reached (the provider's answer, or
 * finance recording one made by hand): a success's ledger entry and refunded total, and the event.
 */
export async function recordOutcome(tx: Queryable, refund: RefundRow, memo?: string): Promise<RefundJson> {
  if (refund.status === 'succeeded') {
    await postEntry(tx, {
      kind: refund.kind === 'requested' ? 'refund' : `${refund.kind}_refund`,
      mode: refund.mode,
      agencyId: refund.agency_id,
      paymentId: refund.payment_id,
      attemptId: refund.attempt_id,
      refundId: refund.id,
      memo,
      lines: refundSucceeded({
        provider: refund.provider,
        agencyId: refund.agency_id,
        amount: refund.amount,
        kind: refund.kind,
      }),
    });
    // A double payment's refund gives back another attempt's money, not the payment's.
    if (refund.kind === 'requested') await q.addRefunded(tx, refund.payment_id, refund.amount);
  }
  const json = refundJson(refund);
  await recordEvent(tx, {
    agencyId: refund.agency_id,
    mode: refund.mode,
    type: refund.status === 'succeeded' ? 'refund.succeeded' : 'refund.failed',
    objectId: refund.id,
    data: json,
  });
  return json;
}

/**
 * The claim counts this call, so more than one try means an earlier call had no final answer (none
 * at all, or "under way"): the provider may already hold this refund.
 */
async function previousTry(db: Queryable, refund: RefundRow): Promise<RefundRequest['previousTry']> {
  if (refund.tries <= 1) return undefined;
  return {
    providerRefundId: refund.provider_refund_id,
    firstSentAt: refund.created_at,
    otherProviderRefundIds: (await q.providerRefundIdsBesides(db, refund.attempt_id, refund.id)).rows.map(
      (r) => r.provider_refund_id,
    ),
  };
}

export function refundsService(deps: RefundsDeps) {
  const { db, providers } = deps;
  const listeners = new Set<() => void>();

  /** Settles a refund with the provider's final answer, with its ledger entry and event. */
  async function settle(
    refundId: string,
    outcome: { status: 'succeeded' | 'failed'; providerRefundId: string | null; failure: unknown },
    onSettled?: (tx: Queryable, refund: RefundJson) => Promise<void>,
  ) {
    return db.transaction(async (tx) => {
      const refund = (await q.settle(tx, refundId, outcome)).rows[0];
      if (!refund) return null;
      const json = await recordOutcome(tx, refund);
      await onSettled?.(tx, json);
      return refund;
    });
  }

  /**
   * Calls the provider for one pending refund, if no one else is: a final answer settles it, no
   * answer or "in progress" leaves it pending and due again later. Unknown outcomes are never guessed.
   */
  async function execute(
    refundId: string,
    onSettled?: (tx: Queryable, refund: RefundJson) => Promise<void>,
  ): Promise<RefundRow['status'] | null> {
    const refund = (await q.claim(db, refundId, LEASE_SECONDS)).rows[0];
    if (!refund) return null;
    const adapter = adapterNamed(refund.provider);
    const ctx = await providers.contextFor(refund.agency_id, refund.mode, refund.provider);
    if (!adapter?.capabilities.refund || !ctx) {
      const failure = {
        code: 'provider_unavailable',
        message: `${refund.provider} cannot refund for this agency.`,
      };
      await settle(refund.id, { status: 'failed', providerRefundId: null, failure }, onSettled);
      return 'failed';
    }
    const attempt = (await attemptRecord(db, refund.attempt_id))!;
    let outcome: Awaited<ReturnType<typeof adapter.refund>> | null = null;
    try {
      outcome = await adapter.refund(ctx, {
        refundId: refund.id,
        attemptId: attempt.id,
        amount: refund.amount,
        attemptAmount: attempt.amount,
        providerTransactionId: attempt.provider_transaction_id ?? undefined,
        attemptCreatedAt: attempt.created_at,
        reason: refund.reason,
        requestedBy: refund.requested_by,
        clientIp: '127.0.0.1',
        previousTry: await previousTry(db, refund),
      });
    } catch {
      // No answer: the provider may or may not have refunded. Ask again with the same refund id.
    }
    if (!outcome || outcome.status === 'pending') {
      await q.retryLater(db, refund.id, retryDelaySeconds(refund.tries), outcome?.providerRefundId ?? null);
      return 'pending';
    }
    const settled = await settle(
      refund.id,
      {
        status: outcome.status,
        providerRefundId: outcome.providerRefundId ?? null,
        failure:
          outcome.status === 'failed'
            ? (outcome.failure ?? { code: 'failed', message: 'The provider refused the refund.' })
            : null,
      },
      onSettled,
    );
    return settled?.status ?? null;
  }

  /** Locks the payment, checks what is left to refund, creates the refund: one transaction. */
  async function create(
    principal: Principal,
    paymentId: string,
    body: RefundCreate,
    remember: (tx: Queryable, response: StoredResponse) => Promise<void>,
  ): Promise<StoredResponse> {
    const created = await db.transaction(async (tx) => {
      // The lock serialises refunds of one payment: concurrent requests cannot over-refund.
      const payment = (await q.paymentForRefund(tx, principal.agencyId, principal.mode, paymentId)).rows[0];
      if (!payment) throw domainErrors.notFound('payment', paymentId);
      if (payment.status !== 'succeeded' || !payment.succeeded_attempt_id) {
        throw new DomainError(
          'payment_not_refundable',
          `Payment ${paymentId} is ${payment.status}: only a succeeded payment can be refunded.`,
        );
      }
      const attempt = (await attemptRecord(tx, payment.succeeded_attempt_id))!;
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
    await execute(created.id, async (tx, settled) => {
      latest = settled;
      await remember(tx, { status: 201, body: settled });
    });
    return { status: 201, body: latest };
  }

  return {
    create,
    execute,

    /** Every pending refund that is due (a crash, a provider that did not answer): the job's work. */
    async executeDue(limit = 50) {
      const { rows } = await q.due(db, limit);
      const results = { succeeded: 0, failed: 0, pending: 0 };
      for (const { id } of rows) {
        const status = await execute(id);
        if (status) results[status]++;
      }
      return results;
    },

    async get(principal: Principal, id: string) {
      const row = (await q.refundById(db, principal.agencyId, principal.mode, id)).rows[0];
      if (!row) throw domainErrors.notFound('refund', id);
      return refundJson(row);
    },

    async listForPayment(principal: Principal, paymentId: string) {
      const payment = await paymentOf(db, principal, paymentId);
      if (!payment) throw domainErrors.notFound('payment', paymentId);
      const { rows } = await q.refundsOfPayment(db, payment.id);
      return { object: 'list' as const, data: rows.map(refundJson), has_more: false };
    },

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
