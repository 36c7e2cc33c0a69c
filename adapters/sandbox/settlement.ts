import { stringify } from 'csv-stringify/sync';
import type { SettlementMovement } from '../types.ts';

export const SETTLEMENT_HEADER = 'transaction_id,attempt_id,type,amount,fee,status,occurred_at';

/**
 * The sandbox's settlement file for a business day, in the layout its parseSettlement reads: what
 * a real provider would send, so a demo day can be reconciled end to end. The sandbox charges no fee.
 */
export function sandboxSettlementCsv(movements: readonly SettlementMovement[]): string {
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
