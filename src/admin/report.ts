/**
 * The settlement report (DESIGN.md § Ledger and reconciliation) for staff: per day, agency,
 * treasury account and budget codes, within the staff member's scope. `/admin/v1/reports/settlement`
 * and `/console/reports` both call these, so the page, the CSV and the PDF are one report.
 */
import { bankAdapters } from '../bank/service.ts';
import type { Db } from '../db/port.ts';
import { toJsonAmount } from '../money.ts';
import {
  reportCsv,
  reportPdf,
  settlementReport,
  settlementReportWithContext,
  totalsOf,
} from '../reconciliation/report.ts';
import type { Staff } from './staff.ts';

export interface ReportQuery {
  business_date: string;
  provider?: string;
  mode?: 'test' | 'live';
}

function filterOf(staff: Staff, query: ReportQuery) {
  return {
    date: query.business_date,
    provider: query.provider,
    mode: query.mode ?? 'live',
    scope: staff.scope,
    bankProviders: bankAdapters().map((a) => a.name),
  };
}

/** The download's file name, without extension: `settlement-2026-03-01[-vnpay]`. */
export const reportName = (query: ReportQuery) =>
  `settlement-${query.business_date}${query.provider ? `-${query.provider}` : ''}`;

export async function settlementReportCsv(db: Db, staff: Staff, query: ReportQuery): Promise<string> {
  return reportCsv(await settlementReport(db, filterOf(staff, query)));
}

export async function settlementReportPdf(db: Db, staff: Staff, query: ReportQuery, now = new Date()) {
  const { rows, context } = await settlementReportWithContext(db, filterOf(staff, query), now);
  return reportPdf(rows, { date: query.business_date, provider: query.provider, context });
}

/** The report as the API's JSON (amounts as integers of đồng). */
export async function settlementReportJson(db: Db, staff: Staff, query: ReportQuery, now = new Date()) {
  const { rows, context } = await settlementReportWithContext(db, filterOf(staff, query), now);
  const totals = totalsOf(rows);
  const amount = toJsonAmount;
  const nullable = (v: string | null) => (v === null ? null : amount(v));
  return {
    object: 'settlement_report' as const,
    business_date: query.business_date,
    provider: query.provider ?? null,
    mode: context.mode,
    generated_at: context.generated_at,
    rows: rows.map((r) => ({
      ...r,
      gross: amount(r.gross),
      refunds: amount(r.refunds),
      fees: amount(r.fees),
      net: amount(r.net),
    })),
    totals: {
      count: totals.count,
      gross: amount(totals.gross),
      refunds: amount(totals.refunds),
      fees: amount(totals.fees),
      net: amount(totals.net),
      unremittable: amount(totals.unremittable),
    },
    providers: context.providers.map((p) => ({
      ...p,
      gross: amount(p.gross),
      refunds: amount(p.refunds),
      fees: amount(p.fees),
      net: amount(p.net),
    })),
    open_breaks: context.open_breaks.map((b) => ({ ...b, amount: nullable(b.amount) })),
    unsettled_refunds: context.unsettled_refunds.map((r) => ({ ...r, amount: amount(r.amount) })),
    sources: context.sources,
  };
}

export type SettlementReportJson = Awaited<ReturnType<typeof settlementReportJson>>;
