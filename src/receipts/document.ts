/** A payment's receipt as a document: its data gathered from the stored receipt, rendered and signed. */
import { adapterNamed } from '../../adapters/index.ts';
import type { Db, Queryable } from '../db/port.ts';
import type { PaymentRow } from '../payments/model.ts';
import type { Sealer } from '../secrets.ts';
import type { ReceiptRow } from './model.ts';
import { issuePending } from './queue.ts';
import { type ReceiptData, renderReceiptPdf } from './receipt.ts';
import { printedNumber } from './series.ts';
import { signerOf } from './signers.ts';
import { signReceiptPdf } from './signing.ts';

/** The stored receipt with what the document prints of its agency, attempt and signer. */
type IssuedReceipt = ReceiptRow & {
  agency_name: string;
  agency_code: string;
  provider: string;
  provider_transaction_id: string | null;
  tax_code: string | null;
  address: string | null;
  signer_subject: string | null;
};

async function issuedReceipt(db: Queryable, payment: PaymentRow): Promise<IssuedReceipt | undefined> {
  const { rows } = await db.query<IssuedReceipt>(
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

function toData(payment: PaymentRow, row: IssuedReceipt, publicUrl: string): ReceiptData {
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

/** What the payment's receipt prints, or null when it has none (not succeeded). */
export async function receiptData(
  db: Db,
  payment: PaymentRow,
  publicUrl: string,
): Promise<ReceiptData | null> {
  let row = await issuedReceipt(db, payment);
  // Asked for before the numbering job ran: number the agency's queue now.
  if (!row && payment.status === 'succeeded' && (await issuePending(db, payment.agency_id)) > 0) {
    row = await issuedReceipt(db, payment);
  }
  if (!row) return null;
  return toData(payment, row, publicUrl);
}

/** The PDF of a payment's receipt, signed when its agency has a signer; null when it has none. */
export async function receiptPdf(
  deps: { db: Db; publicUrl: string; sealer?: Sealer },
  payment: PaymentRow,
): Promise<Buffer | null> {
  const receipt = await receiptData(deps.db, payment, deps.publicUrl);
  if (!receipt) return null;
  const pdf = await renderReceiptPdf(receipt);
  const signer = await signerOf(deps.db, deps.sealer, payment.agency_id);
  // Signed at its issue time, so that the same receipt is the same file each time.
  return signer
    ? signReceiptPdf(pdf, signer, {
        name: receipt.signedBy ?? receipt.agency.name,
        reason: `Biên lai ${receipt.series} ${receipt.receiptNo}`,
        location: receipt.agency.address ?? 'Việt Nam',
        signingTime: receipt.issuedAt,
      })
    : pdf;
}
