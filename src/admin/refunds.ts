/**
 * Refunds as finance staff see them (`/console/refunds`), and the refund finance makes by hand
 * from the collection account when the provider cannot (VietQR has no refund API) or refused.
 */

import { adapterNamed } from '../../adapters/index.ts';
import { audit } from '../audit/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import type { RefundRow } from '../refunds/model.ts';
import { recordOutcome } from '../refunds/service.ts';
import { refundJson } from '../refunds/view.ts';
import { mustWrite, noteOf, refuse } from './errors.ts';
import type { Staff } from './staff.ts';

export interface RefundQuery {
  status?: string;
  provider?: string;
  kind?: string;
  /** Only refunds finance recorded by hand. */
  manual?: boolean;
  mode?: 'test' | 'live';
  limit?: number;
  startingAfter?: string;
}

/** Refunds in scope, newest first, by cursor; `manual` says whether finance recorded it by hand. */
export async function listRefunds(db: Db, staff: Staff, query: RefundQuery) {
  const limit = query.limit ?? 25;
  const { rows } = await db.query<RefundRow & { agency_code: string; manual: boolean }>(
    `SELECT r.*, a.code AS agency_code,
            EXISTS (SELECT 1 FROM audit_log l WHERE l.object_id = r.id AND l.action = 'refund.manual') AS manual
       FROM refunds r JOIN agencies a ON a.id = r.agency_id
      WHERE ($1::text[] IS NULL OR r.agency_id = ANY ($1::text[]))
        AND ($2::text IS NULL OR r.status = $2) AND ($3::text IS NULL OR r.provider = $3)
        AND ($4::text IS NULL OR r.kind = $4) AND ($5::text IS NULL OR r.mode = $5)
        AND ($6::text IS NULL OR r.id < $6)
        AND (NOT $7::boolean OR EXISTS (SELECT 1 FROM audit_log l WHERE l.object_id = r.id AND l.action = 'refund.manual'))
      ORDER BY r.id DESC LIMIT $8`,
    [
      staff.scope,
      query.status ?? null,
      query.provider ?? null,
      query.kind ?? null,
      query.mode ?? null,
      query.startingAfter ?? null,
      query.manual ?? false,
      limit + 1,
    ],
  );
  return {
    data: rows.slice(0, limit).map((r) => ({ ...refundJson(r), agency: r.agency_code, manual: r.manual })),
    hasMore: rows.length > limit,
  };
}

/**
 * Records a refund made by hand: succeeded with the outgoing bank reference, its ledger entry
 * (out of suspense, or agency_payable for a requested refund) and its event, audited with the note.
 */
export async function recordManualRefund(
  db: Db,
  staff: Staff,
  request: { id: string; bankReference: string; note: string; ip?: string },
) {
  mustWrite(staff);
  const note = noteOf(request.note);
  const bankReference = request.bankReference.trim();
  if (!bankReference || bankReference.length > 100)
    throw refuse.invalid([{ field: 'bank_reference', message: 'must be 1–100 characters' }]);
  const { id } = request;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<RefundRow>(
      `SELECT * FROM refunds WHERE id = $1 AND ($2::text[] IS NULL OR agency_id = ANY($2::text[])) FOR UPDATE`,
      [id, staff.scope],
    );
    const current = rows[0];
    if (!current) throw refuse.notFound('refund', id);
    const automatic = adapterNamed(current.provider)?.capabilities.refund ?? false;
    if (current.status === 'succeeded' || (current.status === 'pending' && automatic)) {
      throw new DomainError(
        'refund_not_manual',
        current.status === 'succeeded'
          ? `Refund ${id} has succeeded already.`
          : `Refund ${id} is pending with ${current.provider}, which refunds by itself; wait for its answer.`,
      );
    }
    const done = (
      await tx.query<RefundRow>(
        `UPDATE refunds SET status = 'succeeded', provider_refund_id = $2, failure = NULL,
                completed_at = now(), updated_at = now()
          WHERE id = $1 RETURNING *`,
        [id, bankReference],
      )
    ).rows[0]!;
    const json = await recordOutcome(tx, done, `manual refund, bank reference ${bankReference}`);
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'refund.manual',
      objectType: 'refund',
      objectId: done.id,
      agencyId: done.agency_id,
      mode: done.mode,
      ip: request.ip,
      details: { note, bank_reference: bankReference, previous_status: current.status },
    });
    return json;
  });
}
