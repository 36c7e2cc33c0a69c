import { stringify } from 'csv-stringify/sync';

export const SETTLEMENT_HEADER = 'transaction_id,attempt_id,type,amount,fee,status,occurred_at';

/** One movement the sandbox "bank" settles: a succeeded attempt, or a succeeded refund. */
export interface SandboxMovement {
  type: 'payment' | 'refund';
  /** The sandbox's own transaction (or refund) number. */
  transactionId: string;
  /** The hub's attempt id for a payment, its refund id for a refund (what the file echoes). */
  reference: string;
  amount: string;
  occurredAt: Date;
}

/**
 * The sandbox's settlement file for a business day, in the layout its parseSettlement reads: what
 * a real provider would send, so a demo day can be reconciled end to end. The sandbox charges no fee.
 */
export function sandboxSettlementCsv(movements: readonly SandboxMovement[]): string {
  return stringify(
    movements.map((m) => [
      m.transactionId,
      m.reference,
      m.type,
      m.amount,
      '0',
      'succeeded',
      m.occurredAt.toISOString(),
    ]),
    { header: true, columns: SETTLEMENT_HEADER.split(',') },
  );
}
