import express, { Router } from 'express';
import { staffOf } from '../admin/staff.ts';
import { catalogProblem, signedInStaff } from '../catalog/routes.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError } from '../http/problem.ts';
import { BulkRefused } from './bulk.ts';
import type { LinkCreate, LinksService } from './service.ts';
import { paymentLinkJson } from './view.ts';

/** `/admin/v1/payment_links`: staff read their scope's links; finance and admin make and deactivate them. */
export function linkAdminRoutes(links: LinksService): Router {
  const router = Router();
  router.use('/admin/v1/payment_links', signedInStaff);
  const json = (row: Parameters<typeof paymentLinkJson>[0]) =>
    paymentLinkJson(row, links.urlOf(row), links.now());

  router.get('/admin/v1/payment_links', validateRequest('listPaymentLinks'), async (_req, res) => {
    const query = res.locals.query as { limit?: number; starting_after?: string };
    const limit = query.limit ?? 20;
    const rows = await links.list(staffOf(res.locals), { after: query.starting_after, limit });
    res.json({ object: 'list', data: rows.slice(0, limit).map(json), has_more: rows.length > limit });
  });

  router.post('/admin/v1/payment_links', validateRequest('createPaymentLink'), async (req, res) => {
    const made = await links.create(staffOf(res.locals), req.body as LinkCreate).catch(catalogProblem);
    res.status(201).json({ ...json(made.row), qr_png: made.qrPng.toString('base64') });
  });

  router.post(
    '/admin/v1/payment_links/bulk',
    validateRequest('createPaymentLinksInBulk'),
    express.text({ type: 'text/csv', limit: '10mb' }),
    async (req, res) => {
      if (!req.is('text/csv') || typeof req.body !== 'string')
        throw new ApiError(
          415,
          'unsupported_media_type',
          'Unsupported media type',
          'Send the file as text/csv.',
        );
      const query = res.locals.query as { catalog_item: string; expires_at?: string; mode?: 'test' | 'live' };
      try {
        const csv = await links.bulk(
          staffOf(res.locals),
          { catalogItem: query.catalog_item, expiresAt: query.expires_at, mode: query.mode },
          req.body,
        );
        res.status(201).type('text/csv; charset=utf-8').send(csv);
      } catch (error) {
        if (!(error instanceof BulkRefused)) catalogProblem(error);
        throw new ApiError(
          422,
          'bulk_csv_invalid',
          'Invalid rows',
          error.message,
          error.rows.slice(0, 100).map((r) => ({ field: `row ${r.row}: ${r.field}`, message: r.message })),
          { rows: error.rows },
        );
      }
    },
  );

  router.post(
    '/admin/v1/payment_links/:id/deactivate',
    validateRequest('deactivatePaymentLink'),
    async (req, res) => {
      const row = await links.deactivate(staffOf(res.locals), req.params.id as string).catch(catalogProblem);
      res.json(json(row));
    },
  );

  return router;
}
