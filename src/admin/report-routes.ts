import { Router } from 'express';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import {
  type ReportQuery,
  reportName,
  settlementReportCsv,
  settlementReportJson,
  settlementReportPdf,
} from './report.ts';
import { staffOf } from './staff.ts';

/** `GET /admin/v1/reports/settlement` as JSON, CSV or PDF. */
export function reportRoutes(db: Db): Router {
  const router = Router();
  router.get('/admin/v1/reports/settlement', validateRequest('getSettlementReport'), async (_req, res) => {
    const query = res.locals.query as ReportQuery & { format?: 'json' | 'csv' | 'pdf' };
    const staff = staffOf(res.locals);
    if (query.format === 'csv') {
      res
        .attachment(`${reportName(query)}.csv`)
        .type('text/csv; charset=utf-8')
        .send(await settlementReportCsv(db, staff, query));
    } else if (query.format === 'pdf') {
      res
        .attachment(`${reportName(query)}.pdf`)
        .type('application/pdf')
        .send(await settlementReportPdf(db, staff, query));
    } else {
      res.json(await settlementReportJson(db, staff, query));
    }
  });
  return router;
}
