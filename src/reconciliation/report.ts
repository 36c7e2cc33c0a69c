/**
 * The settlement report: per business day, agency, treasury account and budget codes (Mục lục
 * NSNN), what the providers settled — count, gross, refunds, provider fees and net to remit.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import PDFDocument from 'pdfkit';
import type { Queryable } from '../db/port.ts';
import { formatVnd, money } from '../money.ts';
import type { Scope } from './queries.ts';
import { businessDay } from './rules.ts';

export interface ReportRow {
  business_date: string;
  agency_code: string;
  agency_name: string;
  treasury_code: string;
  treasury_account: string;
  chapter_code: string;
  economic_code: string;
  count: number;
  gross: string;
  refunds: string;
  fees: string;
  net: string;
  /** False when a budget code is missing: the row cannot be remitted and is not in the net total. */
  remittable: boolean;
}

export interface ReportFilter {
  date: string;
  provider?: string;
  mode: 'test' | 'live';
  scope: Scope;
  /** Providers without a settlement file, whose collections come from bank credits (VietQR). */
  bankProviders: readonly string[];
}

/**
 * What settled the hub's money on the day: lines of current runs that settle as the hub expects
 * (matched, no item), settled with another fee, or resolved by finance (confirmed, written off,
 * refunded: the line's money reached the bank); and for bank-transfer providers, which have no
 * settlement file, the transfers that paid a payment that day and the refunds made of them.
 * Payment lines reach their payment through the attempt, refund lines through the hub's refund.
 */
const SETTLED = `
  settled AS (
    SELECT r.provider, l.type, l.amount, l.fee, coalesce(at.payment_id, rf.payment_id) AS payment_id,
           coalesce(at.agency_id, rf.agency_id) AS agency_id, r.business_date
    FROM recon_runs r
    JOIN settlement_lines l ON l.run_id = r.id
    LEFT JOIN recon_items i ON i.run_id = r.id AND i.line_no = l.line_no
    LEFT JOIN attempts at ON l.type = 'payment' AND at.id = l.merchant_reference AND at.provider = r.provider
    LEFT JOIN refunds rf ON l.type = 'refund' AND rf.provider = r.provider
      AND (rf.provider_refund_id = l.provider_transaction_id OR rf.id = l.merchant_reference)
    WHERE r.status = 'completed' AND r.business_date = $1::date AND ($2::text IS NULL OR r.provider = $2)
      AND coalesce(at.mode, rf.mode) = $4
      AND (i.id IS NULL OR i.category = 'fee_mismatch' OR i.resolution = 'confirm_payment')
    UNION ALL
    SELECT a.provider, 'payment', a.amount, 0, a.payment_id, a.agency_id, $1::date
    FROM attempts a
    WHERE a.provider = ANY($5::text[]) AND ($2::text IS NULL OR a.provider = $2) AND a.mode = $4
      AND a.status = 'succeeded' AND NOT a.double_paid AND a.completed_at >= $6 AND a.completed_at < $7
    UNION ALL
    SELECT f.provider, 'refund', f.amount, 0, f.payment_id, f.agency_id, $1::date
    FROM refunds f
    WHERE f.provider = ANY($5::text[]) AND ($2::text IS NULL OR f.provider = $2) AND f.mode = $4
      AND f.kind = 'requested' AND f.status = 'succeeded' AND f.completed_at >= $6 AND f.completed_at < $7
  )`;

const paramsOf = (f: ReportFilter) => {
  const day = businessDay(f.date);
  return [f.date, f.provider ?? null, f.scope, f.mode, [...f.bankProviders], day.start, day.end];
};

export async function settlementReport(q: Queryable, filter: ReportFilter): Promise<ReportRow[]> {
  const { rows } = await q.query<ReportRow>(
    `WITH ${SETTLED}
     SELECT to_char(s.business_date, 'YYYY-MM-DD') AS business_date, a.code AS agency_code, a.name AS agency_name,
            coalesce(p.budget->>'treasury_code', '') AS treasury_code,
            coalesce(p.budget->>'treasury_account', '') AS treasury_account,
            coalesce(p.budget->>'chapter_code', '') AS chapter_code,
            coalesce(p.budget->>'economic_code', '') AS economic_code,
            count(*) FILTER (WHERE s.type = 'payment')::int AS count,
            coalesce(sum(s.amount) FILTER (WHERE s.type = 'payment'), 0)::text AS gross,
            coalesce(sum(s.amount) FILTER (WHERE s.type = 'refund'), 0)::text AS refunds,
            coalesce(sum(s.fee), 0)::text AS fees,
            (coalesce(sum(s.amount) FILTER (WHERE s.type = 'payment'), 0)
             - coalesce(sum(s.amount) FILTER (WHERE s.type = 'refund'), 0)
             - coalesce(sum(s.fee), 0))::text AS net
     FROM settled s
     JOIN payments p ON p.id = s.payment_id
     JOIN agencies a ON a.id = s.agency_id
     WHERE ($3::text[] IS NULL OR s.agency_id = ANY($3::text[]))
     GROUP BY 1, 2, 3, 4, 5, 6, 7
     ORDER BY 2, 5, 4, 6, 7`,
    paramsOf(filter),
  );
  return rows.map((r) => ({
    ...r,
    remittable: [r.treasury_code, r.treasury_account, r.chapter_code, r.economic_code].every((c) => c !== ''),
  }));
}

export interface ProviderTotal {
  provider: string;
  count: number;
  gross: string;
  refunds: string;
  fees: string;
  net: string;
}

export interface OpenBreak {
  source: 'reconciliation' | 'bank_credit';
  id: string;
  provider: string;
  category: string;
  status: string;
  amount: string | null;
  agency_code: string | null;
  run: string | null;
}

export interface UnsettledRefund {
  id: string;
  provider: string;
  kind: string;
  status: string;
  amount: string;
  agency_code: string;
  payment: string;
}

export interface ReportSource {
  kind: 'settlement_run' | 'bank_statement';
  id: string;
  provider: string;
  file_name: string | null;
  sha256: string | null;
}

/** What the report rests on beside its rows: per provider totals, open breaks, unsettled refunds, files. */
export interface ReportContext {
  mode: 'test' | 'live';
  generated_at: string;
  providers: ProviderTotal[];
  open_breaks: OpenBreak[];
  unsettled_refunds: UnsettledRefund[];
  sources: ReportSource[];
}

export async function reportContext(q: Queryable, filter: ReportFilter, now: Date): Promise<ReportContext> {
  const params = paramsOf(filter);
  const day = businessDay(filter.date);
  const dayParams = [filter.date, filter.provider ?? null, filter.scope, filter.mode, day.start, day.end];
  const providers = await q.query<ProviderTotal>(
    `WITH ${SETTLED}
     SELECT s.provider, count(*) FILTER (WHERE s.type = 'payment')::int AS count,
            coalesce(sum(s.amount) FILTER (WHERE s.type = 'payment'), 0)::text AS gross,
            coalesce(sum(s.amount) FILTER (WHERE s.type = 'refund'), 0)::text AS refunds,
            coalesce(sum(s.fee), 0)::text AS fees,
            (coalesce(sum(s.amount) FILTER (WHERE s.type = 'payment'), 0)
             - coalesce(sum(s.amount) FILTER (WHERE s.type = 'refund'), 0) - coalesce(sum(s.fee), 0))::text AS net
     FROM settled s WHERE ($3::text[] IS NULL OR s.agency_id = ANY($3::text[]))
     GROUP BY 1 ORDER BY 1`,
    params,
  );
  const breaks = await q.query<OpenBreak>(
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
    dayParams,
  );
  const refunds = await q.query<UnsettledRefund>(
    `SELECT f.id, f.provider, f.kind, f.status, f.amount::text, ag.code AS agency_code, f.payment_id AS payment
       FROM refunds f JOIN agencies ag ON ag.id = f.agency_id
      WHERE f.status IN ('pending', 'failed') AND f.created_at < $1 AND f.mode = $3
        AND ($4::text IS NULL OR f.provider = $4) AND ($2::text[] IS NULL OR f.agency_id = ANY($2::text[]))
      ORDER BY f.id`,
    [day.end, filter.scope, filter.mode, filter.provider ?? null],
  );
  const sources = await q.query<ReportSource>(
    `SELECT 'settlement_run' AS kind, r.id, r.provider, r.file_name, r.file_sha256 AS sha256
       FROM recon_runs r
      WHERE r.status = 'completed' AND r.business_date = $1::date AND ($2::text IS NULL OR r.provider = $2)
     UNION ALL
     SELECT DISTINCT 'bank_statement', s.id, s.provider, s.file_name, s.sha256
       FROM bank_credits c JOIN bank_statements s ON s.id = c.statement_id
      WHERE c.booked_at >= $5 AND c.booked_at < $6 AND ($2::text IS NULL OR c.provider = $2)
        AND ($3::text[] IS NULL OR c.agency_id = ANY($3::text[])) AND coalesce(c.mode, $4) = $4
       
     ORDER BY 1, 2`,
    dayParams,
  );
  return {
    mode: filter.mode,
    generated_at: now.toISOString(),
    providers: providers.rows,
    open_breaks: breaks.rows,
    unsettled_refunds: refunds.rows,
    sources: sources.rows,
  };
}

/** Totals; `net` is what can be remitted (rows with every budget code), `unremittable` the rest. */
export function totalsOf(rows: readonly ReportRow[]) {
  const sum = (key: 'gross' | 'refunds' | 'fees' | 'net', of = rows) =>
    of.reduce((total, r) => total.plus(r[key]), money(0)).toFixed(0);
  return {
    count: rows.reduce((n, r) => n + r.count, 0),
    gross: sum('gross'),
    refunds: sum('refunds'),
    fees: sum('fees'),
    net: sum(
      'net',
      rows.filter((r) => r.remittable),
    ),
    unremittable: sum(
      'net',
      rows.filter((r) => !r.remittable),
    ),
  };
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

const FONT_DIR = join(
  dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
const loadFonts = () =>
  (fonts ??= {
    regular: readFileSync(join(FONT_DIR, 'DejaVuSans.ttf')),
    bold: readFileSync(join(FONT_DIR, 'DejaVuSans-Bold.ttf')),
  });

/**
 * A4 landscape: the table (rows missing a budget code marked and left out of the net to remit),
 * totals per provider, the day's open breaks and unsettled refunds, the files the report rests
 * on, and the signature blocks; amounts in the Vietnamese format (150.000 ₫).
 */
export function reportPdf(
  rows: readonly ReportRow[],
  meta: { date: string; provider?: string; context: ReportContext },
): Promise<Buffer> {
  const { context } = meta;
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 36,
    info: { Title: `Settlement ${meta.date}` },
  });
  const { regular, bold } = loadFonts();
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  const left = doc.page.margins.left;
  const fullWidth = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const para = (text: string, font: 'regular' | 'bold' = 'regular', size = 9) => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    doc.font(font).fontSize(size).text(text, left, doc.y, { width: fullWidth });
  };

  para('Báo cáo quyết toán / Settlement report', 'bold', 14);
  para(
    `Ngày giao dịch / Business day: ${meta.date} (GMT+7)   ·   Kênh / Provider: ${meta.provider ?? 'tất cả / all'}   ·   ` +
      `Chế độ / Mode: ${context.mode === 'live' ? 'thật / live' : 'THỬ NGHIỆM / TEST'}`,
  );
  para(`Lập lúc / Generated at: ${context.generated_at}`);
  doc.moveDown();
  const columns = [
    {
      title: 'Đơn vị / Agency',
      width: 170,
      value: (r: ReportRow) => `${r.remittable ? '' : '! '}${r.agency_code} ${r.agency_name}`,
    },
    { title: 'KBNN', width: 40, value: (r: ReportRow) => r.treasury_code },
    { title: 'TK', width: 36, value: (r: ReportRow) => r.treasury_account },
    { title: 'Chương', width: 44, value: (r: ReportRow) => r.chapter_code },
    { title: 'Tiểu mục', width: 50, value: (r: ReportRow) => r.economic_code },
    { title: 'Số GD', width: 40, value: (r: ReportRow) => String(r.count), right: true },
    { title: 'Tổng thu / Gross', width: 96, value: (r: ReportRow) => formatVnd(r.gross), right: true },
    { title: 'Hoàn / Refunds', width: 86, value: (r: ReportRow) => formatVnd(r.refunds), right: true },
    { title: 'Phí / Fees', width: 80, value: (r: ReportRow) => formatVnd(r.fees), right: true },
    {
      title: 'Phải nộp / Net',
      width: 96,
      value: (r: ReportRow) => (r.remittable ? formatVnd(r.net) : `(${formatVnd(r.net)})`),
      right: true,
    },
  ];
  const rowLine = (values: string[], font: 'regular' | 'bold') => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    let x = left;
    doc.font(font).fontSize(8);
    columns.forEach((c, i) => {
      doc.text(values[i] ?? '', x, y, {
        width: c.width - 4,
        align: c.right ? 'right' : 'left',
        lineBreak: false,
      });
      x += c.width;
    });
    doc.y = y + 14;
  };
  rowLine(
    columns.map((c) => c.title),
    'bold',
  );
  for (const r of rows)
    rowLine(
      columns.map((c) => c.value(r)),
      'regular',
    );
  const t = totalsOf(rows);
  rowLine(
    [
      'Tổng cộng / Total',
      '',
      '',
      '',
      '',
      String(t.count),
      formatVnd(t.gross),
      formatVnd(t.refunds),
      formatVnd(t.fees),
      formatVnd(t.net),
    ],
    'bold',
  );
  if (rows.some((r) => !r.remittable)) {
    para(
      `! Thiếu mã ngân sách (Mục lục NSNN), không tính vào số phải nộp / Missing budget codes, not counted as remittable: ${formatVnd(t.unremittable)}`,
    );
  }
  doc.moveDown();
  para('Theo kênh thanh toán / By provider', 'bold', 10);
  if (context.providers.length === 0) para('—');
  for (const p of context.providers)
    para(
      `${p.provider}: ${p.count} GD, thu / gross ${formatVnd(p.gross)}, hoàn / refunds ${formatVnd(p.refunds)}, ` +
        `phí / fees ${formatVnd(p.fees)}, còn / net ${formatVnd(p.net)}`,
    );
  doc.moveDown(0.5);
  para(`Chênh lệch chưa xử lý / Open breaks: ${context.open_breaks.length}`, 'bold', 10);
  for (const b of context.open_breaks)
    para(
      `${b.id} · ${b.provider} · ${b.category} · ${b.status} · ${b.amount === null ? '—' : formatVnd(b.amount)} · ${b.agency_code ?? '?'}`,
    );
  doc.moveDown(0.5);
  para(`Hoàn tiền chưa xong / Unsettled refunds: ${context.unsettled_refunds.length}`, 'bold', 10);
  for (const r of context.unsettled_refunds)
    para(
      `${r.id} · ${r.provider} · ${r.kind} · ${r.status} · ${formatVnd(r.amount)} · ${r.agency_code} · ${r.payment}`,
    );
  doc.moveDown(0.5);
  para('Căn cứ / Sources (runs and files)', 'bold', 10);
  if (context.sources.length === 0) para('—');
  for (const src of context.sources)
    para(`${src.kind} ${src.id} · ${src.provider} · ${src.file_name ?? '—'} · sha256 ${src.sha256 ?? '—'}`);

  // Signature blocks: prepared by, chief accountant, head of unit.
  if (doc.y > doc.page.height - 130) doc.addPage();
  doc.moveDown(2);
  const y = doc.y;
  const blocks = [
    ['Người lập', 'Prepared by'],
    ['Kế toán trưởng', 'Chief accountant'],
    ['Thủ trưởng đơn vị', 'Head of unit'],
  ];
  const blockWidth = fullWidth / blocks.length;
  blocks.forEach(([vi, en], i) => {
    const x = left + i * blockWidth;
    doc.font('bold').fontSize(10).text(vi!, x, y, { width: blockWidth, align: 'center' });
    doc
      .font('regular')
      .fontSize(8)
      .text(`${en} — (Ký, ghi rõ họ tên / signature, full name)`, x, y + 14, {
        width: blockWidth,
        align: 'center',
      });
  });
  doc.end();
  return done;
}
