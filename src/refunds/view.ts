import { toJsonAmount } from '../money.ts';
import type { RefundRow } from './model.ts';

/** The API representation of a refund (openapi.yaml, Refund). */
export function refundJson(r: RefundRow) {
  return {
    id: r.id,
    object: 'refund' as const,
    livemode: r.mode === 'live',
    payment: r.payment_id,
    attempt: r.attempt_id,
    amount: toJsonAmount(r.amount),
    currency: 'VND' as const,
    status: r.status,
    reason: r.reason,
    kind: r.kind,
    provider: r.provider,
    provider_refund_id: r.provider_refund_id,
    failure: r.failure,
    created_at: new Date(r.created_at).toISOString(),
    completed_at: r.completed_at ? new Date(r.completed_at).toISOString() : null,
  };
}

export type RefundJson = ReturnType<typeof refundJson>;
