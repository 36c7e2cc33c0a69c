/** A receipt as others see it: the payment object's reference to it, and its verification page. */
import type { Queryable } from '../db/port.ts';
import { money } from '../money.ts';
import type { ReceiptRow } from './model.ts';
import { printedNumber } from './series.ts';

/** What the payment object says of its receipt (openapi.yaml, Payment.receipt). */
export interface ReceiptRef {
  number: string;
  series: string;
  form: string;
  verify_url: string;
}

/** The receipts of these payments, by payment id (a payment not in the map has none yet). */
export async function receiptRefs(
  db: Queryable,
  paymentIds: string[],
  publicUrl: string,
): Promise<Map<string, ReceiptRef>> {
  if (paymentIds.length === 0) return new Map();
  const { rows } = await db.query<
    Pick<ReceiptRow, 'payment_id' | 'number' | 'series' | 'form_symbol' | 'verify_code'>
  >('SELECT payment_id, number, series, form_symbol, verify_code FROM receipts WHERE payment_id = ANY($1)', [
    paymentIds,
  ]);
  return new Map(
    rows.map((r) => [
      r.payment_id,
      {
        number: printedNumber(r.number),
        series: r.series,
        form: r.form_symbol,
        verify_url: `${publicUrl}/receipts/${r.verify_code}`,
      },
    ]),
  );
}

/** What the verification page shows: the state of the receipt, never the payer. */
export type ReceiptState = 'valid' | 'refunded' | 'partially_refunded' | 'cancelled';

export function receiptState(r: {
  cancelled_at: Date | null;
  amount: string;
  amount_refunded: string;
}): ReceiptState {
  if (r.cancelled_at) return 'cancelled';
  const refunded = money(r.amount_refunded);
  if (refunded.lte(0)) return 'valid';
  return refunded.gte(money(r.amount)) ? 'refunded' : 'partially_refunded';
}

/** The receipt a verification code names, with what its page shows, or null. */
export async function receiptByVerifyCode(db: Queryable, code: string) {
  const { rows } = await db.query<
    ReceiptRow & {
      agency_name: string;
      amount: string;
      amount_refunded: string;
      description: string;
      mode: 'test' | 'live';
    }
  >(
    `SELECT r.*, a.name AS agency_name, p.amount, p.amount_refunded, p.description, p.mode
       FROM receipts r JOIN agencies a ON a.id = r.agency_id JOIN payments p ON p.id = r.payment_id
      WHERE r.verify_code = $1`,
    [code],
  );
  return rows[0] ?? null;
}
