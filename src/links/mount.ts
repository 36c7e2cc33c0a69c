import { Router } from 'express';
import { catalogAdminRoutes } from '../catalog/routes.ts';
import type { Db } from '../db/port.ts';
import type { PaymentsService } from '../payments/service.ts';
import { statsRoutes } from '../stats/routes.tsx';
import { citizenService } from './citizen.ts';
import { linkPublicRoutes } from './public-routes.ts';
import { linkAdminRoutes } from './routes.ts';
import type { LinksService } from './service.ts';

export interface LinksMountDeps {
  db: Db;
  payments: PaymentsService;
  links: LinksService;
  secretKey: string;
}

/**
 * The catalogue, payment links, their public pages and the open statistics. Mounted after the admin API, whose
 * `/admin/v1` session and CSRF check these staff routes rely on.
 */
export function linksRoutes(deps: LinksMountDeps): Router {
  const { links } = deps;
  const linkDeps = links.deps;
  const citizen = citizenService({ ...linkDeps, payments: deps.payments });
  const router = Router();
  router.use(catalogAdminRoutes(deps.db));
  router.use(linkAdminRoutes(links));
  router.use(linkPublicRoutes({ db: deps.db, citizen, secretKey: deps.secretKey }));
  router.use(statsRoutes({ db: deps.db, now: linkDeps.now }));
  return router;
}
