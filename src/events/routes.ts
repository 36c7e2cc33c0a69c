import { Router } from 'express';
import type { Db } from '../db/port.ts';
import { principalOf } from '../http/auth.ts';
import { validateRequest } from '../http/openapi.ts';
import { problems } from '../http/problem.ts';
import { eventById, listEvents } from './queries.ts';
import { eventJson } from './view.ts';

const EVENT_ID = /^evt_[0-9A-Z]{26}$/;

/** Every event the agency's webhooks carry, for polling and catching up after an outage. */
export function eventRoutes(db: Db): Router {
  const router = Router();

  router.get('/v1/events', validateRequest('listEvents'), async (_req, res) => {
    const principal = principalOf(res.locals);
    const query = res.locals.query as { limit?: number; starting_after?: string; type?: string };
    if (query.starting_after !== undefined && !EVENT_ID.test(query.starting_after)) {
      throw problems.invalidRequest([{ field: 'starting_after', message: 'must be an event id' }]);
    }
    const limit = query.limit ?? 10;
    const { rows } = await listEvents(db, principal.agencyId, principal.mode, { ...query, limit });
    res.json({ object: 'list', data: rows.slice(0, limit).map(eventJson), has_more: rows.length > limit });
  });

  router.get('/v1/events/:id', validateRequest('getEvent'), async (req, res) => {
    const principal = principalOf(res.locals);
    const id = req.params.id as string;
    const row = (await eventById(db, principal.agencyId, principal.mode, id)).rows[0];
    if (!row) throw problems.notFound('event', id);
    res.json(eventJson(row));
  });

  return router;
}
