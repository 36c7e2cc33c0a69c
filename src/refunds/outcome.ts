/** A refund's final outcome: its ledger entry, the payment's refunded total and the event. */
import type { Db, Queryable } from '../db/port.ts';
import { recordEvent } from '../events/service.ts';
import { postEntry } from '../ledger/journal.ts';
import { refundSucceeded } from '../ledger/postings.ts';
import type { RefundRow } from './model.ts';
import * as q from './queries.ts';
import { type RefundJson, refundJson } from './view.ts';

/** Called in the settling transaction with the refund as answered (the create request remembers it). */
export type OnSettled = (tx: Queryable, refund: RefundJson) => Promise<void>;

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

/** Settles a refund with the provider's final answer, with its ledger entry and event. */
export async function settle(
  db: Db,
  refundId: string,
  outcome: { status: 'succeeded' | 'failed'; providerRefundId: string | null; failure: unknown },
  onSettled?: OnSettled,
) {
  return db.transaction(async (tx) => {
    const refund = (await q.settle(tx, refundId, outcome)).rows[0];
    if (!refund) return null;
    const json = await recordOutcome(tx, refund);
    await onSettled?.(tx, json);
    return refund;
  });
}
