/** `/console/reconciliation/items/:id`: one break, its history, and resolving it (note, ledger preview, confirm). */
import type { Response } from 'express';
import { Router } from 'express';
import { itemFor, previewItemFor, resolveItem } from '../admin/reconciliation.ts';
import type { Action } from '../reconciliation/rules.ts';
import { type ConsoleDeps, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatDateTime } from './i18n.ts';
import { ConsolePage, CsrfField, ErrorSummary, type FieldErrors } from './layout.tsx';
import { Amount, asPage, field, refusalOf } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { reconWords } from './reconciliation-text.ts';
import { ConfirmResolution, checkResolveInput, ResolveFields, type ResolveInput } from './resolve-form.tsx';
import { writer } from './session.ts';

type Item = Awaited<ReturnType<typeof itemFor>>;

function ItemPage(props: {
  res: Response;
  item: Item;
  input: ResolveInput;
  errors: FieldErrors;
  refusal?: string;
  confirm?: { entries: Awaited<ReturnType<typeof previewItemFor>>['entries'] };
  done?: boolean;
}) {
  const view = viewOf(props.res);
  const { lang } = view;
  const t = reconWords(lang);
  const o = opsWords(lang);
  const { item } = props;
  const path = `/console/reconciliation/items/${item.id}`;
  const open = item.status === 'open' || item.status === 'carried';
  return (
    <ConsolePage
      view={view}
      title={`${t.item} ${item.id}`}
      nav="reconciliation"
      testMode={item.provider === 'sandbox'}
    >
      {props.done && (
        <p class="notice" role="status">
          {o.done}
        </p>
      )}
      <dl class="facts">
        <dt>{t.category}</dt>
        <dd>{t.categories[item.category as keyof typeof t.categories] ?? item.category}</dd>
        <dt>{t.itemStatus}</dt>
        <dd>{t.itemStatuses[item.status as keyof typeof t.itemStatuses] ?? item.status}</dd>
        <dt>{o.provider}</dt>
        <dd>{item.provider}</dd>
        <dt>{o.day}</dt>
        <dd>
          <a href={`/console/reconciliation/runs/${item.run}`}>{item.business_date}</a>
        </dd>
        <dt>{t.lineAmount}</dt>
        <dd>
          <Amount value={item.line?.amount} />
        </dd>
        <dt>{t.fee}</dt>
        <dd>
          <Amount value={item.line?.fee} />
        </dd>
        <dt>{t.hubAmount}</dt>
        <dd>
          <Amount value={item.hub?.amount} />
        </dd>
        <dt>{t.payment}</dt>
        <dd>{item.payment ? <a href={`/console/payments/${item.payment}`}>{item.payment}</a> : '—'}</dd>
      </dl>
      {item.actions.length > 0 && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">{t.history}</h2>
          <ul>
            {item.actions.map((a) => (
              <li key={a.id}>
                {formatDateTime(lang, a.created_at)} ·{' '}
                {t.resolutions[a.action as keyof typeof t.resolutions] ?? a.action} · {a.actor}: {a.note}
              </li>
            ))}
          </ul>
        </section>
      )}
      {/* Shown even when the break is no longer open: another officer may have resolved it meanwhile. */}
      {props.refusal && (
        <div class="error-summary" role="alert">
          <h2>{t.notAllowed}</h2>
          <p>{props.refusal}</p>
        </div>
      )}
      {props.confirm ? (
        <ConfirmResolution
          lang={lang}
          action={path}
          input={props.input}
          hidden={{}}
          previews={[{ label: item.id, entries: props.confirm.entries }]}
        />
      ) : (
        open &&
        staffOfView(props.res).role !== 'auditor' && (
          <section aria-labelledby="resolve-title">
            <h2 id="resolve-title">{t.resolve}</h2>
            <ErrorSummary errors={props.errors} />
            <form method="post" action={path} novalidate>
              <CsrfField />
              <ResolveFields lang={lang} input={props.input} errors={props.errors} />
              <button type="submit" name="step" value="check">
                {o.continue}
              </button>
            </form>
          </section>
        )
      )}
    </ConsolePage>
  );
}

export function itemRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const ops = { db: deps.db, recon: deps.services.recon };
  const blank: ResolveInput = { action: '', note: '', days: '' };

  router.get('/reconciliation/items/:id', async (req, res) => {
    const item = await itemFor(ops, staffOfView(res), req.params.id as string).catch(asPage);
    sendPage(res, <ItemPage res={res} item={item} input={blank} errors={{}} done={req.query.done === '1'} />);
  });

  router.post('/reconciliation/items/:id', writer, async (req, res) => {
    const staff = staffOfView(res);
    const id = req.params.id as string;
    const item = await itemFor(ops, staff, id).catch(asPage);
    const input: ResolveInput = {
      action: field(req.body, 'action'),
      note: field(req.body, 'note'),
      days: field(req.body, 'days'),
    };
    const errors = checkResolveInput(viewOf(res).lang, input);
    if (Object.keys(errors).length > 0)
      return sendPage(res, <ItemPage res={res} item={item} input={input} errors={errors} />);
    const action = input.action as Action;
    if (field(req.body, 'step') !== 'apply') {
      const preview = await previewItemFor(ops, staff, id, action);
      return sendPage(res, <ItemPage res={res} item={item} input={input} errors={{}} confirm={preview} />);
    }
    try {
      await resolveItem(ops, staff, {
        id,
        action,
        note: input.note,
        days: input.days ? Number(input.days) : undefined,
      });
    } catch (error) {
      const refusal = refusalOf(viewOf(res).lang, error);
      return sendPage(
        res,
        <ItemPage res={res} item={item} input={input} errors={refusal.fields} refusal={refusal.detail} />,
      );
    }
    res.redirect(303, `/console/reconciliation/items/${item.id}?done=1`);
  });

  return router;
}
