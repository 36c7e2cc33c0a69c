import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/http/observability.ts';
import { MULTI_CONNECTION_SKIP, onPglite, testDatabase } from '../helpers/db.ts';
import { paymentBody, TEST_SECRET, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
});
afterAll(() => hub.drop());

describe('operations endpoints', () => {
  it('/healthz and /readyz answer, /readyz says which database', async () => {
    expect((await request(hub.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(hub.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: onPglite ? 'pglite' : 'pg' });
  });

  it('/readyz is 503 when the database is gone', async () => {
    const broken = { ...hub.db, query: async () => Promise.reject(new Error('connection refused')) };
    const app = createApp({
      db: broken,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://x',
      rateLimit: 0,
      secretKey: TEST_SECRET,
    });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('unavailable');
  });

  it('/metrics exposes Prometheus counters by route template', async () => {
    await hub.api().get('/v1/payments');
    const res = await request(hub.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('payhub_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/v1\/payments",status="200"/);
    expect(res.text).toContain('payhub_process_cpu_user_seconds_total');
  });

  it('serves openapi.yaml and readable docs without any CDN', async () => {
    const spec = await request(hub.app).get('/openapi.yaml');
    expect(spec.status).toBe(200);
    expect(spec.text).toContain('openapi: 3.1.0');
    const docs = await request(hub.app).get('/docs');
    expect(docs.text).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(docs.text).not.toMatch(/https?:\/\/(?!localhost)/);
    const bundle = await request(hub.app).get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('sets security headers and a request id', async () => {
    const res = await hub.api().get('/v1/payments').set('X-Request-Id', 'trace-123');
    expect(res.headers['request-id']).toBe('trace-123');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const generated = await hub.api().get('/v1/payments');
    expect(generated.headers['request-id']).toMatch(/^req_[0-9a-f-]{36}$/);
  });

  it('an unexpected failure is a bare 500 problem, never a stack trace', async () => {
    const failing = {
      ...hub.db,
      query: async () => Promise.reject(new Error('secret internal detail at db.ts:42')),
    };
    const app = createApp({
      db: failing,
      logger: pino({ level: 'silent' }),
      publicUrl: 'http://x',
      rateLimit: 0,
      secretKey: TEST_SECRET,
    });
    const res = await request(app).get('/v1/payments').set('Authorization', `Bearer ${hub.keys.a}`);
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: 'internal_error', status: 500 });
    expect(res.text).not.toContain('secret internal detail');
  });
});

describe('logs', () => {
  it('the hub’s own logger writes the request id, never the API key, the payer or a capability URL', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = createApp({
      db: hub.db,
      logger: createLogger('info', sink),
      publicUrl: 'http://x',
      rateLimit: 0,
      secretKey: TEST_SECRET,
    });
    const payer = { name: 'Trần Thị Bình', id_number: '079123456789', email: 'binh@example.vn' };
    const created = await request(app)
      .post('/v1/payments')
      .set('Authorization', `Bearer ${hub.keys.a}`)
      .set('X-Request-Id', 'log-test-1')
      .send(paymentBody({ payer }));
    expect(created.status).toBe(201);
    const token = (created.body.checkout_url as string).split('/').pop()!;
    const signature = 'f00dfeedcafe0123456789abcdef0123';
    await request(app).get(`/checkout/${token}?lang=en`).set('Cookie', 'payhub_session=sess-secret');
    await request(app).get('/receipts/PH26E-0000042-SECRET');
    await request(app).get(`/return/vnpay?vnp_TxnRef=att_1&vnp_SecureHash=${signature}`);
    await request(app).post(`/notify/momo?signature=${signature}`).send({ signature });
    const text = lines.join('');
    expect(text).toContain('log-test-1');
    expect(text).toContain('"url":"/checkout/:token?lang=en"');
    expect(text).toContain('"url":"/receipts/:code"');
    expect(text).toContain('"url":"/return/vnpay"');
    expect(text).toContain('"url":"/notify/momo"');
    for (const secret of [hub.keys.a, token, 'sess-secret', 'SECRET', signature, ...Object.values(payer)])
      expect(text).not.toContain(secret);
  });
});

describe('rate limits', () => {
  it('answers 429 problem+json past the per-key limit', async () => {
    const limited = await testHub({ rateLimit: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await limited.api().get('/v1/payments')).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses).toContain(429);
      const res = await limited.api().get('/v1/payments');
      expect(res.body.code).toBe('rate_limited');
    } finally {
      await limited.drop();
    }
  });
});

describe('migrations', () => {
  it('a second run applies nothing', async () => {
    expect(await migrate(hub.db)).toEqual([]);
  });

  it.skipIf(MULTI_CONNECTION_SKIP)(
    'two instances starting at once: each migration applied exactly once',
    async () => {
      const fresh = await testDatabase({ migrated: false });
      try {
        const other = fresh.another();
        const [first, second] = await Promise.all([migrate(fresh.db), migrate(other)]);
        expect([...first, ...second].sort()).toEqual(first.length ? first.sort() : second.sort());
        expect(first.length === 0 || second.length === 0).toBe(true);
        const { rows } = await fresh.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM schema_migrations',
        );
        expect(rows[0]!.n).toBe(first.length + second.length);
      } finally {
        await fresh.drop();
      }
    },
  );

  it('the database refuses what the rules forbid, whatever the app does', async () => {
    const agency = await hub.db.query<{ id: string }>(`SELECT id FROM agencies LIMIT 1`);
    const insert = (amount: string, principal: string) =>
      hub.db.query(
        `INSERT INTO payments (id, agency_id, mode, status, currency, principal, amount, reference, description, return_url,
           obligation, language, checkout_token, expires_at, created_at, updated_at)
         VALUES ($1, $2, 'test', 'created', 'VND', $4, $3, 'R', 'd', 'https://x', '{"type":"fee"}', 'vi', $1, now(), now(), now())`,
        [`pay_${Math.random()}`, agency.rows[0]!.id, amount, principal],
      );
    // 23514 check_violation: the amount's range, and principal never above the amount.
    const refused = { code: '23514' };
    await expect(insert('-1', '-1')).rejects.toMatchObject(refused);
    await expect(insert('1000000000000', '1000000000000')).rejects.toMatchObject(refused);
    await expect(insert('100', '99')).rejects.toMatchObject(refused);
  });
});
