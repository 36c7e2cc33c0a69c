/** `/console/agencies` (admins): agencies and their children; per agency its API keys, provider settings and webhook endpoints. */
import type { Request, Response } from 'express';
import { Router } from 'express';
import { allAdapters } from '../../adapters/index.ts';
import {
  type AgencyOps,
  type AgencyView,
  agenciesFor,
  agencyFor,
  apiKeysFor,
  configureProviderFor,
  createKeyFor,
  createWebhookEndpointFor,
  disableWebhookEndpointFor,
  providerSettingsFor,
  revokeKeyFor,
  webhookEndpointsFor,
} from '../admin/agencies.ts';
import { KeysSection, ProvidersSection, WebhooksSection } from './admin-agency-sections.tsx';
import { adminWords } from './admin-text.ts';
import { type ConsoleDeps, queryOf, staffOfView, viewOf } from './context.ts';
import { notFound, sendPage } from './errors.tsx';
import { type Lang, WORDS } from './i18n.ts';
import { ConsolePage, type FieldErrors, TableWrap } from './layout.tsx';
import { asPage, field, refusalOf } from './ops.tsx';
import { requireRole } from './session.ts';

interface Flash {
  newKey?: string;
  newSecret?: string;
  providerErrors?: FieldErrors;
  editing?: string;
  webhookErrors?: FieldErrors;
  url?: string;
}

type Agency = Awaited<ReturnType<typeof agencyFor>>;

const opsOf = (deps: ConsoleDeps): AgencyOps => ({
  db: deps.db,
  providers: deps.services.providers,
  webhooks: deps.services.webhooks,
});

/** The agency's parent and children, each a link to its page. */
function Kin({ lang, me }: { lang: Lang; me: AgencyView | undefined }) {
  const t = adminWords(lang);
  return (
    <dl class="facts">
      <dt>{t.parent}</dt>
      <dd>{me?.parent ? <a href={`/console/agencies/${me.parent}`}>{me.parent}</a> : '—'}</dd>
      <dt>{t.children}</dt>
      <dd>
        {me?.children.length
          ? me.children.map((c, i) => (
              <span key={c}>
                {i > 0 && ', '}
                <a href={`/console/agencies/${c}`}>{c}</a>
              </span>
            ))
          : '—'}
      </dd>
    </dl>
  );
}

interface AgencyData {
  agency: Agency;
  me: AgencyView | undefined;
  keys: Awaited<ReturnType<typeof apiKeysFor>>;
  providers: Awaited<ReturnType<typeof providerSettingsFor>>;
  endpoints: Awaited<ReturnType<typeof webhookEndpointsFor>>;
}

async function agencyData(ops: AgencyOps, res: Response, code: string): Promise<AgencyData> {
  const staff = staffOfView(res);
  const agency = await agencyFor(ops.db, staff, code).catch(asPage);
  const [all, keys, providers, endpoints] = await Promise.all([
    agenciesFor(ops.db, staff),
    apiKeysFor(ops.db, staff, code),
    providerSettingsFor(ops, staff, code),
    webhookEndpointsFor(ops, staff, code),
  ]);
  return { agency, me: all.find((a) => a.code === agency.code), keys, providers, endpoints };
}

/** One agency's page: what was just done, its kin, keys, provider settings and webhook endpoints. */
function AgencyPage({ res, data, flash }: { res: Response; data: AgencyData; flash: Flash }) {
  const view = viewOf(res);
  const t = adminWords(view.lang);
  const { agency } = data;
  const done = queryOf(res.req).done;
  return (
    <ConsolePage view={view} title={`${agency.code} · ${agency.name}`} nav="agencies">
      {done && (
        <p class="notice" role="status">
          {{ revoked: t.keyRevoked, saved: t.saved, removed: t.removed }[done] ?? ''}
        </p>
      )}
      <Kin lang={view.lang} me={data.me} />
      <KeysSection lang={view.lang} code={agency.code} keys={data.keys} newKey={flash.newKey} />
      <ProvidersSection
        lang={view.lang}
        code={agency.code}
        providers={data.providers}
        errors={flash.providerErrors ?? {}}
        editing={flash.editing}
      />
      <WebhooksSection
        lang={view.lang}
        code={agency.code}
        endpoints={data.endpoints}
        errors={flash.webhookErrors ?? {}}
        url={flash.url}
        newSecret={flash.newSecret}
      />
    </ConsolePage>
  );
}

async function showAgency(ops: AgencyOps, res: Response, code: string, flash: Flash = {}, status = 200) {
  const data = await agencyData(ops, res, code);
  sendPage(res, <AgencyPage res={res} data={data} flash={flash} />, status);
}

/** The agencies an admin manages, with their parents and children. */
function AgencyList({ lang, agencies }: { lang: Lang; agencies: AgencyView[] }) {
  const t = adminWords(lang);
  return (
    <TableWrap label={t.agencies}>
      <table>
        <caption class="visually-hidden">{t.agencies}</caption>
        <thead>
          <tr>
            <th scope="col">{t.code}</th>
            <th scope="col">{t.name}</th>
            <th scope="col">{t.parent}</th>
            <th scope="col">{t.children}</th>
          </tr>
        </thead>
        <tbody>
          {agencies.map((a) => (
            <tr key={a.id}>
              <td>
                <a href={`/console/agencies/${a.code}`}>{a.code}</a>
              </td>
              <td>{a.name}</td>
              <td>{a.parent ?? '—'}</td>
              <td>{a.children.join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** New values for a provider's settings; a refusal shows on its form, the form left open. */
async function configureProvider(ops: AgencyOps, req: Request, res: Response) {
  const code = req.params.code as string;
  const provider = req.params.provider as string;
  const adapter = allAdapters().find((a) => a.name === provider);
  await agencyFor(ops.db, staffOfView(res), code).catch(asPage);
  if (!adapter) throw notFound();
  const settings = Object.fromEntries(
    adapter.credentialNames.map((n) => [n, field(req.body, `${provider}-${n}`)]),
  );
  try {
    await configureProviderFor(ops, staffOfView(res), code, provider, settings, req.ip);
  } catch (error) {
    const lang = viewOf(res).lang;
    refusalOf(lang, error);
    return showAgency(ops, res, code, {
      editing: provider,
      providerErrors: { [`${provider}-settings`]: adminWords(lang).settingsRequired },
    });
  }
  res.redirect(303, `/console/agencies/${code}?done=saved`);
}

/** A new webhook endpoint, its secret shown once; a URL refused shows beside the URL field. */
async function createWebhook(ops: AgencyOps, req: Request, res: Response) {
  const code = req.params.code as string;
  const url = field(req.body, 'url').trim();
  const lang = viewOf(res).lang;
  const t = adminWords(lang);
  try {
    const created = await createWebhookEndpointFor(
      ops,
      staffOfView(res),
      code,
      { url, mode: field(req.body, 'mode') },
      req.ip,
    );
    await showAgency(ops, res, code, { newSecret: created.secret }, 201);
  } catch (error) {
    const detail = refusalOf(lang, error).fields.url;
    await showAgency(ops, res, code, {
      url,
      webhookErrors: { url: detail ? `${t.urlInvalid}: ${detail}` : t.urlInvalid },
    });
  }
}

export function agencyRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const ops = opsOf(deps);
  const admin = requireRole('admin');

  router.get('/agencies', admin, async (_req, res) => {
    const view = viewOf(res);
    const agencies = await agenciesFor(deps.db, staffOfView(res));
    sendPage(
      res,
      <ConsolePage view={view} title={WORDS[view.lang].pages.agencies} nav="agencies">
        <AgencyList lang={view.lang} agencies={agencies} />
      </ConsolePage>,
    );
  });

  router.get('/agencies/:code', admin, (req, res) => showAgency(ops, res, req.params.code as string));

  router.post('/agencies/:code/keys', admin, async (req, res) => {
    const code = req.params.code as string;
    const key = await createKeyFor(deps.db, staffOfView(res), code, field(req.body, 'mode'), req.ip).catch(
      asPage,
    );
    // Shown in this answer only: the hub keeps the key's hash, never the key.
    await showAgency(ops, res, code, { newKey: key.key }, 201);
  });

  router.post('/agencies/:code/keys/:id/revoke', admin, async (req, res) => {
    const code = req.params.code as string;
    try {
      await revokeKeyFor(deps.db, staffOfView(res), code, req.params.id as string, req.ip);
    } catch (error) {
      refusalOf(viewOf(res).lang, error);
    }
    res.redirect(303, `/console/agencies/${code}?done=revoked`);
  });

  router.post('/agencies/:code/providers/:provider', admin, (req, res) => configureProvider(ops, req, res));
  router.post('/agencies/:code/webhooks', admin, (req, res) => createWebhook(ops, req, res));

  router.post('/agencies/:code/webhooks/:id/disable', admin, async (req, res) => {
    const code = req.params.code as string;
    await disableWebhookEndpointFor(ops, staffOfView(res), code, req.params.id as string, req.ip).catch(
      asPage,
    );
    res.redirect(303, `/console/agencies/${code}?done=removed`);
  });

  return router;
}
