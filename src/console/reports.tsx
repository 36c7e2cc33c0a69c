/** `/console/reports`: the settlement report per day × agency × treasury account × budget codes, on the page, as CSV and PDF. */
import type { Response } from 'express';
import { Router } from 'express';
import {
  type ReportQuery,
  reportName,
  settlementReportCsv,
  settlementReportJson,
  settlementReportPdf,
} from '../admin/report.ts';
import { isCalendarDate } from '../dates.ts';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatCount, formatDateTime, WORDS, words } from './i18n.ts';
import { ConsolePage, ErrorSummary, Field, type FieldErrors, SelectField, TableWrap } from './layout.tsx';
import { Amount, PROVIDER_NAMES, ProviderSelect } from './ops.tsx';
import { opsWords } from './ops-text.ts';

const text = words({
  vi: {
    report: 'Báo cáo quyết toán',
    pick: 'Chọn ngày nghiệp vụ để xem báo cáo.',
    dateInvalid: 'Nhập ngày theo dạng YYYY-MM-DD.',
    treasury: 'Mã KBNN',
    treasuryAccount: 'Tài khoản KBNN',
    chapter: 'Chương',
    economic: 'Tiểu mục',
    count: 'Số giao dịch',
    gross: 'Tổng thu',
    refunds: 'Hoàn trả',
    fees: 'Phí nhà cung cấp',
    net: 'Phải nộp',
    total: 'Tổng cộng',
    unremittable: 'Chưa thể nộp (thiếu mã ngân sách)',
    notRemittable: 'thiếu mã ngân sách',
    csv: 'Tải CSV',
    pdf: 'Tải PDF',
    generated: 'Lập lúc',
    openBreaks: 'Chênh lệch còn mở',
  },
  en: {
    report: 'Settlement report',
    pick: 'Choose a business day to see its report.',
    dateInvalid: 'Enter the date as YYYY-MM-DD.',
    treasury: 'Treasury (KBNN)',
    treasuryAccount: 'Treasury account',
    chapter: 'Chapter',
    economic: 'Sub-item',
    count: 'Payments',
    gross: 'Gross',
    refunds: 'Refunds',
    fees: 'Provider fees',
    net: 'Net to remit',
    total: 'Total',
    unremittable: 'Cannot be remitted yet (budget codes missing)',
    notRemittable: 'budget codes missing',
    csv: 'Download CSV',
    pdf: 'Download PDF',
    generated: 'Generated',
    openBreaks: 'Open breaks',
  },
});

/** The report's query from the page's, checked; null until a valid day is chosen. */
function reportQueryOf(res: Response): {
  query: ReportQuery | null;
  errors: FieldErrors;
  q: Record<string, string>;
} {
  const q = queryOf(res.req);
  const errors: FieldErrors = {};
  if (!q.business_date) return { query: null, errors, q };
  if (!isCalendarDate(q.business_date)) {
    errors.business_date = text(viewOf(res).lang).dateInvalid;
    return { query: null, errors, q };
  }
  return {
    query: {
      business_date: q.business_date,
      provider: PROVIDER_NAMES.includes(q.provider ?? '') ? q.provider : undefined,
      mode: q.mode === 'test' ? 'test' : 'live',
    },
    errors,
    q,
  };
}

export function reportRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const { db } = deps;

  router.get('/reports', async (_req, res) => {
    const view = viewOf(res);
    const { lang } = view;
    const t = text(lang);
    const o = opsWords(lang);
    const { query, errors, q } = reportQueryOf(res);
    const report = query ? await settlementReportJson(db, staffOfView(res), query, deps.now?.()) : null;
    const params = query
      ? { business_date: query.business_date, provider: query.provider, mode: query.mode }
      : {};
    sendPage(
      res,
      <ConsolePage
        view={view}
        title={WORDS[lang].pages.reports}
        nav="reports"
        testMode={query?.mode === 'test'}
      >
        <form method="get" action="/console/reports" class="filters">
          <ErrorSummary errors={errors} />
          <Field
            name="business_date"
            type="date"
            label={o.day}
            value={q.business_date}
            error={errors.business_date}
          />
          <ProviderSelect label={o.provider} any={o.any} value={q.provider} />
          <SelectField
            name="mode"
            label={o.mode}
            value={q.mode === 'test' ? 'test' : 'live'}
            options={[
              { value: 'live', label: o.modes.live },
              { value: 'test', label: o.modes.test },
            ]}
          />
          <button type="submit" class="secondary">
            {o.apply}
          </button>
        </form>
        {!report && <p>{t.pick}</p>}
        {report && (
          <section aria-labelledby="report-title">
            <h2 id="report-title">
              {t.report} {report.business_date}
              {report.provider ? ` · ${report.provider}` : ''}
            </h2>
            <p>
              <a href={href('/console/reports/settlement.csv', params)} download>
                {t.csv}
              </a>{' '}
              ·{' '}
              <a href={href('/console/reports/settlement.pdf', params)} download>
                {t.pdf}
              </a>
            </p>
            <p class="hint">
              {t.generated}: {formatDateTime(lang, report.generated_at)}
            </p>
            <TableWrap label={t.report}>
              <table>
                <caption class="visually-hidden">{t.report}</caption>
                <thead>
                  <tr>
                    <th scope="col">{o.agency}</th>
                    <th scope="col">{t.treasury}</th>
                    <th scope="col">{t.treasuryAccount}</th>
                    <th scope="col">{t.chapter}</th>
                    <th scope="col">{t.economic}</th>
                    <th scope="col" class="num">
                      {t.count}
                    </th>
                    <th scope="col" class="num">
                      {t.gross}
                    </th>
                    <th scope="col" class="num">
                      {t.refunds}
                    </th>
                    <th scope="col" class="num">
                      {t.fees}
                    </th>
                    <th scope="col" class="num">
                      {t.net}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.rows.map((r) => (
                    <tr
                      key={`${r.agency_code}-${r.treasury_code}-${r.treasury_account}-${r.chapter_code}-${r.economic_code}`}
                    >
                      <th scope="row">
                        {r.agency_code} · {r.agency_name}
                        {!r.remittable && <span class="hint"> ({t.notRemittable})</span>}
                      </th>
                      <td>{r.treasury_code || '—'}</td>
                      <td>{r.treasury_account || '—'}</td>
                      <td>{r.chapter_code || '—'}</td>
                      <td>{r.economic_code || '—'}</td>
                      <td class="num">{formatCount(lang, r.count)}</td>
                      <td class="num">
                        <Amount value={r.gross} />
                      </td>
                      <td class="num">
                        <Amount value={r.refunds} />
                      </td>
                      <td class="num">
                        <Amount value={r.fees} />
                      </td>
                      <td class="num">
                        <Amount value={r.net} />
                      </td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={5}>
                      {t.total}
                    </th>
                    <td class="num">{formatCount(lang, report.totals.count)}</td>
                    <td class="num">
                      <Amount value={report.totals.gross} />
                    </td>
                    <td class="num">
                      <Amount value={report.totals.refunds} />
                    </td>
                    <td class="num">
                      <Amount value={report.totals.fees} />
                    </td>
                    <td class="num">
                      <Amount value={report.totals.net} />
                    </td>
                  </tr>
                </tfoot>
              </table>
            </TableWrap>
            {report.totals.unremittable !== 0 && (
              <p>
                {t.unremittable}: <Amount value={report.totals.unremittable} />
              </p>
            )}
            {report.open_breaks.length > 0 && (
              <p>
                {t.openBreaks}: {formatCount(lang, report.open_breaks.length)} —{' '}
                <a href="/console/reconciliation/breaks">{WORDS[lang].pages.reconciliation}</a>
              </p>
            )}
          </section>
        )}
      </ConsolePage>,
    );
  });

  router.get(['/reports/settlement.csv', '/reports/settlement.pdf'], async (req, res) => {
    const { query, errors } = reportQueryOf(res);
    if (!query) {
      res.redirect(
        303,
        href('/console/reports', {
          business_date: queryOf(req).business_date,
          error: Object.keys(errors)[0],
        }),
      );
      return;
    }
    const staff = staffOfView(res);
    res.set('Cache-Control', 'no-store');
    if (req.path.endsWith('.csv'))
      res
        .attachment(`${reportName(query)}.csv`)
        .type('text/csv; charset=utf-8')
        .send(await settlementReportCsv(db, staff, query));
    else
      res
        .attachment(`${reportName(query)}.pdf`)
        .type('application/pdf')
        .send(await settlementReportPdf(db, staff, query, deps.now?.()));
  });

  return router;
}
