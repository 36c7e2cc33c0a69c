import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principalForKey } from '../../src/agencies/service.ts';
import type { DomainError } from '../../src/errors.ts';
import { problemOf } from '../../src/http/problem.ts';
import type { PaymentCreate } from '../../src/payments/service.ts';
import { count, expectContract, paymentBody, TEST_SECRET, type TestHub, testHub } from '../helpers/hub.ts';

// 16:00 in Hanoi on 23 Nov 2026.
const NOW = new Date('2026-11-23T09:00:00Z');
let hub: TestHub;

beforeAll(async () => {
  hub = await testHub({ now: () => NOW });
});
afterAll(() => hub.drop());

describe('POST /v1/payments', () => {
  it('creates a payment waiting for the citizen, with a checkout URL', async () => {
    const body = paymentBody({
      payer: {
        name: 'Nguyễn Văn An',
        id_number: '001203004567',
        email: 'an@example.vn',
        phone: '0912345678',
      },
      budget: {
        treasury_code: '0011',
        treasury_account: '7111',
        chapter_code: '418',
        economic_code: '2662',
        area_code: '001',
      },
      metadata: { dossier: 'HS-1', office: 'Một cửa' },
      language: 'en',
    });
    const res = await hub.api().post('/v1/payments', body, 'create-1');
    expect(res.status).toBe(201);
    expectContract(res, 'createPayment');
    expect(res.body).toMatchObject({
      object: 'payment',
      status: 'created',
      livemode: false,
      amount: 150000,
      currency: 'VND',
      amount_breakdown: { principal: 150000, late_penalty: 0, total: 150000 },
      amount_refunded: 0,
      reference: body.reference,
      payer: body.payer,
      budget: body.budget,
      metadata: body.metadata,
      language: 'en',
      attempts: [],
      last_error: null,
    });
    expect(res.body.checkout_url).toMatch(/^http:\/\/hub\.test\/checkout\/[A-Za-z0-9_-]{43}$/);
    expect(res.body.created_at).toBe(NOW.toISOString());
    expect(res.body.expires_at).toBe(new Date(NOW.getTime() + 86_400_000).toISOString());

    const read = await hub.api().get(`/v1/payments/${res.body.id}`);
    expect(read.status).toBe(200);
    expectContract(read, 'getPayment');
    expect(read.body).toEqual(res.body);
  });

  it('adds the 0.05 %/day late penalty to an overdue fine and expires it at local midnight', async () => {
    const res = await hub.api().post(
      '/v1/payments',
      paymentBody({
        amount: 2_000_000,
        obligation: {
          type: 'fine',
          fine: { decision_no: '123/QĐ-XPVPHC', decided_on: '2026-10-01', due_on: '2026-11-10' },
        },
      }),
    );
    expect(res.status).toBe(201);
    // Due 10 Nov, paid 23 Nov: 11 … 22 Nov = 12 late days; 2,000,000 × 0.0005 × 12 = 12,000.
    expect(res.body.amount_breakdown).toEqual({
      principal: 2_000_000,
      late_penalty: 12_000,
      total: 2_012_000,
      late_days: 12,
      late_rate_per_day: '0.0005',
    });
    expect(res.body.amount).toBe(2_012_000);
    expect(res.body.expires_at).toBe('2026-11-23T17:00:00.000Z'); // 00:00 on 24 Nov in Hanoi
  });

  it('adds 0.03 %/day to a late tax, nothing to one paid on time', async () => {
    const late = await hub
      .api()
      .post(
        '/v1/payments',
        paymentBody({ amount: 3_333_333, obligation: { type: 'tax', tax: { due_on: '2026-11-20' } } }),
      );
    // 21, 22 Nov late: 3,333,333 × 0.0003 × 2 = 1,999.9998 → 2,000.
    expect(late.body.amount_breakdown).toMatchObject({ late_penalty: 2000, late_days: 2, total: 3_335_333 });
    const onTime = await hub.api().post(
      '/v1/payments',
      paymentBody({
        amount: 500_000,
        obligation: { type: 'tax', tax: { due_on: '2026-11-30' } },
        expires_in: 3600,
      }),
    );
    expect(onTime.body.amount_breakdown).toMatchObject({ late_penalty: 0, late_days: 0, total: 500_000 });
    expect(onTime.body.expires_at).toBe(new Date(NOW.getTime() + 3_600_000).toISOString());
  });

  it('accepts every obligation type', async () => {
    for (const type of ['fee', 'charge', 'insurance', 'other', 'tax']) {
      const res = await hub.api().post('/v1/payments', paymentBody({ obligation: { type } }));
      expect(res.status, type).toBe(201);
      expect(res.body.obligation.type).toBe(type);
    }
  });

  it('allows http://localhost return URLs only with a test key', async () => {
    const local = paymentBody({ return_url: 'http://localhost:8080/back' });
    expect((await hub.api().post('/v1/payments', local)).status).toBe(201);
    const live = await hub
      .api(hub.keys.aLive)
      .post('/v1/payments', paymentBody({ return_url: 'http://localhost:8080/back' }));
    expect(live.status).toBe(400);
    expect(live.body.errors[0].field).toBe('return_url');
  });

  it('creates many at once, each with its own answer and its audit record written with it', async () => {
    const references = Array.from({ length: 16 }, (_, i) => `HS-MANY-${i}`);
    // One dossier twice among them: the shared statement fails, each is then tried alone.
    const bodies = [...references, 'HS-MANY-3'].map((reference) => paymentBody({ reference }));
    const before = await count(hub, 'payments');
    const responses = await Promise.all(bodies.map((body) => hub.api().post('/v1/payments', body)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...references.map(() => 201), 409]);
    expect(await count(hub, 'payments')).toBe(before + references.length);
    const refused = responses.find((r) => r.status === 409)!;
    expect(refused.body).toMatchObject({ code: 'reference_in_use' });
    for (const res of responses.filter((r) => r.status === 201)) {
      const audit = await hub.db.query<{
        action: string;
        actor_id: string;
        object_id: string;
        details: unknown;
      }>('SELECT action, actor_id, object_id, details FROM audit_log WHERE request_id = $1', [
        res.headers['request-id'],
      ]);
      expect(audit.rows).toEqual([
        {
          action: 'POST /v1/payments',
          actor_id: hub.keyIds.a,
          object_id: res.body.id,
          details: { status: 201 },
        },
      ]);
    }
  });

  it('a shared statement that fails is counted at /metrics, and its requests still get their answers', async () => {
    const principal = (await principalForKey(hub.db, hub.keys.a))!;
    const create = (reference: string) =>
      hub.services.payments
        .create(principal, paymentBody({ reference }) as PaymentCreate, undefined, {
          ip: null,
          requestId: null,
          action: 'POST /v1/payments',
        })
        .then(
          (r) => r.status,
          // The domain error, answered as the API would answer it.
          (e: DomainError) => problemOf(e).status,
        );
    const failures = async () => {
      const text = (await request(hub.app).get('/metrics')).text;
      return Number(
        /payhub_shared_statement_failures_total\{statement="payment_create"\} (\d+)/.exec(text)?.[1] ?? 0,
      );
    };
    const before = await failures();
    // The first goes alone; the rest, made while it is at the database, share the next statement.
    const statuses = await Promise.all(
      ['HS-SHARED-0', 'HS-SHARED-1', 'HS-SHARED-1', 'HS-SHARED-2'].map(create),
    );
    expect(statuses[0]).toBe(201);
    // Retried one by one, at once: either twin may be the one that holds the reference.
    expect([...statuses.slice(1)].sort()).toEqual([201, 201, 409]);
    expect(statuses[3]).toBe(201);
    expect(await failures()).toBe(before + 1);
  });

  it('keeps one open payment per reference, naming the holder', async () => {
    const first = await hub.api().post('/v1/payments', paymentBody({ reference: 'HS-DUP-1' }));
    const second = await hub.api().post('/v1/payments', paymentBody({ reference: 'HS-DUP-1', amount: 1000 }));
    expect(second.status).toBe(409);
    expectContract(second, 'createPayment');
    expect(second.body).toMatchObject({ code: 'reference_in_use', payment: first.body.id });
    expect(second.body.detail).toContain(first.body.id);
    // Once cancelled, the dossier may be paid by a new payment.
    expect((await hub.api().post(`/v1/payments/${first.body.id}/cancel`)).status).toBe(200);
    expect((await hub.api().post('/v1/payments', paymentBody({ reference: 'HS-DUP-1' }))).status).toBe(201);
    // Another agency may use the same reference.
    const other = await hub
      .api(hub.keys.b)
      .post(
        '/v1/payments',
        paymentBody({ reference: 'HS-DUP-1', return_url: 'https://portal-b.example.vn/x' }),
      );
    expect(other.status).toBe(201);
  });
});

describe('GET /v1/payments', () => {
  it('lists newest first, paginates with starting_after, and filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await hub
        .api()
        .post('/v1/payments', paymentBody({ reference: `LIST-${i}`, metadata: { batch: 'L' } }));
      ids.push(res.body.id);
    }
    const page1 = await hub.api().get('/v1/payments?limit=2');
    expect(page1.status).toBe(200);
    expectContract(page1, 'listPayments');
    expect(page1.body.object).toBe('list');
    expect(page1.body.data.map((p: { id: string }) => p.id)).toEqual([ids[4], ids[3]]);
    expect(page1.body.has_more).toBe(true);
    const page2 = await hub.api().get(`/v1/payments?limit=2&starting_after=${ids[3]}`);
    expect(page2.body.data.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);

    const byRef = await hub.api().get('/v1/payments?reference=LIST-2');
    expect(byRef.body.data.map((p: { id: string }) => p.id)).toEqual([ids[2]]);
    expect(byRef.body.has_more).toBe(false);

    await hub.api().post(`/v1/payments/${ids[0]}/cancel`);
    const cancelled = await hub.api().get('/v1/payments?status=cancelled&limit=100');
    expect(cancelled.body.data.map((p: { id: string }) => p.id)).toContain(ids[0]);
    expect(cancelled.body.data.every((p: { status: string }) => p.status === 'cancelled')).toBe(true);

    const window = await hub
      .api()
      .get(
        `/v1/payments?created_gte=${encodeURIComponent(NOW.toISOString())}&created_lt=${encodeURIComponent(new Date(NOW.getTime() + 1).toISOString())}&limit=100`,
      );
    expect(window.body.data.length).toBeGreaterThanOrEqual(5);
    const before = await hub.api().get(`/v1/payments?created_lt=${encodeURIComponent(NOW.toISOString())}`);
    expect(before.body.data).toEqual([]);
  });
});

describe('POST /v1/payments/:id/cancel', () => {
  it('cancels a created payment once, records the event, and refuses a second time', async () => {
    const created = await hub.api().post('/v1/payments', paymentBody());
    const res = await hub.api().post(`/v1/payments/${created.body.id}/cancel`, { reason: 'Hồ sơ bị rút' });
    expect(res.status).toBe(200);
    expectContract(res, 'cancelPayment');
    expect(res.body).toMatchObject({ status: 'cancelled', cancellation_reason: 'Hồ sơ bị rút' });
    const events = await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1', [
      created.body.id,
    ]);
    expect(events.rows).toEqual([{ type: 'payment.cancelled' }]);

    const again = await hub.api().post(`/v1/payments/${created.body.id}/cancel`);
    expect(again.status).toBe(409);
    expectContract(again, 'cancelPayment');
    expect(again.body.code).toBe('payment_not_cancellable');
  });

  it('refuses to cancel while an attempt is with a provider, or after expiry', async () => {
    const processing = await hub.api().post('/v1/payments', paymentBody());
    await hub.db.query(`UPDATE payments SET status = 'processing' WHERE id = $1`, [processing.body.id]);
    const res = await hub.api().post(`/v1/payments/${processing.body.id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.detail).toContain('processing');

    const old = await hub.api().post('/v1/payments', paymentBody());
    // Expired by the hub's clock (NOW), which is what decides.
    await hub.db.query(
      `UPDATE payments SET expires_at = $2::timestamptz - interval '1 second' WHERE id = $1`,
      [old.body.id, NOW],
    );
    const expired = await hub.api().post(`/v1/payments/${old.body.id}/cancel`);
    expect(expired.status).toBe(409);
    expect(expired.body.detail).toContain('expired');
  });
});

describe('isolation between agencies and modes', () => {
  it("another agency's payment is a 404 for every route, and reveals nothing", async () => {
    const mine = await hub.api().post('/v1/payments', paymentBody({ reference: 'SECRET-REF' }));
    const id = mine.body.id as string;
    const theirs = hub.api(hub.keys.b);
    for (const res of [
      await theirs.get(`/v1/payments/${id}`),
      await theirs.post(`/v1/payments/${id}/cancel`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('resource_missing');
      expect(JSON.stringify(res.body)).not.toContain('SECRET-REF');
    }
    const list = await theirs.get('/v1/payments?reference=SECRET-REF');
    expect(list.body.data).toEqual([]);
    // The payment is untouched.
    expect((await hub.api().get(`/v1/payments/${id}`)).body.status).toBe('created');
  });

  it('a live key does not see test payments', async () => {
    const test = await hub.api().post('/v1/payments', paymentBody());
    expect((await hub.api(hub.keys.aLive).get(`/v1/payments/${test.body.id}`)).status).toBe(404);
    const live = await hub.api(hub.keys.aLive).post('/v1/payments', paymentBody());
    expect(live.body.livemode).toBe(true);
    expect((await hub.api().get(`/v1/payments/${live.body.id}`)).status).toBe(404);
  });
});

describe('authentication', () => {
  it('refuses a missing, malformed, unknown or revoked key with 401', async () => {
    const before = await count(hub, 'payments');
    const { default: request } = await import('supertest');
    const missing = await request(hub.app).get('/v1/payments');
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('authentication_required');
    expect((await hub.api('phk_test_nope').get('/v1/payments')).status).toBe(401);
    expect((await hub.api(`phk_test_${'A'.repeat(43)}`).post('/v1/payments', paymentBody())).status).toBe(
      401,
    );
    const basic = await request(hub.app).get('/v1/payments').set('Authorization', 'Basic abc');
    expect(basic.status).toBe(401);
    expect(basic.body.code).toBe('invalid_api_key');
    expect(await count(hub, 'payments')).toBe(before);
  });

  it('a revoked key stops working (within the cache lifetime)', async () => {
    const fresh = await testHub();
    try {
      expect((await fresh.api().get('/v1/payments')).status).toBe(200);
      await fresh.revoke(fresh.keyIds.a);
      // The per-node cache keeps a key for at most 5 s; a new app starts with an empty cache.
      const { createApp } = await import('../../src/app.ts');
      const pino = (await import('pino')).default;
      const app = createApp({
        db: fresh.db,
        logger: pino({ level: 'silent' }),
        publicUrl: 'http://hub.test',
        rateLimit: 0,
        secretKey: TEST_SECRET,
      });
      const { default: request } = await import('supertest');
      const res = await request(app).get('/v1/payments').set('Authorization', `Bearer ${fresh.keys.a}`);
      expect(res.status).toBe(401);
    } finally {
      await fresh.drop();
    }
  });
});
