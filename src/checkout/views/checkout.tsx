import { formatVnd } from '../../money.ts';
import type { AttemptRow, PaymentRow } from '../../payments/model.ts';
import { renderPage } from '../../views/render.ts';
import { dateTime, deadline } from '../format.ts';
import { type Lang, TEXT } from '../i18n.ts';
import type { TransferView } from '../transfer.ts';
import { AgencyContact, type AgencyIdentity, Page, type Site, withLang } from './layout.tsx';
import { Summary } from './summary.tsx';
import { TransferSection } from './transfer.tsx';

export interface CheckoutView {
  payment: PaymentRow;
  agency: AgencyIdentity;
  attempts: AttemptRow[];
  methods: { name: string; label: string }[];
  providerNames: Record<string, string>;
  lang: Lang;
  message?: string;
  token: string;
  site: Site;
  /** The bank-transfer page of the attempt in flight, if it has one. */
  transfer?: TransferView;
  /** Test mode with the demo's bank feed: a button plays the bank's credit. */
  playCredit?: boolean;
  now?: Date;
}

const POLL_SCRIPT = '/assets/checkout.js';

function MethodForm({ v, methods }: { v: CheckoutView; methods: CheckoutView['methods'] }) {
  const t = TEXT[v.lang];
  if (methods.length === 0) return <p class="notice">{t.noMethods}</p>;
  return (
    <form method="post" action={withLang(`/checkout/${v.token}/attempts`, v.lang)}>
      <fieldset>
        <legend>{t.chooseMethod}</legend>
        {methods.map((m, i) => (
          <label class="method" key={m.name}>
            <input type="radio" name="method" value={m.name} checked={i === 0} />
            <span>{m.label}</span>
          </label>
        ))}
      </fieldset>
      <p class="hint">{t.payHint}</p>
      <button type="submit">
        {t.pay} {formatVnd(v.payment.amount)}
      </button>
    </form>
  );
}

/** A status check that does not reload the page (the script), or a link to check again (no script). */
function CheckAgain({ v }: { v: CheckoutView }) {
  const t = TEXT[v.lang];
  return (
    <p class="check" data-poll={`/checkout/${v.token}/status`} data-status={v.payment.status}>
      <span class="checking" hidden>
        {t.checking}{' '}
      </span>
      <a class="button secondary" href={withLang(`/checkout/${v.token}`, v.lang)}>
        {t.checkAgain}
      </a>
    </p>
  );
}

function failureText(lang: Lang, error: { code: string }): string {
  const t = TEXT[lang];
  return t.failures[error.code] ?? t.failureOther(error.code);
}

function Succeeded({ v }: { v: CheckoutView }) {
  const t = TEXT[v.lang];
  const p = v.payment;
  const paid = v.attempts.find((a) => a.id === p.succeeded_attempt_id);
  return (
    <>
      <div class="panel success" role="status">
        <h1>{t.succeeded}</h1>
        <p class="amount">{formatVnd(p.amount)}</p>
        <p>{p.description}</p>
      </div>
      <p>{t.succeededNext}</p>
      <div class="actions">
        <a class="button" href={`/checkout/${v.token}/receipt`} download>
          {t.receipt}
        </a>
        <a class="button secondary" href={p.return_url}>
          {t.back}
        </a>
      </div>
      <h2>{t.description}</h2>
      <Summary lang={v.lang} payment={p} agencyName={v.agency.name} amountLabel="amountPaid" />
      <dl>
        {p.paid_at ? (
          <>
            <dt>{t.paidAt}</dt>
            <dd>{dateTime(v.lang, p.paid_at)}</dd>
          </>
        ) : null}
        {paid?.provider_transaction_id ? (
          <>
            <dt>{t.transaction}</dt>
            <dd>{paid.provider_transaction_id}</dd>
          </>
        ) : null}
      </dl>
    </>
  );
}

function Closed({ v, cancelled }: { v: CheckoutView; cancelled: boolean }) {
  const t = TEXT[v.lang];
  return (
    <>
      <h1>{cancelled ? t.cancelledTitle : t.expiredTitle}</h1>
      <p class="lead">{cancelled ? t.cancelled : t.expired}</p>
      <div class="actions">
        <a class="button" href={v.payment.return_url}>
          {t.back}
        </a>
      </div>
      <Summary lang={v.lang} payment={v.payment} agencyName={v.agency.name} amountLabel="amount" />
      {cancelled ? <p>{t.cancelledNext}</p> : null}
      <AgencyContact lang={v.lang} agency={v.agency} />
    </>
  );
}

function Waiting({ v, provider }: { v: CheckoutView; provider: string }) {
  const t = TEXT[v.lang];
  return (
    <>
      <div class="panel waiting" role="status">
        <h1>{t.waitingTitle}</h1>
        <p>{t.waitingText(v.providerNames[provider] ?? provider)}</p>
      </div>
      <p>{t.waitingEstimate}</p>
      <CheckAgain v={v} />
      <p>{t.waitingIfNotPaid}</p>
      <Summary lang={v.lang} payment={v.payment} agencyName={v.agency.name} amountLabel="total" />
      <AgencyContact lang={v.lang} agency={v.agency} />
    </>
  );
}

function ToPay({ v, transfer }: { v: CheckoutView; transfer?: TransferView }) {
  const t = TEXT[v.lang];
  const p = v.payment;
  const methods = transfer ? v.methods.filter((m) => m.name !== transfer.provider) : v.methods;
  return (
    <>
      <p class="caption">{v.agency.name}</p>
      <h1>{p.description}</h1>
      {v.message ? (
        <p class="alert" role="alert">
          {v.message}
        </p>
      ) : null}
      {p.last_error && !transfer ? (
        <p class="alert" role="alert">
          {t.lastError} {failureText(v.lang, p.last_error)} {t.tryAgain}
        </p>
      ) : null}
      <p class="amount-due">
        <span>{t.total}</span> <strong>{formatVnd(p.amount)}</strong>
      </p>
      <p class="deadline">
        {t.payBefore}: <strong>{deadline(v.lang, p.expires_at)}</strong>
      </p>
      {transfer ? (
        <>
          <TransferSection lang={v.lang} token={v.token} transfer={transfer} playCredit={v.playCredit} />
          <CheckAgain v={v} />
        </>
      ) : null}
      <Summary lang={v.lang} payment={p} agencyName={v.agency.name} amountLabel="total" />
      {transfer && methods.length ? <p>{t.transferOther}</p> : null}
      {transfer && !methods.length ? null : <MethodForm v={v} methods={methods} />}
      <AgencyContact lang={v.lang} agency={v.agency} />
    </>
  );
}

/** The one page a citizen sees for a payment, whatever its status. */
export function checkoutPage(v: CheckoutView): string {
  const t = TEXT[v.lang];
  const p = v.payment;
  const now = v.now ?? new Date();
  const common = {
    lang: v.lang,
    site: v.site,
    agency: v.agency,
    test: p.mode === 'test',
    switchTo: `/checkout/${v.token}?lang=${v.lang === 'vi' ? 'en' : 'vi'}`,
  };
  if (p.status === 'succeeded')
    return renderPage(
      <Page {...common} title={t.succeeded}>
        <Succeeded v={v} />
      </Page>,
    );
  const closed = p.status === 'expired' || p.status === 'cancelled' || p.expires_at <= now;
  if (closed) {
    const cancelled = p.status === 'cancelled';
    return renderPage(
      <Page {...common} title={cancelled ? t.cancelledTitle : t.expiredTitle}>
        <Closed v={v} cancelled={cancelled} />
      </Page>,
    );
  }
  const inFlight = v.attempts.filter((a) => a.status === 'processing').at(-1);
  // A bank transfer in flight shows its QR and details; the citizen may still choose another method.
  const transfer =
    p.status === 'processing' && inFlight && v.transfer?.provider === inFlight.provider
      ? v.transfer
      : undefined;
  if (p.status === 'processing' && inFlight && !transfer)
    return renderPage(
      <Page {...common} title={t.waitingTitle} scripts={[POLL_SCRIPT]}>
        <Waiting v={v} provider={inFlight.provider} />
      </Page>,
    );
  return renderPage(
    <Page {...common} title={p.description} scripts={transfer ? [POLL_SCRIPT] : []}>
      <ToPay v={v} transfer={transfer} />
    </Page>,
  );
}
