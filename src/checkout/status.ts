import { Router } from 'express';
import type { Db } from '../db/port.ts';
import { attemptsOfPayment, paymentByCheckoutToken } from '../payments/records.ts';
import { transferQrPng } from './transfer.ts';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * What the waiting and bank-transfer pages' script asks (a status, not a page: the citizen's page
 * stays as it is until something changed), and the transfer QR as a file to save.
 */
export function checkoutStatusRoutes(db: Db): Router {
  const router = Router();

  router.get('/checkout/:token/status', async (req, res) => {
    const payment = TOKEN.test(req.params.token)
      ? await paymentByCheckoutToken(db, req.params.token)
      : undefined;
    res.set('Cache-Control', 'no-store');
    if (!payment) {
      res.status(404).json({ status: 'not_found' });
      return;
    }
    const expired = payment.status === 'created' && payment.expires_at <= new Date();
    res.json({ status: expired ? 'expired' : payment.status });
  });

  router.get('/checkout/:token/qr.png', async (req, res) => {
    const payment = TOKEN.test(req.params.token)
      ? await paymentByCheckoutToken(db, req.params.token)
      : undefined;
    const attempts = payment ? await attemptsOfPayment(db, payment.id) : [];
    const png = await transferQrPng(attempts.filter((a) => a.status === 'processing').at(-1));
    res.set('Cache-Control', 'no-store');
    if (!png) {
      res.status(404).type('text/plain').send('No bank transfer is waiting for this payment.');
      return;
    }
    res.type('image/png').set('Content-Disposition', 'attachment; filename="vietqr.png"').send(png);
  });
  return router;
}
