import path from 'node:path';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { agencyById } from '../agencies/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { problemOf } from '../http/problem.ts';
import type { AttemptsService, CheckoutRefusal } from '../payments/attempts.ts';
import { attemptsOfPayment, paymentByCheckoutToken } from '../payments/records.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { ReceiptsService } from '../receipts/service.ts';
import { citizenPageHeaders, LANG_COOKIE, langCookieOf } from './csp.ts';
import { chosenLang, type Lang, langOf, TEXT, type Texts } from './i18n.ts';
import { transferViewOf } from './transfer.ts';
import { checkoutPage } from './views/checkout.tsx';
import { messagePage } from './views/info.tsx';
import type { Site } from './views/layout.tsx';
import { receiptCheckPage } from './views/receipt.tsx';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const PROVIDER = /^[a-z0-9_]{1,32}$/;

/** The words each refused attempt's page shows (checkout_missing: the not-found page). */
const REFUSAL_WORDS: Record<
  CheckoutRefusal,
  'notFound' | 'notPayable' | 'methodUnavailable' | 'providerError'
> = {
  checkout_missing: 'notFound',
  payment_not_payable: 'notPayable',
  method_unavailable: 'methodUnavailable',
  provider_unavailable: 'providerError',
};

function refusalWords(code: string) {
  return Object.hasOwn(REFUSAL_WORDS, code) ? REFUSAL_WORDS[code as CheckoutRefusal] : undefined;
}

/**
 * The language of a payment's page: `?lang=` (remembered for this payment's pages, so it survives
 * the provider's round trip), else the one remembered, else the payment's own.
 */
function pageLang(req: Request, res: Response, token: string): Lang | undefined {
  const lang = chosenLang(req.query.lang, langCookieOf(req.headers.cookie));
  if (req.query.lang === 'en' || req.query.lang === 'vi')
    res.cookie(LANG_COOKIE, req.query.lang, {
      path: `/checkout/${token}`,
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
    });
  return lang;
}

interface CheckoutDeps {
  db: Db;
  attempts: AttemptsService;
  providers: ProviderAccountsService;
  receipts: ReceiptsService;
  site: Site;
  /** The demo's bank feed in test mode: the VietQR page offers to play the bank's credit. */
  playCredit?: boolean;
  /** Origins besides https: a payment form may redirect to (the demo's simulators). */
  formTargets?: string[];
}

const notFoundPage = (site: Site, lang: Lang) =>
  messagePage(lang, site, {
    title: TEXT[lang].notFound,
    text: TEXT[lang].notFoundText,
    next: TEXT[lang].notFoundNext,
  });

/** The checkout page of a payment, or null when the token names none. */
async function renderCheckout(
  deps: CheckoutDeps,
  token: string,
  lang: 'vi' | 'en' | undefined,
  message?: (t: Texts) => string,
) {
  const { db, providers, site } = deps;
  const payment = await paymentByCheckoutToken(db, token);
  if (!payment) return null;
  const language = lang ?? payment.language;
  const agency = (await agencyById(db, payment.agency_id))!;
  const methods = (await providers.methodsFor(payment.agency_id, payment.amount))
    .filter((m) => !(m.adapter.testOnly && payment.mode === 'live'))
    .map((m) => ({ name: m.adapter.name, label: m.adapter.displayName[language] }));
  const providerNames = Object.fromEntries(methods.map((m) => [m.name, m.label]));
  const paymentAttempts = await attemptsOfPayment(db, payment.id);
  const transfer = await transferViewOf(paymentAttempts.filter((a) => a.status === 'processing').at(-1));
  return checkoutPage({
    payment,
    agency: {
      name: agency.name,
      phone: agency.contact_phone,
      email: agency.contact_email,
      website: agency.contact_website,
      address: agency.address,
    },
    site,
    playCredit: Boolean(deps.playCredit && transfer && payment.mode === 'test'),
    attempts: paymentAttempts,
    transfer,
    methods,
    providerNames,
    lang: language,
    token,
    message: message?.(TEXT[language]),
  });
}

/** Citizens' pages: strict CSP, no third-party anything, no caching, no JavaScript needed. */
export function checkoutRoutes(deps: CheckoutDeps): Router {
  const { attempts, site } = deps;
  const router = Router();
  const pages = Router();
  pages.use(...citizenPageHeaders(deps.formTargets));
  const notFound = (lang: Lang) => notFoundPage(site, lang);
  const render = (token: string, lang: 'vi' | 'en' | undefined, message?: (t: Texts) => string) =>
    renderCheckout(deps, token, lang, message);

  pages.get('/checkout/:token', async (req, res) => {
    const valid = TOKEN.test(req.params.token);
    const lang = valid ? pageLang(req, res, req.params.token) : langOf(req.query.lang, 'vi');
    const page = valid ? await render(req.params.token, lang) : null;
    if (!page) {
      res.clearCookie(LANG_COOKIE, { path: `/checkout/${req.params.token}` });
      res
        .status(404)
        .type('html')
        .send(notFound(lang ?? 'vi'));
      return;
    }
    res.type('html').send(page);
  });

  pages.post(
    '/checkout/:token/attempts',
    express.urlencoded({ extended: false, limit: '2kb' }),
    async (req, res) => {
      const token = req.params.token as string;
      const lang = TOKEN.test(token) ? pageLang(req, res, token) : langOf(req.query.lang, 'vi');
      const method =
        typeof req.body?.method === 'string' && PROVIDER.test(req.body.method) ? req.body.method : '';
      try {
        if (!TOKEN.test(token)) throw new DomainError('checkout_missing', 'No such checkout.');
        const result = await attempts.start(token, method, req.ip ?? '127.0.0.1', { language: lang });
        if (result.kind === 'redirect') {
          res.redirect(303, result.url);
          return;
        }
        res.redirect(303, `/checkout/${token}`);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const refusal = refusalWords(error.code);
        if (!refusal) throw error;
        const page = refusal === 'notFound' ? null : await render(token, lang, (t) => t[refusal]);
        res
          .status(problemOf(error).status)
          .type('html')
          .send(page ?? notFound(lang ?? 'vi'));
      }
    },
  );

  receiptRoutes(pages, deps);
  router.use(pages);
  router.use(
    '/assets',
    express.static(path.join(import.meta.dirname, 'assets'), { index: false, maxAge: '1h' }),
  );

  return router;
}

/** A paid payment's receipt (PDF) and the public check of a receipt by its code. */
function receiptRoutes(pages: Router, deps: CheckoutDeps) {
  const { db, receipts, site } = deps;
  pages.get('/checkout/:token/receipt', async (req, res) => {
    const payment = TOKEN.test(req.params.token)
      ? await paymentByCheckoutToken(db, req.params.token)
      : undefined;
    const pdf = payment ? await receipts.pdf(payment) : null;
    if (!payment || !pdf) {
      res
        .status(404)
        .type('html')
        .send(notFoundPage(site, langOf(req.query.lang, 'vi')));
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
    const switchTo = `/receipts/${encodeURIComponent(req.params.code)}?lang=${lang === 'vi' ? 'en' : 'vi'}`;
    if (!receipt) {
      res
        .status(404)
        .type('html')
        .send(
          messagePage(lang, site, {
            title: TEXT[lang].receiptUnknown,
            text: TEXT[lang].receiptUnknownText,
            switchTo,
          }),
        );
      return;
    }
    res.type('html').send(receiptCheckPage(lang, site, receipt, switchTo));
  });
}

/**
 * A return that does not verify: a clear page in the citizen's language, nothing changed. Which
 * payment it is cannot be trusted, so the language is `?lang=`, else the browser's preference
 * between the two, else Vietnamese.
 */
export function badReturnPage(site: Site): RequestHandler {
  return (req, res) => {
    const lang = langOf(req.query.lang, req.acceptsLanguages('vi', 'en') === 'en' ? 'en' : 'vi');
    res
      .status(400)
      .type('html')
      .send(messagePage(lang, site, { title: TEXT[lang].badReturn, next: TEXT[lang].badReturnNext }));
  };
}
