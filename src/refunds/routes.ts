import { Router } from 'express';
import type { Db } from '../db/port.ts';
import { principalOf } from '../http/auth.ts';
import { runIdempotent } from '../http/idempotency.ts';
import { validateRequest } from '../http/openapi.ts';
import type { RefundCreate, RefundsService } from './service.ts';

export function refundRoutes(db: Db, refunds: RefundsService): Router {
  const router = Router();

  router.post('/v1/payments/:id/refunds', validateRequest('createRefund'), async (req, res) => {
    const principal = principalOf(res.locals);
    await runIdempotent(db, req, res, principal, (remember) =>
      refunds.create(principal, req.params.id as string, req.body as RefundCreate, remember),
    );
  });

  router.get('/v1/payments/:id/refunds', validateRequest('listPaymentRefunds'), async (req, res) => {
    res.json(await refunds.listForPayment(principalOf(res.locals), req.params.id as string));
  });

  router.get('/v1/refunds/:id', validateRequest('getRefund'), async (req, res) => {
    res.json(await refunds.get(principalOf(res.locals), req.params.id as string));
  });

  return router;
}
