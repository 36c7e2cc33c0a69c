/**
 * Midnight (DESIGN.md "What may move money"): whether a fine is paid late is decided by when the
 * provider took the money, not by when the hub heard of it. The hub on a real port, the VNPay
 * simulator paying and notifying with its own signed vnp_PayDate.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentBody, type TestHub } from '../helpers/hub.ts';
import { type ProviderHub, providerHub } from '../helpers/provider-hub.ts';

let hub: TestHub;
let providers: ProviderHub;

beforeAll(async () => {
  providers = await providerHub();
  ({ hub } = providers);
});
afterAll(() => providers?.close());

/** A late fine whose citizen went to VNPay: its payment id and attempt id. */
async function fineAtVnpay() {
  const created = await hub.api().post(
    '/v1/payments',
    paymentBody({
      amount: 2_000_000,
      obligation: {
        type: 'fine',
        fine: { decision_no: '77/QĐ-XPHC', decided_on: '2026-01-05', due_on: '2026-01-10' },
      },
    }),
  );
  expect(created.status).toBe(201);
  expect(new Date(created.body.expires_at).getTime()).toBeGreaterThan(Date.now());
  const checkout = new URL(created.body.checkout_url).pathname;
  const chose = await request(providers.app)
    .post(`${checkout}/attempts`)
    .type('form')
    .send({ method: 'vnpay' });
  expect(chose.status).toBe(303);
  const location = new URL(chose.headers.location as string);
  expect((await fetch(location)).status).toBe(200);
  return { id: created.body.id as string, attemptId: location.searchParams.get('vnp_TxnRef')! };
}

describe('a fine still in flight at midnight', () => {
  it('paid (vnp_PayDate) after midnight when created the day before: underpaid, not succeeded', async () => {
    const { id, attemptId } = await fineAtVnpay();
    // The payment was created yesterday (at yesterday's penalty) and expires at today's midnight,
    // which has passed: the money VNPay now takes is taken after the amount changed.
    await hub.db.query(
      `UPDATE payments SET created_at = created_at - interval '1 day', expires_at = $2 WHERE id = $1`,
      [id, new Date(Date.now() - 60_000)],
    );
    providers.vnpay.pay(attemptId);
    const reply = await providers.vnpay.sendIpn(attemptId, { ipnUrl: `${providers.base}/notify/vnpay` });
    expect(reply.RspCode).toBe('00');

    const payment = (await hub.api().get(`/v1/payments/${id}`)).body;
    expect(payment.status).not.toBe('succeeded');
    expect(payment.last_error.code).toBe('underpaid');
    expect(payment.attempts[0]).toMatchObject({ status: 'succeeded', underpaid: true, double_paid: false });
    const events = await hub.db.query<{ type: string }>(
      'SELECT type FROM events WHERE object_id = $1 ORDER BY id',
      [id],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['payment.underpaid']);
    // The money is accounted for: in suspense for the agency, not owed to it as a paid fine.
    const ledger = (await hub.api().get(`/v1/payments/${id}/ledger`)).body;
    const lines = JSON.stringify(ledger);
    expect(lines).toContain('suspense:');
    expect(lines).not.toContain('agency_payable:');
    const audited = await hub.db.query('SELECT 1 FROM audit_log WHERE object_id = $1', [id]);
    expect(audited.rowCount).toBeGreaterThan(0);
    // The duplicate notification changes nothing.
    const again = await providers.vnpay.sendIpn(attemptId, { ipnUrl: `${providers.base}/notify/vnpay` });
    expect(again.RspCode).toBe('02');
    expect((await hub.api().get(`/v1/payments/${id}`)).body.status).not.toBe('succeeded');
  });

  it('paid before midnight, heard after it: a plain success', async () => {
    const { id, attemptId } = await fineAtVnpay();
    providers.vnpay.pay(attemptId);
    // The hub hears of it only after the payment's expiry; VNPay took the money before.
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    const reply = await providers.vnpay.sendIpn(attemptId, { ipnUrl: `${providers.base}/notify/vnpay` });
    expect(reply.RspCode).toBe('00');
    const payment = (await hub.api().get(`/v1/payments/${id}`)).body;
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts[0].underpaid).toBe(false);
  });
});
