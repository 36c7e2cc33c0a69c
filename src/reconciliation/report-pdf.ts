/** The settlement report as an A4 landscape PDF, to print, sign and file with the treasury. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { formatVnd } from '../money.ts';
import { type ReportContext, type ReportRow, totalsOf } from './report-model.ts';

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

type Font = 'regular' | 'bold';

interface Column {
  title: string;
  width: number;
  value: (r: ReportRow) => string;
  right?: boolean;
}

const COLUMNS: Column[] = [
  {
    title: 'Đơn vị / Agency',
    width: 170,
    value: (r) => `${r.remittable ? '' : '! '}${r.agency_code} ${r.agency_name}`,
  },
  { title: 'KBNN', width: 40, value: (r) => r.treasury_code },
  { title: 'TK', width: 36, value: (r) => r.treasury_account },
  { title: 'Chương', width: 44, value: (r) => r.chapter_code },
  { title: 'Tiểu mục', width: 50, value: (r) => r.economic_code },
  { title: 'Số GD', width: 40, value: (r) => String(r.count), right: true },
  { title: 'Tổng thu / Gross', width: 96, value: (r) => formatVnd(r.gross), right: true },
  { title: 'Hoàn / Refunds', width: 86, value: (r) => formatVnd(r.refunds), right: true },
  { title: 'Phí / Fees', width: 80, value: (r) => formatVnd(r.fees), right: true },
  {
    title: 'Phải nộp / Net',
    width: 96,
    value: (r) => (r.remittable ? formatVnd(r.net) : `(${formatVnd(r.net)})`),
    right: true,
  },
];

/** The document being written, with its two ways of writing: a paragraph, and a table line. */
interface Page {
  doc: PDFKit.PDFDocument;
  left: number;
  fullWidth: number;
  para: (text: string, font?: Font, size?: number) => void;
  rowLine: (values: string[], font: Font) => void;
}

function pageOf(doc: PDFKit.PDFDocument): Page {
  const left = doc.page.margins.left;
  const fullWidth = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const para = (text: string, font: Font = 'regular', size = 9) => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    doc.font(font).fontSize(size).text(text, left, doc.y, { width: fullWidth });
  };
  const rowLine = (values: string[], font: Font) => {
    if (doc.y > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    let x = left;
    doc.font(font).fontSize(8);
    COLUMNS.forEach((c, i) => {
      doc.text(values[i] ?? '', x, y, {
        width: c.width - 4,
        align: c.right ? 'right' : 'left',
        lineBreak: false,
      });
      x += c.width;
    });
    doc.y = y + 14;
  };
  return { doc, left, fullWidth, para, rowLine };
}

function writeHeading(page: Page, meta: { date: string; provider?: string; context: ReportContext }) {
  const { para } = page;
  para('Báo cáo quyết toán / Settlement report', 'bold', 14);
  para(
    `Ngày giao dịch / Business day: ${meta.date} (GMT+7)   ·   Kênh / Provider: ${meta.provider ?? 'tất cả / all'}   ·   ` +
      `Chế độ / Mode: ${meta.context.mode === 'live' ? 'thật / live' : 'THỬ NGHIỆM / TEST'}`,
  );
  para(`Lập lúc / Generated at: ${meta.context.generated_at}`);
  page.doc.moveDown();
}

/** The rows, rows missing a budget code marked and left out of the net to remit, and the totals. */
function writeTable(page: Page, rows: readonly ReportRow[]) {
  const { rowLine } = page;
  rowLine(
    COLUMNS.map((c) => c.title),
    'bold',
  );
  for (const r of rows)
    rowLine(
      COLUMNS.map((c) => c.value(r)),
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
    page.para(
      `! Thiếu mã ngân sách (Mục lục NSNN), không tính vào số phải nộp / Missing budget codes, not counted as remittable: ${formatVnd(t.unremittable)}`,
    );
  }
  page.doc.moveDown();
}

/** Totals per provider, the day's open breaks and unsettled refunds, the files the report rests on. */
function writeContext(page: Page, context: ReportContext) {
  const { doc, para } = page;
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
}

/** Signature blocks: prepared by, chief accountant, head of unit. */
function writeSignatures(page: Page) {
  const { doc, left, fullWidth } = page;
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
}

/**
 * A4 landscape: the table, totals per provider, the day's open breaks and unsettled refunds, the
 * files the report rests on, and the signature blocks; amounts in the Vietnamese format (150.000 ₫).
 */
export function reportPdf(
  rows: readonly ReportRow[],
  meta: { date: string; provider?: string; context: ReportContext },
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
  const page = pageOf(doc);
  writeHeading(page, meta);
  writeTable(page, rows);
  writeContext(page, meta.context);
  writeSignatures(page);
  doc.end();
  return done;
}
