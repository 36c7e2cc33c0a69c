import { Router } from 'express';
import { isCalendarDate } from '../dates.ts';
import { formatVnd } from '../money.ts';
import { type PaymentListRow, type PaymentSearch, searchPayments } from '../payments/records.ts';
import { PAYMENT_STATUSES } from '../payments/states.ts';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime, WORDS } from './i18n.ts';
import {
  ConsolePage,
  ErrorSummary,
  Field,
  type FieldErrors,
  Pager,
  SelectField,
  TableWrap,
} from './layout.tsx';
import { paymentTimelineRoutes } from './payment-timeline.tsx';
import { type PaymentsText, paymentsText } from './payments-text.ts';

const PAGE_SIZE = 50;
const ID = /^pay_[0-9A-Z]{26}$/;
const FILTERS = ['reference', 'payer', 'status', 'provider', 'from', 'to', 'amount', 'mode'] as const;

/** The search form's fields, checked: what to search for, or each field's error in the page's language. */
export function parseSearch(query: Record<string, string>, t: PaymentsText) {
  const values = Object.fromEntries(FILTERS.map((k) => [k, (query[k] ?? '').trim()])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const errors: FieldErrors = {};
  if (values.status && !(PAYMENT_STATUSES as readonly string[]).includes(values.status))
    errors.status = t.badStatus;
  if (values.provider && !/^[a-z0-9_]{1,32}$/.test(values.provider)) errors.provider = t.badProvider;
  for (const k of ['from', 'to'] as const) if (values[k] && !isCalendarDate(values[k])) errors[k] = t.badDate;
  if (values.amount && !/^[1-9]\d{0,11}$/.test(values.amount)) errors.amount = t.badAmount;
  const after = query.after && ID.test(query.after) ? query.after : undefined;
  const search: PaymentSearch = {
    reference: values.reference.slice(0, 100) || undefined,
    payer: values.payer.slice(0, 100) || undefined,
    status: values.status || undefined,
    provider: values.provider || undefined,
    from: values.from || undefined,
    to: values.to || undefined,
    amount: values.amount || undefined,
    mode: values.mode === 'test' ? 'test' : 'live',
    after,
    limit: PAGE_SIZE,
  };
  return { values, errors, search };
}

function Results({ rows, t, lang }: { rows: PaymentListRow[]; t: PaymentsText; lang: 'vi' | 'en' }) {
  if (rows.length === 0) return <p>{WORDS[lang].none}</p>;
  return (
    <TableWrap label={t.results}>
      <table>
        <caption>{t.results}</caption>
        <thead>
          <tr>
            <th scope="col">{t.reference}</th>
            <th scope="col">{t.payerName}</th>
            <th scope="col">{t.status}</th>
            <th scope="col" class="num">
              {t.amount}
            </th>
            <th scope="col">{t.provider}</th>
            <th scope="col">{t.agency}</th>
            <th scope="col">{t.created}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => (
            <tr key={p.id}>
              <td>
                <a href={`/console/payments/${p.id}`}>{p.reference}</a>
              </td>
              <td>{p.payer?.name ?? '—'}</td>
              <td>{t.statuses[p.status] ?? p.status}</td>
              <td class="num">{formatVnd(p.amount)}</td>
              <td>{p.provider ?? '—'}</td>
              <td>{p.agency_code}</td>
              <td>{formatDateTime(lang, p.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** `/console/payments`: search (reference, payer, status, provider, dates, amount) and each payment's timeline. */
export function paymentRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/payments', async (req, res) => {
    const view = viewOf(res);
    const staff = staffOfView(res);
    const t = paymentsText(view.lang);
    const query = queryOf(req);
    const { values, errors, search } = parseSearch(query, t);
    const valid = Object.keys(errors).length === 0;
    const found = valid ? await searchPayments(deps.db, staff.scope, search) : { rows: [], hasMore: false };
    const filters = Object.fromEntries(FILTERS.map((k) => [k, values[k]]));
    const last = found.rows.at(-1);
    const statusOptions = [{ value: '', label: t.any }].concat(
      PAYMENT_STATUSES.map((s) => ({ value: s, label: t.statuses[s] ?? s })),
    );
    sendPage(
      res,
      <ConsolePage
        view={view}
        title={WORDS[view.lang].pages.payments}
        nav="payments"
        testMode={search.mode === 'test'}
      >
        <ErrorSummary errors={errors} />
        <form method="get" action="/console/payments" class="filters" novalidate>
          <Field name="reference" label={t.reference} value={values.reference} />
          <Field name="payer" label={t.payer} value={values.payer} />
          <SelectField
            name="status"
            label={t.status}
            value={values.status}
            error={errors.status}
            options={statusOptions}
          />
          <Field name="provider" label={t.provider} value={values.provider} error={errors.provider} />
          <Field name="from" label={t.from} type="date" value={values.from} error={errors.from} />
          <Field name="to" label={t.to} type="date" value={values.to} error={errors.to} />
          <Field name="amount" label={t.amount} value={values.amount} error={errors.amount} />
          <SelectField
            name="mode"
            label={t.mode}
            value={search.mode}
            options={[
              { value: 'live', label: t.live },
              { value: 'test', label: t.test },
            ]}
          />
          <button type="submit">{t.search}</button>
        </form>
        {valid && <Results rows={found.rows} t={t} lang={view.lang} />}
        <Pager
          nextHref={found.hasMore && last ? href('/console/payments', { ...filters, after: last.id }) : null}
          firstHref={search.after ? href('/console/payments', filters) : undefined}
        />
      </ConsolePage>,
    );
  });
  router.use(paymentTimelineRoutes(deps));
  return router;
}
