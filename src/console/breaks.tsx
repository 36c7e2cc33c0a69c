/** A run's page and the breaks list: filters (provider, day, category, amount, age), cursor pages, bulk resolution. */
import type { Request, Response } from 'express';
import { Router } from 'express';
import { listItemsFor, previewItemFor, resolveItem, runFor } from '../admin/reconciliation.ts';
import { Filters, filterOf } from './break-filters.tsx';
import type { ItemView } from './break-table.tsx';
import { BreakTable } from './break-table.tsx';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatCount } from './i18n.ts';
import { ConsolePage, ErrorSummary, Pager, TableWrap } from './layout.tsx';
import { Amount, asPage, field, fields, refusalOf } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { reconWords } from './reconciliation-text.ts';
import { rejectionText } from './refusal-text.ts';
import { itemRoutes } from './resolve.tsx';
import { ConfirmResolution, checkResolveInput, ResolveFields, type ResolveInput } from './resolve-form.tsx';
import { writer } from './session.ts';

const blankInput: ResolveInput = { action: '', note: '', days: '' };

async function showBreaks(deps: ConsoleDeps, req: Request, res: Response, runId?: string) {
  const view = viewOf(res);
  const staff = staffOfView(res);
  const t = reconWords(view.lang);
  const ops = { db: deps.db, recon: deps.services.recon };
  const run = runId ? await runFor(ops, staff, runId).catch(asPage) : null;
  const q = queryOf(req);
  const { query, errors } = filterOf(view.lang, q);
  const page = await listItemsFor(ops, staff, { ...query, runId: run?.id });
  const base = run ? `/console/reconciliation/runs/${run.id}` : '/console/reconciliation/breaks';
  const next = page.hasMore ? href(base, { ...q, after: page.data.at(-1)?.id.replace(/^ri_/, '') }) : null;
  sendPage(
    res,
    <ConsolePage
      view={view}
      title={run ? `${t.run} ${run.provider} ${run.business_date}` : t.allBreaks}
      nav="reconciliation"
      testMode={run?.provider === 'sandbox'}
    >
      {run && (
        <section aria-labelledby="run-title">
          <h2 id="run-title">{t.summary}</h2>
          <dl class="facts">
            <dt>{opsWords(view.lang).status}</dt>
            <dd>{t.runState[run.status] ?? run.status}</dd>
            <dt>{t.lines}</dt>
            <dd>{formatCount(view.lang, run.line_count)}</dd>
            {run.rejection && (
              <>
                <dt>{t.rejected}</dt>
                <dd>{rejectionText(view.lang, run.rejection)}</dd>
              </>
            )}
          </dl>
          <TableWrap label={t.summary}>
            <table>
              <caption class="visually-hidden">{t.summary}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.category}</th>
                  <th scope="col">{t.itemStatus}</th>
                  <th scope="col" class="num">
                    {t.count}
                  </th>
                  <th scope="col" class="num">
                    {t.lineAmount}
                  </th>
                </tr>
              </thead>
              <tbody>
                {run.summary.map((c) => (
                  <tr key={`${c.category}-${c.status}`}>
                    <td>{t.categories[c.category as keyof typeof t.categories] ?? c.category}</td>
                    <td>{t.itemStatuses[c.status as keyof typeof t.itemStatuses] ?? c.status}</td>
                    <td class="num">{formatCount(view.lang, c.count)}</td>
                    <td class="num">
                      <Amount value={c.line_amount} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        </section>
      )}
      <h2>{t.breaks}</h2>
      <Filters lang={view.lang} q={q} errors={errors} action={base} withRun={run !== null} />
      <BreakTable
        lang={view.lang}
        items={page.data as ItemView[]}
        selectable={staff.role !== 'auditor'}
        back={req.originalUrl}
      >
        <ResolveFields lang={view.lang} input={blankInput} errors={{}} />
      </BreakTable>
      <Pager nextHref={next} />
    </ConsolePage>,
  );
}

export function breakRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const ops = { db: deps.db, recon: deps.services.recon };

  router.get('/reconciliation/breaks', (req, res) => showBreaks(deps, req, res));
  router.get('/reconciliation/runs/:id', (req, res) => showBreaks(deps, req, res, req.params.id as string));

  /** Several checked breaks, one resolution and note: checked (each one's ledger preview), then applied. */
  router.post('/reconciliation/bulk', writer, async (req, res) => {
    const view = viewOf(res);
    const staff = staffOfView(res);
    const t = reconWords(view.lang);
    const ids = fields(req.body, 'item').slice(0, 50);
    const back = field(req.body, 'back').startsWith('/console/')
      ? field(req.body, 'back')
      : '/console/reconciliation/breaks';
    const input: ResolveInput = {
      action: field(req.body, 'action'),
      note: field(req.body, 'note'),
      days: field(req.body, 'days'),
    };
    const errors = checkResolveInput(view.lang, input);
    if (ids.length === 0) errors.item = t.bulkNone;
    // Each break must be the staff member's to see, before anything is shown or done.
    const items = await Promise.all(
      ids.map((id) =>
        previewItemFor(ops, staff, id, (RESOLVABLE.has(input.action) ? input.action : 'carry_over') as never),
      ),
    ).catch(asPage);
    const apply = field(req.body, 'step') === 'apply' && Object.keys(errors).length === 0;
    const outcomes: { id: string; ok: boolean; detail: string }[] = [];
    if (apply) {
      for (const item of items) {
        try {
          await resolveItem(ops, staff, {
            id: item.item.id,
            action: input.action as never,
            note: input.note,
            days: input.days ? Number(input.days) : undefined,
          });
          outcomes.push({ id: item.item.id, ok: true, detail: t.applied });
        } catch (error) {
          outcomes.push({ id: item.item.id, ok: false, detail: refusalOf(view.lang, error).detail });
        }
      }
    }
    const o = opsWords(view.lang);
    sendPage(
      res,
      <ConsolePage view={view} title={t.bulk} nav="reconciliation">
        {apply ? (
          <>
            <ul class="outcomes" role="status">
              {outcomes.map((r) => (
                <li key={r.id}>
                  <a href={`/console/reconciliation/items/${r.id}`}>{r.id}</a>:{' '}
                  {r.ok ? o.done : `${o.refused} — ${r.detail}`}
                </li>
              ))}
            </ul>
            <p>
              <a href={back}>{o.cancel}</a>
            </p>
          </>
        ) : Object.keys(errors).length > 0 ? (
          <>
            <ErrorSummary errors={errors} />
            <BreakTable
              lang={view.lang}
              items={items.map((i) => i.item as ItemView)}
              selectable
              checked
              back={back}
            >
              <ResolveFields lang={view.lang} input={input} errors={errors} />
            </BreakTable>
          </>
        ) : (
          <ConfirmResolution
            lang={view.lang}
            action="/console/reconciliation/bulk"
            input={input}
            hidden={{ item: items.map((i) => i.item.id), back }}
            previews={items.map((i) => ({
              label: `${i.item.id} · ${t.categories[i.item.category as keyof typeof t.categories] ?? i.item.category}`,
              entries: i.entries,
            }))}
          />
        )}
      </ConsolePage>,
    );
  });

  router.use(itemRoutes(deps));
  return router;
}

const RESOLVABLE = new Set(['confirm_payment', 'refund', 'write_off', 'carry_over']);
