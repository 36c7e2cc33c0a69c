import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliDatabase, cliDatabase } from '../helpers/cli.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { payhub, ROOT } from '../helpers/spawn.ts';

let cli: CliDatabase;
let env: Record<string, string>;
let database: TestDatabase | null;

beforeAll(async () => {
  cli = await cliDatabase('payhub-cli-');
  ({ env, database } = cli);
});
afterAll(() => cli.drop());

describe('payhub CLI', () => {
  it('migrate applies the numbered migrations, then nothing', () => {
    const first = payhub(['migrate', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).applied).toContain('002_payments');
    const second = payhub(['migrate', '--json'], env);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
  });

  it('creates agencies with parents and return origins, and keys shown once', () => {
    const ministry = payhub(['agencies:create', '--code', 'BTP', '--name', 'Bộ Tư pháp', '--json'], env);
    expect(ministry.status).toBe(0);
    const child = payhub(
      [
        'agencies:create',
        '--code',
        'BTP-LLTP',
        '--name',
        'Trung tâm Lý lịch tư pháp',
        '--parent',
        'BTP',
        '--return-origins',
        'https://lltp.example.gov.vn,https://dvc.example.gov.vn',
        '--json',
      ],
      env,
    );
    expect(child.status).toBe(0);
    const agency = JSON.parse(child.stdout);
    expect(agency).toMatchObject({ code: 'BTP-LLTP', parent_id: JSON.parse(ministry.stdout).id });
    expect(agency.return_origins).toEqual(['https://lltp.example.gov.vn', 'https://dvc.example.gov.vn']);

    const key = payhub(['keys:create', '--agency', 'BTP-LLTP', '--mode', 'live', '--json'], env);
    expect(key.status).toBe(0);
    expect(JSON.parse(key.stdout).key).toMatch(/^phk_live_[A-Za-z0-9_-]{43}$/);
    const revoked = payhub(['keys:revoke', '--id', JSON.parse(key.stdout).id, '--json'], env);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ revoked: true });
  });

  it('says what is wrong in one line and exits non-zero', () => {
    const cases: [string[], RegExp][] = [
      [['agencies:create', '--code', 'BTP', '--name', 'Again'], /exists/],
      [['agencies:create', '--code', 'bad code', '--name', 'X'], /code must be/],
      [['agencies:create', '--name', 'X'], /--code is required/],
      [['agencies:create', '--code', 'X1', '--name', 'X', '--return-origins', 'https://a.vn/path'], /origin/],
      [['agencies:create', '--code', 'X2', '--name', 'X', '--parent', 'NOPE'], /no agency with code NOPE/],
      [['keys:create', '--agency', 'NOPE'], /no agency/],
      [['keys:create', '--agency', 'BTP', '--mode', 'prod'], /mode must be test or live/],
      [
        ['agencies:create', '--code', 'X3', '--nmae', 'typo'],
        /unknown option '--nmae' \(Did you mean --name\?\)/,
      ],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const result = payhub(args, env);
      expect(result.status, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('configures a provider per agency: names checked, values sealed and never printed', async () => {
    const secret = 'VNPAYSECRETVALUE0123456789ABCDEF';
    const partial = payhub(
      [
        'providers:configure',
        '--agency',
        'BTP',
        '--provider',
        'vnpay',
        '--set',
        'tmn_code=BTP00001',
        '--json',
      ],
      env,
    );
    expect(partial.status).toBe(0);
    expect(JSON.parse(partial.stdout)).toMatchObject({ enabled: false, missing: ['hash_secret'] });
    const full = payhub(
      ['providers:configure', '--agency', 'BTP', '--provider', 'vnpay', '--set', `hash_secret=${secret}`],
      env,
    );
    expect(full.status).toBe(0);
    expect(full.stdout).toContain('vnpay is enabled for BTP (settings: hash_secret, tmn_code)');
    expect(full.stdout).not.toContain(secret);
    for (const [args, message] of [
      [['--provider', 'vnpay', '--set', 'colour=blue'], /vnpay has no setting colour/],
      [['--provider', 'paypal', '--set', 'a=b'], /unknown provider "paypal"/],
      [['--provider', 'momo', '--set', 'novalue'], /--set takes name=value/],
    ] as [string[], RegExp][]) {
      const result = payhub(['providers:configure', '--agency', 'BTP', ...args], env);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
    if (database) {
      const { rows } = await database.db.query<{ credentials: Uint8Array }>(
        `SELECT p.credentials FROM agency_providers p JOIN agencies a ON a.id = p.agency_id
          WHERE a.code = 'BTP' AND p.provider = 'vnpay'`,
      );
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0]!.credentials).toString('latin1')).not.toContain(secret);
    }
  });

  it('demo seeds the demo agency and prints a working test key', () => {
    const demo = payhub(['demo', '--json'], env);
    expect(demo.status).toBe(0);
    expect(JSON.parse(demo.stdout)).toMatchObject({
      agency: 'DEMO',
      api_key: expect.stringMatching(/^phk_test_/),
    });
  });

  it('has per-command help, --version and suggestions', () => {
    const version = payhub(['--version'], env);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = payhub(['keys:revoke', '--help'], env);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: payhub keys:revoke \[options\][\s\S]*--id <key_…>/);
    const typo = payhub(['agencies:lst'], env);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toMatch(/unknown command 'agencies:lst' \(Did you mean agencies:list\?\)/);
  }, 240_000);

  it('lists agencies, keys, providers, users and webhooks, never a secret', () => {
    const agencies = JSON.parse(payhub(['agencies:list', '--json'], env).stdout).data;
    expect(agencies).toContainEqual(expect.objectContaining({ code: 'BTP-LLTP', parent: 'BTP' }));
    const keys = payhub(['keys:list', '--agency', 'BTP-LLTP', '--json'], env);
    const [key] = JSON.parse(keys.stdout).data;
    expect(key).toMatchObject({
      id: expect.stringMatching(/^key_/),
      mode: 'live',
      revoked_at: expect.any(String),
    });
    expect(keys.stdout).not.toMatch(/phk_live_[A-Za-z0-9_-]{43}/);
    const providers = payhub(['providers:list', '--agency', 'BTP'], env);
    expect(providers.stdout).toMatch(/vnpay\s+yes\s+hash_secret,tmn_code/);
    expect(providers.stdout).not.toContain('VNPAYSECRETVALUE');
    expect(
      payhub(
        ['users:create', '--email', 'kt@btp.gov.vn', '--role', 'auditor', '--agency', 'BTP'],
        env,
        'a long enough password\n',
      ).status,
    ).toBe(0);
    expect(JSON.parse(payhub(['users:list', '--json'], env).stdout).data).toContainEqual(
      expect.objectContaining({ email: 'kt@btp.gov.vn', role: 'auditor', agency: 'BTP', disabled_at: null }),
    );
    const hook = payhub(
      ['webhooks:create', '--agency', 'BTP', '--url', 'https://hooks.btp.gov.vn/payhub', '--json'],
      // Offline, hooks.btp.gov.vn resolves to nothing public: let the test endpoint through.
      { ...env, PAYHUB_ALLOW_PRIVATE_WEBHOOKS: 'on' },
    );
    const webhooks = payhub(['webhooks:list', '--agency', 'BTP', '--json'], env);
    expect(JSON.parse(webhooks.stdout).data).toEqual([
      expect.objectContaining({ id: JSON.parse(hook.stdout).id, url: 'https://hooks.btp.gov.vn/payhub' }),
    ]);
    expect(webhooks.stdout).not.toContain('whsec_');
  }, 240_000);

  it('checks --date and --provider, and under --json reports errors as JSON on stdout', () => {
    const badDate = payhub(['reconcile', '--provider', 'sandbox', '--date', '2026-02-30'], env);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toBe('payhub: --date must be a calendar date YYYY-MM-DD, got "2026-02-30"\n');
    const badProvider = payhub(['sandbox:settlement', '--date', '2026-13-01', '--json'], env);
    expect(badProvider.status).toBe(2);
    expect(badProvider.stderr).toBe('');
    expect(JSON.parse(badProvider.stdout)).toEqual({
      error: { code: 'usage', message: '--date must be a calendar date YYYY-MM-DD, got "2026-13-01"' },
    });
    const unknown = payhub(['reconcile', '--provider', 'paypal', '--date', '2026-03-01', '--json'], env);
    expect(unknown.status).toBe(2);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/^unknown provider "paypal"; known: sandbox/),
    });
    const noAgency = JSON.parse(payhub(['keys:list', '--agency', 'NOPE', '--json'], env).stdout);
    expect(noAgency).toEqual({ error: { code: 'agency', message: 'no agency with code NOPE' } });
  }, 240_000);

  it('users:create on a terminal asks for the password without echoing it', async () => {
    // script(1) gives the command a pseudo-terminal; the password is typed once the prompt shows.
    const command = `${process.execPath} ${path.join(ROOT, 'bin/payhub.js')} users:create --email tty@btp.gov.vn --role finance --agency BTP`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    });
    let output = '';
    let typed = false;
    child.stdout.on('data', (d) => {
      output += d;
      if (!typed && output.includes('password: ')) {
        typed = true;
        child.stdin.write('a secret typed here\r');
      }
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(output).toMatch(/created finance tty@btp\.gov\.vn/);
    expect(output).not.toContain('a secret typed here');
    expect(code).toBe(0);
  }, 120_000);
});
