import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import { localDate } from '../../src/dates.ts';
import { SQL_DIR } from '../../src/db/migrate.ts';
import { dailyAttempts, dailyTotals } from '../../src/totals/queries.ts';
import { paymentBody, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await enableProvider(hub.db, 'PROV-B', 'sandbox');
});
afterAll(() => hub.drop());

/** The same figures counted from the payments themselves: what the roll-up must always equal. */
async function countedFromPayments() {
  const { rows } = await hub.db.query(
    `SELECT to_char((p.paid_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 'YYYY-MM-DD') AS day, p.agency_id,
            p.obligation ->> 'type' AS obligation_type, a.provider, count(*)::int AS count,
            sum(p.amount)::text AS amount, sum(p.amount_refunded)::text AS refunded
       FROM payments p JOIN attempts a ON a.id = p.succeeded_attempt_id
      WHERE p.status = 'succeeded' AND p.mode = 'test'
      GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
  );
  return rows;
}

async function rolledUp() {
  const today = localDate(new Date());
  const rows = await dailyTotals(hub.db, { from: '2000-01-01', to: today, mode: 'test' });
  return rows
    .map(({ day, agency_id, obligation_type, provider, count, amount, refunded }) => ({
      day,
      agency_id,
      obligation_type,
      provider,
      count,
      amount,
      refunded,
    }))
    .sort((x, y) =>
      `${x.day}${x.agency_id}${x.obligation_type}`.localeCompare(
        `${y.day}${y.agency_id}${y.obligation_type}`,
      ),
    );
}

async function paidPayment(_hub: TestHub, amount: number, key = hub.keys.a) {
  const returnUrl = key === hub.keys.b ? 'https://portal-b.example.vn/x' : undefined;
  const body = paymentBody({ amount, ...(returnUrl ? { return_url: returnUrl } : {}) });
  const created = await hub.api(key).post('/v1/payments', body);
  expect(created.status).toBe(201);
  const paid = await hub.api(key).post(`/v1/test_helpers/payments/${created.body.id}/complete`, {
    outcome: 'succeeded',
  });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id as string;
}

async function fail(key = hub.keys.a) {
  const created = await hub.api(key).post('/v1/payments', paymentBody({ amount: 90_000 }));
  const res = await hub
    .api(key)
    .post(`/v1/test_helpers/payments/${created.body.id}/complete`, { outcome: 'failed' });
  expect(res.status).toBe(200);
}

describe('daily totals', () => {
  it('counts each success, in the same transaction, per day × agency × obligation type × provider', async () => {
    await paidPayment(hub, 150_000);
    await paidPayment(hub, 250_000);
    await paidPayment(hub, 70_000, hub.keys.b);
    await fail();
    const rows = await rolledUp();
    expect(rows).toEqual(await countedFromPayments());
    const a = rows.find((r) => r.count === 2)!;
    expect(a).toMatchObject({
      obligation_type: 'charge',
      provider: 'sandbox',
      amount: '400000',
      refunded: '0',
    });
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(3);
  });

  it('keeps refunds and the live mode apart, and the attempts that finished', async () => {
    const id = await paidPayment(hub, 300_000);
    const refund = await hub
      .api()
      .post(`/v1/payments/${id}/refunds`, { amount: 100_000, reason: 'overpaid' }, `rf-${id}`);
    expect(refund.status).toBe(201);
    await hub.services.refunds.executeDue();
    expect((await hub.api().get(`/v1/payments/${id}`)).body.amount_refunded).toBe(100_000);
    expect(await rolledUp()).toEqual(await countedFromPayments());
    const today = localDate(new Date());
    expect(await dailyTotals(hub.db, { from: today, to: today, mode: 'live' })).toEqual([]);
    const attempts = await dailyAttempts(hub.db, { from: today, to: today, mode: 'test' });
    expect(attempts.reduce((n, r) => n + r.succeeded, 0)).toBe(4);
    expect(attempts.reduce((n, r) => n + r.failed, 0)).toBe(1);
  });

  it('reads only the agencies asked for', async () => {
    const today = localDate(new Date());
    const { rows } = await hub.db.query<{ id: string }>("SELECT id FROM agencies WHERE code = 'PROV-B'");
    const b = await dailyTotals(hub.db, { from: today, to: today, mode: 'test', agencies: [rows[0]!.id] });
    expect(b.map((r) => [r.agency_code, r.count, r.amount])).toEqual([['PROV-B', 1, '70000']]);
  });

  it("the migration's backfill gives the same figures for payments that were there before it", async () => {
    const sql = fs.readFileSync(path.join(SQL_DIR, '100_daily_totals.sql'), 'utf8');
    const backfill = sql.slice(sql.indexOf('-- The rows already there.'));
    const before = await rolledUp();
    await hub.db.transaction(async (tx) => {
      await tx.query('DELETE FROM daily_totals');
      await tx.query('DELETE FROM daily_attempts');
      await tx.exec(backfill);
    });
    expect(await rolledUp()).toEqual(before);
    const today = localDate(new Date());
    const attempts = await dailyAttempts(hub.db, { from: today, to: today, mode: 'test' });
    expect(attempts.reduce((n, r) => n + r.failed, 0)).toBe(1);
  });
});
