/** `/console/reconciliation`: runs per provider and day, and the upload of a settlement file. */
import type { Response } from 'express';
import { Router } from 'express';
import { refuse } from '../admin/errors.ts';
import { listRunsFor, type RunView, uploadSettlement } from '../admin/reconciliation.ts';
import type { Staff } from '../admin/staff.ts';
import { isCalendarDate } from '../dates.ts';
import { breakRoutes } from './breaks.tsx';
import { type ConsoleDeps, href, queryOf, staffOfView, viewOf } from './context.ts';
import { sendPage } from './errors.tsx';
import { formatCount, formatDateTime, WORDS } from './i18n.ts';
import {
  ConsolePage,
  CsrfField,
  ErrorSummary,
  Field,
  type FieldErrors,
  Pager,
  TableWrap,
} from './layout.tsx';
import { type UploadedFile, uploadOf } from './multipart.ts';
import { field, PROVIDER_NAMES, ProviderSelect, refusalOf } from './ops.tsx';
import { opsWords } from './ops-text.ts';
import { reconWords } from './reconciliation-text.ts';
import { writer } from './session.ts';

/** Who may upload: hub-wide finance and admins (a file holds every agency's lines). */
const mayUpload = (staff: Staff) => staff.scope === null && staff.role !== 'auditor';

interface UploadForm {
  provider: string;
  business_date: string;
  errors: FieldErrors;
  rejection?: string;
}

function RunsPage(props: {
  res: Response;
  runs: RunView[];
  next: string | null;
  filter: Record<string, string>;
  upload: UploadForm;
}) {
  const view = viewOf(props.res);
  const staff = staffOfView(props.res);
  const { lang } = view;
  const t = reconWords(lang);
  const o = opsWords(lang);
  return (
    <ConsolePage view={view} title={WORDS[lang].pages.reconciliation} nav="reconciliation">
      <p>
        <a href="/console/reconciliation/breaks">{t.allBreaks}</a>
      </p>
      {mayUpload(staff) ? (
        <section aria-labelledby="upload-title">
          <h2 id="upload-title">{t.upload}</h2>
          <ErrorSummary errors={props.upload.errors} />
          {props.upload.rejection && (
            <div class="error-summary" role="alert">
              <h2>{t.rejected}</h2>
              <p>{props.upload.rejection}</p>
            </div>
          )}
          <form method="post" action="/console/reconciliation/runs" enctype="multipart/form-data" novalidate>
            <CsrfField />
            <ProviderSelect
              value={props.upload.provider}
              error={props.upload.errors.provider}
              label={o.provider}
              any="—"
            />
            <Field
              name="business_date"
              type="date"
              label={o.day}
              value={props.upload.business_date}
              error={props.upload.errors.business_date}
            />
            <div class={props.upload.errors.file ? 'field field-error' : 'field'}>
              <label for="f-file">{t.file}</label>
              <p class="hint" id="f-file-hint">
                {t.uploadHint}
              </p>
              {props.upload.errors.file && (
                <p class="error-message" id="f-file-error">
                  {props.upload.errors.file}
                </p>
              )}
              <input
                id="f-file"
                name="file"
                type="file"
                accept=".csv,.xml,text/csv,application/xml"
                aria-describedby="f-file-hint"
              />
            </div>
            <button type="submit">{t.upload}</button>
          </form>
        </section>
      ) : (
        staff.role !== 'auditor' && <p class="hint">{t.uploadOnlyHubWide}</p>
      )}
      <h2>{t.runs}</h2>
      <form method="get" action="/console/reconciliation" class="filters">
        <ProviderSelect value={props.filter.provider ?? ''} label={o.provider} any={o.any} />
        <Field name="business_date" type="date" label={o.day} value={props.filter.business_date} />
        <button type="submit" class="secondary">
          {o.apply}
        </button>
      </form>
      <TableWrap label={t.runs}>
        <table>
          <caption class="visually-hidden">{t.runs}</caption>
          <thead>
            <tr>
              <th scope="col">{t.run}</th>
              <th scope="col">{o.provider}</th>
              <th scope="col">{o.day}</th>
              <th scope="col">{o.status}</th>
              <th scope="col" class="num">
                {t.lines}
              </th>
              <th scope="col" class="num">
                {t.breaks}
              </th>
              <th scope="col">{o.created}</th>
            </tr>
          </thead>
          <tbody>
            {props.runs.map((run) => (
              <tr key={run.id}>
                <td>
                  <a href={`/console/reconciliation/runs/${run.id}`}>{run.file_name ?? run.id}</a>
                </td>
                <td>{run.provider}</td>
                <td>{run.business_date}</td>
                <td>{t.runState[run.status] ?? run.status}</td>
                <td class="num">{formatCount(lang, run.line_count)}</td>
                <td class="num">
                  {formatCount(
                    lang,
                    run.summary.filter((c) => c.status === 'open').reduce((n, c) => n + c.count, 0),
                  )}
                </td>
                <td>{formatDateTime(lang, run.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {props.runs.length === 0 && <p>{WORDS[lang].none}</p>}
      <Pager nextHref={props.next} />
    </ConsolePage>
  );
}

async function showRuns(deps: ConsoleDeps, res: Response, upload: UploadForm, status = 200) {
  const staff = staffOfView(res);
  const filter = queryOf(res.req);
  const provider = PROVIDER_NAMES.includes(filter.provider ?? '') ? filter.provider : undefined;
  const date =
    filter.business_date && isCalendarDate(filter.business_date) ? filter.business_date : undefined;
  const page = await listRunsFor({ db: deps.db, recon: deps.services.recon }, staff, {
    provider,
    business_date: date,
    limit: 25,
    starting_after: filter.after,
  });
  const next = page.hasMore
    ? href('/console/reconciliation', { provider, business_date: date, after: page.data.at(-1)?.id })
    : null;
  sendPage(res, <RunsPage res={res} runs={page.data} next={next} filter={filter} upload={upload} />, status);
}

/** Reads the uploaded file to its end (the stream must be drained whatever the outcome). */
async function discard(res: Response) {
  const file = uploadOf(res.locals);
  if (file) for await (const _ of file.stream);
}

/** The file as the ingest reads it; one cut at the size limit fails the upload instead of settling half a file. */
async function* guarded(file: UploadedFile, tooLarge: string) {
  for await (const chunk of file.stream) yield chunk as Buffer;
  if (file.truncated()) throw refuse.invalid([{ field: 'file', message: tooLarge }]);
}

export function reconciliationRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const ops = { db: deps.db, recon: deps.services.recon };
  const blank: UploadForm = { provider: '', business_date: '', errors: {} };

  router.get('/reconciliation', (_req, res) => showRuns(deps, res, blank));

  router.post('/reconciliation/runs', writer, async (req, res) => {
    const lang = viewOf(res).lang;
    const t = reconWords(lang);
    const form: UploadForm = {
      provider: field(req.body, 'provider'),
      business_date: field(req.body, 'business_date'),
      errors: {},
    };
    const file = uploadOf(res.locals);
    if (!PROVIDER_NAMES.includes(form.provider)) form.errors.provider = t.providerRequired;
    if (!isCalendarDate(form.business_date)) form.errors.business_date = t.dateInvalid;
    if (!file?.name) form.errors.file = t.fileRequired;
    if (Object.keys(form.errors).length > 0) {
      await discard(res);
      return showRuns(deps, res, form);
    }
    let outcome: Awaited<ReturnType<typeof uploadSettlement>>;
    try {
      outcome = await uploadSettlement(ops, staffOfView(res), {
        provider: form.provider,
        date: form.business_date,
        input: guarded(file!, t.fileTooLarge),
        fileName: file!.name.slice(0, 200),
      });
    } catch (error) {
      await discard(res);
      const refusal = refusalOf(viewOf(res).lang, error);
      form.errors = { file: refusal.detail, ...refusal.fields };
      return showRuns(deps, res, form);
    }
    // A rejected file is a run too (kept nothing of the file): its page says why.
    res.redirect(303, `/console/reconciliation/runs/${outcome.rejected ? outcome.runId : outcome.run.id}`);
  });

  router.use(breakRoutes(deps));
  return router;
}
