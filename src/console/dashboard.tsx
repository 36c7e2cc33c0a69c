import { Router } from 'express';
import { addDays, localDate } from '../dates.ts';
import { formatVnd } from '../money.ts';
import { BarChart } from './chart.tsx';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { type Breakdown, type DashboardData, dashboardData } from './dashboard-data.ts';
import { dashboardText } from './dashboard-text.ts';
import { sendPage } from './errors.tsx';
import { formatCount, type Lang, WORDS } from './i18n.ts';
import { ConsolePage, TableWrap } from './layout.tsx';

type Text = ReturnType<typeof dashboardText>;

function rate(a: { succeeded: number; failed: number }, t: Text, lang: Lang): string {
  const finished = a.succeeded + a.failed;
  if (finished === 0) return t.noRate;
  const pct = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });
  return `${pct.format((100 * a.succeeded) / finished)} % (${formatCount(lang, a.succeeded)}/${formatCount(lang, finished)})`;
}

function Cards({ data, t, lang }: { data: DashboardData; t: Text; lang: Lang }) {
  const cards: [string, string][] = [
    [`${t.today} · ${t.amount}`, formatVnd(data.totals.today.amount.toString())],
    [`${t.today} · ${t.count}`, formatCount(lang, data.totals.today.count)],
    [`${t.month} · ${t.amount}`, formatVnd(data.totals.month.amount.toString())],
    [`${t.month} · ${t.count}`, formatCount(lang, data.totals.month.count)],
    [`${t.successRate} · ${t.today}`, rate(data.attempts.today, t, lang)],
    [`${t.successRate} · ${t.month}`, rate(data.attempts.month, t, lang)],
    [t.openBreaks, formatCount(lang, data.openBreaks)],
    [t.unmatchedCredits, formatCount(lang, data.unmatchedCredits)],
    [t.failingEndpoints, formatCount(lang, data.failingEndpoints)],
  ];
  return (
    <ul class="cards">
      {cards.map(([label, value]) => (
        <li key={label}>
          <span class="label">{label}</span>
          <span class="value">{value}</span>
        </li>
      ))}
    </ul>
  );
}

function BreakdownTable(props: {
  id: string;
  caption: string;
  head: string;
  rows: Breakdown[];
  name: (key: string) => string;
  t: Text;
  lang: Lang;
}) {
  const { t, lang } = props;
  if (props.rows.length === 0) return null;
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.caption}</h2>
      <figure class="chart">
        <BarChart
          id={`${props.id}-chart`}
          title={`${props.caption} · ${t.month} · ${t.amount}`}
          points={props.rows.map((r) => ({ label: props.name(r.key), value: Number(r.month.amount) }))}
          formatValue={(v) => formatVnd(String(v))}
        />
      </figure>
      <TableWrap label={props.caption}>
        <table>
          <caption class="visually-hidden">{props.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{props.head}</th>
              <th scope="col" class="num">{`${t.today} · ${t.count}`}</th>
              <th scope="col" class="num">{`${t.today} · ${t.amount}`}</th>
              <th scope="col" class="num">{`${t.month} · ${t.count}`}</th>
              <th scope="col" class="num">{`${t.month} · ${t.amount}`}</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{props.name(r.key)}</th>
                <td class="num">{formatCount(lang, r.today.count)}</td>
                <td class="num">{formatVnd(r.today.amount.toString())}</td>
                <td class="num">{formatCount(lang, r.month.count)}</td>
                <td class="num">{formatVnd(r.month.amount.toString())}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function PerDay({ data, t, lang }: { data: DashboardData; t: Text; lang: Lang }) {
  return (
    <section aria-labelledby="per-day">
      <h2 id="per-day">{t.perDay}</h2>
      <figure class="chart">
        <BarChart
          id="per-day-chart"
          title={t.perDay}
          points={data.days.map((d) => ({ label: d.day.slice(5), value: Number(d.amount) }))}
          formatValue={(v) => formatVnd(String(v))}
        />
      </figure>
      <details>
        <summary>{`${t.perDay}: ${t.day} · ${t.count} · ${t.amount}`}</summary>
        <TableWrap label={t.perDay}>
          <table>
            <caption class="visually-hidden">{t.perDay}</caption>
            <thead>
              <tr>
                <th scope="col">{t.day}</th>
                <th scope="col" class="num">
                  {t.count}
                </th>
                <th scope="col" class="num">
                  {t.amount}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.days.map((d) => (
                <tr key={d.day}>
                  <th scope="row">{d.day}</th>
                  <td class="num">{formatCount(lang, d.count)}</td>
                  <td class="num">{formatVnd(d.amount.toString())}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </section>
  );
}

/** `/console`: the day and the last 30 days at a glance, live data unless `?mode=test`. */
export function dashboardRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const view = viewOf(res);
    const staff = staffOfView(res);
    const t = dashboardText(view.lang);
    const mode = queryOf(req).mode === 'test' ? 'test' : 'live';
    const today = localDate(deps.now?.() ?? new Date());
    const data = await dashboardData(deps.db, { today, from: addDays(today, -29), mode, scope: staff.scope });
    const typeName = (k: string) => t.types[k] ?? k;
    sendPage(
      res,
      <ConsolePage
        view={view}
        title={WORDS[view.lang].pages.dashboard}
        nav="dashboard"
        testMode={mode === 'test'}
      >
        <nav aria-label={t.modeNav} class="mode-switch">
          <a href={href('/console')} aria-current={mode === 'live' ? 'page' : undefined}>
            {t.live}
          </a>
          <a href={href('/console', { mode: 'test' })} aria-current={mode === 'test' ? 'page' : undefined}>
            {t.test}
          </a>
        </nav>
        <p>
          {t.today}: {data.today} · {t.month}: {data.from} – {data.today}
        </p>
        <Cards data={data} t={t} lang={view.lang} />
        <PerDay data={data} t={t} lang={view.lang} />
        <BreakdownTable
          id="by-type"
          caption={t.byType}
          head={t.type}
          rows={data.byType}
          name={typeName}
          t={t}
          lang={view.lang}
        />
        <BreakdownTable
          id="by-provider"
          caption={t.byProvider}
          head={t.provider}
          rows={data.byProvider}
          name={(k) => k}
          t={t}
          lang={view.lang}
        />
        <BreakdownTable
          id="by-agency"
          caption={t.byAgency}
          head={t.agency}
          rows={data.byAgency}
          name={(k) => k}
          t={t}
          lang={view.lang}
        />
      </ConsolePage>,
    );
  });
  return router;
}
