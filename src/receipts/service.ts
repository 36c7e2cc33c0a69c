import { localDate } from '../dates.ts';
import { raiseAfterCommit } from '../db/after-commit.ts';
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

/**
 * Queues the payment's receipt; call it in the success transaction. The number is taken by
 * issuePending just after the commit (or when the receipt is first asked for).
 */
export async function queueReceipt(tx: Queryable, payment: PaymentRow): Promise<void> {
  await tx.query('INSERT INTO receipt_queue (payment_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    payment.id,
    payment.agency_id,
  ]);
  raiseAfterCommit(tx, 'receipts');
}

/** queueReceipt as a CTE of a one-statement change: `from` yields payment_id and agency_id. */
export function receiptQueueCte(from: string): string {
  return `queued_receipt AS (
       INSERT INTO receipt_queue (payment_id, agency_id) SELECT payment_id, agency_id FROM ${from}
       ON CONFLICT DO NOTHING
     )`;
}

/** Receipts numbered per transaction at most: the series row is locked once per batch. */
const BATCH = 500;

/**
 * Numbers one agency's queued receipts in queue order, with no gaps: an advisory lock per agency
 * makes instances take turns, and each batch is one statement (series, receipts, queue).
 */
async function issueBatch(db: Db, agencyId: string, issuedAt: Date): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('payhub.receipts:' || $1))`, [agencyId]);
    const { rows } = await tx.query<{ payment_id: string }>(
      'SELECT payment_id FROM receipt_queue WHERE agency_id = $1 ORDER BY queued_at, payment_id LIMIT $2',
      [agencyId, BATCH],
    );
    if (rows.length === 0) return 0;
    const year = Number(localDate(issuedAt).slice(0, 4));
    await tx.query(
      `WITH batch AS (
         SELECT q.payment_id, q.k, q.code FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS q (payment_id, code, k)
       ), series AS (
         INSERT INTO receipt_series (agency_id, year, next_no) VALUES ($1, $2, 1 + $7::int)
         ON CONFLICT (agency_id, year) DO UPDATE SET next_no = receipt_series.next_no + $7::int
         RETURNING next_no - $7::int AS first
       ), issued AS (
         INSERT INTO receipts (payment_id, agency_id, form_symbol, series, number, verify_code, issued_at)
         SELECT b.payment_id, $1, $5, $6, series.first + b.k::int - 1, b.code, $8 FROM batch b, series
         RETURNING payment_id
       )
       DELETE FROM receipt_queue WHERE payment_id IN (SELECT payment_id FROM issued)`,
      [
        agencyId,
        year,
        rows.map((r) => r.payment_id),
        rows.map(() => newToken(12)),
        FORM_SYMBOL,
        seriesOf(year),
        rows.length,
        issuedAt,
      ],
    );
    return rows.length;
  });
}

/** Numbers every queued receipt (of one agency, or all). Returns how many were issued. */
export async function issuePending(db: Db, agencyId?: string, now = new Date()): Promise<number> {
  const agencies = agencyId
    ? [agencyId]
    : (await db.query<{ agency_id: string }>('SELECT DISTINCT agency_id FROM receipt_queue')).rows.map(
        (r) => r.agency_id,
      );
  let issued = 0;
  for (const agency of agencies) {
    for (let n = await issueBatch(db, agency, now); n > 0; n = await issueBatch(db, agency, now)) issued += n;
  }
  return issued;
}

export function receiptsService(deps: { db: Db; publicUrl: string }) {
  const { db, publicUrl } = deps;

  const listeners = new Set<() => void>();

  async function data(payment: PaymentRow): Promise<ReceiptData | null> {
    let row = await receiptOf(payment);
    // Asked for before the numbering job ran: number the agency's queue now.
    if (!row && payment.status === 'succeeded' && (await issuePending(db, payment.agency_id)) > 0) {
      row = await receiptOf(payment);
    }
    if (!row) return null;
    return toData(payment, row);
  }

  async function receiptOf(payment: PaymentRow) {
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
    return rows[0];
  }

  function toData(
    payment: PaymentRow,
    row: ReceiptRow & {
      agency_name: string;
      agency_code: string;
      provider: string;
      provider_transaction_id: string | null;
    },
  ): ReceiptData {
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
    /** Numbers every queued receipt (the receipts.issue job). */
    issueDue: () => issuePending(db),
    /** Called after a success commits: wakes the numbering job. */
    nudge() {
      for (const listener of listeners) listener();
    },
    onNudge(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type ReceiptsService = ReturnType<typeof receiptsService>;
