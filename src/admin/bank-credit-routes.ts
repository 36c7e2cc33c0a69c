import { Router } from 'express';
import { staffStatementUpload } from '../bank/routes.ts';
import type { BankService } from '../bank/service.ts';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import { assignBankCredit, listBankCredits } from './bank-credits.ts';
import { writer } from './http.ts';
import { recordManualRefund } from './refunds.ts';
import { staffOf } from './staff.ts';

/**
 * Staff actions over bank money (DESIGN.md § What may move money, 3 and 4): statements uploaded,
 * credits that paid nothing listed and assigned, refunds made by hand recorded.
 */
export function bankCreditRoutes(deps: { db: Db; attempts: AttemptsService; bank: BankService }): Router {
  const { db } = deps;
  const router = Router();

  router.post(
    '/admin/v1/bank_statements',
    writer,
    validateRequest('uploadStaffBankStatement'),
    staffStatementUpload(deps.bank),
  );

  router.get('/admin/v1/bank_credits', validateRequest('listBankCredits'), async (_req, res) => {
    const query = res.locals.query as { status?: string; limit?: number; starting_after?: string };
    const page = await listBankCredits(db, staffOf(res.locals), query);
    res.json({ object: 'list', data: page.data, has_more: page.hasMore });
  });

  router.post(
    '/admin/v1/bank_credits/:id/assign',
    writer,
    validateRequest('assignBankCredit'),
    async (req, res) => {
      const body = req.body as { payment: string; note: string };
      const done = await assignBankCredit(deps, staffOf(res.locals), {
        id: req.params.id as string,
        payment: body.payment,
        note: body.note,
        ip: req.ip,
      });
      res.status(201).json(done);
    },
  );

  router.post(
    '/admin/v1/refunds/:id/manual',
    writer,
    validateRequest('recordManualRefund'),
    async (req, res) => {
      const body = req.body as { bank_reference: string; note: string };
      const refund = await recordManualRefund(db, staffOf(res.locals), {
        id: req.params.id as string,
        bankReference: body.bank_reference,
        note: body.note,
        ip: req.ip,
      });
      res.status(201).json(refund);
    },
  );

  return router;
}
