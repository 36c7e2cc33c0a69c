/**
 * A plain success is applied in one statement from what the notification's first read saw; any
 * change to the payment in between sends it down the locked path instead. Both must leave the
 * same records: the payment and attempt, the event (the payment as the API shows it), the journal
 * entry, the audit record and the queued receipt.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app.ts';
import { notificationSnapshots } from '../../src/payments/attempt-queries.ts';
import type { VnpaySimulator } from '../fakes/vnpay/server.ts';
import { paymentBody, type TestHub } from '../helpers/hub.ts';
import { type ProviderHub, providerHub } from '../helpers/provider-hub.ts';

let hub: TestHub;
let base: string;
let app: ProviderHub['app'];
let services: Services;
let vnpay: VnpaySimulator;
let providers: ProviderHub;

beforeAll(async () => {
  providers = await providerHub();
  ({ hub, base, app, services, vnpay } = providers);
});
afterAll(() => providers?.close());

const snapshotOf = async (attemptId: string) =>
  (await notificationSnapshots(hub.db, [{ attemptId, provider: 'vnpay' }]))[0]!;

/** A payment whose citizen chose VNPay and paid there; the notification is still to come. */
async function paidAtVnpay() {
  const created = await hub.api().post('/v1/payments', paymentBody());
  expect(created.status).toBe(201);
  const checkout = new URL(created.body.checkout_url).pathname;
  const chose = await request(app).post(`${checkout}/attempts`).type('form').send({ method: 'vnpay' });
  expect(chose.status).toBe(303);
  const location = chose.headers.location as string;
  const attemptId = new URL(location).searchParams.get('vnp_TxnRef')!;
  expect((await fetch(location)).status).toBe(200);
  await vnpay.pay(attemptId);
  return { id: created.body.id as string, checkout, attemptId };
}

const notify = async (attemptId: string) =>
  (await vnpay.sendIpn(attemptId, { ipnUrl: `${base}/notify/vnpay` })).RspCode;

/** Everything a success writes for one payment, as comparable data. */
async function recordsOf(paymentId: string) {
  const q = async <R>(sql: string) => (await hub.db.query<R>(sql, [paymentId])).rows;
  return {
    // From the app the simulators call, whose public URL the event's checkout_url carries.
    api: (await request(app).get(`/v1/payments/${paymentId}`).set('Authorization', `Bearer ${hub.keys.a}`))
      .body,
    events: await q<{ type: string; data: unknown }>(
      'SELECT type, data FROM events WHERE object_id = $1 ORDER BY created_at, id',
    ),
    journal: await q<{ kind: string; account: string; amount: string }>(
      `SELECT e.kind, l.account, l.amount FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
        WHERE e.payment_id = $1 ORDER BY e.id, l.line_no`,
    ),
    audit: await q<{ action: string }>(
      `SELECT action FROM audit_log WHERE object_id = $1 AND actor_type = 'system' ORDER BY id`,
    ),
    receipts: await q<{ n: number }>(
      `SELECT (SELECT count(*) FROM receipt_queue WHERE payment_id = $1)
            + (SELECT count(*) FROM receipts WHERE payment_id = $1) AS n`,
    ),
  };
}

function expectOneSuccess(records: Awaited<ReturnType<typeof recordsOf>>, provider: string) {
  expect(records.api.status).toBe('succeeded');
  expect(records.events.map((e) => e.type)).toEqual(['payment.succeeded']);
  // The event carries the payment exactly as the API shows it afterwards.
  expect(records.events[0]!.data).toEqual(records.api);
  expect(records.journal.map((l) => [l.kind, l.account.split(':')[0], l.amount])).toEqual([
    ['payment', 'provider_clearing', String(records.api.amount)],
    ['payment', 'agency_payable', String(-records.api.amount)],
  ]);
  expect(records.journal[0]!.account).toBe(`provider_clearing:${provider}`);
  expect(records.audit.map((a) => a.action)).toEqual(['payment.succeeded']);
  expect(Number(records.receipts[0]!.n)).toBe(1);
}

describe('a success notification', () => {
  it('applies in one statement, writing what the locked path writes', async () => {
    const quick = await paidAtVnpay();
    const snapshot = await snapshotOf(quick.attemptId);
    const outcome = {
      attemptId: quick.attemptId,
      status: 'succeeded' as const,
      amount: snapshot.attempt.amount,
      providerTransactionId: '14123456',
      raw: { vnp_TransactionNo: '14123456' },
    };
    expect(await services.attempts.succeedFromSnapshot('vnpay', snapshot, outcome)).toBe(true);
    // Once applied, the same snapshot is stale: a second try changes nothing.
    expect(await services.attempts.succeedFromSnapshot('vnpay', snapshot, outcome)).toBe(false);

    const locked = await paidAtVnpay();
    expect(
      await services.attempts.apply('vnpay', {
        ...outcome,
        attemptId: locked.attemptId,
        providerTransactionId: '14123457',
      }),
    ).toBe('accepted');

    const [a, b] = [await recordsOf(quick.id), await recordsOf(locked.id)];
    expectOneSuccess(a, 'vnpay');
    expectOneSuccess(b, 'vnpay');
    expect(a.api.attempts[0]).toMatchObject({ status: 'succeeded', provider_transaction_id: '14123456' });
    // The provider's repeat of the same notification is acknowledged as already processed.
    expect(await notify(quick.attemptId)).toBe('02');
  });

  it('for a payment that changed after it was read takes the locked path and shows the change', async () => {
    const { id, checkout, attemptId } = await paidAtVnpay();
    const snapshot = await snapshotOf(attemptId);
    // Meanwhile the citizen, in another tab, starts paying with MoMo.
    const other = await request(app).post(`${checkout}/attempts`).type('form').send({ method: 'momo' });
    expect(other.status).toBe(303);

    const outcome = { attemptId, status: 'succeeded' as const, amount: snapshot.attempt.amount, raw: {} };
    expect(await services.attempts.succeedFromSnapshot('vnpay', snapshot, outcome)).toBe(false);
    const untouched = await recordsOf(id);
    expect(untouched.api.status).toBe('processing');
    expect(untouched.events).toEqual([]);
    expect(untouched.journal).toEqual([]);

    expect(await notify(attemptId)).toBe('00');
    const records = await recordsOf(id);
    expectOneSuccess(records, 'vnpay');
    expect(
      records.api.attempts.map((a: { provider: string; status: string }) => [a.provider, a.status]),
    ).toEqual(
      expect.arrayContaining([
        ['vnpay', 'succeeded'],
        ['momo', 'processing'],
      ]),
    );
  });

  it('sent many times at once is applied once; the others are told it was already processed', async () => {
    const { id, attemptId } = await paidAtVnpay();
    const replies = await Promise.all(Array.from({ length: 8 }, () => notify(attemptId)));
    expect(replies.filter((r) => r === '00')).toHaveLength(1);
    expect(replies.filter((r) => r === '02')).toHaveLength(7);
    expectOneSuccess(await recordsOf(id), 'vnpay');
  });

  it('for many payments at once are applied together, each with its own records', async () => {
    const paid = await Promise.all(Array.from({ length: 12 }, () => paidAtVnpay()));
    const replies = await Promise.all(paid.map((p) => notify(p.attemptId)));
    expect(replies).toEqual(paid.map(() => '00'));
    for (const p of paid) {
      const records = await recordsOf(p.id);
      expectOneSuccess(records, 'vnpay');
      expect(records.api.attempts[0].id).toBe(p.attemptId);
    }
  });
});
