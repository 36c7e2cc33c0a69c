import { toJsonAmount } from '../money.ts';
import type { ReceiptRef } from '../receipts/service.ts';
import type { AttemptRow, PaymentRow } from './model.ts';
import { LATE_RATE_PER_DAY, type LateKind } from './penalty.ts';

/** The API representation of a payment (openapi.yaml, Payment). */
export function attemptJson(a: AttemptRow) {
  return {
    id: a.id,
    object: 'payment_attempt' as const,
    provider: a.provider,
    status: a.status,
    amount: toJsonAmount(a.amount),
    provider_transaction_id: a.provider_transaction_id,
    failure: a.failure,
    double_paid: a.double_paid,
    underpaid: a.underpaid,
    created_at: a.created_at.toISOString(),
    completed_at: a.completed_at?.toISOString() ?? null,
  };
}

export function paymentJson(
  row: PaymentRow,
  publicUrl: string,
  attempts: AttemptRow[] = [],
  receipt: ReceiptRef | null = null,
) {
  const lateKind: LateKind | null = row.obligation.fine ? 'fine' : row.obligation.tax ? 'tax' : null;
  return {
    id: row.id,
    object: 'payment' as const,
    livemode: row.mode === 'live',
    status: row.status,
    amount: toJsonAmount(row.amount),
    currency: row.currency,
    amount_breakdown: {
      principal: toJsonAmount(row.principal),
      late_penalty: toJsonAmount(row.late_penalty),
      total: toJsonAmount(row.amount),
      ...(lateKind ? { late_days: row.late_days, late_rate_per_day: LATE_RATE_PER_DAY[lateKind] } : {}),
    },
    amount_refunded: toJsonAmount(row.amount_refunded ?? '0'),
    reference: row.reference,
    description: row.description,
    obligation: row.obligation,
    budget: row.budget,
    payer: row.payer,
    language: row.language,
    metadata: row.metadata,
    return_url: row.return_url,
    checkout_url: `${publicUrl}/checkout/${row.checkout_token}`,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: (row.updated_at ?? row.created_at).toISOString(),
    last_error: row.last_error ?? null,
    ...(row.cancellation_reason ? { cancellation_reason: row.cancellation_reason } : {}),
    attempts: attempts.filter((a) => a.payment_id === row.id).map(attemptJson),
    /** Null until the receipt is numbered (just after the success commits). */
    receipt,
  };
}

export type PaymentJson = ReturnType<typeof paymentJson>;
