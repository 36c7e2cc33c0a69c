import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/dates.ts';
import { freePort, payhubAsync as payhub, ROOT, startServer } from '../helpers/spawn.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payhub-owner-'));
const env = { DATABASE_URL: '', PAYHUB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
const READY = /Create a payment:[\s\S]*-d '/;
const LOCK = path.join(dataDir, 'payhub.lock');
/** The hub's own process (the spawned tsx runs it as a child): the pid its lock names. */
const ownerPid = () => (JSON.parse(fs.readFileSync(LOCK, 'utf8')) as { pid: number }).pid;
let server: Awaited<ReturnType<typeof startServer>>;
let base: string;
let key: string;
let port: number;

/** On the same port each time: the demo agency's return origin is the first start's address. */
async function start() {
  port ??= await freePort();
  // A fresh PGlite folder (initdb, every migration) takes a while on a busy machine.
  server = await startServer({ ...env, PORT: String(port) }, READY, 150_000);
  base = `http://localhost:${port}`;
  key = /test API key: (phk_test_\S+)/.exec(server.output())![1]!;
}

async function createPayment(reference: string): Promise<{ id: string; checkout_url: string }> {
  const created = await fetch(`${base}/v1/payments`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': reference,
    },
    body: JSON.stringify({
      amount: 150000,
      reference,
      description: 'Lệ phí',
      return_url: `${base}/`,
      obligation: { type: 'charge' },
    }),
  });
  expect(created.status).toBe(201);
  return (await created.json()) as { id: string; checkout_url: string };
}

/** The bank-transfer page a citizen gets after choosing VietQR on a new payment. */
async function transferPage(reference: string): Promise<string> {
  const { checkout_url } = await createPayment(reference);
  const chose = await fetch(`${checkout_url}/attempts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'method=vietqr',
    redirect: 'manual',
  });
  expect(chose.status).toBe(303);
  return (await fetch(checkout_url)).text();
}

beforeAll(start, 160_000);
afterAll(async () => {
  if (server.child.exitCode === null && server.child.signalCode === null) await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` on the embedded database owns its folder; the CLI works through it meanwhile. */
describe('embedded database shared by the hub and the CLI', () => {
  it('providers:configure through the running hub: the checkout uses the new VietQR account at once', async () => {
    // The demo starts with VietQR into its demo account.
    const before = await transferPage('OWN-1');
    expect(before).toContain('100000000001');
    expect(before).not.toContain('0011001234567');
    const configured = await payhub(
      [
        'providers:configure',
        '--agency',
        'DEMO',
        '--provider',
        'vietqr',
        '--set',
        'bank_bin=970436',
        '--set',
        'account_no=0011001234567',
        '--set',
        'account_name=SO TU PHAP TINH MAU',
        '--json',
      ],
      env,
    );
    expect(configured.stderr).toBe('');
    expect(JSON.parse(configured.stdout)).toMatchObject({ provider: 'vietqr', enabled: true });
    expect(await transferPage('OWN-2')).toContain('0011001234567');
  }, 120_000);

  it('users:create through the running hub: the new user signs in at once', async () => {
    const created = await payhub(
      ['users:create', '--email', 'ketoan@demo.gov.vn', '--role', 'finance', '--hub-wide', '--json'],
      env,
      'correct horse battery staple\n',
    );
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({ email: 'ketoan@demo.gov.vn', role: 'finance' });
    const signIn = await fetch(`${base}/admin/v1/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'ketoan@demo.gov.vn', password: 'correct horse battery staple' }),
    });
    expect(signIn.status).toBe(201);
    expect(((await signIn.json()) as { csrf_token?: string }).csrf_token).toBeTruthy();
  }, 120_000);

  it('a second npm start on the same folder is refused with one line naming the pid', async () => {
    const second = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'src/server.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: String(await freePort()) },
    });
    let stderr = '';
    second.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toEqual([
      `payhub: the data folder ${dataDir} is in use by PayHub (pid ${ownerPid()}); stop it first or set PAYHUB_DATA_DIR to another folder`,
    ]);
    // The running hub is untouched.
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  }, 120_000);

  it('a demo day reconciles end to end: sandbox:settlement writes the drop file, reconcile finds no break', async () => {
    // The demo made the sandbox's drop folder.
    const dropFolder = path.join(dataDir, 'settlements', 'sandbox');
    expect(fs.existsSync(dropFolder)).toBe(true);
    const payment = await createPayment('OWN-PAID');
    const paid = await fetch(`${base}/v1/test_helpers/payments/${payment.id}/complete`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'pay-1',
      },
      body: JSON.stringify({ outcome: 'succeeded' }),
    });
    expect(((await paid.json()) as { status: string }).status).toBe('succeeded');
    const day = localDate(new Date());

    const written = await payhub(['sandbox:settlement', '--date', day, '--json'], env);
    expect(written.stderr).toBe('');
    expect(JSON.parse(written.stdout)).toMatchObject({
      file: path.join(dropFolder, `${day}.csv`),
      payments: 1,
      refunds: 0,
    });
    const lines = fs
      .readFileSync(path.join(dropFolder, `${day}.csv`), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('transaction_id,attempt_id,type,amount,fee,status,occurred_at');
    expect(lines[1]).toMatch(/^[^,]+,att_[^,]+,payment,150000,0,succeeded,\d{4}-/);

    const reconciled = await payhub(['reconcile', '--provider', 'sandbox', '--date', day, '--json'], env);
    expect(reconciled.stderr).toBe('');
    const run = JSON.parse(reconciled.stdout) as {
      status: string;
      summary: { category: string; count: number }[];
    };
    expect(run.status).toBe('completed');
    expect(run.summary.map((c) => [c.category, c.count])).toEqual([['matched', 1]]);
    // The hub lists the run the CLI made, at once (finance staff from the users:create above).
    const signIn = await fetch(`${base}/admin/v1/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'ketoan@demo.gov.vn', password: 'correct horse battery staple' }),
    });
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const runs = await fetch(`${base}/admin/v1/reconciliation/runs?provider=sandbox`, {
      headers: { cookie },
    });
    const listed = (await runs.json()) as { data: { id: string; status: string }[] };
    expect(listed.data.map((r) => [r.id, r.status])).toContainEqual([
      JSON.parse(reconciled.stdout).id,
      'completed',
    ]);
  }, 240_000);

  it('after kill -9 the stale lock is taken over: the CLI works alone, then the hub starts again', async () => {
    const killed = new Promise((resolve) => server.child.once('exit', resolve));
    process.kill(ownerPid(), 'SIGKILL');
    await killed;
    expect(fs.existsSync(LOCK)).toBe(true);
    const migrated = await payhub(['migrate', '--json'], env);
    expect(migrated.stderr).toBe('');
    expect(JSON.parse(migrated.stdout)).toEqual({ applied: [] });
    // The CLI held the folder only for its command.
    expect(fs.existsSync(LOCK)).toBe(false);
    await start();
    // The operator's VietQR account survives the restart (the demo seeds only what is missing).
    expect(await transferPage('OWN-3')).toContain('0011001234567');
  }, 300_000);
});
