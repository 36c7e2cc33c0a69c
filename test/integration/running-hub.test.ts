import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { createStaffUser } from '../../src/admin/staff.ts';
import { createAgency, createApiKey, enableProvider } from '../../src/agencies/service.ts';
import { onPglite, type TestDatabase, testDatabase } from '../helpers/db.ts';
import { PORTAL, paymentBody, TEST_SECRET } from '../helpers/hub.ts';
import { freePort, payhub, startServer } from '../helpers/spawn.ts';
import { STAFF_PASSWORD } from '../helpers/staff.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';

/** The hub as `npm start` runs it, on Postgres reached through a proxy the test can cut. */
const SKIP = onPglite ? 'needs a Postgres server behind a TCP proxy' : false;

let database: TestDatabase;
let proxy: Awaited<ReturnType<typeof tcpProxy>>;
let server: Awaited<ReturnType<typeof startServer>>;
let hubUrl: string;
let apiKey: string;

beforeAll(async () => {
  if (SKIP) return;
  database = await testDatabase();
  await createAgency(database.db, { code: 'RUN-A', name: 'Tỉnh A', returnOrigins: [PORTAL] });
  await enableProvider(database.db, 'RUN-A', 'sandbox');
  apiKey = (await createApiKey(database.db, 'RUN-A', 'test')).key;
  await createStaffUser(database.db, {
    email: 'ketoan@tinh-a.gov.vn',
    role: 'finance',
    agencyCode: 'RUN-A',
    password: STAFF_PASSWORD,
  });
  const target = new URL(database.url!);
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const url = new URL(database.url!);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  url.searchParams.set('options', `-c search_path=${database.schema}`);
  const port = await freePort();
  hubUrl = `http://127.0.0.1:${port}`;
  server = await startServer(
    {
      DATABASE_URL: url.toString(),
      PAYHUB_SECRET_KEY: TEST_SECRET,
      PORT: String(port),
      PUBLIC_URL: hubUrl,
      PAYHUB_JOBS: 'off',
      PAYHUB_RATE_LIMIT: '0',
      PAYHUB_TRUST_PROXY: 'loopback',
      LOG_LEVEL: 'info',
    },
    // Fully started: a database cut while the job queue starts would (rightly) stop the process.
    /background jobs started/,
  );
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await database?.drop();
});

const createPayment = () =>
  request(hubUrl)
    .post('/v1/payments')
    .set('Authorization', `Bearer ${apiKey}`)
    .set('Idempotency-Key', `run-${Math.random()}`)
    .send(paymentBody());

describe.skipIf(SKIP)('a running hub', () => {
  it('serves its own PUBLIC_URL as the servers of /openapi.yaml, so "Try it out" calls it', async () => {
    const res = await request(hubUrl).get('/openapi.yaml');
    expect(res.status).toBe(200);
    const served = YAML.parse(res.text) as { servers: { url: string }[]; paths: object };
    expect(served.servers).toEqual([{ url: hubUrl }]);
    expect(Object.keys(served.paths)).toContain('/v1/payments');
    const docs = await request(hubUrl).get('/docs/init.js');
    expect(docs.text).toContain("url: '/openapi.yaml'");
  });

  it('answers 503 database_unavailable with Retry-After while Postgres is unreachable, then 201 again', async () => {
    expect((await createPayment()).status).toBe(201);
    await proxy.cut();
    try {
      const down = await createPayment();
      expect(down.status).toBe(503);
      expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.body).toMatchObject({ status: 503, code: 'database_unavailable' });
      const list = await request(hubUrl).get('/v1/payments').set('Authorization', `Bearer ${apiKey}`);
      expect(list.status).toBe(503);
      expect((await request(hubUrl).get('/readyz')).status).toBe(503);
    } finally {
      await proxy.restore();
    }
    await vi.waitFor(async () => expect((await request(hubUrl).get('/readyz')).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
    const again = await createPayment();
    expect(again.status).toBe(201);
  });

  it('logs no capability URL: checkout tokens, receipt codes, provider callbacks’ signed query strings', async () => {
    const payment = await createPayment();
    expect(payment.status).toBe(201);
    const checkoutPath = new URL(payment.body.checkout_url as string).pathname;
    const token = checkoutPath.split('/').pop()!;
    const signature = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const visits = [
      [`${checkoutPath}?lang=en`, 'log-checkout'],
      [`/receipts/PH26E-SECRETCODE42`, 'log-receipt'],
      [`/return/sandbox?attempt=att_1&signature=${signature}`, 'log-return'],
      [`/notify/vnpay?vnp_TxnRef=1&vnp_SecureHash=${signature}`, 'log-notify'],
    ] as const;
    for (const [path, id] of visits) await request(hubUrl).get(path).set('X-Request-Id', id);
    await vi.waitFor(() => expect(server.output()).toContain('"id":"log-notify"'), { timeout: 5_000 });
    const lines = server
      .output()
      .split('\n')
      .filter((line) => /"id":"log-/.test(line));
    expect(lines).toHaveLength(visits.length);
    const logged = lines.join('\n');
    expect(logged).toContain('"url":"/checkout/:token?lang=en"');
    expect(logged).toContain('"url":"/receipts/:code"');
    expect(logged).toContain('"url":"/return/sandbox"');
    expect(logged).toContain('"url":"/notify/vnpay"');
    for (const secret of [token, 'SECRETCODE42', signature]) expect(logged).not.toContain(secret);
  });

  it('behind a trusted proxy, wrong passwords from one address do not lock out staff at another', async () => {
    const signIn = (ip: string, password: string) =>
      request(hubUrl)
        .post('/admin/v1/sessions')
        .set('X-Forwarded-For', ip)
        .send({ email: 'ketoan@tinh-a.gov.vn', password });
    const fromA: number[] = [];
    for (let i = 0; i < 11; i++) fromA.push((await signIn('203.0.113.7', 'wrong password')).status);
    expect(fromA.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(fromA[10]).toBe(429);
    const fromB = await signIn('198.51.100.20', STAFF_PASSWORD);
    expect(fromB.status).toBe(201);
    expect(fromB.body.user.email).toBe('ketoan@tinh-a.gov.vn');
    // A is still held back, for this account, even with the right password.
    expect((await signIn('203.0.113.7', STAFF_PASSWORD)).status).toBe(429);
  });
});

describe('a shared database needs PAYHUB_SECRET_KEY', () => {
  // Nothing listens on port 9: the refusal comes before any connection.
  const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', PAYHUB_SECRET_KEY: '', NODE_ENV: '' };
  const message = 'PAYHUB_SECRET_KEY is required when DATABASE_URL is set';

  it('the server refuses to start, in one line', async () => {
    const started = startServer({ ...env, PORT: String(await freePort()) }, /PayHub listening/);
    await expect(started).rejects.toThrow(`server exited with 1:\npayhub: ${message}`);
  });

  it('so does every CLI command', () => {
    const result = payhub(['agencies:create', '--code', 'X', '--name', 'X'], env);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`payhub: ${message}`)]);
  });
});
