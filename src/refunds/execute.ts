/**
 * Executing a pending refund with its provider, by one instance at a time: a final answer settles
 * it, no answer or "in progress" leaves it pending and due again later. Unknown outcomes are never
 * guessed; a refund asked again tells the provider of its earlier tries.
 */
import { adapterNamed } from '../../adapters/index.ts';
import type { RefundRequest } from '../../adapters/types.ts';
import type { Db, Queryable } from '../db/port.ts';
import { attemptRecord } from '../payments/records.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { RefundRow } from './model.ts';
import { type OnSettled, settle } from './outcome.ts';
import * as q from './queries.ts';

export interface RefundsDeps {
  db: Db;
  providers: ProviderAccountsService;
}

/** While one instance calls the provider, others leave the refund alone this long. */
const LEASE_SECONDS = 120;

/** A provider that did not answer, or answered "in progress", is asked again: 30 s, 1 min, 2 min… up to hourly. */
export const retryDelaySeconds = (tries: number) => Math.min(30 * 2 ** Math.max(0, tries - 1), 3_600);

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

/**
 * Calls the provider for one pending refund, if no one else is: a final answer settles it, no
 * answer or "in progress" leaves it pending and due again later. Unknown outcomes are never guessed.
 */
export async function execute(
  deps: RefundsDeps,
  refundId: string,
  onSettled?: OnSettled,
): Promise<RefundRow['status'] | null> {
  const { db } = deps;
  const refund = (await q.claim(db, refundId, LEASE_SECONDS)).rows[0];
  if (!refund) return null;
  const adapter = adapterNamed(refund.provider);
  const ctx = await deps.providers.contextFor(refund.agency_id, refund.mode, refund.provider);
  if (!adapter?.capabilities.refund || !ctx) {
    const failure = {
      code: 'provider_unavailable',
      message: `${refund.provider} cannot refund for this agency.`,
    };
    await settle(db, refund.id, { status: 'failed', providerRefundId: null, failure }, onSettled);
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
    db,
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

/** Every pending refund that is due (a crash, a provider that did not answer): the job's work. */
export async function executeDue(deps: RefundsDeps, limit = 50) {
  const { rows } = await q.due(deps.db, limit);
  const results = { succeeded: 0, failed: 0, pending: 0 };
  for (const { id } of rows) {
    const status = await execute(deps, id);
    if (status) results[status]++;
  }
  return results;
}
