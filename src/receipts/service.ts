import { adapterNamed } from '../../adapters/index.ts';
import { localDate } from '../dates.ts';
import { raiseAfterCommit } from '../db/after-commit.ts';
import type { Db, Queryable } from '../db/port.ts';
import { newToken } from '../ids.ts';
import { money } from '../money.ts';
import type { PaymentRow } from '../payments/model.ts';
import type { Sealer } from '../secrets.ts';
import { type ReceiptData, renderReceiptPdf } from './receipt.ts';
import { type ReceiptSigner, ReceiptSignerError, signerName, signReceiptPdf } from './signing.ts';

/**
 * Form symbols (ký hiệu mẫu biên lai) of PayHub's e-receipts (Decree 123/2020/ND-CP, Circular
 * 78/2021/TT-BTC): "01BLP0-001" is the receipt for fees and charges; a fine gets the receipt for
 * administrative fines, "01BLTP-001" (PayHub's symbol for it: PROVIDERS.md has no source for the
 * fine form's official symbol).
 */
export const FORM_SYMBOL = '01BLP0-001';
export const FINE_FORM_SYMBOL = '01BLTP-001';

/** Which gapless sequence a receipt is numbered in: per mode, and fines apart from the rest. */
interface Kind {
  mode: 'test' | 'live';
  fine: boolean;
}

export const formOf = (kind: Pick<Kind, 'fine'>) => (kind.fine ? FINE_FORM_SYMBOL : FORM_SYMBOL);

/**
 * The series (ký hiệu biên lai): "PH-<yy>E" for fees and charges, "PT-<yy>E" for fines (E =
 * electronic); a test payment's receipt is in "TEST-PH-<yy>E" / "TEST-PT-<yy>E", numbered on its
 * own, so a test number never looks like a real one.
 */
export const seriesOf = (year: number, kind: Kind) =>
  `${kind.mode === 'test' ? 'TEST-' : ''}${kind.fine ? 'PT' : 'PH'}-${String(year).slice(-2)}E`;

/** The number as printed: seven digits. */
export const printedNumber = (n: number) => String(n).padStart(7, '0');

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
async function issueBatch(db: Db, agencyId: string, kind: Kind, issuedAt: Date): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('payhub.receipts:' || $1))`, [agencyId]);
    const { rows } = await tx.query<{ payment_id: string }>(
      `SELECT q.payment_id FROM receipt_queue q JOIN payments p ON p.id = q.payment_id
        WHERE q.agency_id = $1 AND p.mode = $2 AND (p.obligation->>'type' = 'fine') = $3
        ORDER BY q.queued_at, q.payment_id LIMIT $4`,
      [agencyId, kind.mode, kind.fine, BATCH],
    );
    if (rows.length === 0) return 0;
    const year = Number(localDate(issuedAt).slice(0, 4));
    await tx.query(
      `WITH batch AS (
         SELECT q.payment_id, q.k, q.code FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS q (payment_id, code, k)
       ), series AS (
         INSERT INTO receipt_series (agency_id, year, series, next_no) VALUES ($1, $2, $6, 1 + $7::int)
         ON CONFLICT (agency_id, year, series) DO UPDATE SET next_no = receipt_series.next_no + $7::int
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
        formOf(kind),
        seriesOf(year, kind),
        rows.length,
        issuedAt,
      ],
    );
    return rows.length;
  });
}

/** Numbers every queued receipt (of one agency, or all). Returns how many were issued. */
export async function issuePending(db: Db, agencyId?: string, now = new Date()): Promise<number> {
  const { rows: due } = await db.query<Kind & { agency_id: string }>(
    `SELECT DISTINCT q.agency_id, p.mode, (p.obligation->>'type' = 'fine') AS fine
       FROM receipt_queue q JOIN payments p ON p.id = q.payment_id
      WHERE $1::text IS NULL OR q.agency_id = $1`,
    [agencyId ?? null],
  );
  let issued = 0;
  for (const { agency_id, ...kind } of due) {
    const batch = () => issueBatch(db, agency_id, kind, now);
    for (let n = await batch(); n > 0; n = await batch()) issued += n;
  }
  return issued;
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
