import { adapterNames } from '../../adapters/index.ts';
import { agencyByCode } from '../agencies/service.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/port.ts';
import { DomainError } from '../errors.ts';
import { providerAccountsService } from '../provider-accounts/service.ts';
import { loadSecretKey, sealer } from '../secrets.ts';
import { EVENT_TYPES, type endpointJson, webhooksService } from '../webhooks/service.ts';
import { type CommandSpec, columns, mode, provider, required, UsageError } from './spec.ts';

/** The provider-accounts service, its settings sealed with the hub's secret key. */
function providers(db: Db, config: Config) {
  const secret = loadSecretKey(config);
  return providerAccountsService({
    db,
    sealer: sealer(secret),
    publicUrl: config.publicUrl,
    signingSecret: secret,
  });
}

/** What an agency is connected to: its payment providers and its webhook endpoints. */
export const PROVIDER_COMMANDS: Record<string, CommandSpec> = {
  'providers:configure': {
    description: "set an agency's settings for a provider (values sealed, never printed)",
    options: [
      ['--agency <C>', 'agency code'],
      ['--provider <P>', adapterNames().join(' | ')],
      ['--set <name=value>', 'a setting; repeat for several', true],
    ],
    async run(db, options, config) {
      const settings: Record<string, string> = {};
      for (const pair of (options.set as string[] | undefined) ?? []) {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--set takes name=value, got "${pair}"`);
        settings[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const result = await providers(db, config).configure(
        required(options, 'agency'),
        provider(options),
        settings,
      );
      // Names only: credential values are never printed back.
      const ready = result.missing.length === 0;
      return {
        json: { ...result, enabled: ready },
        text: ready
          ? `${result.provider} is enabled for ${result.agency} (settings: ${result.configured.join(', ')})`
          : `${result.provider} saved for ${result.agency}, not offered until set: ${result.missing.join(', ')}`,
      };
    },
  },
  'providers:list': {
    description: "list an agency's providers and which settings are set (never their values)",
    options: [['--agency <C>', 'agency code']],
    readOnly: true,
    async run(db, options, config) {
      const data = await providers(db, config).list(required(options, 'agency'));
      return {
        json: { data },
        text: columns([
          ['provider', 'enabled', 'settings set', 'missing'],
          ...data.map((p) => [
            p.provider,
            p.enabled ? 'yes' : 'no',
            p.settings.join(',') || '-',
            p.missing.join(','),
          ]),
        ]),
      };
    },
  },
  'webhooks:create': {
    description: 'register a webhook endpoint for an agency (signing secret shown once)',
    options: [
      ['--agency <C>', 'agency code'],
      ['--url <U>', 'https URL (live mode)'],
      ['--events <a,b>', `event types (default all): ${EVENT_TYPES.join(', ')}`],
      ['--mode <test|live>', 'test (default) or live'],
    ],
    async run(db, options, config) {
      const endpointMode = mode(options);
      const events =
        typeof options.events === 'string' ? options.events.split(',').filter(Boolean) : undefined;
      const unknown = events?.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e)) ?? [];
      if (unknown.length)
        throw new UsageError(`unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
      const agency = await agencyByCode(db, required(options, 'agency'));
      const webhooks = webhooksService({
        db,
        sealer: sealer(loadSecretKey(config)),
        allowPrivate: config.allowPrivateWebhooks,
      });
      let created: Record<string, unknown>;
      try {
        const stored = await webhooks.createEndpoint(
          { agencyId: agency.id, mode: endpointMode },
          { url: required(options, 'url'), events },
        );
        created = stored.body as Record<string, unknown>;
      } catch (error) {
        if (error instanceof DomainError) throw new UsageError(`--url: ${error.detail}`);
        throw error;
      }
      return {
        json: created,
        text: `${created.secret}\n(endpoint ${created.id} for ${agency.code}, ${endpointMode} mode; signing secret shown once — store it now)`,
      };
    },
  },
  'webhooks:list': {
    description: "list an agency's webhook endpoints, both modes (never their secrets)",
    options: [['--agency <C>', 'agency code']],
    readOnly: true,
    async run(db, options, config) {
      const agency = await agencyByCode(db, required(options, 'agency'));
      const webhooks = webhooksService({ db, sealer: sealer(loadSecretKey(config)) });
      const data: ReturnType<typeof endpointJson>[] = [];
      for (const endpointMode of ['test', 'live'] as const) {
        const principal = {
          keyId: 'cli',
          mode: endpointMode,
          agencyId: agency.id,
          agencyCode: agency.code,
          agencyName: agency.name,
          returnOrigins: agency.return_origins,
        };
        data.push(...(await webhooks.listEndpoints(principal)).data);
      }
      return {
        json: { data },
        text: columns([
          ['id', 'mode', 'url', 'events'],
          ...data.map((e) => [e.id, e.livemode ? 'live' : 'test', e.url, e.events?.join(',') ?? '(all)']),
        ]),
      };
    },
  },
};
