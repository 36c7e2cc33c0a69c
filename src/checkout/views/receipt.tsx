import { formatVnd } from '../../money.ts';
import { receiptState } from '../../receipts/service.ts';
import { renderPage } from '../../views/render.ts';
import { dateTime } from '../format.ts';
import { type Lang, TEXT } from '../i18n.ts';
import { Page, type Site } from './layout.tsx';

export interface ReceiptCheck {
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
}

/** What anyone holding a receipt's QR sees: enough to check it, nothing about the payer. */
export function receiptCheckPage(lang: Lang, site: Site, r: ReceiptCheck, switchTo: string): string {
  const t = TEXT[lang];
  const state = receiptState(r);
  const verdict = {
    valid: t.receiptValid,
    partially_refunded: t.receiptPartlyRefunded,
    refunded: t.receiptRefunded,
    cancelled: t.receiptCancelled,
  }[state];
  // A test receipt is never "valid"; a cancelled or fully refunded one is a warning, not a success.
  const test = r.mode === 'test';
  const headline = test ? t.receiptTest : verdict;
  const box = test || state === 'cancelled' || state === 'refunded' ? 'alert' : 'success';
  return renderPage(
    <Page
      lang={lang}
      title={headline}
      site={site}
      agency={{ name: r.agency_name }}
      test={test}
      switchTo={switchTo}
    >
      <div class={`panel ${box}`} role="status" data-state={state} data-test={test ? 'true' : undefined}>
        <h1>{headline}</h1>
        {test && state !== 'valid' ? <p>{verdict}</p> : null}
      </div>
      <dl>
        <dt>{t.payTo}</dt>
        <dd>{r.agency_name}</dd>
        <dt>{t.formSeriesNo}</dt>
        <dd>
          {r.form_symbol} · {r.series} · {String(r.number).padStart(7, '0')}
        </dd>
        <dt>{t.issuedAt}</dt>
        <dd>{dateTime(lang, r.issued_at)}</dd>
        <dt>{t.description}</dt>
        <dd>{r.description}</dd>
        <dt>{t.receiptAmount}</dt>
        <dd>{formatVnd(r.amount)}</dd>
        {r.amount_refunded !== '0' ? (
          <>
            <dt>{t.refunded}</dt>
            <dd>{formatVnd(r.amount_refunded)}</dd>
          </>
        ) : null}
        {r.cancelled_at ? (
          <>
            <dt>{t.cancelledOn}</dt>
            <dd>{dateTime(lang, r.cancelled_at)}</dd>
          </>
        ) : null}
      </dl>
      <p>{t.receiptNext}</p>
    </Page>,
  );
}
