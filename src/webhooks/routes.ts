import { Router } from 'express';
import type { Db } from '../db/port.ts';
import { principalOf } from '../http/auth.ts';
import { runIdempotent } from '../http/idempotency.ts';
import { validateRequest } from '../http/openapi.ts';
import type { WebhooksService } from './service.ts';

interface Page {
  limit?: number;
  starting_after?: string;
}

export function webhookRoutes(db: Db, webhooks: WebhooksService): Router {
  const router = Router();

  router.post('/v1/webhook_endpoints', validateRequest('createWebhookEndpoint'), async (req, res) => {
    const principal = principalOf(res.locals);
    await runIdempotent(db, req, res, principal, (remember) =>
      webhooks.createEndpoint(principal, req.body as { url: string; events?: string[] }, remember),
    );
  });

  router.post(
    '/v1/webhook_endpoints/:id/rotate_secret',
    validateRequest('rotateWebhookSecret'),
    async (req, res) => {
      const principal = principalOf(res.locals);
      const overlap = (req.body as { expires_in?: number } | undefined)?.expires_in ?? 86_400;
      await runIdempotent(db, req, res, principal, (remember) =>
        webhooks.rotateSecret(principal, req.params.id as string, overlap, remember),
      );
    },
  );

  router.get('/v1/webhook_endpoints', validateRequest('listWebhookEndpoints'), async (_req, res) => {
    res.json(await webhooks.listEndpoints(principalOf(res.locals)));
  });

  router.get('/v1/webhook_endpoints/:id', validateRequest('getWebhookEndpoint'), async (req, res) => {
    res.json(await webhooks.getEndpoint(principalOf(res.locals), req.params.id as string));
  });

  router.delete('/v1/webhook_endpoints/:id', validateRequest('deleteWebhookEndpoint'), async (req, res) => {
    const principal = principalOf(res.locals);
    await runIdempotent(db, req, res, principal, (remember) =>
      webhooks.deleteEndpoint(principal, req.params.id as string, remember),
    );
  });

  router.get(
    '/v1/webhook_endpoints/:id/deliveries',
    validateRequest('listWebhookDeliveries'),
    async (req, res) => {
      const page = res.locals.query as Page;
      res.json(
        await webhooks.deliveries(principalOf(res.locals), req.params.id as string, {
          ...page,
          limit: page.limit ?? 10,
        }),
      );
    },
  );

  router.post('/v1/events/:id/redeliver', validateRequest('redeliverEvent'), async (req, res) => {
    const principal = principalOf(res.locals);
    const endpoint = (req.body as { endpoint?: string } | undefined)?.endpoint ?? null;
    await runIdempotent(db, req, res, principal, async (remember) => {
      const response = {
        status: 200,
        body: await webhooks.redeliver(principal, req.params.id as string, endpoint),
      };
      await remember(db, response);
      return response;
    });
  });

  return router;
}
