/**
 * The receipt queue (receipt_queue): the success transaction only queues a receipt; the
 * receipts.issue job numbers the queue in order, a batch at a time under a per-agency lock.
 */
import { localDate } from '../dates.ts';
import { raiseAfterCommit } from '../db/after-commit.ts';
import type { Db, Queryable } from '../db/port.ts';
import { newToken } from '../ids.ts';
import type { PaymentRow } from '../payments/model.ts';
import { formOf, type Kind, seriesOf } from './series.ts';

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
