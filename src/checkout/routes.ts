import path from 'node:path';
import express, { type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import { agencyById } from '../agencies/service.ts';
import type { Db } from '../db/port.ts';
import { type AttemptsService, CheckoutError } from '../payments/attempts.ts';
import { attemptsOfPayment, paymentByCheckoutToken } from '../payments/records.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { ReceiptsService } from '../receipts/service.ts';
import { langOf, TEXT, type Texts } from './i18n.ts';
import { checkoutPage, messagePage, receiptCheckPage } from './pages.ts';
import { transferViewOf } from './transfer.ts';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const PROVIDER = /^[a-z0-9_]{1,32}$/;

/** Citizens' pages' headers: strict CSP, no third-party anything, no caching. */
export function checkoutPageHeaders(): RequestHandler[] {
  return [
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // The payment form redirects (303) to the chosen provider's own site.
        formAction: ["'self'", 'https:'],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    }),
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
  ];
}

/** Citizens' pages: strict CSP, no third-party anything, no caching, no JavaScript needed. */
export function checkoutRoutes(deps: {
  db: Db;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  receipts: ReceiptsService;
}): Router {
  const { db, attempts, providers, receipts } = deps;
  const router = Router();
  const pages = Router();
  pages.use(...checkoutPageHeaders());

  async function render(token: string, lang: 'vi' | 'en' | undefined, message?: (t: Texts) => string) {
    const payment = await paymentByCheckoutToken(db, token);
    if (!payment) return null;
    const language = lang ?? payment.language;
    const agency = (await agencyById(db, payment.agency_id))!;
    const methods = (await providers.methodsFor(payment.agency_id, payment.amount))
      .filter((m) => !(m.adapter.testOnly && payment.mode === 'live'))
      .map((m) => ({ name: m.adapter.name, label: m.adapter.displayName[language] }));
    const providerNames = Object.fromEntries(methods.map((m) => [m.name, m.label]));
    const paymentAttempts = await attemptsOfPayment(db, payment.id);
    return checkoutPage({
      payment,
      agencyName: agency.name,
      attempts: paymentAttempts,
      transfer: await transferViewOf(paymentAttempts.filter((a) => a.status === 'processing').at(-1)),
      methods,
      providerNames,
      lang: language,
      token,
      message: message?.(TEXT[language]),
    });
  }

  pages.get('/checkout/:token', async (req, res) => {
    const lang = req.query.lang ? langOf(req.query.lang, 'vi') : undefined;
    const page = TOKEN.test(req.params.token) ? await render(req.params.token, lang) : null;
    if (!page) {
      res
        .status(404)
        .type('html')
        .send(messagePage(lang ?? 'vi', TEXT[lang ?? 'vi'].notFound));
      return;
    }
    res.type('html').send(page);
  });

  pages.post(
    '/checkout/:token/attempts',
    express.urlencoded({ extended: false, limit: '2kb' }),
    async (req, res) => {
      const token = req.params.token as string;
      const lang = req.query.lang ? langOf(req.query.lang, 'vi') : undefined;
      const method =
        typeof req.body?.method === 'string' && PROVIDER.test(req.body.method) ? req.body.method : '';
      try {
        if (!TOKEN.test(token)) throw new CheckoutError('not_found');
        const result = await attempts.start(token, method, req.ip ?? '127.0.0.1');
        if (result.kind === 'redirect') {
          res.redirect(303, result.url);
          return;
        }
        res.redirect(303, `/checkout/${token}`);
      } catch (error) {
        if (!(error instanceof CheckoutError)) throw error;
        const key = {
          not_found: 'notFound',
          not_payable: 'notPayable',
          method_unavailable: 'methodUnavailable',
          provider_error: 'providerError',
        }[error.reason] as 'notFound';
        const page = error.reason === 'not_found' ? null : await render(token, lang, (t) => t[key]);
        res
          .status(error.reason === 'not_found' ? 404 : error.reason === 'provider_error' ? 502 : 409)
          .type('html')
          .send(page ?? messagePage(lang ?? 'vi', TEXT[lang ?? 'vi'][key]));
      }
    },
  );

  pages.get('/checkout/:token/receipt', async (req, res) => {
    const payment = TOKEN.test(req.params.token)
      ? await paymentByCheckoutToken(db, req.params.token)
      : undefined;
    const pdf = payment ? await receipts.pdf(payment) : null;
    if (!payment || !pdf) {
      res.status(404).type('html').send(messagePage('vi', TEXT.vi.notFound));
      return;
    }
    res
      .type('application/pdf')
      .set('Content-Disposition', `attachment; filename="${receipts.fileName(payment)}"`)
      .send(pdf);
  });

  pages.get('/receipts/:code', async (req, res) => {
    const lang = langOf(req.query.lang, 'vi');
    const receipt = /^[A-Za-z0-9_-]{16}$/.test(req.params.code)
      ? await receipts.byVerifyCode(req.params.code)
      : null;
    if (!receipt) {
      res.status(404).type('html').send(messagePage(lang, TEXT[lang].receiptUnknown));
      return;
    }
    res.type('html').send(receiptCheckPage(lang, receipt));
  });

  router.use(pages);
  router.use(
    '/assets',
    express.static(path.join(import.meta.dirname, 'assets'), { index: false, maxAge: '1h' }),
  );

  return router;
}

/** A return that does not verify: a clear page, nothing changed. */
export const badReturnPage: RequestHandler = (_req, res) => {
  res.status(400).type('html').send(messagePage('vi', TEXT.vi.badReturn));
};
