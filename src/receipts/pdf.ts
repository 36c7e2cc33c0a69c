import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import {
  type ReceiptData,
  type ReceiptField,
  type ReceiptLine,
  receiptHeader,
  receiptLines,
  receiptTitle,
  TEST_MARK,
} from './lines.ts';

// The 14 standard PDF fonts have no Vietnamese glyphs (ế, ữ, ộ…): embed DejaVu Sans.
const FONT_DIR = join(
  dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts() {
  fonts ??= {
    regular: readFileSync(join(FONT_DIR, 'DejaVuSans.ttf')),
    bold: readFileSync(join(FONT_DIR, 'DejaVuSans-Bold.ttf')),
  };
  return fonts;
}

const PAGE = { width: 419.53, height: 595.28 }; // A5 portrait
const MARGIN = 28;
const CONTENT_WIDTH = PAGE.width - 2 * MARGIN;
const LABEL_WIDTH = 118;
const COLUMN_GAP = 10;
const VALUE_X = MARGIN + LABEL_WIDTH + COLUMN_GAP;
const VALUE_WIDTH = PAGE.width - MARGIN - VALUE_X;
const QR_SIZE = 80;
const INK = '#111111';
const MUTED = '#6b6b6b';
const RULE = '#cfcfcf';
const TEST_RED = '#b00020';

type Doc = PDFKit.PDFDocument;
interface Run {
  text: string;
  bold?: boolean;
  size: number;
  color?: string;
}

/** The QR code printed on the receipt, as PNG: it encodes verifyUrl and nothing else. */
export function receiptQrPng(verifyUrl: string): Promise<Buffer> {
  return QRCode.toBuffer(verifyUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 240 });
}

/**
 * The receipt as an A5 PDF, one page. Output is byte-for-byte deterministic for the same input:
 * CreationDate is issuedAt, the trailer /ID is pdfkit's MD5 of the info dictionary, and the font
 * subset tags derive from the font's resource name, not from randomness.
 */
export async function renderReceiptPdf(data: ReceiptData): Promise<Buffer> {
  const lines = receiptLines(data);
  const title = receiptTitle(data);
  const qr = await receiptQrPng(data.verifyUrl);
  const { regular, bold } = loadFonts();

  const doc = new PDFDocument({
    size: 'A5',
    margin: MARGIN,
    autoFirstPage: true,
    info: {
      Title: `${title.vi} ${data.series} ${data.receiptNo}`,
      Author: data.agency.name,
      Subject: data.obligation.description,
      Creator: 'PayHub',
      CreationDate: data.issuedAt,
    },
  });
  doc.registerFont('Regular', regular);
  doc.registerFont('Bold', bold);

  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  if (data.test) drawTestWatermark(doc);
  let y = drawHeader(doc, data, data.test ? drawTestBanner(doc, MARGIN) : MARGIN);
  y = drawTitle(doc, title, y + 14);
  rule(doc, y + 8, INK, 0.8);
  y += 14;

  // Long descriptions or names shrink the body rather than spill onto a second page.
  const room = PAGE.height - MARGIN - y - QR_SIZE - 20;
  let scale = 1;
  while (scale > 0.6 && bodyHeight(doc, lines, scale) > room) scale -= 0.05;
  y = drawBody(doc, lines, y, scale);

  rule(doc, y + 2, INK, 0.8);
  drawVerification(doc, qr, data, y + 10);

  doc.end();
  return done;
}

function setFont(doc: Doc, run: Pick<Run, 'bold' | 'size' | 'color'>): Doc {
  return doc
    .font(run.bold ? 'Bold' : 'Regular')
    .fontSize(run.size)
    .fillColor(run.color ?? INK);
}

function runsWidth(doc: Doc, runs: Run[]): number {
  return runs.reduce((w, r) => w + setFont(doc, r).widthOfString(r.text), 0);
}

/** Runs of different sizes on one shared baseline (pdfkit would align their tops). */
function drawRuns(doc: Doc, runs: Run[], x: number, baseline: number): void {
  let cx = x;
  for (const r of runs) {
    setFont(doc, r).text(r.text, cx, baseline, { baseline: 'alphabetic', lineBreak: false });
    cx += doc.widthOfString(r.text);
  }
}

function fieldRuns(field: ReceiptField): Run[] {
  return [
    { text: field.label.vi, size: 8 },
    { text: ` / ${field.label.en}`, size: 6.5, color: MUTED },
    { text: ': ', size: 8 },
    { text: field.value, size: 8, bold: true },
  ];
}

/** Agency name top-left, "Mẫu số / Ký hiệu / Số" top-right, as Vietnamese receipts print them. */
function drawHeader(doc: Doc, data: ReceiptData, top: number): number {
  const fields = receiptHeader(data);
  const rightWidth = Math.max(...fields.map((f) => runsWidth(doc, fieldRuns(f))));
  const rightX = PAGE.width - MARGIN - rightWidth;
  fields.forEach((f, i) => {
    drawRuns(doc, fieldRuns(f), rightX, top + 8 + i * 12);
  });

  const leftWidth = rightX - MARGIN - 16;
  setFont(doc, { bold: true, size: 9 }).text(data.agency.name.toUpperCase(), MARGIN, top, {
    width: leftWidth,
  });
  return Math.max(doc.y, top + fields.length * 12);
}

function drawTitle(doc: Doc, title: { vi: string; en: string }, top: number): number {
  setFont(doc, { bold: true, size: 13 }).text(title.vi, MARGIN, top, {
    width: CONTENT_WIDTH,
    align: 'center',
  });
  const sub: Run[] = [
    { text: 'Biên lai điện tử', size: 8 },
    { text: ` / ${title.en}`, size: 6.5, color: MUTED },
  ];
  const y = doc.y + 2;
  drawRuns(doc, sub, MARGIN + (CONTENT_WIDTH - runsWidth(doc, sub)) / 2, y + 7);
  return y + 10;
}

function rule(doc: Doc, y: number, color: string, width: number): void {
  doc
    .moveTo(MARGIN, y)
    .lineTo(PAGE.width - MARGIN, y)
    .lineWidth(width)
    .strokeColor(color)
    .stroke();
}

function lineRuns(line: ReceiptLine, scale: number) {
  return {
    vi: { size: 8 * scale },
    en: { size: 6.5 * scale, color: MUTED },
    value: { size: (line.emphasis ? 10 : 8.5) * scale, bold: line.emphasis ?? false },
  };
}

function rowHeight(doc: Doc, line: ReceiptLine, scale: number): number {
  const r = lineRuns(line, scale);
  const label =
    setFont(doc, r.vi).heightOfString(line.label.vi, { width: LABEL_WIDTH }) +
    setFont(doc, r.en).heightOfString(line.label.en, { width: LABEL_WIDTH });
  const value = setFont(doc, r.value).heightOfString(line.value, { width: VALUE_WIDTH });
  return Math.max(label, value) + 5 * scale;
}

function bodyHeight(doc: Doc, lines: ReceiptLine[], scale: number): number {
  return lines.reduce((h, line) => h + rowHeight(doc, line, scale), 0);
}

function drawBody(doc: Doc, lines: ReceiptLine[], top: number, scale: number): number {
  let y = top;
  lines.forEach((line, i) => {
    const r = lineRuns(line, scale);
    const height = rowHeight(doc, line, scale);
    setFont(doc, r.vi).text(line.label.vi, MARGIN, y + 2, { width: LABEL_WIDTH });
    setFont(doc, r.en).text(line.label.en, MARGIN, doc.y, { width: LABEL_WIDTH });
    setFont(doc, r.value).text(line.value, VALUE_X, y + 2, { width: VALUE_WIDTH });
    y += height;
    if (i < lines.length - 1) rule(doc, y, RULE, 0.4);
  });
  return y;
}

function drawVerification(doc: Doc, qr: Buffer, data: ReceiptData, top: number): void {
  doc.image(qr, MARGIN, top, { width: QR_SIZE, height: QR_SIZE });
  const x = MARGIN + QR_SIZE + 12;
  const width = PAGE.width - MARGIN - x;
  setFont(doc, { bold: true, size: 9 }).text('Tra cứu biên lai', x, top + 10, { width });
  setFont(doc, { size: 7, color: MUTED }).text('Verify this receipt', x, doc.y, { width });
  setFont(doc, { size: 7 }).text(data.verifyUrl, x, doc.y + 4, { width });
  if (data.signedBy) {
    setFont(doc, { size: 7 }).text(`Ký số bởi / Digitally signed by: ${data.signedBy}`, x, doc.y + 4, {
      width,
    });
  }
}

/** A red line above everything on a test receipt; returns where the header starts. */
function drawTestBanner(doc: Doc, top: number): number {
  setFont(doc, { bold: true, size: 9, color: TEST_RED }).text(TEST_MARK.vi, MARGIN, top, {
    width: CONTENT_WIDTH,
    align: 'center',
  });
  setFont(doc, { size: 7, color: TEST_RED }).text(TEST_MARK.en, MARGIN, doc.y, {
    width: CONTENT_WIDTH,
    align: 'center',
  });
  return doc.y + 6;
}

/** "TEST" across the page, faint, under the content: a test receipt cannot pass for a real one. */
function drawTestWatermark(doc: Doc): void {
  doc.save();
  doc.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] });
  setFont(doc, { bold: true, size: 120, color: TEST_RED })
    .fillOpacity(0.1)
    .text('TEST', 0, PAGE.height / 2 - 70, { width: PAGE.width, align: 'center', lineBreak: false });
  doc.restore();
  doc.fillOpacity(1);
}
