/**
 * The page a bank-transfer attempt shows while the hub waits for the money: a QR any banking app
 * scans, and the same details written out for a manual transfer. The QR is a PNG data: URL (the
 * CSP allows images from data:), black on white, error correction M, a 4-module quiet zone and
 * 8 pixels a module, so a phone reads it off a laptop screen.
 */
import QRCode from 'qrcode';
import type { AttemptRow } from '../payments/model.ts';

export const TRANSFER_VIEW = 'bank_transfer';

export interface TransferView {
  provider: string;
  qrDataUrl: string;
  qrSize: number;
  bankName: string;
  accountNo: string;
  accountName: string;
  amount: string;
  reference: string;
}

const text = (data: Record<string, unknown>, key: string) => (typeof data[key] === 'string' ? data[key] : '');
const QR_OPTIONS = {
  errorCorrectionLevel: 'M',
  margin: 4,
  scale: 8,
  color: { dark: '#000000', light: '#ffffff' },
} as const;

function transferPayload(attempt: AttemptRow | undefined): string | undefined {
  const page = attempt?.checkout_page;
  if (attempt?.status !== 'processing' || !page || page.view !== TRANSFER_VIEW) return undefined;
  return text(page.data, 'qr_payload') || undefined;
}

/** The transfer page of the attempt in flight, when it has one. */
export async function transferViewOf(attempt: AttemptRow | undefined): Promise<TransferView | undefined> {
  const payload = transferPayload(attempt);
  if (!attempt || !payload) return undefined;
  const data = attempt.checkout_page!.data;
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  return {
    provider: attempt.provider,
    qrDataUrl: await QRCode.toDataURL(payload, QR_OPTIONS),
    qrSize: (qr.modules.size + 2 * QR_OPTIONS.margin) * QR_OPTIONS.scale,
    bankName: text(data, 'bank_name'),
    accountNo: text(data, 'account_no'),
    accountName: text(data, 'account_name'),
    amount: text(data, 'amount'),
    reference: text(data, 'transfer_reference'),
  };
}

/** The same QR as a PNG file, for "save QR image" (a banking app scans it from the phone's photos). */
export async function transferQrPng(attempt: AttemptRow | undefined): Promise<Buffer | undefined> {
  const payload = transferPayload(attempt);
  return payload ? QRCode.toBuffer(payload, { ...QR_OPTIONS, type: 'png' }) : undefined;
}
