import { type RequestHandler, Router } from 'express';
import { staffOf } from '../admin/staff.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problemOf, problems } from '../http/problem.ts';
import * as catalog from './service.ts';
import { catalogItemJson } from './view.ts';

/** A refused catalogue or link change, as problem+json with each field named (its code is the console's). */
export function catalogProblem(error: unknown): never {
  if (!(error instanceof DomainError)) throw error;
  const fields = error.fields?.map(({ field, message }) => ({ field, message }));
  throw problemOf(new DomainError(error.code, error.detail, fields, error.extensions));
}

/**
 * Staff routes mounted after the admin API, whose `/admin/v1` session and CSRF check has set
 * res.locals.staff; without it (mounted elsewhere by mistake) every request is refused.
 */
export const signedInStaff: RequestHandler = (_req, res, next) => {
  if (!res.locals.staff)
    throw new ApiError(401, 'authentication_required', 'Authentication required', 'Sign in first.');
  next();
};

export const CATALOG_ID = /^cat_[0-9A-Z]{26}$/;

/** `/admin/v1/catalog_items`: every staff role reads its scope; admins create and update. */
export function catalogAdminRoutes(db: Db): Router {
  const router = Router();
  router.use('/admin/v1/catalog_items', signedInStaff);

  router.get('/admin/v1/catalog_items', validateRequest('listCatalogItems'), async (_req, res) => {
    const query = res.locals.query as { limit?: number; starting_after?: string };
    const limit = query.limit ?? 20;
    const rows = await catalog.listItems(db, staffOf(res.locals), { after: query.starting_after, limit });
    res.json({
      object: 'list',
      data: rows.slice(0, limit).map(catalogItemJson),
      has_more: rows.length > limit,
    });
  });

  router.post('/admin/v1/catalog_items', validateRequest('createCatalogItem'), async (req, res) => {
    const row = await catalog.createItem(db, staffOf(res.locals), req.body).catch(catalogProblem);
    res.status(201).json(catalogItemJson(row));
  });

  router.get('/admin/v1/catalog_items/:id', validateRequest('getCatalogItem'), async (req, res) => {
    const row = await catalog.itemInScope(db, staffOf(res.locals), req.params.id as string);
    if (!row) throw problems.notFound('catalog item', req.params.id as string);
    res.json(catalogItemJson(row));
  });

  router.post('/admin/v1/catalog_items/:id', validateRequest('updateCatalogItem'), async (req, res) => {
    const row = await catalog
      .updateItem(db, staffOf(res.locals), req.params.id as string, req.body)
      .catch(catalogProblem);
    res.json(catalogItemJson(row));
  });

  return router;
}
