import type { Readable } from 'node:stream';
import { type Response, Router } from 'express';
import { type CatalogItemRow, fieldProblemsOf } from '../catalog/model.ts';
import { listItems } from '../catalog/service.ts';
import { DomainError } from '../errors.ts';
import { BulkRefused } from '../links/bulk.ts';
import type { RowProblem } from '../links/model.ts';
import { itemAmount } from './catalog.tsx';
import { type ConsoleDeps, staffOfView, viewOf } from './context.ts';
import { forbidden, sendPage } from './errors.tsx';
import { ConsolePage, ErrorSummary, Field, TableWrap } from './layout.tsx';
import { fieldErrors, Select } from './links-forms.tsx';
import { LINK_WORDS } from './links-text.ts';
import { uploadOf } from './multipart.ts';
import { writer } from './session.ts';

function BulkPage(props: {
  res: Response;
  items: CatalogItemRow[];
  values: Record<string, string>;
  errors: Record<string, string>;
  rows?: RowProblem[];
}) {
  const view = viewOf(props.res);
  const t = LINK_WORDS[view.lang];
  const { values: v, errors: e } = props;
  return (
    <ConsolePage view={view} title={t.bulk} nav="links" testMode={v.mode === 'test'}>
      <ErrorSummary errors={e} />
      <p>{t.bulkHint}</p>
      {props.rows && (
        <TableWrap label={t.bulkRefused(props.rows.length)}>
          <table>
            <caption>{t.bulkRefused(props.rows.length)}</caption>
            <thead>
              <tr>
                <th scope="col">{t.row}</th>
                <th scope="col">{t.column}</th>
                <th scope="col">{t.problem}</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.slice(0, 500).map((r) => (
                <tr key={`${r.row}-${r.field}`}>
                  <td>{r.row}</td>
                  <td>{r.field}</td>
                  <td>{t.problems[r.code] ?? r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {/* The CSRF field comes before the file, so the session's check runs before it is read. */}
      <form method="post" action="/console/links/bulk" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value={view.csrf} />
        <Select
          name="catalog_item"
          label={t.item}
          value={v.catalog_item}
          error={e.catalog_item}
          options={props.items.map((i) => [i.id, `${i.code} — ${i.name_vi} (${itemAmount(t, i)})`])}
        />
        <Field name="expires_on" type="date" label={t.expiresOn} value={v.expires_on} error={e.expires_on} />
        <Select
          name="mode"
          label={t.mode}
          value={v.mode}
          options={[
            ['live', t.modes.live!],
            ['test', t.modes.test!],
          ]}
        />
        <div class={e.csv ? 'field field-error' : 'field'}>
          <label for="f-csv">{t.bulkFile}</label>
          {e.csv && (
            <p class="error-message" id="f-csv-error">
              {e.csv}
            </p>
          )}
          <input
            type="file"
            id="f-csv"
            name="csv"
            accept=".csv,text/csv"
            aria-describedby={e.csv ? 'f-csv-error' : undefined}
          />
        </div>
        <button type="submit">{t.bulkSend}</button>
      </form>
    </ConsolePage>
  );
}

const MAX_BYTES = 10 * 1024 * 1024;

/** The file as text, or null past MAX_BYTES (read no further: the rest is discarded). */
async function readBounded(stream: Readable): Promise<string | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_BYTES) {
      stream.resume();
      return null;
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** `/console/links/bulk`: a CSV of payers in, the same CSV with each row's link out (as the admin API's bulk). */
export function linksBulkConsoleRoutes(deps: ConsoleDeps): Router {
  const { links } = deps.services;
  const router = Router();
  const items = async (res: Response) =>
    (await listItems(deps.db, staffOfView(res), { limit: 100 })).filter((i) => i.active);

  router.get('/links/bulk', writer, async (req, res) => {
    const values = { mode: req.query.mode === 'test' ? 'test' : 'live' };
    sendPage(res, <BulkPage res={res} items={await items(res)} values={values} errors={{}} />);
  });

  router.post('/links/bulk', writer, async (req, res) => {
    const t = LINK_WORDS[viewOf(res).lang];
    const form = (req.body ?? {}) as Record<string, string>;
    const upload = uploadOf(res.locals);
    const csv = upload ? await readBounded(upload.stream) : '';
    const again = async (errors: Record<string, string>, rows?: RowProblem[]) =>
      sendPage(
        res,
        <BulkPage res={res} items={await items(res)} values={form} errors={errors} rows={rows} />,
      );
    if (!csv?.trim() || upload?.truncated()) return again({ csv: t.fileRequired });
    try {
      const out = await links.bulk(
        staffOfView(res),
        {
          catalogItem: form.catalog_item ?? '',
          expiresAt: form.expires_on ? `${form.expires_on}T23:59:59+07:00` : undefined,
          mode: form.mode === 'test' ? 'test' : 'live',
        },
        csv,
      );
      res
        .attachment('payment-links.csv')
        .type('text/csv; charset=utf-8')
        .set('Cache-Control', 'no-store')
        .send(out);
    } catch (error) {
      if (error instanceof BulkRefused) return again({ csv: t.bulkRefused(error.rows.length) }, error.rows);
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'forbidden') throw forbidden();
      const problems =
        error.code === 'resource_missing'
          ? [{ field: 'catalog_item', code: 'required', message: '' }]
          : fieldProblemsOf(error);
      return again(fieldErrors(t, problems));
    }
  });

  return router;
}
