import path from 'node:path';
import express, { Router } from 'express';
import helmet from 'helmet';
import { agencyRoutes } from './admin-agencies.tsx';
import { userRoutes } from './admin-users.tsx';
import { auditRoutes } from './audit.tsx';
import { bankCreditRoutes } from './bank-credits.tsx';
import { catalogConsoleRoutes } from './catalog.tsx';
import { type ConsoleDeps, consoleLanguage } from './context.ts';
import { dashboardRoutes } from './dashboard.tsx';
import { consoleErrors, consoleNotFound } from './errors.tsx';
import { linksConsoleRoutes } from './links.tsx';
import { linksBulkConsoleRoutes } from './links-bulk.tsx';
import { loginRoutes } from './login.tsx';
import { multipartForms } from './multipart.ts';
import { paymentRoutes } from './payments.tsx';
import { reconciliationRoutes } from './reconciliation.tsx';
import { refundRoutes } from './refunds.tsx';
import { reportRoutes } from './reports.tsx';
import { requireSession } from './session.ts';

export type { ConsoleDeps } from './context.ts';

/**
 * `/console`: server-rendered pages for staff over the same services as `/admin/v1`. Each page
 * family is its own module returning a Router; add one with one line below the session guard.
 */
export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.use(
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    }),
  );
  router.use(consoleLanguage(deps.secureCookies));
  router.use(
    '/assets',
    express.static(path.join(import.meta.dirname, 'assets'), { index: false, maxAge: '1h' }),
  );
  router.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }));
  router.use(multipartForms);
  router.use(loginRoutes(deps));

  router.use(requireSession(deps));
  router.use(dashboardRoutes(deps));
  router.use(paymentRoutes(deps));
  router.use(auditRoutes(deps));
  router.use(reconciliationRoutes(deps));
  router.use(bankCreditRoutes(deps));
  router.use(reportRoutes(deps));
  router.use(refundRoutes(deps));
  router.use(catalogConsoleRoutes(deps));
  router.use(linksBulkConsoleRoutes(deps));
  router.use(linksConsoleRoutes(deps));
  router.use(agencyRoutes(deps));
  router.use(userRoutes(deps));

  router.use(consoleNotFound);
  router.use(consoleErrors);
  return router;
}
