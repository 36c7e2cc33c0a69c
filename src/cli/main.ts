import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createStaffUser, StaffError } from '../admin/staff.ts';
import { AgencyError, agencyByCode, createAgency, createApiKey, revokeApiKey } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import type { Db } from '../db/port.ts';
import { demoCurl, seedDemo } from '../demo.ts';
import { ApiError } from '../http/problem.ts';
import { ProviderError, providersService } from '../providers/service.ts';
import {
  cancelReceipt,
  configureReceiptSigner,
  ReceiptError,
  ReceiptSignerError,
} from '../receipts/service.ts';
import { reconcileCommand } from '../reconciliation/cli.ts';
import { ReconError } from '../reconciliation/service.ts';
import { loadSecretKey, sealer } from '../secrets.ts';
import { EVENT_TYPES, webhooksService } from '../webhooks/service.ts';

/** A failure the operator caused: one line on stderr, exit 1. */
class UsageError extends Error {}

type Values = Record<string, string | boolean | string[] | undefined>;
type Output = { json: Record<string, unknown>; text: string };

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  run(db: Db, values: Values, config: ReturnType<typeof loadConfig>): Promise<Output>;
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

const COMMANDS: Record<string, Command> = {
  migrate: {
    usage: 'payhub migrate',
    options: {},
    async run(db) {
      const applied = await migrate(db);
      return {
        json: { applied },
        text: applied.length ? `applied ${applied.join(', ')}` : 'database is up to date',
      };
    },
  },
  demo: {
    usage: 'payhub demo',
    options: {},
    async run(db, _values, config) {
      await migrate(db);
      const demo = await seedDemo(db, config);
      return {
        json: { agency: demo.agencyCode, api_key: demo.apiKey },
        text: `demo agency ${demo.agencyCode}, test key ${demo.apiKey}\n\n${demoCurl(config.publicUrl, demo.apiKey)}`,
      };
    },
  },
  'agencies:create': {
    usage:
      'payhub agencies:create --code C --name N [--parent C] [--return-origins o1,o2] [--tax-code T] [--address A]',
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      parent: { type: 'string' },
      'return-origins': { type: 'string' },
      'tax-code': { type: 'string' },
      address: { type: 'string' },
    },
    async run(db, values) {
      const origins =
        typeof values['return-origins'] === 'string'
          ? values['return-origins'].split(',').filter(Boolean)
          : [];
      const agency = await createAgency(db, {
        code: required(values, 'code'),
        name: required(values, 'name'),
        parentCode: values.parent as string | undefined,
        returnOrigins: origins,
        taxCode: values['tax-code'] as string | undefined,
        address: values.address as string | undefined,
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
        },
        text: `created agency ${agency.code} (${agency.id})`,
      };
    },
  },
  'keys:create': {
    usage: 'payhub keys:create --agency C [--mode test|live]',
    options: { agency: { type: 'string' }, mode: { type: 'string' } },
    async run(db, values) {
      const mode = (values.mode ?? 'test') as 'test' | 'live';
      const { id, key } = await createApiKey(db, required(values, 'agency'), mode);
      return { json: { id, key, mode }, text: `${key}\n(key ${id}; shown once — store it now)` };
    },
  },
  'keys:revoke': {
    usage: 'payhub keys:revoke --id key_…',
    options: { id: { type: 'string' } },
    async run(db, values) {
      const id = required(values, 'id');
      await revokeApiKey(db, id);
      return { json: { id, revoked: true }, text: `revoked ${id}` };
    },
  },
  'providers:configure': {
    usage: 'payhub providers:configure --agency C --provider P --set name=value…',
    options: {
      agency: { type: 'string' },
      provider: { type: 'string' },
      set: { type: 'string', multiple: true },
    },
    async run(db, values, config) {
      const settings: Record<string, string> = {};
      for (const pair of (values.set as string[] | undefined) ?? []) {
        const at = pair.indexOf('=');
        if (at < 1) throw new UsageError(`--set takes name=value, got "${pair}"`);
        settings[pair.slice(0, at)] = pair.slice(at + 1);
      }
      const secret = loadSecretKey(config);
      const providers = providersService({
        db,
        sealer: sealer(secret),
        publicUrl: config.publicUrl,
        signingSecret: secret,
      });
      const result = await providers.configure(
        required(values, 'agency'),
        required(values, 'provider'),
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
  'webhooks:create': {
    usage: 'payhub webhooks:create --agency C --url U [--events a,b] [--mode test|live]',
    options: {
      agency: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
      mode: { type: 'string' },
    },
    async run(db, values, config) {
      const mode = (values.mode ?? 'test') as 'test' | 'live';
      if (mode !== 'test' && mode !== 'live') throw new UsageError('--mode must be test or live');
      const events = typeof values.events === 'string' ? values.events.split(',').filter(Boolean) : undefined;
      const unknown = events?.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e)) ?? [];
      if (unknown.length)
        throw new UsageError(`unknown event type ${unknown.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
      const agency = await agencyByCode(db, required(values, 'agency'));
      const webhooks = webhooksService({ db, sealer: sealer(loadSecretKey(config)) });
      let created: Record<string, unknown>;
      try {
        const stored = await webhooks.createEndpoint(
          { agencyId: agency.id, mode },
          { url: required(values, 'url'), events },
        );
        created = stored.body as Record<string, unknown>;
      } catch (error) {
        if (error instanceof ApiError) throw new UsageError(`--url: ${error.detail ?? error.message}`);
        throw error;
      }
      return {
        json: created,
        text: `${created.secret}\n(endpoint ${created.id} for ${agency.code}, ${mode} mode; signing secret shown once — store it now)`,
      };
    },
  },
  'users:create': {
    usage: 'payhub users:create --email E --role finance|auditor|admin [--agency C]  (password on stdin)',
    options: { email: { type: 'string' }, role: { type: 'string' }, agency: { type: 'string' } },
    async run(db, values) {
      const password = await readStdin();
      const user = await createStaffUser(db, {
        email: required(values, 'email'),
        role: required(values, 'role'),
        agencyCode: values.agency as string | undefined,
        password,
      });
      return {
        json: { ...user },
        text: `created ${user.role} ${user.email} (${user.id}) for ${user.agency ?? 'the whole hub'}`,
      };
    },
  },
  'receipts:configure': {
    usage: 'payhub receipts:configure --agency C --p12 FILE  (the PKCS#12 password on stdin)',
    options: { agency: { type: 'string' }, p12: { type: 'string' } },
    async run(db, values, config) {
      const agency = await agencyByCode(db, required(values, 'agency'));
      const file = required(values, 'p12');
      let p12: Buffer;
      try {
        p12 = fs.readFileSync(file);
      } catch (error) {
        throw new UsageError(`--p12: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
      }
      const password = await readStdin();
      const sealed = sealer(loadSecretKey(config));
      const { subject } = await configureReceiptSigner(db, sealed, agency.id, { p12, password });
      return {
        json: { id: agency.id, agency: agency.code, subject },
        text: `${agency.code}'s receipts are now signed by "${subject}"`,
      };
    },
  },
  'receipts:cancel': {
    usage: 'payhub receipts:cancel --agency C --series S --number N --reason R',
    options: {
      agency: { type: 'string' },
      series: { type: 'string' },
      number: { type: 'string' },
      reason: { type: 'string' },
    },
    async run(db, values) {
      const agency = await agencyByCode(db, required(values, 'agency'));
      const number = required(values, 'number');
      if (!/^\d{1,9}$/.test(number)) throw new UsageError('--number must be the receipt number, digits only');
      const series = required(values, 'series');
      const cancelled = await cancelReceipt(db, {
        agencyId: agency.id,
        series,
        number: Number(number),
        reason: required(values, 'reason'),
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
    usage: 'payhub reconcile --provider P --date YYYY-MM-DD [--file F]',
    options: { provider: { type: 'string' }, date: { type: 'string' }, file: { type: 'string' } },
    run: (db, values, config) =>
      reconcileCommand(db, config, {
        provider: required(values, 'provider'),
        date: required(values, 'date'),
        file: values.file as string | undefined,
        json: values.json === true,
      }),
  },
};

/** The password, piped in (never an argument: those show in `ps` and shell history). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter, Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** What an operator command is audited with: its options, never a credential value. */
function auditedOptions(values: Values): Record<string, unknown> {
  const { json: _json, set, ...rest } = values;
  return { ...rest, ...(Array.isArray(set) ? { set: set.map((pair) => pair.split('=')[0]) } : {}) };
}

function operator(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

function help(): string {
  return ['Usage:', ...Object.values(COMMANDS).map((c) => `  ${c.usage} [--json]`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run "payhub help"`);
  let values: Values;
  try {
    values = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: ${command.usage}`);
  }
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    if (name !== 'migrate' && name !== 'demo') await migrate(db);
    const output = await command.run(db, values, config);
    const objectId = typeof output.json.id === 'string' ? output.json.id : null;
    await audit(db, {
      actorType: 'operator',
      actorId: operator(),
      action: name,
      objectId,
      details: auditedOptions(values),
    });
    process.stdout.write(values.json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const known =
      error instanceof UsageError ||
      error instanceof AgencyError ||
      error instanceof ConfigError ||
      error instanceof ProviderError ||
      error instanceof StaffError ||
      error instanceof ReconError ||
      error instanceof ReceiptError ||
      error instanceof ReceiptSignerError;
    process.stderr.write(`payhub: ${known ? error.message : (error?.message ?? String(error))}\n`);
    process.exit(known ? 2 : 1);
  },
);
