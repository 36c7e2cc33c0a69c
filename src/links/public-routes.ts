import path from 'node:path';
import express, { type Request, type Response, Router } from 'express';
import helmet from 'helmet';
import { findAgencyByCode } from '../agencies/service.ts';
import { activeItems } from '../catalog/service.ts';
import type { Db } from '../db/port.ts';
import type { CitizenService } from './citizen.ts';
import { LinkRefused } from './model.ts';
import { agencyPage, linkPage, messagePage } from './pages.tsx';
import { publicLinksOf } from './queries.ts';
import { tokenFor } from './token.ts';
import { langOf, WORDS } from './words.ts';

/** The same strict policy as the checkout: no script at all, styles from the hub only. */
export const citizenCsp = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
});

const REFUSAL_STATUS = {
  tampered: 404,
  unknown: 404,
  wrong_agency: 404,
  expired: 410,
  deactivated: 410,
  item_inactive: 410,
  already_paid: 409,
  reference_in_use: 409,
} as const;

function refuse(res: Response, req: Request, error: unknown) {
  if (!(error instanceof LinkRefused)) throw error;
  const lang = langOf(req.query.lang);
  const w = WORDS[lang];
  res
    .status(REFUSAL_STATUS[error.reason])
    .type('html')
    .send(messagePage(lang, req.path, w.linkTitle, w.refusals[error.reason]));
}

/** `/l/:token` and `/pay/:agency_code`: citizens' pages, no JavaScript, nothing cached. */
export function linkPublicRoutes(deps: { db: Db; citizen: CitizenService; secretKey: string }): Router {
  const { db, citizen } = deps;
  const router = Router();
  router.use(
    '/links/assets',
    express.static(path.join(import.meta.dirname, 'assets'), { index: false, maxAge: '1h' }),
  );
  const pages = Router();
  pages.use(citizenCsp, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  pages.get('/l/:token', async (req, res) => {
    const lang = langOf(req.query.lang);
    try {
      const opened = await citizen.open(req.params.token);
      res.type('html').send(linkPage(lang, req.params.token, opened));
    } catch (error) {
      refuse(res, req, error);
    }
  });

  pages.post('/l/:token', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const lang = langOf(req.query.lang);
    const token = req.params.token as string;
    const form = (req.body ?? {}) as Record<string, unknown>;
    const typed = {
      reference: typeof form.reference === 'string' ? form.reference : undefined,
      name: typeof form.name === 'string' ? form.name : undefined,
      amount: typeof form.amount === 'string' ? form.amount : undefined,
    };
    try {
      const done = await citizen.pay(token, typed, lang, {
        ip: req.ip ?? null,
        requestId: typeof req.id === 'string' ? req.id : null,
      });
      if ('checkoutUrl' in done) {
        res.redirect(303, lang === 'en' ? `${done.checkoutUrl}?lang=en` : done.checkoutUrl);
        return;
      }
      // The form again, with its errors: an answer to the citizen, not a failed request (as the console's).
      res.type('html').send(linkPage(lang, token, done.opened, typed, done.problems));
    } catch (error) {
      refuse(res, req, error);
    }
  });

  pages.get('/l/:token/done', (req, res) => {
    const lang = langOf(req.query.lang);
    const w = WORDS[lang];
    res.type('html').send(messagePage(lang, req.path, w.doneTitle, w.done));
  });

  pages.get('/pay/:agency_code', async (req, res) => {
    const lang = langOf(req.query.lang);
    const agency = await findAgencyByCode(db, req.params.agency_code);
    if (!agency) {
      const w = WORDS[lang];
      res
        .status(404)
        .type('html')
        .send(messagePage(lang, req.path, w.linkTitle, w.unknownAgency));
      return;
    }
    const search = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
    const items = await activeItems(db, agency.id, search);
    const links = await publicLinksOf(
      db,
      agency.id,
      items.map((i) => i.id),
    );
    const listed = items.map((item) => {
      const nonce = links.get(item.id);
      return { item, url: nonce ? `/l/${tokenFor(deps.secretKey, nonce)}` : null };
    });
    res.type('html').send(agencyPage(lang, agency, search, listed));
  });

  router.use(pages);
  return router;
}
