/**
 * The page a bank-transfer attempt shows while the hub waits for the money: a QR any banking app
 * scans, and the same details written out for a manual transfer. The QR is a PNG data: URL (the
 * CSP allows images from data:), black on white, error correction M, a 4-module quiet zone and
 * 8 pixels a module, so a phone reads it off a laptop screen.
 */
import QRCode from 'qrcode';
import { formatVnd } from '../money.ts';
import type { AttemptRow } from '../payments/model.ts';
import { type Html, html } from './html.ts';
import { type Lang, TEXT } from './i18n.ts';

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

/** The transfer page of the attempt in flight, when it has one. */
export async function transferViewOf(attempt: AttemptRow | undefined): Promise<TransferView | undefined> {
  const page = attempt?.checkout_page;
  if (attempt?.status !== 'processing' || !page || page.view !== TRANSFER_VIEW) return undefined;
  const payload = text(page.data, 'qr_payload');
  if (!payload) return undefined;
  const qr = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const margin = 4;
  const scale = 8;
  return {
    provider: attempt.provider,
    qrDataUrl: await QRCode.toDataURL(payload, {
      errorCorrectionLevel: 'M',
      margin,
      scale,
      color: { dark: '#000000', light: '#ffffff' },
    }),
    qrSize: (qr.modules.size + 2 * margin) * scale,
    bankName: text(page.data, 'bank_name'),
    accountNo: text(page.data, 'account_no'),
    accountName: text(page.data, 'account_name'),
    amount: text(page.data, 'amount'),
    reference: text(page.data, 'transfer_reference'),
  };
}

export function transferSection(lang: Lang, v: TransferView): Html {
  const t = TEXT[lang];
  return html`<section class="transfer" aria-labelledby="transfer-title">
<h2 id="transfer-title">${t.transferTitle}</h2>
<p class="qr"><img src="${v.qrDataUrl}" width="${v.qrSize}" height="${v.qrSize}" alt="${t.transferQrAlt(v.reference)}"></p>
<p>${t.transferManual}</p>
<dl class="transfer-details">
<dt>${t.transferBank}</dt><dd>${v.bankName}</dd>
<dt>${t.transferAccountNo}</dt><dd class="account">${v.accountNo}</dd>
<dt>${t.transferAccountName}</dt><dd>${v.accountName}</dd>
<dt>${t.transferAmount}</dt><dd class="money" data-amount="${v.amount}">${formatVnd(v.amount)}</dd>
<dt>${t.transferReference}</dt><dd><strong class="transfer-reference">${v.reference}</strong></dd>
</dl>
<p class="notice" role="status">${t.transferNote}</p>
</section>`;
}
