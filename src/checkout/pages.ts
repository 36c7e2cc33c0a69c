import { formatVnd } from '../money.ts';
import type { AttemptRow, PaymentRow } from '../payments/model.ts';
import { LATE_RATE_PER_DAY } from '../payments/penalty.ts';
import { receiptState } from '../receipts/service.ts';
import { type Html, html } from './html.ts';
import { type Lang, TEXT } from './i18n.ts';
import { type TransferView, transferSection } from './transfer.ts';

const timeFormat = (lang: Lang) =>
  new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });

export function layout(
  lang: Lang,
  title: string,
  body: Html,
  options: { switchTo?: string; refresh?: number } = {},
) {
  const t = TEXT[lang];
  return html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refresh ? html`<meta http-equiv="refresh" content="${options.refresh}">` : ''}
<title>${title} — ${t.portal}</title>
<link rel="stylesheet" href="/assets/checkout.css"></head>
<body><header><span>${t.portal}</span>${options.switchTo ? html`<a href="${options.switchTo}" lang="${lang === 'vi' ? 'en' : 'vi'}">${t.switchLang}</a>` : ''}</header>
<main id="main">${body}</main></body></html>`.value;
}

export interface CheckoutView {
  payment: PaymentRow;
  agencyName: string;
  attempts: AttemptRow[];
  methods: { name: string; label: string }[];
  providerNames: Record<string, string>;
  lang: Lang;
  message?: string;
  token: string;
  /** The bank-transfer page of the attempt in flight, if it has one. */
  transfer?: TransferView;
}

function summary(v: CheckoutView): Html {
  const t = TEXT[v.lang];
  const p = v.payment;
  const fine = p.obligation.fine as { decision_no?: string } | undefined;
  const rateKind = p.obligation.fine ? 'fine' : p.obligation.tax ? 'tax' : null;
  const ratePercent = rateKind
    ? (Number(LATE_RATE_PER_DAY[rateKind]) * 100).toString().replace('.', v.lang === 'vi' ? ',' : '.')
    : '';
  const hasPenalty = p.late_penalty !== '0';
  return html`<dl>
<dt>${t.payTo}</dt><dd>${v.agencyName}</dd>
<dt>${t.description}</dt><dd>${p.description}</dd>
<dt>${t.obligation}</dt><dd>${t.types[p.obligation.type] ?? p.obligation.type}</dd>
${fine?.decision_no ? html`<dt>${t.fineDecision}</dt><dd>${fine.decision_no}</dd>` : ''}
<dt>${t.reference}</dt><dd>${p.reference}</dd>
${p.payer?.name ? html`<dt>${t.payer}</dt><dd>${p.payer.name}</dd>` : ''}
</dl>
<table><tbody>
${
  hasPenalty
    ? html`<tr><th scope="row">${t.principal}</th><td class="money">${formatVnd(p.principal)}</td></tr>
<tr><th scope="row">${t.latePenalty(p.late_days, ratePercent)}</th><td class="money">${formatVnd(p.late_penalty)}</td></tr>`
    : ''
}
<tr class="total"><th scope="row">${t.total}</th><td class="money" data-amount="${p.amount}">${formatVnd(p.amount)}</td></tr>
</tbody></table>`;
}

function methodForm(v: CheckoutView): Html {
  const t = TEXT[v.lang];
  if (v.methods.length === 0) return html`<p class="notice">${t.noMethods}</p>`;
  return html`<form method="post" action="/checkout/${v.token}/attempts${v.lang === 'en' ? '?lang=en' : ''}">
<fieldset><legend>${t.chooseMethod}</legend>
${v.methods.map(
  (m, i) =>
    html`<label class="method"><input type="radio" name="method" value="${m.name}"${i === 0 ? html` checked` : ''}> ${m.label}</label>`,
)}
</fieldset>
<button type="submit">${t.pay} ${formatVnd(v.payment.amount)}</button>
</form>`;
}

/** The one page a citizen sees for a payment, whatever its status. */
export function checkoutPage(v: CheckoutView): string {
  const t = TEXT[v.lang];
  const p = v.payment;
  const switchTo = `/checkout/${v.token}?lang=${v.lang === 'vi' ? 'en' : 'vi'}`;
  const back = html`<a class="button" href="${p.return_url}">${t.back}</a>`;
  const message = v.message ? html`<p class="alert" role="alert">${v.message}</p>` : '';
  if (p.status === 'succeeded') {
    const paid = v.attempts.find((a) => a.id === p.succeeded_attempt_id);
    return layout(
      v.lang,
      t.succeeded,
      html`<div class="success" role="status"><h1>${t.succeeded}</h1><p class="amount">${formatVnd(p.amount)}</p></div>
${summary(v)}
<dl>${p.paid_at ? html`<dt>${t.paidAt}</dt><dd>${timeFormat(v.lang).format(p.paid_at)}</dd>` : ''}
${paid?.provider_transaction_id ? html`<dt>${t.transaction}</dt><dd>${paid.provider_transaction_id}</dd>` : ''}</dl>
<div class="actions"><a class="button" href="/checkout/${v.token}/receipt" download>${t.receipt}</a>${back}</div>`,
      { switchTo },
    );
  }
  if (
    p.status === 'expired' ||
    p.status === 'cancelled' ||
    (p.status === 'created' && p.expires_at <= new Date())
  ) {
    const text = p.status === 'cancelled' ? t.cancelled : t.expired;
    return layout(v.lang, text, html`<h1>${text}</h1>${summary(v)}<div class="actions">${back}</div>`, {
      switchTo,
    });
  }
  const lastError = p.last_error
    ? html`<p class="alert" role="alert">${t.lastError} ${p.last_error.message}</p>`
    : '';
  const inFlight = v.attempts.filter((a) => a.status === 'processing').at(-1);
  // A bank transfer in flight shows its QR and details; the citizen may still choose another method.
  const transfer =
    p.status === 'processing' && inFlight && v.transfer?.provider === inFlight.provider
      ? v.transfer
      : undefined;
  const methods = transfer ? v.methods.filter((m) => m.name !== transfer.provider) : v.methods;
  const processing = transfer
    ? html`${transferSection(v.lang, transfer)}${methods.length ? html`<p>${t.transferOther}</p>` : ''}`
    : p.status === 'processing' && inFlight
      ? html`<p class="notice" role="status">${t.processing(v.providerNames[inFlight.provider] ?? inFlight.provider)}</p><p>${t.processingOther}</p>`
      : '';
  return layout(
    v.lang,
    p.description,
    html`<h1>${formatVnd(p.amount)}</h1>${message}${lastError}${processing}${summary(v)}
<p>${t.expires}: ${timeFormat(v.lang).format(p.expires_at)}</p>
${transfer && !methods.length ? '' : methodForm({ ...v, methods })}`,
    { switchTo, refresh: processing ? 10 : undefined },
  );
}

export function messagePage(lang: Lang, message: string): string {
  return layout(lang, message, html`<h1>${message}</h1>`);
}

/** What anyone holding a receipt's QR sees: enough to check it, nothing about the payer. */
export function receiptCheckPage(
  lang: Lang,
  r: {
    agency_name: string;
    series: string;
    number: number;
    form_symbol: string;
    issued_at: Date;
    amount: string;
    amount_refunded: string;
    description: string;
    mode: 'test' | 'live';
    cancelled_at: Date | null;
  },
): string {
  const t = TEXT[lang];
  const state = receiptState(r);
  const verdict = {
    valid: t.receiptValid,
    partially_refunded: t.receiptPartlyRefunded,
    refunded: t.receiptRefunded,
    cancelled: t.receiptCancelled,
  }[state];
  // A test receipt is never "valid"; a cancelled or fully refunded one is a warning, not a success.
  const headline = r.mode === 'test' ? t.receiptTest : verdict;
  const box = r.mode === 'test' || state === 'cancelled' || state === 'refunded' ? 'alert' : 'success';
  return layout(
    lang,
    headline,
    html`<div class="${box}" role="status" data-state="${state}"${r.mode === 'test' ? html` data-test="true"` : ''}><h1>${headline}</h1>${r.mode === 'test' && state !== 'valid' ? html`<p>${verdict}</p>` : ''}</div>
<dl><dt>${t.payTo}</dt><dd>${r.agency_name}</dd>
<dt>${t.formSeriesNo}</dt><dd>${r.form_symbol} · ${r.series} · ${String(r.number).padStart(7, '0')}</dd>
<dt>${t.issuedAt}</dt><dd>${timeFormat(lang).format(r.issued_at)}</dd>
<dt>${t.description}</dt><dd>${r.description}</dd>
<dt>${t.total}</dt><dd>${formatVnd(r.amount)}</dd>
${r.amount_refunded !== '0' ? html`<dt>${t.refunded}</dt><dd>${formatVnd(r.amount_refunded)}</dd>` : ''}
${r.cancelled_at ? html`<dt>${t.cancelledOn}</dt><dd>${timeFormat(lang).format(r.cancelled_at)}</dd>` : ''}</dl>`,
  );
}
