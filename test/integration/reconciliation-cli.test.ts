import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { type CliDatabase, cliDatabase } from '../helpers/cli.ts';
import { payhub } from '../helpers/spawn.ts';

let cli: CliDatabase;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  cli = await cliDatabase('payhub-recon-cli-');
  ({ env, dataDir } = cli);
});
afterAll(() => cli.drop());

describe('payhub users:create and reconcile', () => {
  it('creates staff with the password from stdin, never twice, never weak', () => {
    expect(payhub(['agencies:create', '--code', 'STC-HN', '--name', 'Sở Tài chính Hà Nội'], env).status).toBe(
      0,
    );
    const created = payhub(
      [
        'users:create',
        '--email',
        'KeToan@stc.hanoi.gov.vn',
        '--role',
        'finance',
        '--agency',
        'STC-HN',
        '--json',
      ],
      env,
      'a long enough passphrase\n',
    );
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({
      email: 'ketoan@stc.hanoi.gov.vn',
      role: 'finance',
      agency: 'STC-HN',
    });
    const again = payhub(
      ['users:create', '--email', 'ketoan@stc.hanoi.gov.vn', '--role', 'finance', '--agency', 'STC-HN'],
      env,
      'another long passphrase',
    );
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const weak = payhub(
      ['users:create', '--email', 'x@stc.hanoi.gov.vn', '--role', 'finance', '--agency', 'STC-HN'],
      env,
      'short',
    );
    expect(weak.stderr).toMatch(/at least 12/);
    const role = payhub(
      ['users:create', '--email', 'y@stc.hanoi.gov.vn', '--role', 'boss'],
      env,
      'a long enough passphrase',
    );
    expect(role.stderr).toMatch(/--role must be one of/);
  });

  it('a finance or auditor user without --agency is refused unless --hub-wide says so', () => {
    for (const role of ['finance', 'auditor']) {
      const forgot = payhub(['users:create', '--email', `${role}@payhub.gov.vn`, '--role', role], env, 'x');
      expect(forgot.status).toBe(2);
      expect(forgot.stderr).toBe(
        `payhub: a ${role} user needs --agency C, or --hub-wide to see the whole hub\n`,
      );
    }
    const both = payhub(
      ['users:create', '--email', 'b@payhub.gov.vn', '--role', 'finance', '--agency', 'STC-HN', '--hub-wide'],
      env,
      'a long enough passphrase',
    );
    expect(both.stderr).toMatch(/not both/);
    const meant = payhub(
      ['users:create', '--email', 'hq@payhub.gov.vn', '--role', 'finance', '--hub-wide', '--json'],
      env,
      'a long enough passphrase',
    );
    expect(meant.stderr).toBe('');
    expect(JSON.parse(meant.stdout)).toMatchObject({
      email: 'hq@payhub.gov.vn',
      role: 'finance',
      agency: null,
    });
  }, 300_000);

  it('reconciles a file with a summary table, from the drop folder by default; a bad file exits non-zero', () => {
    const folder = path.join(dataDir, 'settlements', 'sandbox');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(
      path.join(folder, '2026-09-01.csv'),
      sandboxSettlementCsv('2026-09-01', [{ transactionId: 'Z1', attemptId: 'att_unknown', amount: 20000 }]),
    );
    const text = payhub(['reconcile', '--provider', 'sandbox', '--date', '2026-09-01'], env);
    expect(text.stderr).toBe('');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/missing_in_hub\s+open\s+1\s+20\.000 ₫/);
    const json = payhub(['reconcile', '--provider', 'sandbox', '--date', '2026-09-01', '--json'], env);
    expect(JSON.parse(json.stdout)).toMatchObject({ idempotent: true, line_count: 1, status: 'completed' });

    const bad = path.join(dataDir, 'bad.csv');
    fs.writeFileSync(
      bad,
      `${sandboxSettlementCsv('2026-09-02', [{ transactionId: 'Z2', attemptId: 'att_x', amount: 1000 }])}Z3,att_y,payment,abc,0,succeeded,2026-09-02T10:00:00+07:00\n`,
    );
    const refused = payhub(
      ['reconcile', '--provider', 'sandbox', '--date', '2026-09-02', '--file', bad],
      env,
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /^payhub: settlement file rejected \(malformed_file, run rrun_\w+\): line 3: bad amount/,
    );
    const missing = payhub(['reconcile', '--provider', 'sandbox', '--date', '2026-09-03'], env);
    expect(missing.stderr).toMatch(/no settlement file at .*sandbox\/2026-09-03\.csv/);
  });
});
