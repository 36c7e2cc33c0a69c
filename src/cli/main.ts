import { createRequire } from 'node:module';
import os from 'node:os';
import { Command, CommanderError } from 'commander';
import { audit } from '../audit/service.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { DomainError } from '../errors.ts';
import { isReceiptRefusal } from '../receipts/service.ts';
import { ReceiptSignerError } from '../receipts/signing.ts';
import { isReconRefusal } from '../reconciliation/service.ts';
import { COMMANDS, type CommandSpec, type Options, UsageError } from './commands.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** What an operator command is audited with: its options, never a credential value. */
function auditedOptions(options: Options): Record<string, unknown> {
  const { json: _json, set, ...rest } = options;
  return { ...rest, ...(Array.isArray(set) ? { set: set.map((pair) => pair.split('=')[0]) } : {}) };
}

function operator(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function execute(name: string, spec: CommandSpec, options: Options): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    if (name !== 'migrate') await migrate(db);
    const output = await spec.run(db, options, config);
    if (!spec.readOnly) {
      await audit(db, {
        actorType: 'operator',
        actorId: operator(),
        action: name,
        objectId: typeof output.json.id === 'string' ? output.json.id : null,
        details: auditedOptions(options),
      });
    }
    process.stdout.write(options.json ? `${JSON.stringify(output.json)}\n` : `${output.text}\n`);
  } finally {
    await db.close();
  }
}

function program(): Command {
  const cli = new Command('payhub')
    .description('PayHub operator commands (embedded database: works while the hub runs)')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    // Errors are reported by fail() below, in one line (or JSON); help and version print as usual.
    .configureOutput({ outputError: () => {} });
  for (const [name, spec] of Object.entries(COMMANDS)) {
    const command = cli.command(name).description(spec.description);
    for (const [flags, description, repeatable] of spec.options) {
      if (repeatable)
        command.option(flags, description, (value: string, all: string[]) => [...all, value], []);
      else command.option(flags, description);
    }
    command.option('--json', 'print JSON (errors too: {"error":{"code","message"}} on stdout)');
    command.action((options: Options) => execute(name, spec, options));
  }
  return cli;
}

/** The `--json` code of an operator's domain refusals, as the CLI printed them before DomainError. */
const FAMILY_OF: Record<string, string> = {
  agency_invalid: 'agency',
  agency_missing: 'agency',
  agency_exists: 'agency',
  api_key_missing: 'agency',
  provider_invalid: 'provider',
  staff_invalid: 'staff',
  staff_user_exists: 'staff',
};

const familyOf = (error: unknown) => (error instanceof DomainError ? FAMILY_OF[error.code] : undefined);

/** A stable code for `--json` errors. */
function codeOf(error: unknown): string {
  if (error instanceof CommanderError)
    return error.code.replace(/^commander\./, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  if (isReconRefusal(error)) return error.code;
  if (error instanceof UsageError) return error.code;
  const family = familyOf(error);
  if (family) return family;
  if (error instanceof ConfigError) return 'config';
  if (isReceiptRefusal(error) || error instanceof ReceiptSignerError) return 'receipt';
  return 'internal';
}

function fail(error: unknown, json: boolean): number {
  const known =
    error instanceof CommanderError ||
    error instanceof UsageError ||
    familyOf(error) !== undefined ||
    error instanceof ConfigError ||
    isReconRefusal(error) ||
    isReceiptRefusal(error) ||
    error instanceof ReceiptSignerError;
  const raw = error instanceof Error ? error.message : String(error);
  // commander writes "error: unknown option '--nmae'\n(Did you mean --name?)": one line, ours.
  const message = raw
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  if (json) process.stdout.write(`${JSON.stringify({ error: { code: codeOf(error), message } })}\n`);
  else process.stderr.write(`payhub: ${message}\n`);
  return known ? 2 : 1;
}

const argv = process.argv.slice(2);
const json = argv.includes('--json');
program()
  .parseAsync(argv, { from: 'user' })
  .then(
    () => process.exit(0),
    (error) => {
      if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
      // No command at all: the help, as before (commander printed it), and exit 1.
      if (error instanceof CommanderError && error.code === 'commander.help') process.exit(1);
      process.exit(fail(error, json));
    },
  );
