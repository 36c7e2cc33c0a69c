import { type Request, type Response, Router } from 'express';
import type { Staff } from '../admin/staff.ts';
import { type CatalogItemRow, fieldProblemsOf } from '../catalog/model.ts';
import * as catalog from '../catalog/service.ts';
import { DomainError } from '../errors.ts';
import { formatVnd } from '../money.ts';
import { type ConsoleDeps, href, staffOfView, viewOf } from './context.ts';
import { forbidden, notFound, sendPage } from './errors.tsx';
import { WORDS } from './i18n.ts';
import { ConsolePage, ErrorSummary, Field, Pager, PostForm } from './layout.tsx';
import { fieldErrors, formOf, Select } from './links-forms.tsx';
import { LINK_WORDS, type LinkWords } from './links-text.ts';
import { requireRole } from './session.ts';

const PAGE = 25;
const TYPES = ['fee', 'charge', 'tax', 'insurance', 'other'] as const;
const TYPE_WORDS = {
  vi: {
    fee: 'Phí',
    charge: 'Lệ phí',
    tax: 'Thuế',
    insurance: 'Bảo hiểm (BHXH, BHYT)',
    other: 'Khoản thu khác',
  },
  en: { fee: 'Fee', charge: 'Charge', tax: 'Tax', insurance: 'Insurance', other: 'Other' },
} as Record<string, Record<string, string>>;

export const typeWord = (lang: string, type: string) => TYPE_WORDS[lang]![type] ?? type;

export function itemAmount(t: LinkWords, item: CatalogItemRow): string {
  return item.amount !== null
    ? formatVnd(item.amount)
    : t.range(formatVnd(item.amount_min!), formatVnd(item.amount_max!));
}

/** The form's fields as the service's input (the same names as POST /admin/v1/catalog_items). */
function itemInput(form: Record<string, string>): catalog.CatalogItemInput {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
  return {
    agency: blank(form.agency),
    code: form.code ?? '',
    name: { vi: form.name_vi ?? '', en: form.name_en ?? '' },
    amount: blank(form.amount),
    amount_min: blank(form.amount_min),
    amount_max: blank(form.amount_max),
    obligation_type: form.obligation_type,
    budget: {
      treasury_code: form.treasury_code,
      treasury_account: form.treasury_account,
      chapter_code: form.chapter_code,
      economic_code: form.economic_code,
      area_code: form.area_code,
    },
    active: form.active === 'true',
  };
}

function rowForm(item: CatalogItemRow): Record<string, string> {
  return {
    code: item.code,
    name_vi: item.name_vi,
    name_en: item.name_en ?? '',
    amount: item.amount ?? '',
    amount_min: item.amount_min ?? '',
    amount_max: item.amount_max ?? '',
    obligation_type: item.obligation_type,
    ...(item.budget ?? {}),
    active: item.active ? 'true' : '',
  };
}

function ItemForm(props: {
  res: Response;
  action: string;
  staff: Staff;
  values: Record<string, string>;
  errors: Record<string, string>;
  isNew: boolean;
}) {
  const view = viewOf(props.res);
  const t = LINK_WORDS[view.lang];
  const v = props.values;
  const e = props.errors;
  const text = (name: string, label: string, hint?: string) => (
    <Field name={name} label={label} value={v[name]} error={e[name]} hint={hint} />
  );
  return (
    <ConsolePage view={view} title={props.isNew ? t.newItem : t.editItem} nav="links">
      <ErrorSummary errors={e} />
      <PostForm action={props.action}>
        {props.isNew && text('agency', t.agency)}
        {text('code', t.code, t.codeHint)}
        {text('name_vi', t.nameVi)}
        {text('name_en', t.nameEn)}
        <Select
          name="obligation_type"
          label={t.obligationType}
          value={v.obligation_type}
          error={e.obligation_type}
          options={TYPES.map((type) => [type, typeWord(view.lang, type)])}
        />
        {text('amount', t.amount, t.amountHint)}
        {text('amount_min', t.amountMin)}
        {text('amount_max', t.amountMax)}
        <fieldset>
          <legend>{t.budget}</legend>
          {text('treasury_code', t.treasuryCode)}
          {text('treasury_account', t.treasuryAccount)}
          {text('chapter_code', t.chapterCode)}
          {text('economic_code', t.economicCode)}
          {text('area_code', t.areaCode)}
        </fieldset>
        <div class="field">
          <input type="checkbox" id="f-active" name="active" value="true" checked={v.active === 'true'} />{' '}
          <label for="f-active">{t.active}</label>
        </div>
        <button type="submit">{props.isNew ? t.create : t.save}</button>
      </PostForm>
    </ConsolePage>
  );
}

/** `/console/links/catalog`: every role reads the catalogue of its scope; admins add and change items. */
export function catalogConsoleRoutes(deps: ConsoleDeps): Router {
  const { db } = deps;
  const router = Router();
  const admin = requireRole('admin');

  router.get('/links/catalog', async (req, res) => {
    const view = viewOf(res);
    const staff = staffOfView(res);
    const t = LINK_WORDS[view.lang];
    const after = typeof req.query.after === 'string' ? req.query.after : undefined;
    const rows = await catalog.listItems(db, staff, { after, limit: PAGE });
    const page = rows.slice(0, PAGE);
    sendPage(
      res,
      <ConsolePage view={view} title={t.catalog} nav="links">
        <p>
          <a href="/console/links">{t.links}</a>
          {staff.role === 'admin' && (
            <>
              {' · '}
              <a href="/console/links/catalog/new">{t.newItem}</a>
            </>
          )}
        </p>
        {page.length === 0 ? (
          <p>{WORDS[view.lang].none}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <caption>{t.catalog}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.code}</th>
                  <th scope="col">{t.nameVi}</th>
                  <th scope="col">{t.agency}</th>
                  <th scope="col">{t.obligationType}</th>
                  <th scope="col" class="num">
                    {t.linkAmount}
                  </th>
                  <th scope="col">{t.active}</th>
                </tr>
              </thead>
              <tbody>
                {page.map((item) => (
                  <tr key={item.id}>
                    <td>
                      {staff.role === 'admin' ? (
                        <a href={`/console/links/catalog/${item.id}`}>{item.code}</a>
                      ) : (
                        item.code
                      )}
                    </td>
                    <td>{item.name_vi}</td>
                    <td>{item.agency_code}</td>
                    <td>{typeWord(view.lang, item.obligation_type)}</td>
                    <td class="num">{itemAmount(t, item)}</td>
                    <td>{item.active ? t.yes : t.no}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager
          nextHref={rows.length > PAGE ? href('/console/links/catalog', { after: page.at(-1)!.id }) : null}
        />
      </ConsolePage>,
    );
  });

  router.get('/links/catalog/new', admin, (_req, res) => {
    const staff = staffOfView(res);
    const values = { agency: staff.agencyCode ?? '', obligation_type: 'charge', active: 'true' };
    sendPage(
      res,
      <ItemForm res={res} action="/console/links/catalog" staff={staff} values={values} errors={{}} isNew />,
    );
  });

  async function save(req: Request, res: Response, id: string | null) {
    const staff = staffOfView(res);
    const form = formOf(req.body);
    try {
      const row = id
        ? await catalog.updateItem(db, staff, id, itemInput(form))
        : await catalog.createItem(db, staff, itemInput(form));
      res.redirect(303, href('/console/links/catalog', { saved: row.id }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'resource_missing') throw notFound();
      if (error.code === 'forbidden') throw forbidden();
      const errors = fieldErrors(LINK_WORDS[viewOf(res).lang], fieldProblemsOf(error));
      const action = id ? `/console/links/catalog/${id}` : '/console/links/catalog';
      sendPage(
        res,
        <ItemForm res={res} action={action} staff={staff} values={form} errors={errors} isNew={!id} />,
      );
    }
  }

  router.post('/links/catalog', admin, (req, res) => save(req, res, null));

  router.get('/links/catalog/:id', admin, async (req, res) => {
    const staff = staffOfView(res);
    const item = await catalog.itemInScope(db, staff, req.params.id as string);
    if (!item) throw notFound();
    sendPage(
      res,
      <ItemForm
        res={res}
        action={`/console/links/catalog/${item.id}`}
        staff={staff}
        values={rowForm(item)}
        errors={{}}
        isNew={false}
      />,
    );
  });

  router.post('/links/catalog/:id', admin, (req, res) => save(req, res, req.params.id as string));

  return router;
}
