import fs from 'node:fs';
import { read } from 'read';
import { adapterNames } from '../../adapters/index.ts';
import { createStaffUser, listStaffUsers, scopeChoiceMissing } from '../admin/staff.ts';
import type { AgencyRow } from '../agencies/model.ts';
import {
  agencyByCode,
  createAgency,
  createApiKey,
  listAgencies,
  listApiKeys,
  revokeApiKey,
  setAgencyContact,
} from '../agencies/service.ts';
import { createServices } from '../app.ts';
import type { Config } from '../config.ts';
import { isCalendarDate } from '../dates.ts';
import { migrate } from '../db/migrate.ts';
import type { Db } from '../db/port.ts';
import { demoCurl, seedDemo } from '../demo.ts';
import { DomainError } from '../errors.ts';
import { providerAccountsService } from '../provider-accounts/service.ts';
import { cancelReceipt, configureReceiptSigner } from '../receipts/service.ts';
import { reconcileCommand, sandboxSettlementCommand } from '../reconciliation/cli.ts';
import { loadSecretKey, sealer } from '../secrets.ts';
import { EVENT_TYPES, type endpointJson, webhooksService } from '../webhooks/service.ts';

const contactOptions = (options: Options) => ({
  phone: options.phone as string | undefined,
  email: options.email as string | undefined,
  website: options.website as string | undefined,
});

const contactJson = (agency: AgencyRow) => ({
  contact_phone: agency.contact_phone,
  contact_email: agency.contact_email,
  contact_website: agency.contact_website,
});

/** A failure the operator caused: one line, exit 2. */
export class UsageError extends Error {
  readonly code = 'usage';
}

export type Options = Record<string, string | boolean | string[] | undefined>;
export type Output = { json: Record<string, unknown>; text: string };

export interface CommandSpec {
  description: string;
  /** commander flags (`--code <C>`), what they mean; `[]` after the flags: repeatable. */
  options: [flags: string, description: string, repeatable?: boolean][];
  /** Lists change nothing and are not audited. */
  readOnly?: boolean;
  run(db: Db, options: Options, config: Config): Promise<Output>;
}

function required(options: Options, flag: string): string {
  const value = options[camel(flag)];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function date(options: Options): string {
  const value = required(options, 'date');
  if (!isCalendarDate(value))
    throw new UsageError(`--date must be a calendar date YYYY-MM-DD, got "${value}"`);
  return value;
}

function provider(options: Options): string {
  const value = required(options, 'provider');
  const known = adapterNames();
  if (!known.includes(value)) throw new UsageError(`unknown provider "${value}"; known: ${known.join(', ')}`);
  return value;
}

function mode(options: Options): 'test' | 'live' {
  const value = options.mode ?? 'test';
  if (value !== 'test' && value !== 'live') throw new UsageError('--mode must be test or live');
  return value;
}

/** Lines of aligned columns for a list's text output. */
function columns(rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const day = (value: Date | string | null) => (value ? new Date(value).toISOString() : '');

/** The password: piped in, or typed on a terminal without echo (never an argument: `ps` shows those). */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    return read({ prompt: 'password: ', silent: true, replace: '', output: process.stderr });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** The reconciliation service, wired here at the top as the server wires it. */
function reconciliation(db: Db, config: Config) {
  return createServices({
    db,
    publicUrl: config.publicUrl,
    secretKey: loadSecretKey(config),
    reconciliation: config.reconciliation,
  }).recon;
}

function providers(db: Db, config: Config) {
  const secret = loadSecretKey(config);
  return providerAccountsService({
    db,
    sealer: sealer(secret),
    publicUrl: config.publicUrl,
    signingSecret: secret,
  });
}

export const COMMANDS: Record<string, CommandSpec> = {
  migrate: {
    description: 'apply the numbered migrations not yet applied',
    options: [],
    async run(db) {
      const applied = await migrate(db);
      return {
        json: { applied },
        text: applied.length ? `applied ${applied.join(', ')}` : 'database is up to date',
      };
    },
  },
  demo: {
    description: 'seed the demo agency, a test key and the sandbox provider (once)',
    options: [],
    async run(db, _options, config) {
      const demo = await seedDemo(db, config);
      return {
        json: { agency: demo.agencyCode, api_key: demo.apiKey },
        text: `demo agency ${demo.agencyCode}, test key ${demo.apiKey}\n\n${demoCurl(config.publicUrl, demo.apiKey)}`,
      };
    },
  },
  'agencies:create': {
    description: 'create an agency (a tenant)',
    options: [
      ['--code <C>', 'agency code, e.g. SOTP-HN'],
      ['--name <N>', 'display name'],
      ['--parent <C>', "parent agency's code"],
      ['--return-origins <o1,o2>', 'origins return_url may point to'],
      ['--tax-code <T>', 'tax code (mã số thuế), printed on receipts'],
      ['--address <A>', 'address, printed on receipts'],
      ['--phone <P>', 'contact phone shown to citizens on its checkout pages'],
      ['--email <E>', 'contact e-mail shown to citizens'],
      ['--website <U>', 'contact website (http(s) URL) shown to citizens'],
    ],
    async run(db, options) {
      const origins =
        typeof options.returnOrigins === 'string' ? options.returnOrigins.split(',').filter(Boolean) : [];
      const agency = await createAgency(db, {
        code: required(options, 'code'),
        name: required(options, 'name'),
        parentCode: options.parent as string | undefined,
        returnOrigins: origins,
        taxCode: options.taxCode as string | undefined,
        address: options.address as string | undefined,
        contact: contactOptions(options),
      });
      return {
        json: {
          id: agency.id,
          code: agency.code,
          name: agency.name,
          parent_id: agency.parent_id,
          return_origins: agency.return_origins,
          tax_code: agency.tax_code,
          address: agency.address,
          ...contactJson(agency),
        },
        text: `created agency ${agency.code} (${agency.id})`,
      };
    },
  },
  'agencies:contact': {
    description: "set how citizens reach an agency (shown on its checkout pages); '' clears a field",
    options: [
      ['--code <C>', 'agency code'],
      ['--phone <P>', 'contact phone'],
      ['--email <E>', 'contact e-mail'],
      ['--website <U>', 'contact website (http(s) URL)'],
    ],
    async run(db, options) {
      const agency = await setAgencyContact(db, required(options, 'code'), contactOptions(options));
      return {
        json: { code: agency.code, ...contactJson(agency) },
        text: `contact of ${agency.code}: ${[agency.contact_phone, agency.contact_email, agency.contact_website].filter(Boolean).join(' · ') || 'none'}`,
      };
    },
  },
  'agencies:list': {
    description: 'list every agency',
    options: [],
    readOnly: true,
    async run(db) {
      const rows = await listAgencies(db);
      const data = rows.map((a) => ({
        id: a.id,
        code: a.code,
        name: a.name,
        parent: a.parent_code,
        return_origins: a.return_origins,
      }));
      return {
        json: { data },
        text: columns([
          ['code', 'name', 'parent', 'id'],
          ...data.map((a) => [a.code, a.name, a.parent ?? '', a.id]),
        ]),
      };
    },
  },
  'keys:create': {
    description: 'create an API key for an agency (shown once)',
    options: [
      ['--agency <C>', 'agency code'],
      ['--mode <test|live>', 'test (default) or live'],
    ],
    async run(db, options) {
      const keyMode = mode(options);
      const { id, key } = await createApiKey(db, required(options, 'agency'), keyMode);
      return { json: { id, key, mode: keyMode }, text: `${key}\n(key ${id}; shown once — store it now)` };
    },
  },
  'keys:list': {
    description: "list an agency's API keys (ids and hints, never the key)",
    options: [['--agency <C>', 'agency code']],
    readOnly: true,
    async run(db, options) {
      const rows = await listApiKeys(db, required(options, 'agency'));
      const data = rows.map((k) => ({
        id: k.id,
        mode: k.mode,
        hint: k.hint,
        created_at: day(k.created_at),
        revoked_at: k.revoked_at ? day(k.revoked_at) : null,
      }));
      return {
        json: { data },
        text: columns([
          ['id', 'mode', 'hint', 'created', 'revoked'],
          ...data.map((k) => [k.id, k.mode, k.hint, k.created_at, k.revoked_at ?? '']),
        ]),
      };
    },
  },
  'keys:revoke': {
    description: 'revoke an API key (ids: keys:list)',
    options: [['--id <key_…>', 'key id']],
    async run(db, options) {
      const id = required(options, 'id');
      await revokeApiKey(db, id);
      return { json: { id, revoked: true }, text: `revoked ${id}` };
    },
  },
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
  'users:create': {
    description: 'create a staff account (password on stdin, or typed without echo)',
    options: [
      ['--email <E>', 'e-mail address (the login)'],
      ['--role <finance|auditor|admin>', 'role'],
      ['--agency <C>', 'agency code (finance and auditor staff need one, or --hub-wide)'],
      ['--hub-wide', 'the account sees the whole hub'],
    ],
    async run(db, options) {
      const email = required(options, 'email');
      const role = required(options, 'role');
      const agencyCode = options.agency as string | undefined;
      const hubWide = options.hubWide === true;
      if (agencyCode && hubWide) throw new UsageError('give --agency or --hub-wide, not both');
      if (scopeChoiceMissing({ role, agencyCode, hubWide }))
        throw new UsageError(`a ${role} user needs --agency C, or --hub-wide to see the whole hub`);
      const user = await createStaffUser(db, {
        email,
        role,
        agencyCode,
        password: await readPassword(),
      });
      return {
        json: { ...user },
        text: `created ${user.role} ${user.email} (${user.id}) for ${user.agency ?? 'the whole hub'}`,
      };
    },
  },
  'users:list': {
    description: 'list staff accounts',
    options: [],
    readOnly: true,
    async run(db) {
      const rows = await listStaffUsers(db, null);
      const data = rows.map((u) => ({
        id: u.id,
        email: u.email,
        role: u.role,
        agency: u.agency_code,
        disabled_at: u.disabled_at ? day(u.disabled_at) : null,
      }));
      return {
        json: { data },
        text: columns([
          ['email', 'role', 'agency', 'disabled', 'id'],
          ...data.map((u) => [u.email, u.role, u.agency ?? '(hub)', u.disabled_at ?? '', u.id]),
        ]),
      };
    },
  },
  'receipts:configure': {
    description: "sign an agency's receipts with its certificate (the PKCS#12 password on stdin)",
    options: [
      ['--agency <C>', 'agency code'],
      ['--p12 <FILE>', 'PKCS#12 file with the certificate and its key'],
    ],
    async run(db, options, config) {
      const agency = await agencyByCode(db, required(options, 'agency'));
      const file = required(options, 'p12');
      let p12: Buffer;
      try {
        p12 = fs.readFileSync(file);
      } catch (error) {
        throw new UsageError(`--p12: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
      }
      const password = await readPassword();
      const { subject } = await configureReceiptSigner(db, sealer(loadSecretKey(config)), agency.id, {
        p12,
        password,
      });
      return {
        json: { id: agency.id, agency: agency.code, subject },
        text: `${agency.code}'s receipts are now signed by "${subject}"`,
      };
    },
  },
  'receipts:cancel': {
    description: 'cancel an issued receipt (its verification page then says so)',
    options: [
      ['--agency <C>', 'agency code'],
      ['--series <S>', 'receipt series, e.g. PH-26E'],
      ['--number <N>', 'receipt number'],
      ['--reason <R>', 'why it is cancelled'],
    ],
    async run(db, options) {
      const agency = await agencyByCode(db, required(options, 'agency'));
      const number = required(options, 'number');
      if (!/^\d{1,9}$/.test(number)) throw new UsageError('--number must be the receipt number, digits only');
      const series = required(options, 'series');
      const cancelled = await cancelReceipt(db, {
        agencyId: agency.id,
        series,
        number: Number(number),
        reason: required(options, 'reason'),
      });
      return {
        json: {
          id: cancelled.payment_id,
          series,
          number: Number(number),
          cancelled_at: cancelled.cancelled_at,
        },
        text: `cancelled receipt ${series} ${number.padStart(7, '0')} (payment ${cancelled.payment_id})`,
      };
    },
  },
  reconcile: {
    description: "reconcile a provider's settlement file for a business day",
    options: [
      ['--provider <P>', adapterNames().join(' | ')],
      ['--date <YYYY-MM-DD>', 'business day (Asia/Ho_Chi_Minh)'],
      ['--file <F>', 'the file (default: the drop folder)'],
    ],
    run: (db, options, config) =>
      reconcileCommand(reconciliation(db, config), config, {
        provider: provider(options),
        date: date(options),
        file: options.file as string | undefined,
        json: options.json === true,
      }),
  },
  'sandbox:settlement': {
    description: "write the sandbox's settlement file for a business day from the hub's sandbox attempts",
    options: [
      ['--date <YYYY-MM-DD>', 'business day (Asia/Ho_Chi_Minh)'],
      ['--out <F>', 'where (default: the drop folder, $PAYHUB_SETTLEMENT_DIR/sandbox/<date>.csv)'],
    ],
    run: (db, options, config) =>
      sandboxSettlementCommand(db, config, { date: date(options), out: options.out as string | undefined }),
  },
};
