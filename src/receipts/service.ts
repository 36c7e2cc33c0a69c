import { adapterNamed } from '../../adapters/index.ts';
import type { Db, Queryable } from '../db/port.ts';
import { money } from '../money.ts';
import type { PaymentRow } from '../payments/model.ts';
import type { Sealer } from '../secrets.ts';
import { issuePending } from './queue.ts';
import { type ReceiptData, renderReceiptPdf } from './receipt.ts';
import { FINE_FORM_SYMBOL, FORM_SYMBOL, formOf, printedNumber, seriesOf } from './series.ts';
import { type ReceiptSigner, ReceiptSignerError, signerName, signReceiptPdf } from './signing.ts';

export { FINE_FORM_SYMBOL, FORM_SYMBOL, formOf, issuePending, seriesOf };

export class ReceiptError extends Error {}

interface ReceiptRow {
  payment_id: string;
  form_symbol: string;
  series: string;
  number: number;
  verify_code: string;
  issued_at: Date;
  cancelled_at: Date | null;
  cancellation_reason: string | null;
}

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

/**
 * Stores an agency's signing certificate (`payhub receipts:configure`), sealed at rest. Refuses a
 * file that is not PKCS#12, a wrong password, an expired certificate or one without its key.
 */
export async function configureReceiptSigner(
  db: Db,
  sealer: Sealer,
  agencyId: string,
  signer: ReceiptSigner,
): Promise<{ subject: string }> {
  const subject = signerName(signer);
  await db.query(
    `INSERT INTO receipt_signers (agency_id, sealed, subject) VALUES ($1, $2, $3)
     ON CONFLICT (agency_id) DO UPDATE SET sealed = EXCLUDED.sealed, subject = EXCLUDED.subject, updated_at = now()`,
    [agencyId, sealer.seal({ p12: signer.p12.toString('base64'), password: signer.password }), subject],
  );
  return { subject };
}

export async function hasReceiptSigner(db: Queryable, agencyId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM receipt_signers WHERE agency_id = $1', [agencyId]);
  return rows.length > 0;
}

/**
 * Cancels (hủy) an issued receipt of the agency: it keeps its number, and its verification page
 * says cancelled from then on. A receipt is cancelled once.
 */
export async function cancelReceipt(
  db: Db,
  input: { agencyId: string; series: string; number: number; reason: string },
): Promise<{ payment_id: string; cancelled_at: Date }> {
  const reason = input.reason.trim();
  if (!reason || reason.length > 500) throw new ReceiptError('reason must be 1–500 characters');
  if (!Number.isInteger(input.number) || input.number < 1)
    throw new ReceiptError('number must be a positive whole number');
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
    throw new ReceiptError(`no receipt ${input.series} ${printedNumber(input.number)} of this agency`);
  if (row.was)
    throw new ReceiptError(
      `receipt ${input.series} ${printedNumber(input.number)} was cancelled on ${row.was.toISOString()}`,
    );
  return { payment_id: row.payment_id, cancelled_at: row.cancelled_at };
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

export function receiptsService(deps: { db: Db; publicUrl: string; sealer?: Sealer }) {
  const { db, publicUrl, sealer } = deps;

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
        tax_code: string | null;
        address: string | null;
        signer_subject: string | null;
      }
    >(
      `SELECT r.*, a.name AS agency_name, a.code AS agency_code, a.tax_code, a.address,
              s.subject AS signer_subject, t.provider, t.provider_transaction_id
         FROM receipts r JOIN agencies a ON a.id = r.agency_id
         JOIN payments p ON p.id = r.payment_id JOIN attempts t ON t.id = p.succeeded_attempt_id
         LEFT JOIN receipt_signers s ON s.agency_id = r.agency_id
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
      tax_code: string | null;
      address: string | null;
      signer_subject: string | null;
    },
  ): ReceiptData {
    const fine = payment.obligation.fine as { decision_no?: string } | undefined;
    return {
      receiptNo: printedNumber(row.number),
      series: row.series,
      formSymbol: row.form_symbol,
      issuedAt: row.issued_at,
      agency: {
        name: row.agency_name,
        code: row.agency_code,
        ...(row.tax_code ? { taxCode: row.tax_code } : {}),
        ...(row.address ? { address: row.address } : {}),
      },
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
      test: payment.mode === 'test',
      ...(row.signer_subject ? { signedBy: row.signer_subject } : {}),
    };
  }

  /** The agency's signer, opened from its sealed row; null when none is configured. */
  async function signerOf(agencyId: string): Promise<ReceiptSigner | null> {
    if (!sealer) return null;
    const { rows } = await db.query<{ sealed: Uint8Array }>(
      'SELECT sealed FROM receipt_signers WHERE agency_id = $1',
      [agencyId],
    );
    if (!rows[0]) return null;
    const opened = sealer.open<{ p12: string; password: string }>(rows[0].sealed);
    return { p12: Buffer.from(opened.p12, 'base64'), password: opened.password };
  }

  return {
    /** The PDF of a payment's receipt, or null when it has none (not succeeded). */
    async pdf(payment: PaymentRow): Promise<Buffer | null> {
      const receipt = await data(payment);
      if (!receipt) return null;
      const pdf = await renderReceiptPdf(receipt);
      const signer = await signerOf(payment.agency_id);
      // Signed at its issue time, so that the same receipt is the same file each time.
      return signer
        ? signReceiptPdf(pdf, signer, {
            name: receipt.signedBy ?? receipt.agency.name,
            reason: `Biên lai ${receipt.series} ${receipt.receiptNo}`,
            location: receipt.agency.address ?? 'Việt Nam',
            signingTime: receipt.issuedAt,
          })
        : pdf;
    },
    async byVerifyCode(code: string) {
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
export { ReceiptSignerError };
