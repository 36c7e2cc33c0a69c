/**
 * Staff actions that move money (DESIGN.md § What may move money, 4): recording a refund made by
 * hand from the collection account, and assigning an unmatched bank credit to a payment. Each
 * needs a note, is audited in the transaction of the change, and posts its ledger entry.
 */
import { type RequestHandler, Router } from 'express';
import { adapterNamed } from '../../adapters/index.ts';
import { audit } from '../audit/service.ts';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import { formatVnd, money } from '../money.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type * as rq from '../refunds/model.ts';
import { recordOutcome } from '../refunds/service.ts';
import { staffOf } from './staff.ts';

const ASSIGNABLE = ['unmatched', 'amount_mismatch', 'late'];

const blankNote = (note: string) => {
  if (!note.trim()) throw problems.invalidRequest([{ field: 'note', message: 'must not be blank' }]);
  return note.trim();
};

export function moneyRoutes(deps: { db: Db; attempts: AttemptsService }): Router {
  const { db, attempts } = deps;
  const router = Router();

  const writer: RequestHandler = (_req, res, next) => {
    if (staffOf(res.locals).role === 'auditor')
      throw problems.forbidden('Auditors can read but not change anything.');
    next();
  };

  /**
   * A refund the provider cannot make (VietQR has no refund API) or refused, made by finance from
   * the collection account: recorded as succeeded with the outgoing bank reference, its ledger
   * entry (out of suspense, or agency_payable for a requested refund) and its event.
   */
  router.post(
    '/admin/v1/refunds/:id/manual',
    writer,
    validateRequest('recordManualRefund'),
    async (req, res) => {
      const staff = staffOf(res.locals);
      const body = req.body as { bank_reference: string; note: string };
      const note = blankNote(body.note);
      const id = req.params.id as string;
      const refund = await db.transaction(async (tx) => {
        const { rows } = await tx.query<rq.RefundRow>(
          `SELECT * FROM refunds WHERE id = $1 AND ($2::text[] IS NULL OR agency_id = ANY($2::text[])) FOR UPDATE`,
          [id, staff.scope],
        );
        const current = rows[0];
        if (!current) throw problems.notFound('refund', id);
        const automatic = adapterNamed(current.provider)?.capabilities.refund ?? false;
        if (current.status === 'succeeded' || (current.status === 'pending' && automatic)) {
          throw new ApiError(
            409,
            'refund_not_manual',
            'Refund cannot be recorded by hand',
            current.status === 'succeeded'
              ? `Refund ${id} has succeeded already.`
              : `Refund ${id} is pending with ${current.provider}, which refunds by itself; wait for its answer.`,
          );
        }
        const done = (
          await tx.query<rq.RefundRow>(
            `UPDATE refunds SET status = 'succeeded', provider_refund_id = $2, failure = NULL,
                    completed_at = now(), updated_at = now()
              WHERE id = $1 RETURNING *`,
            [id, body.bank_reference],
          )
        ).rows[0]!;
        const json = await recordOutcome(tx, done, `manual refund, bank reference ${body.bank_reference}`);
        await audit(tx, {
          actorType: 'staff',
          actorId: staff.id,
          action: 'refund.manual',
          objectType: 'refund',
          objectId: done.id,
          agencyId: done.agency_id,
          mode: done.mode,
          ip: req.ip,
          details: { note, bank_reference: body.bank_reference, previous_status: current.status },
        });
        return json;
      });
      res.status(201).json(refund);
    },
  );

  /**
   * A transfer that matched nothing (a garbled memo), was late, or paid another amount than its
   * reference's payment: finance names the payment it pays. The credit then pays it through the
   * same path as a matched credit (attempts.apply: receipt, ledger entry, webhooks), amount checked.
   */
  router.post(
    '/admin/v1/bank_credits/:id/assign',
    writer,
    validateRequest('assignBankCredit'),
    async (req, res) => {
      const staff = staffOf(res.locals);
      const body = req.body as { payment: string; note: string };
      const note = blankNote(body.note);
      const id = req.params.id as string;
      const { rows } = await db.query<{
        id: string;
        agency_id: string;
        provider: string;
        mode: 'test' | null;
        amount: string;
        status: string;
        bank_reference: string;
        booked_at: Date;
        source: string;
      }>(
        `SELECT id, agency_id, provider, mode, amount::text, status, bank_reference, booked_at, source
           FROM bank_credits WHERE id = $1 AND ($2::text[] IS NULL OR agency_id = ANY($2::text[]))`,
        [id, staff.scope],
      );
      const credit = rows[0];
      if (!credit) throw problems.notFound('bank credit', id);
      // The payment must be the credit's agency's; a credit from a test-mode upload pays test payments only.
      const { rows: found } = await db.query<{
        payment_id: string;
        payment_status: string;
        payment_mode: 'test' | 'live';
        attempt_id: string | null;
        attempt_status: string | null;
        attempt_amount: string | null;
        provider_transaction_id: string | null;
      }>(
        `SELECT p.id AS payment_id, p.status AS payment_status, p.mode AS payment_mode, a.id AS attempt_id, a.status AS attempt_status,
                a.amount::text AS attempt_amount, a.provider_transaction_id
           FROM payments p
           LEFT JOIN LATERAL (SELECT * FROM attempts WHERE payment_id = p.id AND provider = $3
                               ORDER BY created_at DESC LIMIT 1) a ON true
          WHERE p.id = $1 AND p.agency_id = $2 AND ($4::text IS NULL OR p.mode = $4)`,
        [body.payment, credit.agency_id, credit.provider, credit.mode],
      );
      const target = found[0];
      if (!target) throw problems.notFound('payment', body.payment);
      const refuse = (status: number, code: string, title: string, detail: string): never => {
        throw new ApiError(status, code, title, detail);
      };
      // Assigned before, and crashed before the credit was marked: finish it.
      const alreadyPaidByIt =
        target.attempt_status === 'succeeded' && target.provider_transaction_id === credit.bank_reference;
      if (!ASSIGNABLE.includes(credit.status))
        refuse(
          409,
          'credit_not_assignable',
          'Bank credit cannot be assigned',
          `Bank credit ${id} is ${credit.status}: only unmatched, late or mismatched credits can be assigned.`,
        );
      if (!target.attempt_id)
        refuse(
          409,
          'no_transfer_attempt',
          'Payment has no transfer attempt',
          `Payment ${body.payment} was never offered for a ${credit.provider} transfer.`,
        );
      if (!money(credit.amount).eq(target.attempt_amount!))
        refuse(
          422,
          'amount_mismatch',
          'Amount does not match',
          `The credit is ${formatVnd(credit.amount)}, payment ${body.payment} is ${formatVnd(target.attempt_amount!)}.`,
        );
      if (target.payment_status === 'succeeded' && !alreadyPaidByIt)
        refuse(
          409,
          'payment_already_paid',
          'Payment already paid',
          `Payment ${body.payment} is paid already; refund this transfer instead.`,
        );
      const verdict = alreadyPaidByIt
        ? 'already_processed'
        : await attempts.apply(credit.provider, {
            attemptId: target.attempt_id!,
            status: 'succeeded',
            amount: credit.amount,
            providerTransactionId: credit.bank_reference,
            paidAt: credit.booked_at,
            raw: {
              bank_credit_id: credit.id,
              bank_reference: credit.bank_reference,
              source: credit.source,
              assigned_by: staff.id,
              booked_at: credit.booked_at.toISOString(),
            },
          });
      if (verdict !== 'accepted' && verdict !== 'already_processed')
        refuse(
          409,
          'credit_not_assignable',
          'Bank credit cannot be assigned',
          `The payment refused it: ${verdict}.`,
        );
      const assigned = await db.transaction(async (tx) => {
        const updated = await tx.query<{ id: string }>(
          `UPDATE bank_credits SET status = 'matched', attempt_id = $2, payment_id = $3, detail = $4, matched_at = now()
            WHERE id = $1 AND status = ANY($5::text[]) RETURNING id`,
          [id, target.attempt_id, target.payment_id, `Assigned by staff: ${note}`.slice(0, 500), ASSIGNABLE],
        );
        if (updated.rowCount === 0)
          refuse(
            409,
            'credit_not_assignable',
            'Bank credit cannot be assigned',
            `Bank credit ${id} changed meanwhile.`,
          );
        await audit(tx, {
          actorType: 'staff',
          actorId: staff.id,
          action: 'bank_credit.assign',
          objectType: 'bank_credit',
          objectId: id,
          agencyId: credit.agency_id,
          mode: target.payment_mode,
          ip: req.ip,
          details: {
            note,
            payment: target.payment_id,
            attempt: target.attempt_id,
            previous_status: credit.status,
          },
        });
        return (
          await tx.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [target.payment_id])
        ).rows[0]!;
      });
      res.status(201).json({
        object: 'bank_credit_assignment',
        bank_credit: id,
        status: 'matched',
        payment: target.payment_id,
        attempt: target.attempt_id,
        payment_status: assigned.status,
      });
    },
  );

  return router;
}
