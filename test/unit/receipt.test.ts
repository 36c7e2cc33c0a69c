import QRCode from 'qrcode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  obligationTypeName,
  type ReceiptData,
  type ReceiptLine,
  type ReceiptLineKey,
  receiptHeader,
  receiptLines,
  receiptQrPng,
  receiptTitle,
  renderReceiptPdf,
} from '../../src/receipts/receipt.ts';
import { pdfText } from '../helpers/pdf.ts';

const VERIFY_URL = 'https://payhub.example.gov.vn/receipts/verify/AB-26E-0000127?c=9f2c41d7';

const fine: ReceiptData = {
  receiptNo: '0000127',
  series: 'AB-26E',
  formSymbol: '01BLP0-001',
  issuedAt: new Date('2026-03-05T02:41:09Z'),
  agency: {
    name: 'Phòng Cảnh sát giao thông - Công an tỉnh Bắc Ninh',
    code: '1054321',
    taxCode: '2300123456',
  },
  payer: { name: 'Nguyễn Thị Ánh Tuyết', idNumber: '001190012345' },
  obligation: {
    type: 'fine',
    description: 'Không chấp hành hiệu lệnh của đèn tín hiệu giao thông',
    fineDecisionNo: '0123/QĐ-XPHC',
  },
  budget: { treasury_code: '2711', treasury_account: '7111', chapter_code: '418', economic_code: '4261' },
  amount: '4020000',
  principal: '4000000',
  latePenalty: '20000',
  lateDays: 10,
  provider: 'VNPAY',
  providerTransactionId: '14422574',
  paymentId: 'pay_01JNQ5V7Z8X9K2M3N4P5Q6R7S8',
  reference: 'HS-2026-000481',
  verifyUrl: VERIFY_URL,
  language: 'vi',
};

const charge: ReceiptData = {
  ...fine,
  issuedAt: new Date('2026-12-31T17:30:00Z'),
  payer: null,
  obligation: { type: 'charge', description: 'Lệ phí cấp giấy phép lái xe', catalogCode: '2.000488' },
  budget: null,
  amount: '135000',
  principal: '135000',
  latePenalty: '0',
  lateDays: 0,
};

function line(lines: ReceiptLine[], key: ReceiptLineKey): ReceiptLine | undefined {
  return lines.find((l) => l.key === key);
}

function shown(lines: ReceiptLine[], key: ReceiptLineKey): string | undefined {
  return line(lines, key)?.value;
}

describe('receipt lines', () => {
  it('itemises a late fine: principal, penalty with days and rate, total and the total in words', () => {
    const lines = receiptLines(fine);
    expect(lines.map((l) => l.key)).toEqual([
      'agency',
      'agencyCode',
      'agencyTaxCode',
      'payer',
      'payerId',
      'obligationType',
      'description',
      'fineDecisionNo',
      'budget',
      'principal',
      'latePenalty',
      'amount',
      'amountInWords',
      'provider',
      'providerTransactionId',
      'paymentId',
      'reference',
      'issuedAt',
    ]);
    expect(shown(lines, 'obligationType')).toBe('Tiền phạt vi phạm hành chính');
    expect(shown(lines, 'principal')).toBe('4.000.000 ₫');
    expect(shown(lines, 'latePenalty')).toBe('20.000 ₫ (10 ngày × 0,05%/ngày)');
    expect(line(lines, 'amount')).toMatchObject({ value: '4.020.000 ₫', emphasis: true });
    expect(shown(lines, 'amountInWords')).toBe('Bốn triệu không trăm hai mươi nghìn đồng');
    expect(shown(lines, 'fineDecisionNo')).toBe('0123/QĐ-XPHC');
    expect(shown(lines, 'budget')).toBe('KBNN 2711 · TK 7111 · Chương 418 · Tiểu mục 4261');
    expect(shown(lines, 'issuedAt')).toBe('05/03/2026 09:41');
  });

  it('labels every line in Vietnamese first, then English', () => {
    const lines = receiptLines(fine);
    expect(line(lines, 'agency')?.label).toEqual({ vi: 'Đơn vị thu', en: 'Collecting agency' });
    expect(line(lines, 'amountInWords')?.label).toEqual({ vi: 'Bằng chữ', en: 'In words' });
    for (const l of lines) {
      expect(l.label.vi.length).toBeGreaterThan(0);
      expect(l.label.en).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('a charge on time without a payer: dash for the payer, one amount, no penalty lines', () => {
    const lines = receiptLines(charge);
    expect(shown(lines, 'payer')).toBe('—');
    expect(line(lines, 'payerId')).toBeUndefined();
    expect(line(lines, 'principal')).toBeUndefined();
    expect(line(lines, 'latePenalty')).toBeUndefined();
    expect(line(lines, 'budget')).toBeUndefined();
    expect(line(lines, 'fineDecisionNo')).toBeUndefined();
    expect(shown(lines, 'obligationType')).toBe('Lệ phí');
    expect(shown(lines, 'catalogCode')).toBe('2.000488');
    expect(shown(lines, 'amount')).toBe('135.000 ₫');
    expect(shown(lines, 'amountInWords')).toBe('Một trăm ba mươi lăm nghìn đồng');
  });

  it('dates the receipt in Vietnam time, even across midnight UTC', () => {
    // 17:30 UTC on 31 Dec is 00:30 on 1 Jan in Hanoi.
    expect(shown(receiptLines(charge), 'issuedAt')).toBe('01/01/2027 00:30');
  });

  it('applies the tax rate to a late tax', () => {
    const tax = { ...fine, obligation: { type: 'tax', description: 'Thuế sử dụng đất phi nông nghiệp' } };
    const lines = receiptLines({ ...tax, amount: '2006000', principal: '2000000', latePenalty: '6000' });
    expect(shown(lines, 'latePenalty')).toBe('6.000 ₫ (10 ngày × 0,03%/ngày)');
  });

  it('names every obligation type in Vietnamese', () => {
    const names = ['fee', 'charge', 'tax', 'fine', 'insurance', 'other', 'unknown'].map(
      (t) => obligationTypeName(t).vi,
    );
    expect(names).toEqual([
      'Phí',
      'Lệ phí',
      'Thuế',
      'Tiền phạt vi phạm hành chính',
      'Bảo hiểm (BHXH/BHYT)',
      'Khoản thu khác',
      'Khoản thu khác',
    ]);
  });

  it('adds the English type name for English-speaking payers', () => {
    const lines = receiptLines({ ...charge, language: 'en' });
    expect(shown(lines, 'obligationType')).toBe('Lệ phí (Charge)');
    expect(shown(lines, 'amountInWords')).toBe('Một trăm ba mươi lăm nghìn đồng');
  });

  it('refuses a receipt whose figures do not add up', () => {
    expect(() => receiptLines({ ...fine, latePenalty: '20001' })).toThrow(/≠/);
  });

  it('titles fee and charge receipts as the decree names them, and a fine as a fine receipt', () => {
    expect(receiptTitle(charge).vi).toBe('BIÊN LAI THU TIỀN PHÍ, LỆ PHÍ');
    expect(receiptTitle({ obligation: { type: 'fee', description: '' } }).vi).toBe(
      'BIÊN LAI THU TIỀN PHÍ, LỆ PHÍ',
    );
    expect(receiptTitle(fine).vi).toBe('BIÊN LAI THU TIỀN PHẠT');
    expect(receiptTitle({ obligation: { type: 'tax', description: '' } }).vi).toBe('BIÊN LAI THU');
  });

  it('prints form symbol, series and number in that order', () => {
    expect(receiptHeader(fine).map((f) => [f.label.vi, f.value])).toEqual([
      ['Mẫu số', '01BLP0-001'],
      ['Ký hiệu', 'AB-26E'],
      ['Số', '0000127'],
    ]);
  });
});

describe('receipt QR code', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is a PNG of the verification URL, and nothing else', async () => {
    const png = await receiptQrPng(VERIFY_URL);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([240, 240]);
    // No QR decoder is installed, so check what the encoder was given rather than decoding pixels.
    const segments = QRCode.create(VERIFY_URL, { errorCorrectionLevel: 'M' }).segments;
    expect(Buffer.concat(segments.map((s) => Buffer.from(s.data as Uint8Array))).toString()).toBe(VERIFY_URL);
  });

  it('the PDF gets its QR code from the receipt verifyUrl', async () => {
    const toBuffer = vi.spyOn(QRCode, 'toBuffer');
    await renderReceiptPdf(fine);
    expect(toBuffer).toHaveBeenCalledTimes(1);
    expect(toBuffer.mock.calls[0]?.[0]).toBe(VERIFY_URL);
  });
});

describe('receipt PDF', () => {
  const pageCount = (pdf: string) => (pdf.match(/\/Type \/Page\b/g) ?? []).length;

  it('is a one-page A5 PDF with DejaVu embedded, the QR image and the issue date as creation date', async () => {
    const buffer = await renderReceiptPdf(fine);
    expect(Buffer.isBuffer(buffer)).toBe(true);
    const pdf = buffer.toString('latin1');
    // What a reader sees: the receipt's number, series, payer, what was paid and the amount.
    const text = pdfText(buffer);
    for (const shown of [
      '0000127',
      'AB-26E',
      '01BLP0-001',
      'Nguyễn Thị Ánh Tuyết',
      '0123/QĐ-XPHC',
      '4.020.000',
    ])
      expect(text).toContain(shown);
    expect(pageCount(pdf)).toBe(1);
    expect(pdf).toContain('/MediaBox [0 0 419.53 595.28]');
    expect(pdf).toContain('/FontFile2');
    expect(pdf).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans\b/);
    expect(pdf).toMatch(/\/FontName \/[A-Z]{6}\+DejaVuSans-Bold\b/);
    expect(pdf).toContain('/Subtype /Image');
    expect(pdf).toContain('(D:20260305024109Z)'); // the info dictionary's CreationDate
    expect(buffer.length).toBeGreaterThan(10_000);
    expect(buffer.length).toBeLessThan(200_000);
  });

  it('is byte-for-byte the same when rendered twice', async () => {
    const [a, b] = await Promise.all([renderReceiptPdf(fine), renderReceiptPdf(fine)]);
    expect(a.equals(b)).toBe(true);
  });

  it('stays on one page with the longest description and names the API allows', async () => {
    const long: ReceiptData = {
      ...fine,
      agency: {
        ...fine.agency,
        name: 'Ủy ban nhân dân phường Hoàn Kiếm, thành phố Hà Nội — Bộ phận một cửa '.repeat(2),
      },
      payer: { name: 'Nguyễn Thị Ánh Tuyết '.repeat(10).slice(0, 200) },
      obligation: {
        ...fine.obligation,
        description: 'Vượt đèn đỏ tại ngã tư Lý Thái Tổ. '.repeat(20).slice(0, 500),
      },
    };
    expect(pageCount((await renderReceiptPdf(long)).toString('latin1'))).toBe(1);
  });
});
