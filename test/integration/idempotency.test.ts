import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTI_CONNECTION_SKIP } from '../helpers/db.ts';
import { count, paymentBody, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
});
afterAll(() => hub.drop());

describe('Idempotency-Key on POST /v1/payments', () => {
  it('same key and same body → the stored response, marked as replayed, and one payment', async () => {
    const body = paymentBody();
    const first = await hub.api().post('/v1/payments', body, 'idem-same');
    const before = await count(hub, 'payments');
    // Key order in the JSON does not make it another request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await hub.api().post('/v1/payments', reordered, 'idem-same');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body).toEqual(first.body);
    expect(await count(hub, 'payments')).toBe(before);
  });

  it('same key, another body → 422 idempotency_key_reused, nothing written', async () => {
    await hub.api().post('/v1/payments', paymentBody(), 'idem-other');
    const before = await count(hub, 'payments');
    const res = await hub.api().post('/v1/payments', paymentBody({ amount: 999 }), 'idem-other');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await count(hub, 'payments')).toBe(before);
  });

  it('keys are per agency: another agency may use the same key', async () => {
    const a = await hub.api().post('/v1/payments', paymentBody(), 'idem-shared');
    const b = await hub
      .api(hub.keys.b)
      .post('/v1/payments', paymentBody({ return_url: 'https://portal-b.example.vn/' }), 'idem-shared');
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('a twin while the first request is still in flight → 409 idempotency_key_in_use', async () => {
    const body = paymentBody();
    // Another node has claimed the key and not answered yet.
    const { readClaim } = await import('../../src/http/idempotency.ts');
    const claim = readClaim({
      get: () => 'idem-inflight',
      method: 'POST',
      path: '/v1/payments',
      body,
    } as never)!;
    const agency = await hub.db.query<{ id: string }>(`SELECT id FROM agencies WHERE code = 'PROV-A'`);
    await hub.db.query(
      `INSERT INTO idempotency_keys (agency_id, mode, key, request_hash) VALUES ($1, 'test', 'idem-inflight', $2)`,
      [agency.rows[0]!.id, claim.requestHash],
    );
    const res = await hub.api().post('/v1/payments', body, 'idem-inflight');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('idempotency_key_in_use');
  });

  it('keys are kept 24 hours: after that the key starts afresh', async () => {
    const first = await hub.api().post('/v1/payments', paymentBody(), 'idem-old');
    await hub.db.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'idem-old'`,
    );
    const again = await hub.api().post('/v1/payments', paymentBody(), 'idem-old');
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a failed request stores nothing: fixing the body and retrying with the same key works', async () => {
    const bad = await hub
      .api()
      .post('/v1/payments', paymentBody({ return_url: 'https://evil.example/' }), 'idem-fix');
    expect(bad.status).toBe(422);
    const good = await hub.api().post('/v1/payments', paymentBody(), 'idem-fix');
    expect(good.status).toBe(201);
  });

  it.skipIf(MULTI_CONNECTION_SKIP)(
    `concurrent twins create exactly one payment (${MULTI_CONNECTION_SKIP || 'pg'})`,
    async () => {
      const body = paymentBody();
      const before = await count(hub, 'payments');
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => hub.api().post('/v1/payments', body, 'idem-race')),
      );
      expect(await count(hub, 'payments')).toBe(before + 1);
      const created = responses.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const r of responses) expect([201, 409]).toContain(r.status);
      const ids = new Set(created.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
    },
  );
});

describe('Idempotency-Key on POST /v1/payments/:id/cancel', () => {
  it('replays the cancellation instead of failing the retry', async () => {
    const payment = await hub.api().post('/v1/payments', paymentBody());
    const first = await hub
      .api()
      .post(`/v1/payments/${payment.body.id}/cancel`, { reason: 'rút hồ sơ' }, 'cancel-1');
    const second = await hub
      .api()
      .post(`/v1/payments/${payment.body.id}/cancel`, { reason: 'rút hồ sơ' }, 'cancel-1');
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    const events = await hub.db.query(`SELECT 1 FROM events WHERE object_id = $1`, [payment.body.id]);
    expect(events.rowCount).toBe(1);
    const other = await hub
      .api()
      .post(`/v1/payments/${payment.body.id}/cancel`, { reason: 'khác' }, 'cancel-1');
    expect(other.status).toBe(422);
  });

  it('a refused cancel releases its key', async () => {
    const res = await hub
      .api()
      .post('/v1/payments/pay_01HZZZZZZZZZZZZZZZZZZZZZZZ/cancel', undefined, 'cancel-missing');
    expect(res.status).toBe(404);
    const rows = await hub.db.query(`SELECT 1 FROM idempotency_keys WHERE key = 'cancel-missing'`);
    expect(rows.rowCount).toBe(0);
  });

  it.skipIf(MULTI_CONNECTION_SKIP)(
    'concurrent cancels with one key: one cancellation, the twin gets 409 or the replay',
    async () => {
      const payment = await hub.api().post('/v1/payments', paymentBody());
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          hub.api().post(`/v1/payments/${payment.body.id}/cancel`, undefined, 'cancel-race'),
        ),
      );
      for (const r of responses) expect([200, 409]).toContain(r.status);
      expect(
        responses.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] !== 'true'),
      ).toHaveLength(1);
      for (const r of responses.filter((x) => x.status === 409))
        expect(r.body.code).toBe('idempotency_key_in_use');
      const events = await hub.db.query(`SELECT 1 FROM events WHERE object_id = $1`, [payment.body.id]);
      expect(events.rowCount).toBe(1);
    },
  );
});
