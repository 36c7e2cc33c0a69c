/** `/console/agencies` (admins): agencies and their children; per agency its API keys, provider settings and webhook endpoints. */
import type { Response } from 'express';
import { Router } from 'express';
import { allAdapters } from '../../adapters/index.ts';
import {
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
import { WORDS } from './i18n.ts';
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

export function agencyRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  const ops = { db: deps.db, providers: deps.services.providers, webhooks: deps.services.webhooks };
  const admin = requireRole('admin');

  async function showAgency(res: Response, code: string, flash: Flash = {}, status = 200) {
    const staff = staffOfView(res);
    const view = viewOf(res);
    const t = adminWords(view.lang);
    const agency = await agencyFor(deps.db, staff, code).catch(asPage);
    const [all, keys, providers, endpoints] = await Promise.all([
      agenciesFor(deps.db, staff),
      apiKeysFor(deps.db, staff, code),
      providerSettingsFor(ops, staff, code),
      webhookEndpointsFor(ops, staff, code),
    ]);
    const me = all.find((a) => a.code === agency.code);
    const done = queryOf(res.req).done;
    sendPage(
      res,
      <ConsolePage view={view} title={`${agency.code} · ${agency.name}`} nav="agencies">
        {done && (
          <p class="notice" role="status">
            {{ revoked: t.keyRevoked, saved: t.saved, removed: t.removed }[done] ?? ''}
          </p>
        )}
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
        <KeysSection lang={view.lang} code={agency.code} keys={keys} newKey={flash.newKey} />
        <ProvidersSection
          lang={view.lang}
          code={agency.code}
          providers={providers}
          errors={flash.providerErrors ?? {}}
          editing={flash.editing}
        />
        <WebhooksSection
          lang={view.lang}
          code={agency.code}
          endpoints={endpoints}
          errors={flash.webhookErrors ?? {}}
          url={flash.url}
          newSecret={flash.newSecret}
        />
      </ConsolePage>,
      status,
    );
  }

  router.get('/agencies', admin, async (_req, res) => {
    const view = viewOf(res);
    const t = adminWords(view.lang);
    const agencies = await agenciesFor(deps.db, staffOfView(res));
    sendPage(
      res,
      <ConsolePage view={view} title={WORDS[view.lang].pages.agencies} nav="agencies">
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
      </ConsolePage>,
    );
  });

  router.get('/agencies/:code', admin, (req, res) => showAgency(res, req.params.code as string));

  router.post('/agencies/:code/keys', admin, async (req, res) => {
    const code = req.params.code as string;
    const key = await createKeyFor(deps.db, staffOfView(res), code, field(req.body, 'mode'), req.ip).catch(
      asPage,
    );
    // Shown in this answer only: the hub keeps the key's hash, never the key.
    await showAgency(res, code, { newKey: key.key }, 201);
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

  router.post('/agencies/:code/providers/:provider', admin, async (req, res) => {
    const code = req.params.code as string;
    const provider = req.params.provider as string;
    const adapter = allAdapters().find((a) => a.name === provider);
    await agencyFor(deps.db, staffOfView(res), code).catch(asPage);
    if (!adapter) throw notFound();
    const settings = Object.fromEntries(
      adapter.credentialNames.map((n) => [n, field(req.body, `${provider}-${n}`)]),
    );
    try {
      await configureProviderFor(ops, staffOfView(res), code, provider, settings, req.ip);
    } catch (error) {
      refusalOf(viewOf(res).lang, error);
      const t = adminWords(viewOf(res).lang);
      return showAgency(res, code, {
        editing: provider,
        providerErrors: { [`${provider}-settings`]: t.settingsRequired },
      });
    }
    res.redirect(303, `/console/agencies/${code}?done=saved`);
  });

  router.post('/agencies/:code/webhooks', admin, async (req, res) => {
    const code = req.params.code as string;
    const url = field(req.body, 'url').trim();
    const t = adminWords(viewOf(res).lang);
    try {
      const created = await createWebhookEndpointFor(
        ops,
        staffOfView(res),
        code,
        { url, mode: field(req.body, 'mode') },
        req.ip,
      );
      await showAgency(res, code, { newSecret: created.secret }, 201);
    } catch (error) {
      const refusal = refusalOf(viewOf(res).lang, error);
      const detail = refusal.fields.url;
      await showAgency(res, code, {
        url,
        webhookErrors: { url: detail ? `${t.urlInvalid}: ${detail}` : t.urlInvalid },
      });
    }
  });

  router.post('/agencies/:code/webhooks/:id/disable', admin, async (req, res) => {
    const code = req.params.code as string;
    await disableWebhookEndpointFor(ops, staffOfView(res), code, req.params.id as string, req.ip).catch(
      asPage,
    );
    res.redirect(303, `/console/agencies/${code}?done=removed`);
  });

  return router;
}
