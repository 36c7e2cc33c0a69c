/** Cancelling (hủy) an issued receipt, and the refusals of it as DomainErrors (src/errors.ts). */
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { printedNumber } from './series.ts';

export const RECEIPT_REFUSALS = [
  'receipt_reason_invalid',
  'receipt_number_invalid',
  'receipt_missing',
  'receipt_already_cancelled',
] as const;
export type ReceiptRefusal = (typeof RECEIPT_REFUSALS)[number];

const receiptCodes = new Set<string>(RECEIPT_REFUSALS);

/** A refusal of the receipts' own (the CLI prints its detail). */
export function isReceiptRefusal(error: unknown): error is DomainError & { code: ReceiptRefusal } {
  return error instanceof DomainError && receiptCodes.has(error.code);
}

const refusal = (code: ReceiptRefusal, detail: string) => new DomainError(code, detail);

/**
 * Cancels (hủy) an issued receipt of the agency: it keeps its number, and its verification page
 * says cancelled from then on. A receipt is cancelled once.
 */
export async function cancelReceipt(
  db: Db,
  input: { agencyId: string; series: string; number: number; reason: string },
): Promise<{ payment_id: string; cancelled_at: Date }> {
  const reason = input.reason.trim();
  if (!reason || reason.length > 500)
    throw refusal('receipt_reason_invalid', 'reason must be 1–500 characters');
  if (!Number.isInteger(input.number) || input.number < 1)
    throw refusal('receipt_number_invalid', 'number must be a positive whole number');
  const { rows } = await db.query<{ payment_id: string; cancelled_at: Date; was: Date | null }>(
    `WITH target AS (
       SELECT payment_id, cancelled_at AS was FROM receipts
        WHERE agency_id = $1 AND series = $2 AND number = $3 FOR UPDATE
     ), cancelled AS (
       UPDATE receipts r SET cancelled_at = now(), cancellation_reason = $4
         FROM target t WHERE r.payment_id = t.payment_id AND t.was IS NULL
       RETURNING r.payment_id, r.cancelled_at
     )
     SELECT t.payment_id, coalesce(c.cancelled_at, t.was) AS cancelled_at, t.was
       FROM target t LEFT JOIN cancelled c USING (payment_id)`,
    [input.agencyId, input.series, input.number, reason],
  );
  const row = rows[0];
  if (!row)
    throw refusal(
      'receipt_missing',
      `no receipt ${input.series} ${printedNumber(input.number)} of this agency`,
    );
  if (row.was)
    throw refusal(
      'receipt_already_cancelled',
      `receipt ${input.series} ${printedNumber(input.number)} was cancelled on ${row.was.toISOString()}`,
    );
  return { payment_id: row.payment_id, cancelled_at: row.cancelled_at };
}
