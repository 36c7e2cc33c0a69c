import { stringify } from 'csv-stringify/sync';
import { type Request, type Response, Router } from 'express';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { inLang, PublicPage } from '../links/pages.tsx';
import { citizenCsp } from '../links/public-routes.ts';
import { type Lang, langOf } from '../links/words.ts';
import { formatVnd, money, toJsonAmount } from '../money.ts';
import { renderPage } from '../views/render.ts';
import { BarChart } from './chart.tsx';
import { MIN_CELL, type StatsCell, type StatsPeriod } from './model.ts';
import { type StatsService, statsService } from './service.ts';
import { STATS_WORDS } from './words.ts';

/** Public, shared caches may keep the figures a few minutes: they change only as payments succeed. */
const CACHE_CONTROL = 'public, max-age=300';

function perDay(cells: StatsCell[], value: (c: StatsCell) => number) {
  const days = new Map<string, number>();
  for (const c of cells) if (!c.suppressed) days.set(c.day, (days.get(c.day) ?? 0) + value(c));
  return [...days].map(([label, v]) => ({ label, value: v }));
}

function statsPage(lang: Lang, period: StatsPeriod, cells: StatsCell[], path: string) {
  const w = STATS_WORDS[lang];
  const query = `from=${period.from}&to=${period.to}`;
  const switchTo = inLang(lang === 'vi' ? 'en' : 'vi', `${path}?${query}`);
  return renderPage(
    <PublicPage lang={lang} title={w.title} switchTo={switchTo} wide>
      <h1>{w.title}</h1>
      <p>{w.intro(MIN_CELL)}</p>
      <form method="get" action="/stats" class="search">
        <div>
          <label for="from">{w.from}</label>
          <input type="date" id="from" name="from" value={period.from} />
        </div>
        <div>
          <label for="to">{w.to}</label>
          <input type="date" id="to" name="to" value={period.to} />
        </div>
        {lang === 'en' && <input type="hidden" name="lang" value="en" />}
        <button type="submit">{w.show}</button>
      </form>
      <p>
        {w.download}: <a href={`/stats.csv?${query}`}>CSV</a> · <a href={`/stats.json?${query}`}>JSON</a>
      </p>
      {cells.length === 0 ? (
        <p>{w.none}</p>
      ) : (
        <>
          <h2>{w.amountChart}</h2>
          <BarChart
            id="amount"
            title={w.amountChart}
            lang={lang}
            bars={perDay(cells, (c) => Number(c.amount))}
          />
          <h2>{w.countChart}</h2>
          <BarChart id="count" title={w.countChart} lang={lang} bars={perDay(cells, (c) => c.count ?? 0)} />
          <table>
            <caption>{`${w.title}, ${period.from} – ${period.to}`}</caption>
            <thead>
              <tr>
                <th scope="col">{w.day}</th>
                <th scope="col">{w.agency}</th>
                <th scope="col">{w.type}</th>
                <th scope="col">{w.provider}</th>
                <th scope="col" class="money">
                  {w.count}
                </th>
                <th scope="col" class="money">
                  {w.amount}
                </th>
              </tr>
            </thead>
            <tbody>
              {cells.map((c) => (
                <tr key={`${c.day}${c.agency}${c.obligation_type}${c.provider}`}>
                  <td>{c.day}</td>
                  <td>{c.agency_name}</td>
                  <td>{w.types[c.obligation_type] ?? c.obligation_type}</td>
                  <td>{c.provider}</td>
                  <td class="money">{c.suppressed ? w.suppressed : c.count}</td>
                  <td class="money">{c.amount === null ? '—' : formatVnd(money(c.amount))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </PublicPage>,
  );
}

/** `/stats`, `/stats.csv`, `/stats.json`: open statistics of live payments, no personal data. */
export function statsRoutes(
  deps: { db: Db; now?: () => Date },
  stats: StatsService = statsService(deps),
): Router {
  const router = Router();

  async function load(req: Request, res: Response) {
    const period = stats.period(req.query);
    const cells = await stats.cells(period);
    res.set('Cache-Control', CACHE_CONTROL);
    return { period, cells };
  }

  router.get('/stats', citizenCsp, async (req, res) => {
    const lang = langOf(req.query.lang);
    try {
      const { period, cells } = await load(req, res);
      res.type('html').send(statsPage(lang, period, cells, '/stats'));
    } catch (error) {
      // A period refused: the page says so in its language.
      if (!(error instanceof DomainError) || error.code !== 'invalid_request') throw error;
      const w = STATS_WORDS[lang];
      res
        .status(400)
        .type('html')
        .send(
          renderPage(
            <PublicPage lang={lang} title={w.title} switchTo={inLang(lang === 'vi' ? 'en' : 'vi', '/stats')}>
              <h1>{w.title}</h1>
              <p role="alert">{w.badDate}</p>
              <p>
                <a href={inLang(lang, '/stats')}>{w.show}</a>
              </p>
            </PublicPage>,
          ),
        );
    }
  });

  router.get('/stats.csv', async (req, res) => {
    const { period, cells } = await load(req, res);
    const csv = stringify(
      cells.map((c) => [
        c.day,
        c.agency,
        c.agency_name,
        c.obligation_type,
        c.provider,
        c.count ?? '',
        c.amount ?? '',
        String(c.suppressed),
      ]),
      {
        header: true,
        columns: [
          'day',
          'agency',
          'agency_name',
          'obligation_type',
          'provider',
          'count',
          'amount',
          'suppressed',
        ],
      },
    );
    res.attachment(`payhub-stats-${period.from}-${period.to}.csv`).type('text/csv; charset=utf-8').send(csv);
  });

  router.get('/stats.json', async (req, res) => {
    const { period, cells } = await load(req, res);
    res.json({
      object: 'open_statistics',
      mode: 'live',
      from: period.from,
      to: period.to,
      min_cell: MIN_CELL,
      currency: 'VND',
      cells: cells.map((c) => ({ ...c, amount: c.amount === null ? null : toJsonAmount(c.amount) })),
    });
  });

  return router;
}
