import { Router } from 'express';
import { type ConsoleDeps, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { WORDS } from './i18n.ts';
import { ConsolePage } from './layout.tsx';

/** `/console`: the day and the last 30 days at a glance. */
export function dashboardRoutes(_deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    const view = viewOf(res);
    const t = WORDS[view.lang];
    sendPage(
      res,
      <ConsolePage view={view} title={t.pages.dashboard} nav="dashboard">
        <p>{t.none}</p>
      </ConsolePage>,
    );
  });
  return router;
}
