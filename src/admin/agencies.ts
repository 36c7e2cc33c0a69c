/**
 * Administration of agencies for admins (`/console/agencies`), over the services the operator
 * CLI uses: agencies and their children, API keys (the secret shown once), provider settings
 * (write-only: only the names of the settings set are ever read back) and webhook endpoints.
 * Every change is audited with the staff member as actor, never with a secret in it.
 */
import type { Principal } from '../agencies/service.ts';
import { agencyByCode, createApiKey, listAgencies, listApiKeys, revokeApiKey } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import type { ProviderAccountsService } from '../provider-accounts/service.ts';
import type { WebhooksService } from '../webhooks/service.ts';
import { mustAdmin, refuse } from './errors.ts';
import type { Staff } from './staff.ts';

export interface AgencyOps {
  db: Db;
  providers: ProviderAccountsService;
  webhooks: WebhooksService;
}

type Mode = 'test' | 'live';

export interface AgencyView {
  id: string;
  code: string;
  name: string;
  parent: string | null;
  children: string[];
}

/** The agencies an admin manages: its own and their children (hub-wide admins: all), by code. */
export async function agenciesFor(db: Db, admin: Staff): Promise<AgencyView[]> {
  mustAdmin(admin, 'agencies');
  const all = await listAgencies(db);
  const visible = all.filter((a) => admin.scope === null || admin.scope.includes(a.id));
  return visible.map((a) => ({
    id: a.id,
    code: a.code,
    name: a.name,
    parent: a.parent_code,
    children: all.filter((c) => c.parent_id === a.id).map((c) => c.code),
  }));
}

/** One agency in the admin's scope; another agency's is a 404, as if it did not exist. */
export async function agencyFor(db: Db, admin: Staff, code: string) {
  mustAdmin(admin, 'agencies');
  const agency = await agencyByCode(db, code).catch((error) => {
    if (error instanceof DomainError && error.code === 'agency_missing')
      throw refuse.notFound('agency', code);
    throw error;
  });
  if (admin.scope !== null && !admin.scope.includes(agency.id)) throw refuse.notFound('agency', code);
  return agency;
}

export async function apiKeysFor(db: Db, admin: Staff, code: string) {
  await agencyFor(db, admin, code);
  return (await listApiKeys(db, code)).map((k) => ({
    id: k.id,
    mode: k.mode,
    hint: k.hint,
    created_at: new Date(k.created_at).toISOString(),
    revoked_at: k.revoked_at ? new Date(k.revoked_at).toISOString() : null,
  }));
}

const modeOf = (mode: string): Mode => {
  if (mode !== 'test' && mode !== 'live')
    throw refuse.invalid([{ field: 'mode', message: 'must be test or live' }]);
  return mode;
};

/** A new key; its secret is in this answer only (the hub keeps its hash). */
export async function createKeyFor(db: Db, admin: Staff, code: string, mode: string, ip?: string) {
  const agency = await agencyFor(db, admin, code);
  const checked = modeOf(mode);
  return db.transaction(async (tx) => {
    const key = await createApiKey(tx, code, checked);
    await audit(tx, {
      actorType: 'staff',
      actorId: admin.id,
      action: 'api_keys.create',
      objectId: key.id,
      agencyId: agency.id,
      mode: checked,
      ip,
      details: { agency: code, hint: key.key.slice(0, 13) },
    });
    return { id: key.id, key: key.key, mode: checked };
  });
}

export async function revokeKeyFor(db: Db, admin: Staff, code: string, keyId: string, ip?: string) {
  const agency = await agencyFor(db, admin, code);
  const key = (await listApiKeys(db, code)).find((k) => k.id === keyId);
  if (!key) throw refuse.notFound('API key', keyId);
  if (key.revoked_at) throw new DomainError('api_key_revoked', `Key ${keyId} is revoked already.`);
  await db.transaction(async (tx) => {
    await revokeApiKey(tx, keyId);
    await audit(tx, {
      actorType: 'staff',
      actorId: admin.id,
      action: 'api_keys.revoke',
      objectId: keyId,
      agencyId: agency.id,
      mode: key.mode,
      ip,
      details: { agency: code, hint: key.hint },
    });
  });
}

/** Each provider of the agency with the names of its settings set and missing, never a value. */
export async function providerSettingsFor(ops: AgencyOps, admin: Staff, code: string) {
  await agencyFor(ops.db, admin, code);
  return ops.providers.list(code);
}

/**
 * New values for some settings (blank ones are left as stored, so a form never has to show a
 * secret back to keep it). Audited with the names changed, never the values.
 */
export async function configureProviderFor(
  ops: AgencyOps,
  admin: Staff,
  code: string,
  provider: string,
  settings: Record<string, string>,
  ip?: string,
) {
  const agency = await agencyFor(ops.db, admin, code);
  const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v.trim() !== ''));
  if (Object.keys(given).length === 0)
    throw refuse.invalid([{ field: 'settings', message: 'enter at least one new value' }]);
  const result = await ops.providers.configure(code, provider, given).catch((error) => {
    if (error instanceof DomainError && error.code === 'provider_invalid')
      throw refuse.invalid([{ field: 'provider', message: error.detail }]);
    throw error;
  });
  await audit(ops.db, {
    actorType: 'staff',
    actorId: admin.id,
    action: 'providers.configure',
    objectType: 'agency_provider',
    objectId: `${code}:${provider}`,
    agencyId: agency.id,
    ip,
    details: { agency: code, provider, changed: Object.keys(given).sort(), missing: result.missing },
  });
  return result;
}

/** The webhooks service is the API's, which acts for an API key's agency and mode. */
function ownerOf(
  agency: { id: string; code: string; name: string; return_origins: string[] },
  mode: Mode,
): Principal {
  return {
    keyId: 'staff',
    mode,
    agencyId: agency.id,
    agencyCode: agency.code,
    agencyName: agency.name,
    returnOrigins: agency.return_origins,
  };
}

export async function webhookEndpointsFor(ops: AgencyOps, admin: Staff, code: string) {
  const agency = await agencyFor(ops.db, admin, code);
  const [test, live] = await Promise.all(
    (['test', 'live'] as const).map((m) => ops.webhooks.listEndpoints(ownerOf(agency, m))),
  );
  return [...live!.data, ...test!.data];
}

/** The URL refused (private address in live mode, not https…) becomes a field error. */
function urlRefusal(error: unknown): never {
  if (error instanceof DomainError && error.code === 'webhook_url_not_allowed')
    throw refuse.invalid([{ field: 'url', message: error.fields?.[0]?.message ?? error.message }]);
  throw error;
}

/** A new endpoint; its signing secret is in this answer only. */
export async function createWebhookEndpointFor(
  ops: AgencyOps,
  admin: Staff,
  code: string,
  input: { url: string; mode: string; events?: string[] },
  ip?: string,
) {
  const agency = await agencyFor(ops.db, admin, code);
  const mode = modeOf(input.mode);
  const url = input.url.trim();
  if (!url) throw refuse.invalid([{ field: 'url', message: 'must not be blank' }]);
  const created = await ops.webhooks
    .createEndpoint({ agencyId: agency.id, mode }, { url, events: input.events }, async (tx, response) => {
      const body = response.body as { id: string };
      await audit(tx, {
        actorType: 'staff',
        actorId: admin.id,
        action: 'webhook_endpoints.create',
        objectId: body.id,
        agencyId: agency.id,
        mode,
        ip,
        details: { agency: code, url },
      });
    })
    .catch(urlRefusal);
  return created.body as { id: string; url: string; secret: string };
}

/** Nothing more is sent to it; what it had pending is cancelled, its log stays. */
export async function disableWebhookEndpointFor(
  ops: AgencyOps,
  admin: Staff,
  code: string,
  id: string,
  ip?: string,
) {
  const agency = await agencyFor(ops.db, admin, code);
  const endpoint = (await webhookEndpointsFor(ops, admin, code)).find((e) => e.id === id);
  if (!endpoint) throw refuse.notFound('webhook endpoint', id);
  const mode: Mode = endpoint.livemode ? 'live' : 'test';
  await ops.webhooks.deleteEndpoint(ownerOf(agency, mode), id, async (tx) => {
    await audit(tx, {
      actorType: 'staff',
      actorId: admin.id,
      action: 'webhook_endpoints.disable',
      objectId: id,
      agencyId: agency.id,
      mode,
      ip,
      details: { agency: code, url: endpoint.url },
    });
  });
}
