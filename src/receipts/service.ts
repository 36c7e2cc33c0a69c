import { localDate } from '../dates.ts';
import type { Db, Queryable } from '../db/port.ts';
import { newToken } from '../ids.ts';
import type { PaymentRow } from '../payments/queries.ts';
import { adapterNamed } from '../providers/service.ts';
import { type ReceiptData, renderReceiptPdf } from './receipt.ts';

/**
 * Form symbol and series of PayHub's e-receipts (Decree 123/2020/ND-CP, Circular 78/2021/TT-BTC):
 * "01BLP0-001" (receipt for fees and charges, form 001); series "PH-<yy>E" (E = electronic).
 */
export const FORM_SYMBOL = '01BLP0-001';
const seriesOf = (year: number) => `PH-${String(year).slice(-2)}E`;

interface ReceiptRow {
  payment_id: string;
  form_symbol: string;
  series: string;
  number: number;
  verify_code: string;
  issued_at: Date;
}

/** Takes the agency's next number and records the receipt; call it in the success transaction. */
export async function issueReceipt(tx: Queryable, payment: PaymentRow, issuedAt: Date): Promise<void> {
  const year = Number(localDate(issuedAt).slice(0, 4));
  await tx.query(
    `WITH n AS (
       INSERT INTO receipt_series (agency_id, year, next_no) VALUES ($1, $2, 2)
       ON CONFLICT (agency_id, year) DO UPDATE SET next_no = receipt_series.next_no + 1
       RETURNING next_no - 1 AS number
     )
     INSERT INTO receipts (payment_id, agency_id, form_symbol, series, number, verify_code, issued_at)
     SELECT $3, $1, $4, $5, n.number, $6, $7 FROM n`,
    [payment.agency_id, year, payment.id, FORM_SYMBOL, seriesOf(year), newToken(12), issuedAt],
  );
}

export function receiptsService(deps: { db: Db; publicUrl: string }) {
  const { db, publicUrl } = deps;

  async function data(payment: PaymentRow): Promise<ReceiptData | null> {
    const { rows } = await db.query<
      ReceiptRow & {
        agency_name: string;
        agency_code: string;
        provider: string;
        provider_transaction_id: string | null;
      }
    >(
      `SELECT r.*, a.name AS agency_name, a.code AS agency_code, t.provider, t.provider_transaction_id
         FROM receipts r JOIN agencies a ON a.id = r.agency_id
         JOIN payments p ON p.id = r.payment_id JOIN attempts t ON t.id = p.succeeded_attempt_id
        WHERE r.payment_id = $1`,
      [payment.id],
    );
    const row = rows[0];
    if (!row) return null;
    const fine = payment.obligation.fine as { decision_no?: string } | undefined;
    return {
      receiptNo: String(row.number).padStart(7, '0'),
      series: row.series,
      formSymbol: row.form_symbol,
      issuedAt: row.issued_at,
      agency: { name: row.agency_name, code: row.agency_code },
      payer: payment.payer?.name ? { name: payment.payer.name, idNumber: payment.payer.id_number } : null,
      obligation: {
        type: payment.obligation.type,
        description: payment.description,
        catalogCode: payment.obligation.catalog_code as string | undefined,
        fineDecisionNo: fine?.decision_no,
      },
      budget: payment.budget as ReceiptData['budget'],
      amount: payment.amount,
      principal: payment.principal,
      latePenalty: payment.late_penalty,
      lateDays: payment.late_days,
      provider: adapterNamed(row.provider)?.displayName.vi ?? row.provider,
      providerTransactionId: row.provider_transaction_id ?? '—',
      paymentId: payment.id,
      reference: payment.reference,
      verifyUrl: `${publicUrl}/receipts/${row.verify_code}`,
      language: payment.language,
    };
  }

  return {
    /** The PDF of a payment's receipt, or null when it has none (not succeeded). */
    async pdf(payment: PaymentRow): Promise<Buffer | null> {
      const receipt = await data(payment);
      return receipt ? renderReceiptPdf(receipt) : null;
    },
    async byVerifyCode(code: string) {
      const { rows } = await db.query<
        ReceiptRow & { agency_name: string; amount: string; amount_refunded: string; description: string }
      >(
        `SELECT r.*, a.name AS agency_name, p.amount, p.amount_refunded, p.description
           FROM receipts r JOIN agencies a ON a.id = r.agency_id JOIN payments p ON p.id = r.payment_id
          WHERE r.verify_code = $1`,
        [code],
      );
      return rows[0] ?? null;
    },
    fileName: (payment: PaymentRow) => `bien-lai-${payment.id}.pdf`,
  };
}

export type ReceiptsService = ReturnType<typeof receiptsService>;
