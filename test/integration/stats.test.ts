/**
 * /stats, /stats.csv and /stats.json: succeeded live payments per day × agency × obligation type ×
 * provider from the daily roll-up; cells under 5 payments suppressed; no personal data; test-mode
 * payments never counted; cached.
 */
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import { addDays, localDate } from '../../src/dates.ts';
import { ulid } from '../../src/ids.ts';
import { paymentBody, type TestHub, testHub } from '../helpers/hub.ts';
import { paidPayment } from '../helpers/money-flows.ts';

let hub: TestHub;
const today = localDate(new Date());

/**
 * A live payment, made through the API with the live key, then marked paid by `provider` as the
 * provider's verified notification would (a fixture: live providers need their real networks).
 */
async function livePaid(provider: string, amount: number, type = 'charge') {
  const created = await hub
    .api(hub.keys.aLive)
    .post('/v1/payments', paymentBody({ amount, obligation: { type }, payer: { name: 'Nguyễn Văn Riêng' } }));
  expect(created.status).toBe(201);
  const attempt = `att_${ulid()}`;
  await hub.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO attempts (id, payment_id, agency_id, mode, provider, status, amount, completed_at)
       SELECT $1, id, agency_id, mode, $2, 'succeeded', amount, now() FROM payments WHERE id = $3`,
      [attempt, provider, created.body.id],
    );
    await tx.query(
      `UPDATE payments SET status = 'succeeded', succeeded_attempt_id = $1, paid_at = now(), updated_at = now()
        WHERE id = $2`,
      [attempt, created.body.id],
    );
  });
}

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  for (let i = 0; i < 6; i++) await livePaid('vnpay', 100_000 + i);
  for (let i = 0; i < 2; i++) await livePaid('momo', 50_000);
  await paidPayment(hub, 999_000);
});
afterAll(() => hub.drop());

describe('open statistics', () => {
  it('publishes live cells with counts and amounts, suppresses small ones, and shows no test payment', async () => {
    const json = await request(hub.app).get('/stats.json');
    expect(json.status).toBe(200);
    expect(json.headers['cache-control']).toBe('public, max-age=300');
    expect(json.body).toMatchObject({ mode: 'live', from: expect.any(String), to: today, min_cell: 5 });
    expect(json.body.cells).toEqual([
      {
        day: today,
        agency: 'PROV-A',
        agency_name: 'Tỉnh A',
        obligation_type: 'charge',
        provider: 'momo',
        count: null,
        amount: null,
        suppressed: true,
      },
      {
        day: today,
        agency: 'PROV-A',
        agency_name: 'Tỉnh A',
        obligation_type: 'charge',
        provider: 'vnpay',
        count: 6,
        amount: 600_015,
        suppressed: false,
      },
    ]);
    expect(JSON.stringify(json.body)).not.toContain('Riêng');

    const csv = await request(hub.app).get('/stats.csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.provider, r.count, r.amount, r.suppressed])).toEqual([
      ['momo', '', '', 'true'],
      ['vnpay', '6', '600015', 'false'],
    ]);
    expect(csv.text).not.toContain('999000');
  });

  it('the page draws the published days as SVG, in Vietnamese or English, and refuses a bad period', async () => {
    const page = await request(hub.app).get('/stats');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('<svg class="chart"');
    expect(page.text).toContain('600.015 ₫');
    expect(page.text).toContain('ẩn (dưới 5 khoản)');
    const en = await request(hub.app).get('/stats?lang=en');
    expect(en.text).toContain('<html lang="en"');
    expect(en.text).toContain('suppressed (under 5)');
    const bad = await request(hub.app).get('/stats?from=2026-02-30');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Ngày không hợp lệ');
    const badJson = await request(hub.app).get('/stats.json?from=2020-01-01&to=2026-01-01');
    expect(badJson.status).toBe(400);
    expect(badJson.body).toEqual({
      type: '/problems/invalid_request',
      title: 'Invalid request',
      status: 400,
      detail: 'the period is longer than 366 days',
      code: 'invalid_request',
      instance: '/stats.json?from=2020-01-01&to=2026-01-01',
      errors: [{ field: 'from', message: 'the period is longer than 366 days' }],
    });
  });

  it('serves a period from its cache for a minute', async () => {
    const period = `from=${today}&to=${today}`;
    const first = await request(hub.app).get(`/stats.json?${period}`);
    await livePaid('vnpay', 1_000);
    const cached = await request(hub.app).get(`/stats.json?${period}`);
    expect(cached.body.cells).toEqual(first.body.cells);
    const other = await request(hub.app).get(`/stats.json?from=${addDays(today, -1)}&to=${today}`);
    expect(other.body.cells.find((c: { provider: string }) => c.provider === 'vnpay').count).toBe(7);
  });
});
