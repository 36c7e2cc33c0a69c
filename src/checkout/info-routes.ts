import { Router } from 'express';
import { citizenPageHeaders } from './csp.ts';
import { langOf } from './i18n.ts';
import { homePage, statementPage } from './views/info.tsx';
import type { Site } from './views/layout.tsx';

/** The home page (where the demo's return lands) and the statements every footer links to. */
export function infoRoutes(site: Site): Router {
  const router = Router();
  const headers = citizenPageHeaders();
  router.get('/', ...headers, (req, res) => {
    res.type('html').send(homePage(langOf(req.query.lang, 'vi'), site));
  });
  router.get('/privacy', ...headers, (req, res) => {
    res.type('html').send(statementPage(langOf(req.query.lang, 'vi'), site, 'privacy'));
  });
  router.get('/accessibility', ...headers, (req, res) => {
    res.type('html').send(statementPage(langOf(req.query.lang, 'vi'), site, 'accessibility'));
  });
  return router;
}
