import { Router } from 'express';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import type { Action } from '../reconciliation/rules.ts';
import { writer } from './http.ts';
import {
  itemFor,
  listItemsFor,
  listRunsFor,
  type ReconOps,
  type RunQuery,
  resolveItem,
  runFor,
  runLinesFor,
  uploadSettlement,
} from './reconciliation.ts';
import { staffOf } from './staff.ts';

/** `/admin/v1/reconciliation/…`: runs, their lines and items, uploads and resolutions. */
export function reconciliationRoutes(ops: ReconOps): Router {
  const router = Router();
  runRoutes(router, ops);
  itemRoutes(router, ops);
  return router;
}

function runRoutes(router: Router, ops: ReconOps) {
  router.get(
    '/admin/v1/reconciliation/runs',
    validateRequest('listReconciliationRuns'),
    async (_req, res) => {
      const page = await listRunsFor(ops, staffOf(res.locals), res.locals.query as RunQuery);
      res.json({ object: 'list', data: page.data, has_more: page.hasMore });
    },
  );

  router.get(
    '/admin/v1/reconciliation/runs/:id',
    validateRequest('getReconciliationRun'),
    async (req, res) => {
      res.json(await runFor(ops, staffOf(res.locals), req.params.id as string));
    },
  );

  router.get(
    '/admin/v1/reconciliation/runs/:id/lines',
    validateRequest('listReconciliationRunLines'),
    async (req, res) => {
      const page = await runLinesFor(
        ops,
        staffOf(res.locals),
        req.params.id as string,
        res.locals.query as Parameters<typeof runLinesFor>[3],
      );
      res.json({ object: 'list', data: page.data, has_more: page.hasMore });
    },
  );

  router.post(
    '/admin/v1/reconciliation/runs',
    writer,
    validateRequest('createReconciliationRun'),
    async (req, res) => {
      const staff = staffOf(res.locals);
      if (staff.scope !== null)
        throw problems.forbidden('Only hub-wide finance staff can reconcile a provider file.');
      // CSV from the providers; a bank's camt.053 statement (VietQR) as XML.
      if (!req.is(['text/csv', 'application/xml', 'text/xml'])) throw problems.unsupportedMediaType();
      const query = res.locals.query as { provider: string; business_date: string; file_name?: string };
      const result = await uploadSettlement(ops, staff, {
        provider: query.provider,
        date: query.business_date,
        input: req,
        fileName: query.file_name,
      });
      if (result.rejected) {
        const r = result.rejection;
        throw new ApiError(422, 'settlement_file_rejected', 'Settlement file rejected', r.detail, undefined, {
          run: result.runId,
          reason: r.code,
          ...(r.line ? { line: r.line } : {}),
        });
      }
      res.status(result.idempotent ? 200 : 201).json(result.run);
    },
  );
}

function itemRoutes(router: Router, ops: ReconOps) {
  router.get(
    '/admin/v1/reconciliation/items',
    validateRequest('listReconciliationItems'),
    async (_req, res) => {
      const query = res.locals.query as {
        run?: string;
        category?: string;
        status?: string;
        provider?: string;
        business_date?: string;
        limit?: number;
        starting_after?: string;
      };
      const page = await listItemsFor(ops, staffOf(res.locals), {
        runId: query.run,
        category: query.category,
        status: query.status,
        provider: query.provider,
        date: query.business_date,
        limit: query.limit,
        startingAfter: query.starting_after,
      });
      res.json({ object: 'list', data: page.data, has_more: page.hasMore });
    },
  );

  router.get(
    '/admin/v1/reconciliation/items/:id',
    validateRequest('getReconciliationItem'),
    async (req, res) => {
      res.json(await itemFor(ops, staffOf(res.locals), req.params.id as string));
    },
  );

  router.post(
    '/admin/v1/reconciliation/items/:id/actions',
    writer,
    validateRequest('createReconciliationAction'),
    async (req, res) => {
      const body = req.body as { action: Action; note: string; days?: number };
      const done = await resolveItem(ops, staffOf(res.locals), { id: req.params.id as string, ...body });
      res.status(201).json(done);
    },
  );
}
