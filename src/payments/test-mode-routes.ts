import { Router } from 'express';
import { principalOf } from '../http/auth.ts';
import { runIdempotent } from '../http/idempotency.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { AttemptsService } from './attempts.ts';
import * as q from './queries.ts';
import type { PaymentsService } from './service.ts';

/**
 * A production route for test keys (Stripe's "test helpers"): settles a test-mode payment without
 * a browser, through the same sandbox provider a tester would click through. A live key gets 404.
 */
export function testModeRoutes(deps: {
  payments: PaymentsService;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  db: import('../db/port.ts').Db;
}): Router {
  const router = Router();
  router.post(
    '/v1/test_helpers/payments/:id/complete',
    validateRequest('completeTestPayment'),
    async (req, res) => {
      const principal = principalOf(res.locals);
      if (principal.mode !== 'test') throw problems.routeNotFound(req.method, req.path);
      const id = req.params.id as string;
      // Like every POST: the same Idempotency-Key and body replay the stored answer, another body
      // under that key is refused (422), so a portal retrying a timed-out call gets its 200 back.
      await runIdempotent(deps.db, req, res, principal, async (remember) => {
        const payment = (await q.paymentById(deps.db, principal.agencyId, principal.mode, id)).rows[0];
        if (!payment) throw problems.notFound('payment', id);
        const methods = await deps.providers.methodsFor(principal.agencyId, payment.amount);
        const helper = methods.find((m) => m.adapter.completeForTest);
        if (!helper?.adapter.completeForTest) {
          throw new ApiError(
            409,
            'no_test_provider',
            'No test provider',
            'Enable the sandbox provider for this agency first.',
          );
        }
        let started: { attemptId: string };
        try {
          started = await deps.attempts.start(
            payment.checkout_token,
            helper.adapter.name,
            req.ip ?? '127.0.0.1',
          );
        } catch {
          throw new ApiError(
            409,
            'payment_not_payable',
            'Payment not payable',
            `Payment ${id} is ${payment.status}: it cannot be paid.`,
          );
        }
        const ctx = deps.providers.context(helper.credentials, principal.mode, helper.adapter.name);
        await helper.adapter.completeForTest(
          deps.attempts.host,
          ctx,
          { id: started.attemptId, amount: payment.amount },
          req.body.outcome,
        );
        const response = { status: 200, body: await deps.payments.get(principal, id) };
        await deps.db.transaction((tx) => remember(tx, response));
        return response;
      });
    },
  );
  return router;
}
