/**
 * The settlement report: per business day, agency, treasury account and budget codes (Mục lục
 * NSNN), what the providers settled — count, gross, refunds, provider fees and net to remit.
 */
import { stringify } from 'csv-stringify/sync';
import type { Queryable } from '../db/port.ts';
import type {
  OpenBreak,
  ProviderTotal,
  ReportContext,
  ReportFilter,
  ReportRow,
  ReportSource,
  UnsettledRefund,
} from './report-model.ts';
import { businessDay } from './rules.ts';

export type {
  OpenBreak,
  ProviderTotal,
  ReportContext,
  ReportFilter,
  ReportRow,
  ReportSource,
  UnsettledRefund,
} from './report-model.ts';
export { totalsOf } from './report-model.ts';
export { reportPdf } from './report-pdf.ts';

/** Lines of the day's runs that count as settled: matched (no item), settled with another fee, or confirmed. */
const LINE_SETTLED = `(i.id IS NULL OR i.category = 'fee_mismatch' OR i.resolution = 'confirm_payment')`;

/**
 * What settled the hub's money on the day: lines of current runs that settle as the hub expects
 * (matched, no item), settled with another fee, or resolved by finance (confirmed, written off,
 * refunded: the line's money reached the bank); and for bank-transfer providers, which have no
 * settlement file, the transfers that paid a payment that day and the refunds made of them.
 * Payment lines reach their payment through the attempt, refund lines through the hub's refund.
 *
 * A day is a few runs' lines among all the history's: they are found by the runs' ids ($8, known
 * before), and each payment line's attempt by its key, so neither plan hashes a whole table.
 */
const SETTLED = `
  settled AS (
    SELECT r.provider, 'payment' AS type, l.amount, l.fee, at.payment_id, at.agency_id
    FROM settlement_lines l
    JOIN recon_runs r ON r.id = l.run_id
    LEFT JOIN recon_items i ON i.run_id = l.run_id AND i.line_no = l.line_no
    JOIN LATERAL (SELECT a.payment_id, a.agency_id FROM attempts a
                   WHERE a.id = l.merchant_reference AND a.provider = r.provider AND a.mode = $4 LIMIT 1) at ON true
    WHERE l.run_id = ANY($8::text[]) AND l.type = 'payment' AND ${LINE_SETTLED}
    UNION ALL
    SELECT r.provider, 'refund', l.amount, l.fee, rf.payment_id, rf.agency_id
    FROM settlement_lines l
    JOIN recon_runs r ON r.id = l.run_id
    LEFT JOIN recon_items i ON i.run_id = l.run_id AND i.line_no = l.line_no
    JOIN refunds rf ON rf.provider = r.provider AND rf.mode = $4
      AND (rf.provider_refund_id = l.provider_transaction_id OR rf.id = l.merchant_reference)
    WHERE l.run_id = ANY($8::text[]) AND l.type = 'refund' AND ${LINE_SETTLED}
    UNION ALL
    SELECT a.provider, 'payment', a.amount, 0, a.payment_id, a.agency_id
    FROM attempts a
    WHERE a.provider = ANY($5::text[]) AND ($2::text IS NULL OR a.provider = $2) AND a.mode = $4
      AND a.status = 'succeeded' AND NOT a.double_paid AND a.completed_at >= $6 AND a.completed_at < $7
    UNION ALL
    SELECT f.provider, 'refund', f.amount, 0, f.payment_id, f.agency_id
    FROM refunds f
    WHERE f.provider = ANY($5::text[]) AND ($2::text IS NULL OR f.provider = $2) AND f.mode = $4
      AND f.kind = 'requested' AND f.status = 'succeeded' AND f.completed_at >= $6 AND f.completed_at < $7
  )`;

const SUMS = `count(*) FILTER (WHERE s.type = 'payment')::int AS count,
  coalesce(sum(s.amount) FILTER (WHERE s.type = 'payment'), 0) AS gross,
  coalesce(sum(s.amount) FILTER (WHERE s.type = 'refund'), 0) AS refunds,
  coalesce(sum(s.fee), 0) AS fees`;

/**
 * One pass over the day's settled money, grouped twice: per agency and budget codes (the rows),
 * and per provider (the context's totals). Every settled line or transfer has a payment (an
 * attempt's and a refund's are foreign keys), so joining payments for the codes drops none.
 */
const TOTALS = `WITH ${SETTLED},
  totals AS (
    SELECT grouping(s.provider) = 1 AS is_row, s.provider, s.agency_id,
           coalesce(p.budget->>'treasury_code', '') AS treasury_code,
           coalesce(p.budget->>'treasury_account', '') AS treasury_account,
           coalesce(p.budget->>'chapter_code', '') AS chapter_code,
           coalesce(p.budget->>'economic_code', '') AS economic_code,
           ${SUMS}
    FROM settled s JOIN payments p ON p.id = s.payment_id
    WHERE ($3::text[] IS NULL OR s.agency_id = ANY($3::text[]))
    GROUP BY GROUPING SETS ((s.provider), (s.agency_id, 4, 5, 6, 7))
  )
  SELECT t.is_row, t.provider, to_char($1::date, 'YYYY-MM-DD') AS business_date,
         a.code AS agency_code, a.name AS agency_name,
         t.treasury_code, t.treasury_account, t.chapter_code, t.economic_code, t.count,
         t.gross::text AS gross, t.refunds::text AS refunds, t.fees::text AS fees,
         (t.gross - t.refunds - t.fees)::text AS net
  FROM totals t LEFT JOIN agencies a ON a.id = t.agency_id
  ORDER BY t.is_row, t.provider, a.code, t.treasury_account, t.treasury_code, t.chapter_code, t.economic_code`;

type TotalsRow = Omit<ReportRow, 'remittable'> & { is_row: boolean; provider: string };

interface RunOfDay {
  id: string;
  provider: string;
  file_name: string | null;
  sha256: string | null;
}

/** The day's current runs (of the provider, if one is asked for), in id order. */
async function runsOfDay(q: Queryable, filter: ReportFilter): Promise<RunOfDay[]> {
  const { rows } = await q.query<RunOfDay>(
    `SELECT id, provider, file_name, file_sha256 AS sha256 FROM recon_runs
      WHERE status = 'completed' AND business_date = $1::date AND ($2::text IS NULL OR provider = $2)
      ORDER BY id`,
    [filter.date, filter.provider ?? null],
  );
  return rows;
}

async function totalsOfDay(q: Queryable, filter: ReportFilter, runs: readonly RunOfDay[]) {
  const day = businessDay(filter.date);
  const { rows } = await q.query<TotalsRow>(TOTALS, [
    filter.date,
    filter.provider ?? null,
    filter.scope,
    filter.mode,
    [...filter.bankProviders],
    day.start,
    day.end,
    runs.map((r) => r.id),
  ]);
  const reportRows: ReportRow[] = [];
  const providers: ProviderTotal[] = [];
  for (const { is_row, provider, ...r } of rows) {
    if (is_row) reportRows.push({ ...r, remittable: remittable(r) });
    else
      providers.push({
        provider,
        count: r.count,
        gross: r.gross,
        refunds: r.refunds,
        fees: r.fees,
        net: r.net,
      });
  }
  return { rows: reportRows, providers };
}

const remittable = (
  r: Pick<ReportRow, 'treasury_code' | 'treasury_account' | 'chapter_code' | 'economic_code'>,
) => [r.treasury_code, r.treasury_account, r.chapter_code, r.economic_code].every((c) => c !== '');

export async function settlementReport(q: Queryable, filter: ReportFilter): Promise<ReportRow[]> {
  return (await totalsOfDay(q, filter, await runsOfDay(q, filter))).rows;
}

/** The day's open breaks: reconciliation items of current runs, and bank credits left unexplained. */
async function openBreaks(q: Queryable, filter: ReportFilter): Promise<OpenBreak[]> {
  const day = businessDay(filter.date);
  const { rows } = await q.query<OpenBreak>(
    `SELECT 'reconciliation' AS source, 'ri_' || i.id AS id, i.provider, i.category, i.status,
            coalesce(i.line_amount, i.hub_amount)::text AS amount, ag.code AS agency_code, i.run_id AS run
       FROM recon_items i JOIN recon_runs r ON r.id = i.run_id AND r.status = 'completed'
       LEFT JOIN agencies ag ON ag.id = i.agency_id
       LEFT JOIN attempts at ON at.id = i.attempt_id
       LEFT JOIN refunds rf ON rf.id = i.refund_id
      WHERE i.business_date = $1::date AND i.status IN ('open', 'carried') AND ($2::text IS NULL OR i.provider = $2)
        AND ($3::text[] IS NULL OR i.agency_id = ANY($3::text[]))
        AND coalesce(at.mode, rf.mode, $4) = $4
     UNION ALL
     SELECT 'bank_credit', c.id, c.provider, c.status, 'open', c.amount::text, ag.code, NULL
       FROM bank_credits c JOIN agencies ag ON ag.id = c.agency_id
      WHERE c.status IN ('unmatched', 'amount_mismatch', 'late', 'duplicate') AND c.booked_at >= $5 AND c.booked_at < $6
        AND ($2::text IS NULL OR c.provider = $2) AND ($3::text[] IS NULL OR c.agency_id = ANY($3::text[]))
        AND coalesce(c.mode, $4) = $4
     ORDER BY 1, 2`,
    [filter.date, filter.provider ?? null, filter.scope, filter.mode, day.start, day.end],
  );
  return rows;
}

/** Refunds still pending or failed at the day's end: money the agencies may yet owe back. */
async function unsettledRefunds(q: Queryable, filter: ReportFilter): Promise<UnsettledRefund[]> {
  const { rows } = await q.query<UnsettledRefund>(
    `SELECT f.id, f.provider, f.kind, f.status, f.amount::text, ag.code AS agency_code, f.payment_id AS payment
       FROM refunds f JOIN agencies ag ON ag.id = f.agency_id
      WHERE f.status IN ('pending', 'failed') AND f.created_at < $1 AND f.mode = $3
        AND ($4::text IS NULL OR f.provider = $4) AND ($2::text[] IS NULL OR f.agency_id = ANY($2::text[]))
      ORDER BY f.id`,
    [businessDay(filter.date).end, filter.scope, filter.mode, filter.provider ?? null],
  );
  return rows;
}

/** The files the report rests on: bank statements of the day's credits, then the day's runs (by id). */
async function sourcesOf(
  q: Queryable,
  filter: ReportFilter,
  runs: readonly RunOfDay[],
): Promise<ReportSource[]> {
  const day = businessDay(filter.date);
  const { rows } = await q.query<ReportSource>(
    `SELECT DISTINCT 'bank_statement' AS kind, s.id, s.provider, s.file_name, s.sha256
       FROM bank_credits c JOIN bank_statements s ON s.id = c.statement_id
      WHERE c.booked_at >= $1 AND c.booked_at < $2 AND ($3::text IS NULL OR c.provider = $3)
        AND ($4::text[] IS NULL OR c.agency_id = ANY($4::text[])) AND coalesce(c.mode, $5) = $5
      ORDER BY 2`,
    [day.start, day.end, filter.provider ?? null, filter.scope, filter.mode],
  );
  return [...rows, ...runs.map((r) => ({ kind: 'settlement_run' as const, ...r }))];
}

/** The report's rows and its context, the day's settled money read once for both. */
export async function settlementReportWithContext(
  q: Queryable,
  filter: ReportFilter,
  now: Date,
): Promise<{ rows: ReportRow[]; context: ReportContext }> {
  const runs = await runsOfDay(q, filter);
  const { rows, providers } = await totalsOfDay(q, filter, runs);
  const context: ReportContext = {
    mode: filter.mode,
    generated_at: now.toISOString(),
    providers,
    open_breaks: await openBreaks(q, filter),
    unsettled_refunds: await unsettledRefunds(q, filter),
    sources: await sourcesOf(q, filter, runs),
  };
  return { rows, context };
}

export async function reportContext(q: Queryable, filter: ReportFilter, now: Date): Promise<ReportContext> {
  return (await settlementReportWithContext(q, filter, now)).context;
}

const CSV_COLUMNS = [
  'business_date',
  'agency_code',
  'agency_name',
  'treasury_code',
  'treasury_account',
  'chapter_code',
  'economic_code',
  'count',
  'gross',
  'refunds',
  'fees',
  'net',
  'remittable',
] as const;

export function reportCsv(rows: readonly ReportRow[]): string {
  // A BOM, so spreadsheet programs read the Vietnamese agency names as UTF-8.
  return `\uFEFF${stringify(rows as ReportRow[], {
    header: true,
    columns: [...CSV_COLUMNS],
    cast: { boolean: (b) => (b ? 'yes' : 'no') },
  })}`;
}
