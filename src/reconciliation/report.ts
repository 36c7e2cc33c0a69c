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
}

/**
 * Lines of current runs that settle hub money: matched (no item), settled with another fee, or
 * confirmed by finance. Payment lines reach their payment through the attempt, refund lines
 * through the hub's refund.
 */
export async function settlementReport(
  q: Queryable,
  filter: { date: string; provider?: string; scope: Scope },
): Promise<ReportRow[]> {
  const { rows } = await q.query<ReportRow>(
    `WITH settled AS (
       SELECT l.type, l.amount, l.fee, coalesce(at.payment_id, rf.payment_id) AS payment_id,
              coalesce(at.agency_id, rf.agency_id) AS agency_id, r.business_date
       FROM recon_runs r
       JOIN settlement_lines l ON l.run_id = r.id
       LEFT JOIN recon_items i ON i.run_id = r.id AND i.line_no = l.line_no
       LEFT JOIN attempts at ON l.type = 'payment' AND at.id = l.merchant_reference AND at.provider = r.provider
       LEFT JOIN refunds rf ON l.type = 'refund' AND rf.provider = r.provider
         AND (rf.provider_refund_id = l.provider_transaction_id OR rf.id = l.merchant_reference)
       WHERE r.status = 'completed' AND r.business_date = $1::date AND ($2::text IS NULL OR r.provider = $2)
         AND (i.id IS NULL OR i.category = 'fee_mismatch' OR i.resolution = 'confirm_payment')
     )
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
    [filter.date, filter.provider ?? null, filter.scope],
  );
  return rows;
}

export function totalsOf(rows: readonly ReportRow[]) {
  const sum = (key: 'gross' | 'refunds' | 'fees' | 'net') =>
    rows.reduce((total, r) => total.plus(r[key]), money(0)).toFixed(0);
  return {
    count: rows.reduce((n, r) => n + r.count, 0),
    gross: sum('gross'),
    refunds: sum('refunds'),
    fees: sum('fees'),
    net: sum('net'),
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
] as const;

export function reportCsv(rows: readonly ReportRow[]): string {
  // A BOM, so spreadsheet programs read the Vietnamese agency names as UTF-8.
  return `\uFEFF${stringify(rows as ReportRow[], { header: true, columns: [...CSV_COLUMNS] })}`;
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

/** A4 landscape table; amounts in the Vietnamese format (150.000 ₫). */
export function reportPdf(
  rows: readonly ReportRow[],
  meta: { date: string; provider?: string },
): Promise<Buffer> {
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

  doc.font('bold').fontSize(14).text('Báo cáo quyết toán / Settlement report');
  doc
    .font('regular')
    .fontSize(9)
    .text(
      `Ngày giao dịch / Business day: ${meta.date} (GMT+7)   ·   Kênh / Provider: ${meta.provider ?? 'tất cả / all'}`,
    );
  doc.moveDown();
  const columns = [
    { title: 'Đơn vị / Agency', width: 170, value: (r: ReportRow) => `${r.agency_code} ${r.agency_name}` },
    { title: 'KBNN', width: 40, value: (r: ReportRow) => r.treasury_code },
    { title: 'TK', width: 36, value: (r: ReportRow) => r.treasury_account },
    { title: 'Chương', width: 44, value: (r: ReportRow) => r.chapter_code },
    { title: 'Tiểu mục', width: 50, value: (r: ReportRow) => r.economic_code },
    { title: 'Số GD', width: 40, value: (r: ReportRow) => String(r.count), right: true },
    { title: 'Tổng thu / Gross', width: 96, value: (r: ReportRow) => formatVnd(r.gross), right: true },
    { title: 'Hoàn / Refunds', width: 86, value: (r: ReportRow) => formatVnd(r.refunds), right: true },
    { title: 'Phí / Fees', width: 80, value: (r: ReportRow) => formatVnd(r.fees), right: true },
    { title: 'Phải nộp / Net', width: 96, value: (r: ReportRow) => formatVnd(r.net), right: true },
  ];
  const rowLine = (values: string[], font: 'regular' | 'bold') => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    let x = doc.page.margins.left;
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
  doc.end();
  return done;
}
