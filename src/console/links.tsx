import { type Response, Router } from 'express';
import type { Staff } from '../admin/staff.ts';
import { type CatalogItemRow, fieldProblemsOf } from '../catalog/model.ts';
import { listItems } from '../catalog/service.ts';
import { DomainError } from '../errors.ts';
import { linkStatus, type PaymentLinkRow } from '../links/model.ts';
import type { LinkCreate } from '../links/service.ts';
import { formatVnd } from '../money.ts';
import { itemAmount } from './catalog.tsx';
import { type ConsoleDeps, href, staffOfView, viewOf } from './context.ts';
import { forbidden, notFound, sendPage } from './errors.tsx';
import { WORDS } from './i18n.ts';
import { ConsolePage, ErrorSummary, Field, Pager, PostForm } from './layout.tsx';
import { fieldErrors, formOf, Select } from './links-forms.tsx';
import { LINK_WORDS } from './links-text.ts';
import { writer } from './session.ts';

const PAGE = 25;
const LINK_ID = /^plk_[0-9A-Z]{26}$/;
const modeOf = (value: unknown) => (value === 'test' ? 'test' : 'live');
const when = (lang: string, at: Date) =>
  new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(new Date(at));

/** The form as POST /admin/v1/payment_links takes it; a date's expiry is the end of that Vietnam day. */
function linkInput(form: Record<string, string>): LinkCreate {
  const reusable = form.kind !== 'single';
  const contact = (form.contact ?? '').trim();
  return {
    catalog_item: form.catalog_item ?? '',
    reusable,
    mode: modeOf(form.mode),
    amount: form.amount?.trim() || undefined,
    ...(reusable
      ? {}
      : {
          reference: form.reference ?? '',
          payer: {
            name: form.payer_name ?? '',
            ...(contact ? (contact.includes('@') ? { email: contact } : { phone: contact }) : {}),
          },
        }),
    expires_at: form.expires_on ? `${form.expires_on}T23:59:59+07:00` : undefined,
  };
}

async function itemsOf(deps: ConsoleDeps, staff: Staff): Promise<CatalogItemRow[]> {
  return (await listItems(deps.db, staff, { limit: 100 })).filter((i) => i.active);
}

function LinkForm(props: {
  res: Response;
  items: CatalogItemRow[];
  values: Record<string, string>;
  errors: Record<string, string>;
}) {
  const view = viewOf(props.res);
  const t = LINK_WORDS[view.lang];
  const { values: v, errors: e } = props;
  return (
    <ConsolePage view={view} title={t.newLink} nav="links" testMode={v.mode === 'test'}>
      <ErrorSummary errors={e} />
      {props.items.length === 0 ? (
        <p>{t.noItems}</p>
      ) : (
        <PostForm action="/console/links">
          <Select
            name="catalog_item"
            label={t.item}
            value={v.catalog_item}
            error={e.catalog_item}
            options={props.items.map((i) => [i.id, `${i.code} — ${i.name_vi} (${itemAmount(t, i)})`])}
          />
          <Select
            name="kind"
            label={t.kind}
            value={v.kind}
            options={[
              ['reusable', t.reusable],
              ['single', t.singleUse],
            ]}
          />
          <Field name="reference" label={t.reference} value={v.reference} error={e.reference} />
          <Field name="payer_name" label={t.payerName} value={v.payer_name} error={e.payer_name} />
          <Field name="contact" label={t.contact} value={v.contact} error={e.contact} />
          <Field
            name="amount"
            label={t.linkAmount}
            hint={t.linkAmountHint}
            value={v.amount}
            error={e.amount}
          />
          <Field
            name="expires_on"
            type="date"
            label={t.expiresOn}
            value={v.expires_on}
            error={e.expires_on}
          />
          <Select
            name="mode"
            label={t.mode}
            value={v.mode}
            options={[
              ['live', t.modes.live!],
              ['test', t.modes.test!],
            ]}
          />
          <button type="submit">{t.create}</button>
        </PostForm>
      )}
    </ConsolePage>
  );
}

function LinkTable(props: { lang: 'vi' | 'en'; links: PaymentLinkRow[]; now: Date }) {
  const t = LINK_WORDS[props.lang];
  return (
    <div class="table-wrap">
      <table>
        <caption>{t.links}</caption>
        <thead>
          <tr>
            <th scope="col">{t.url}</th>
            <th scope="col">{t.kind}</th>
            <th scope="col">{t.reference}</th>
            <th scope="col" class="num">
              {t.linkAmount}
            </th>
            <th scope="col">{t.status}</th>
            <th scope="col">{t.createdAt}</th>
          </tr>
        </thead>
        <tbody>
          {props.links.map((l) => (
            <tr key={l.id}>
              <td>
                <a href={`/console/links/${l.id}`}>{l.id}</a>
              </td>
              <td>{l.reusable ? t.reusable.split(' (')[0] : t.singleUse.split(' (')[0]}</td>
              <td>{l.reference ?? '—'}</td>
              <td class="num">{l.amount ? formatVnd(l.amount) : '—'}</td>
              <td>{t.statuses[linkStatus(l, props.now)]}</td>
              <td>{when(props.lang, l.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `/console/links`: payment links of the staff member's scope; finance and admins make and stop them. */
export function linksConsoleRoutes(deps: ConsoleDeps): Router {
  const { links } = deps.services;
  const router = Router();

  router.get('/links', async (req, res) => {
    const view = viewOf(res);
    const staff = staffOfView(res);
    const t = LINK_WORDS[view.lang];
    const mode = modeOf(req.query.mode);
    const after = typeof req.query.after === 'string' ? req.query.after : undefined;
    const rows = await links.list(staff, { after, limit: PAGE, mode });
    const page = rows.slice(0, PAGE);
    const next =
      rows.length > PAGE
        ? href('/console/links', { mode: mode === 'test' ? 'test' : undefined, after: page.at(-1)!.id })
        : null;
    sendPage(
      res,
      <ConsolePage view={view} title={t.links} nav="links" testMode={mode === 'test'}>
        <p>
          {staff.role !== 'auditor' && (
            <>
              <a href={href('/console/links/new', { mode: mode === 'test' ? 'test' : undefined })}>
                {t.newLink}
              </a>
              {' · '}
              <a href="/console/links/bulk">{t.bulk}</a>
              {' · '}
            </>
          )}
          <a href="/console/links/catalog">{t.catalog}</a>
          {' · '}
          <a href={mode === 'test' ? '/console/links' : '/console/links?mode=test'}>
            {mode === 'test' ? t.showLive : t.showTest}
          </a>
        </p>
        {page.length === 0 ? (
          <p>{WORDS[view.lang].none}</p>
        ) : (
          <LinkTable lang={view.lang} links={page} now={links.now()} />
        )}
        <Pager nextHref={next} />
      </ConsolePage>,
    );
  });

  router.get('/links/new', writer, async (req, res) => {
    const items = await itemsOf(deps, staffOfView(res));
    const values = { kind: 'reusable', mode: modeOf(req.query.mode) };
    sendPage(res, <LinkForm res={res} items={items} values={values} errors={{}} />);
  });

  router.post('/links', writer, async (req, res) => {
    const staff = staffOfView(res);
    const form = formOf(req.body);
    try {
      const made = await links.create(staff, linkInput(form));
      res.redirect(303, `/console/links/${made.row.id}`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'forbidden') throw forbidden();
      const problems =
        error.code === 'resource_missing'
          ? [{ field: 'catalog_item', code: 'required', message: '' }]
          : fieldProblemsOf(error);
      const errors = fieldErrors(LINK_WORDS[viewOf(res).lang], problems);
      sendPage(res, <LinkForm res={res} items={await itemsOf(deps, staff)} values={form} errors={errors} />);
    }
  });

  router.get('/links/:id', async (req, res) => {
    const view = viewOf(res);
    const staff = staffOfView(res);
    const t = LINK_WORDS[view.lang];
    const link = LINK_ID.test(req.params.id) ? await links.get(staff, req.params.id) : undefined;
    if (!link) throw notFound();
    const url = links.urlOf(link);
    const qr = `data:image/png;base64,${(await links.qrPng(link)).toString('base64')}`;
    const status = linkStatus(link, links.now());
    const payments = await links.paymentsOf(link);
    sendPage(
      res,
      <ConsolePage view={view} title={`${t.url} ${link.id}`} nav="links" testMode={link.mode === 'test'}>
        <dl class="facts">
          <dt>{t.url}</dt>
          <dd>
            <a href={url}>{url}</a>
          </dd>
          <dt>{t.status}</dt>
          <dd>{t.statuses[status]}</dd>
          <dt>{t.kind}</dt>
          <dd>{link.reusable ? t.reusable : t.singleUse}</dd>
          <dt>{t.mode}</dt>
          <dd>{t.modes[link.mode]}</dd>
          {link.reference && (
            <>
              <dt>{t.reference}</dt>
              <dd>{link.reference}</dd>
            </>
          )}
          {link.payer && (
            <>
              <dt>{t.payerName}</dt>
              <dd>{link.payer.name}</dd>
            </>
          )}
          {link.amount && (
            <>
              <dt>{t.linkAmount}</dt>
              <dd>{formatVnd(link.amount)}</dd>
            </>
          )}
          {link.expires_at && (
            <>
              <dt>{t.expiresOn}</dt>
              <dd>{when(view.lang, link.expires_at)}</dd>
            </>
          )}
        </dl>
        <p>
          <img src={qr} alt={`${t.qr}: ${url}`} width={320} height={320} />
        </p>
        {status === 'active' && staff.role !== 'auditor' && (
          <PostForm action={`/console/links/${link.id}/deactivate`}>
            <button type="submit" class="secondary">
              {t.deactivate}
            </button>
          </PostForm>
        )}
        <h2>{t.paymentsOfLink}</h2>
        {payments.length === 0 ? (
          <p>{WORDS[view.lang].none}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.payment}</th>
                  <th scope="col">{t.reference}</th>
                  <th scope="col">{t.payerName}</th>
                  <th scope="col" class="num">
                    {t.linkAmount}
                  </th>
                  <th scope="col">{t.paymentStatus}</th>
                </tr>
              </thead>
              <tbody>
                {payments.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <a href={`/console/payments/${p.id}`}>{p.id}</a>
                    </td>
                    <td>{p.reference}</td>
                    <td>{p.payer?.name ?? ''}</td>
                    <td class="num">{formatVnd(p.amount)}</td>
                    <td>{p.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ConsolePage>,
    );
  });

  router.post('/links/:id/deactivate', writer, async (req, res) => {
    if (!LINK_ID.test(req.params.id as string)) throw notFound();
    try {
      await links.deactivate(staffOfView(res), req.params.id as string);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'resource_missing') throw notFound();
      throw error;
    }
    res.redirect(303, `/console/links/${req.params.id}`);
  });

  return router;
}
