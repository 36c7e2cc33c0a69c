import { Router } from 'express';
import { auditAction } from '../audit/http.ts';
import type { Db } from '../db/port.ts';
import { principalOf } from '../http/auth.ts';
import { readClaim, runIdempotent, sendStored } from '../http/idempotency.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import type { ReceiptsService } from '../receipts/service.ts';
import { type ListFilter, paymentById } from './queries.ts';
import type { PaymentCreate, PaymentsService } from './service.ts';

const PAYMENT_ID = /^pay_[0-9A-Z]{26}$/;

export function paymentRoutes(db: Db, payments: PaymentsService, receipts: ReceiptsService): Router {
  const router = Router();

  router.post('/v1/payments', validateRequest('createPayment'), async (req, res) => {
    const claim = readClaim(req);
    const created = await payments.create(principalOf(res.locals), req.body as PaymentCreate, claim, {
      ip: req.ip ?? null,
      requestId: typeof req.id === 'string' ? req.id : null,
      action: auditAction(req),
    });
    // Written with the payment: the audit middleware leaves this write alone.
    if (created.audited) res.locals.audited = true;
    sendStored(res, created);
  });

  router.get('/v1/payments', validateRequest('listPayments'), async (_req, res) => {
    const query = res.locals.query as Partial<ListFilter>;
    if (query.starting_after !== undefined && !PAYMENT_ID.test(query.starting_after)) {
      throw problems.invalidRequest([{ field: 'starting_after', message: 'must be a payment id' }]);
    }
    res.json(await payments.list(principalOf(res.locals), { ...query, limit: query.limit ?? 10 }));
  });

  router.get('/v1/payments/:id', validateRequest('getPayment'), async (req, res) => {
    res.json(await payments.get(principalOf(res.locals), req.params.id as string));
  });

  router.get('/v1/payments/:id/receipt', validateRequest('getPaymentReceipt'), async (req, res) => {
    const principal = principalOf(res.locals);
    const id = req.params.id as string;
    const payment = (await paymentById(db, principal.agencyId, principal.mode, id)).rows[0];
    if (!payment) throw problems.notFound('payment', id);
    const pdf = await receipts.pdf(payment);
    if (!pdf) {
      throw new ApiError(
        409,
        'receipt_not_available',
        'No receipt yet',
        `Payment ${id} is ${payment.status}: a receipt exists once it has succeeded.`,
      );
    }
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="${receipts.fileName(payment)}"`)
      .send(pdf);
  });

  router.post('/v1/payments/:id/cancel', validateRequest('cancelPayment'), async (req, res) => {
    const principal = principalOf(res.locals);
    await runIdempotent(db, req, res, principal, (remember) =>
      payments.cancel(
        principal,
        req.params.id as string,
        (req.body as { reason?: string } | undefined)?.reason ?? null,
        remember,
      ),
    );
  });

  return router;
}
