import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPg } from '../../src/db/pg.ts';
import { openPglite } from '../../src/db/pglite.ts';
import type { Db } from '../../src/db/port.ts';
import { type CliDatabase, cliDatabase } from '../helpers/cli.ts';
import { onPglite, type TestDatabase } from '../helpers/db.ts';
import { payhub } from '../helpers/spawn.ts';

let cli: CliDatabase;
let env: Record<string, string>;
let database: TestDatabase | null;
let dataDir: string;

beforeAll(async () => {
  cli = await cliDatabase('payhub-cli-webhooks-');
  ({ env, database, dataDir } = cli);
});
afterAll(() => cli.drop());

/** The CLI's database, opened once it has exited (PGlite allows one process at a time). */
async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = onPglite
    ? await openPglite(path.join(dataDir, 'pgdata'))
    : openPg({ connectionString: database!.url!, schema: database!.schema! });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('payhub webhooks:create', () => {
  it('creates an endpoint with its secret shown once, refuses a private URL in live mode, and is audited', async () => {
    expect(payhub(['agencies:create', '--code', 'SOTP-HN', '--name', 'Sở Tư pháp Hà Nội'], env).status).toBe(
      0,
    );
    const created = payhub(
      [
        'webhooks:create',
        '--agency',
        'SOTP-HN',
        '--url',
        'http://127.0.0.1:8080/payhub',
        '--events',
        'payment.succeeded,refund.succeeded',
        '--json',
      ],
      { ...env, PAYHUB_ALLOW_PRIVATE_WEBHOOKS: 'on' },
    );
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const endpoint = JSON.parse(created.stdout);
    expect(endpoint).toMatchObject({
      object: 'webhook_endpoint',
      url: 'http://127.0.0.1:8080/payhub',
      events: ['payment.succeeded', 'refund.succeeded'],
      livemode: false,
    });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const live = payhub(
      ['webhooks:create', '--agency', 'SOTP-HN', '--url', 'https://10.0.0.5/payhub', '--mode', 'live'],
      env,
    );
    expect(live.status).toBe(2);
    expect(live.stderr).toMatch(/^payhub: --url: .*10\.0\.0\.5.*not allowed in live mode/);
    const unknown = payhub(
      ['webhooks:create', '--agency', 'SOTP-HN', '--url', 'https://x.vn', '--events', 'nope'],
      env,
    );
    expect(unknown.status).toBe(2);

    expect(payhub(['keys:create', '--agency', 'SOTP-HN'], env).status).toBe(0);
    const rows = await withDb(
      async (db) =>
        (
          await db.query<{
            actor_type: string;
            action: string;
            object_id: string | null;
            details: Record<string, unknown>;
          }>(
            `SELECT actor_type, action, object_id, details FROM audit_log WHERE actor_type = 'operator' ORDER BY id`,
          )
        ).rows,
    );
    expect(rows.map((r) => r.action)).toEqual(['agencies:create', 'webhooks:create', 'keys:create']);
    expect(rows[1]).toMatchObject({ object_id: endpoint.id, details: { agency: 'SOTP-HN' } });
    // Neither the webhook secret nor the API key is ever written to the log.
    expect(JSON.stringify(rows)).not.toMatch(/whsec_|phk_/);
    expect(rows[2]!.object_id).toMatch(/^key_/);
  });
});
