import { Router } from 'express';
import { principalOf } from '../http/auth.ts';
import { validateRequest } from '../http/openapi.ts';
import type { LedgerService } from './service.ts';

export function ledgerRoutes(ledger: LedgerService): Router {
  const router = Router();
  router.get('/v1/balance', validateRequest('getBalance'), async (_req, res) => {
    res.json(await ledger.balance(principalOf(res.locals)));
  });
  router.get('/v1/payments/:id/ledger', validateRequest('getPaymentLedger'), async (req, res) => {
    res.json(await ledger.ofPayment(principalOf(res.locals), req.params.id as string));
  });
  return router;
}
