/** The provider callback routes: /notify/<provider> (server to server) and /return/<provider> (the browser). */
import express, { type Request, type RequestHandler, Router } from 'express';
import { adapterNamed } from '../../adapters/index.ts';
import type { InboundRequest, ProviderAdapter } from '../../adapters/types.ts';
import { jsonBody } from '../http/text.ts';
import { notify, returned } from './callbacks.ts';
import type { NotificationDeps } from './notifications.ts';

const PROVIDER = /^[a-z0-9_]{1,32}$/;

/** The registered adapter a callback path names, or null. */
function adapterOf(provider: string): ProviderAdapter | null {
  return (PROVIDER.test(provider) && adapterNamed(provider)) || null;
}

export function inbound(req: Request): InboundRequest {
  return {
    method: req.method,
    query: Object.fromEntries(
      Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ),
    body: req.body,
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
    ),
  };
}

/**
 * The callback routes. `badReturn` answers a return that does not verify (a page in the
 * citizen's language, with the checkout pages' headers).
 */
export function callbackRoutes(deps: {
  notifications: NotificationDeps;
  pageHeaders: RequestHandler[];
  badReturn: RequestHandler;
}): Router {
  const router = Router();
  router.get('/return/:provider', ...deps.pageHeaders, async (req, res, next) => {
    const adapter = adapterOf(req.params.provider as string);
    const location = adapter ? await returned(deps.notifications, adapter, inbound(req)) : null;
    if (!location) return deps.badReturn(req, res, next);
    res.redirect(303, location);
  });
  // Server to server: JSON or form bodies, answered in the provider's own format.
  router.all(
    '/notify/:provider',
    ...jsonBody({ limit: '64kb' }),
    express.urlencoded({ extended: false, limit: '64kb' }),
    async (req, res) => {
      const adapter = adapterOf(req.params.provider as string);
      if (!adapter || (req.method !== 'GET' && req.method !== 'POST')) {
        res.status(404).end();
        return;
      }
      const reply = await notify(deps.notifications, adapter, inbound(req));
      res.status(reply.status).set(reply.headers ?? {});
      if (reply.body === undefined) res.end();
      else res.send(reply.body);
    },
  );
  return router;
}
