import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { allAdapters } from '../adapters/index.ts';
import { adminRoutes } from './admin/routes.ts';
import { auditApiWrites } from './audit/http.ts';
import { bankRoutes } from './bank/routes.ts';
import { citizenPageHeaders } from './checkout/csp.ts';
import { infoRoutes } from './checkout/info-routes.ts';
import { badReturnPage, checkoutRoutes } from './checkout/routes.ts';
import { checkoutStatusRoutes } from './checkout/status.ts';
import { testCreditRoutes } from './checkout/test-credit.ts';
import type { Site } from './checkout/views/layout.tsx';
import { consoleRoutes } from './console/routes.ts';
import type { Db } from './db/port.ts';
import { eventRoutes } from './events/routes.ts';
import { apiKeyAuth } from './http/auth.ts';
import { createMetrics, requestLogging } from './http/observability.ts';
import { openapiFor } from './http/openapi.ts';
import { notFoundHandler, problemHandler } from './http/problem.ts';
import { rateLimits } from './http/rate-limit.ts';
import { jsonBody } from './http/text.ts';
import { ledgerRoutes } from './ledger/routes.ts';
import { linksRoutes } from './links/mount.ts';
import { callbackRoutes } from './payments/callback-routes.ts';
import { paymentRoutes } from './payments/routes.ts';
import { testModeRoutes } from './payments/test-mode-routes.ts';
import { refundRoutes } from './refunds/routes.ts';
import { createServices, type Services, type ServicesOptions } from './services.ts';
import { webhookRoutes } from './webhooks/routes.ts';

/** The domain services' wiring lives in services.ts; callers may take it from here too. */
export { createServices, type Services } from './services.ts';

export interface AppOptions extends ServicesOptions {
  logger: Logger;
  rateLimit: number;
  /** PAYHUB_TRUST_PROXY: which proxies' X-Forwarded-For gives req.ip (rate limits, audit). Default: none. */
  trustProxy?: boolean | number | string;
  /** Who runs the hub, for the citizens' pages' footer (config.site); default "PayHub". */
  site?: Site;
  /** The embedded demo: a test payment's bank-transfer page can play the bank's credit. */
  playBankCredit?: boolean;
  /** Origins besides https: the checkout may send a citizen to (the demo's http simulators). */
  formTargets?: string[];
}

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PayHub API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.yaml', dom_id: '#docs', deepLinking: true });`;

/** Health, readiness, metrics and the API's own documentation: for operators, outside /v1. */
function operationalRoutes(
  app: Express,
  db: Db,
  metrics: ReturnType<typeof createMetrics>,
  publicUrl: string,
) {
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.query('SELECT 1');
      res.json({ status: 'ok', database: db.kind });
    } catch {
      res.status(503).json({ status: 'unavailable', database: db.kind });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // "Try it out" in /docs calls the hub that served it, whatever its port or host.
  const servedOpenapi = openapiFor(publicUrl);
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(servedOpenapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_HTML);
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(DOCS_INIT);
  });
  app.use('/docs/assets', express.static(swaggerUiDir, { index: false }));
}

/** Builds the Express app from its parts; no side effects until it is listened on. */
export function createApp(options: AppOptions, services: Services = createServices(options)): Express {
  const { db, logger } = options;
  const { payments, attempts, providers, receipts } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', options.trustProxy ?? false);
  app.use(helmet());
  app.use(requestLogging(logger));
  const metrics = createMetrics();
  app.use(metrics.middleware);

  const site = options.site ?? { operator: 'PayHub' };
  app.use(infoRoutes(site));
  operationalRoutes(app, db, metrics, options.publicUrl);

  const limits = rateLimits(options.rateLimit);
  app.use(
    '/v1',
    limits.perIp,
    ...jsonBody({ limit: '100kb', type: ['application/json', 'application/*+json'] }),
    auditApiWrites(db, logger),
    apiKeyAuth(db),
    limits.perKey,
  );
  // The API's routes are looked at only for /v1/ paths: a provider's notification or a checkout
  // page does not walk past each of them first.
  const api = express.Router();
  api.use(paymentRoutes(db, payments, receipts));
  api.use(refundRoutes(db, services.refunds));
  api.use(ledgerRoutes(services.ledger));
  api.use(webhookRoutes(db, services.webhooks));
  api.use(eventRoutes(db));
  api.use(testModeRoutes({ db, payments, attempts, providers }));
  app.use((req, res, next) => (req.path.startsWith('/v1/') ? api(req, res, next) : next()));
  app.use(
    '/console',
    consoleRoutes({
      db,
      services,
      secretKey: options.secretKey,
      secureCookies: options.publicUrl.startsWith('https:'),
      publicUrl: options.publicUrl,
      now: options.now,
    }),
  );
  app.use(bankRoutes(services.bank));
  app.use(
    checkoutRoutes({
      db,
      attempts,
      providers,
      receipts,
      site,
      playCredit: options.playBankCredit,
      formTargets: options.formTargets,
    }),
  );
  app.use(checkoutStatusRoutes(db));
  if (options.playBankCredit) app.use(testCreditRoutes({ db, providers, bank: services.bank }));
  app.use(
    callbackRoutes({
      notifications: attempts.notifications,
      pageHeaders: citizenPageHeaders(options.formTargets),
      badReturn: badReturnPage(site),
    }),
  );
  for (const adapter of allAdapters()) if (adapter.routes) app.use(adapter.routes(attempts.host));

  app.use(
    adminRoutes({
      db,
      attempts,
      recon: services.recon,
      bank: services.bank,
      secretKey: options.secretKey,
      secureCookies: options.publicUrl.startsWith('https:'),
    }),
  );

  app.use(linksRoutes({ db, payments, links: services.links, secretKey: options.secretKey }));

  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
