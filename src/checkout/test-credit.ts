import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { type BankService, bankAdapter } from '../bank/service.ts';
import type { Db } from '../db/port.ts';
import { attemptsOfPayment, paymentByCheckoutToken } from '../payments/records.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import { TRANSFER_VIEW } from './transfer.ts';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The embedded demo's "play the bank's credit" (test payments only): the call the bank feed would
 * push for the transfer the page shows, signed with the agency's feed secret and received through
 * the same verification and matching as a real feed call. Nothing else can pay with it.
 */
export function testCreditRoutes(deps: {
  db: Db;
  providers: ProviderAccountsService;
  bank: BankService;
}): Router {
  const router = Router();
  router.post('/checkout/:token/test-bank-credit', async (req, res) => {
    const token = req.params.token;
    const payment = TOKEN.test(token) ? await paymentByCheckoutToken(deps.db, token) : undefined;
    const attempt = payment
      ? (await attemptsOfPayment(deps.db, payment.id)).filter((a) => a.status === 'processing').at(-1)
      : undefined;
    const page = attempt?.checkout_page;
    const ctx =
      payment?.mode === 'test' && attempt && page?.view === TRANSFER_VIEW
        ? await deps.providers.contextFor(payment.agency_id, 'test', attempt.provider)
        : null;
    const call =
      ctx && attempt
        ? bankAdapter(attempt.provider).bankTransfer.testFeedCall?.(ctx.credentials, {
            amount: attempt.amount,
            reference: String(page?.data.transfer_reference ?? ''),
            bankReference: `TEST${randomBytes(6).toString('hex').toUpperCase()}`,
            bookedAt: new Date(),
          })
        : null;
    if (!call || !attempt) {
      res.status(404).type('text/plain').send('No test bank transfer is waiting for this payment.');
      return;
    }
    await deps.bank.receiveFeed(attempt.provider, call);
    res.redirect(303, `/checkout/${token}`);
  });
  return router;
}
