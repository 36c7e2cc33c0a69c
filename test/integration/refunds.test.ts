import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import type { Services } from '../../src/app.ts';
import { MULTI_CONNECTION_SKIP } from '../helpers/db.ts';
import { expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import {
  doublyPaidPayment,
  ledgerChecks,
  paidPayment,
  sandboxRefusesRefunds,
} from '../helpers/money-flows.ts';

let hub: TestHub;
let services: Services;
beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await enableProvider(hub.db, 'PROV-B', 'sandbox');
  services = hub.services;
});
afterAll(() => hub.drop());

const refund = (paymentId: string, body: object, key?: string) =>
  hub.api().post(`/v1/payments/${paymentId}/refunds`, body, key);
const payment = async (id: string) => (await hub.api().get(`/v1/payments/${id}`)).body;
const ledgerOf = async (id: string) => {
  const res = await hub.api().get(`/v1/payments/${id}/ledger`);
  expectContract(res, 'getPaymentLedger');
  return res.body.data as { kind: string; lines: { account: string; debit: number; credit: number }[] }[];
};
const eventsOf = async (objectId: string) =>
  (
    await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY id', [
      objectId,
    ])
  ).rows.map((r) => r.type);

describe('refunds', () => {
  it('a full refund succeeds at the provider, shows on the payment, its ledger and its events', async () => {
    const id = await paidPayment(hub);
    const res = await refund(id, { reason: 'Hồ sơ bị từ chối' }, 'full-1');
    expectContract(res, 'createRefund');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ payment: id, amount: 150000, status: 'succeeded', kind: 'requested' });
    expect(res.body.provider_refund_id).toMatch(/^SBR/);
    expect((await payment(id)).amount_refunded).toBe(150000);

    const got = await hub.api().get(`/v1/refunds/${res.body.id}`);
    expectContract(got, 'getRefund');
    expect(got.body).toEqual(res.body);
    const list = await hub.api().get(`/v1/payments/${id}/refunds`);
    expectContract(list, 'listPaymentRefunds');
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    expect(await eventsOf(res.body.id)).toEqual(['refund.succeeded']);
    // The request's audit record, once, written with the refund.
    const audited = await hub.db.query(
      'SELECT action, object_id, details FROM audit_log WHERE request_id = $1',
      [res.headers['request-id']],
    );
    expect(audited.rows).toEqual([
      { action: 'POST /v1/payments/:id/refunds', object_id: res.body.id, details: { status: 201 } },
    ]);

    const entries = await ledgerOf(id);
    expect(entries.map((e) => e.kind)).toEqual(['payment', 'refund']);
    expect(entries[1]!.lines).toEqual([
      { account: expect.stringMatching(/^agency_payable:agy_/), debit: 150000, credit: 0 },
      { account: 'provider_clearing:sandbox', debit: 0, credit: 150000 },
    ]);
    // Nothing more to refund.
    const again = await refund(id, { reason: 'again' });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('amount_exceeds_refundable');
  });

  it('several partial refunds, up to the captured amount and not a đồng more', async () => {
    const id = await paidPayment(hub, 150_000);
    for (const amount of [50_000, 60_000, 30_000]) {
      const res = await refund(id, { amount, reason: 'Hoàn một phần' });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('succeeded');
    }
    expect((await payment(id)).amount_refunded).toBe(140_000);
    const over = await refund(id, { amount: 10_001, reason: 'too much' });
    expectContract(over, 'createRefund');
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ code: 'amount_exceeds_refundable', refundable: 10_000 });
    // Without an amount: what is left.
    const rest = await refund(id, { reason: 'the rest' });
    expect(rest.body).toMatchObject({ amount: 10_000, status: 'succeeded' });
    expect((await payment(id)).amount_refunded).toBe(150_000);
    expect((await ledgerOf(id)).map((e) => e.kind)).toEqual([
      'payment',
      'refund',
      'refund',
      'refund',
      'refund',
    ]);
  });

  it('more than captured is a 422 problem', async () => {
    const id = await paidPayment(hub, 20_000);
    const res = await refund(id, { amount: 20_001, reason: 'x' });
    expectContract(res, 'createRefund');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'amount', message: 'must be at most 20000' }]);
    expect((await payment(id)).amount_refunded).toBe(0);
  });

  it('a payment that has not succeeded cannot be refunded (409)', async () => {
    const created = await hub.api().post('/v1/payments', (await import('../helpers/hub.ts')).paymentBody());
    const res = await refund(created.body.id, { reason: 'x' });
    expectContract(res, 'createRefund');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('payment_not_refundable');
  });

  it("another agency's payment is a 404, and so is its refund", async () => {
    const id = await paidPayment(hub);
    const mine = await refund(id, { amount: 1000, reason: 'x' });
    const other = await hub.api(hub.keys.b).post(`/v1/payments/${id}/refunds`, { reason: 'x' });
    expectContract(other, 'createRefund');
    expect(other.status).toBe(404);
    expect((await hub.api(hub.keys.b).get(`/v1/refunds/${mine.body.id}`)).status).toBe(404);
    expect((await hub.api(hub.keys.b).get(`/v1/payments/${id}/refunds`)).status).toBe(404);
  });

  it('bad input is a 400', async () => {
    const id = await paidPayment(hub);
    for (const body of [
      {},
      { reason: 'x', amount: 0 },
      { reason: 'x', amount: 1.5 },
      { reason: '' },
      { reason: 'x', y: 1 },
    ]) {
      const res = await refund(id, body);
      expectContract(res, 'createRefund');
      expect(res.status).toBe(400);
    }
  });

  it('Idempotency-Key: a replay returns the same refund, another body is refused, one refund exists', async () => {
    const id = await paidPayment(hub);
    const first = await refund(id, { amount: 5_000, reason: 'dup' }, 'refund-key-1');
    const replay = await refund(id, { amount: 5_000, reason: 'dup' }, 'refund-key-1');
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const reused = await refund(id, { amount: 6_000, reason: 'dup' }, 'refund-key-1');
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect((await hub.api().get(`/v1/payments/${id}/refunds`)).body.data).toHaveLength(1);
    expect((await payment(id)).amount_refunded).toBe(5_000);
  });

  it('the provider refuses: refund.failed, nothing refunded, nothing posted, the amount is free again', async () => {
    const id = await paidPayment(hub, 80_000);
    await sandboxRefusesRefunds(hub.db, id);
    const res = await refund(id, { amount: 80_000, reason: 'refused' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'failed', failure: { code: 'exceeds_paid' } });
    expect(await eventsOf(res.body.id)).toEqual(['refund.failed']);
    expect((await payment(id)).amount_refunded).toBe(0);
    expect((await ledgerOf(id)).map((e) => e.kind)).toEqual(['payment']);
    // A failed refund does not hold the amount: a new request may try again.
    const retry = await refund(id, { amount: 80_000, reason: 'again' });
    expect(retry.status).toBe(201);
  });

  it('a provider the agency no longer offers: the refund fails and says why', async () => {
    const id = await paidPayment(hub, 40_000);
    await hub.db.query(
      `UPDATE agency_providers SET enabled = false WHERE provider = 'sandbox' AND agency_id =
      (SELECT agency_id FROM payments WHERE id = $1)`,
      [id],
    );
    const res = await refund(id, { reason: 'provider off' });
    await hub.db.query(`UPDATE agency_providers SET enabled = true WHERE provider = 'sandbox'`);
    expect(res.body).toMatchObject({ status: 'failed', failure: { code: 'provider_unavailable' } });
  });

  it.skipIf(MULTI_CONNECTION_SKIP)('concurrent requests never refund more than was captured', async () => {
    const id = await paidPayment(hub, 100_000);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => refund(id, { amount: 30_000, reason: `concurrent ${i}` })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 422)).toHaveLength(5);
    expect((await payment(id)).amount_refunded).toBe(90_000);
    const { rows } = await hub.db.query<{ total: string }>(
      `SELECT sum(amount)::text AS total FROM refunds WHERE payment_id = $1 AND status <> 'failed'`,
      [id],
    );
    expect(rows[0]!.total).toBe('90000');
  });

  it('a double payment is refunded automatically, through suspense, never touching the first outcome', async () => {
    const { paymentId, doublePaidAttempt } = await doublyPaidPayment(hub, services, 70_000);
    const paid = await payment(paymentId);
    expect(paid.status).toBe('succeeded');
    expect(paid.attempts.map((a: { double_paid: boolean }) => a.double_paid)).toEqual([false, true]);
    const pending = (await hub.api().get(`/v1/payments/${paymentId}/refunds`)).body.data;
    expect(pending).toMatchObject([
      {
        kind: 'double_payment',
        attempt: doublePaidAttempt,
        amount: 70_000,
        status: 'pending',
        reason: 'double payment',
      },
    ]);
    expect((await hub.api().get('/v1/balance')).body.held_for_refund).toBeGreaterThanOrEqual(70_000);

    expect(await services.refunds.executeDue()).toMatchObject({ succeeded: 1 });
    const done = (await hub.api().get(`/v1/refunds/${pending[0].id}`)).body;
    expect(done.status).toBe('succeeded');
    expect(await eventsOf(paymentId)).toEqual(['payment.succeeded', 'payment.double_paid']);
    expect(await eventsOf(done.id)).toEqual(['refund.succeeded']);
    expect((await payment(paymentId)).amount_refunded).toBe(0);
    const entries = await ledgerOf(paymentId);
    expect(entries.map((e) => e.kind)).toEqual(['payment', 'double_payment', 'double_payment_refund']);
    expect(entries[1]!.lines.map((l) => l.account)).toEqual([
      'provider_clearing:sandbox',
      expect.stringMatching(/^suspense:agy_/),
    ]);
    const balance = await hub.api().get('/v1/balance');
    expectContract(balance, 'getBalance');
    expect(balance.body.held_for_refund).toBe(0);
  });

  it('the ledger stays balanced and the balance is payments less refunds', async () => {
    const { unbalanced, trial } = await ledgerChecks(hub.db);
    expect(unbalanced).toEqual([]);
    expect(trial).toBe('0');
    const { rows } = await hub.db.query<{ owed: string }>(
      `SELECT (sum(amount) - sum(amount_refunded))::text AS owed FROM payments p
        JOIN agencies a ON a.id = p.agency_id WHERE a.code = 'PROV-A' AND p.mode = 'test' AND p.status = 'succeeded'`,
    );
    expect((await hub.api().get('/v1/balance')).body.payable).toBe(Number(rows[0]!.owed));
  });
});
