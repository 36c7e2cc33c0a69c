import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
  feedCredit,
  vietqrPayment,
} from '../helpers/bank-feed.ts';
import { expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import { ledgerChecks } from '../helpers/money-flows.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

let hub: TestHub;

beforeAll(async () => {
  hub = await testHub();
  await configureVietqrA(hub.services.providers);
  await createStaffUser(hub.db, {
    email: 'a@tinh-a.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-A',
    password: STAFF_PASSWORD,
  });
  await createStaffUser(hub.db, {
    email: 'b@tinh-b.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-B',
    password: STAFF_PASSWORD,
  });
  await createStaffUser(hub.db, {
    email: 'audit@tinh-a.gov.vn',
    role: 'auditor',
    agencyCode: 'PROV-A',
    password: STAFF_PASSWORD,
  });
});
afterAll(() => hub.drop());

/** A test-mode payment whose checkout the citizen opened with VietQR `times` times; the transfer references. */
const transferPayment = (amount: number, times = 1) => vietqrPayment(hub, amount, times);

/** A signed bank-feed credit into agency A's account; its credit id. */
const credit = async (amount: number, memo: string) =>
  (await feedCredit(hub.app, FEED_SECRET, { account: ACCOUNT, amount, memo })).credit_id;

async function balance(account: string) {
  const { rows } = await hub.db.query<{ balance: string }>(
    `SELECT coalesce(sum(amount), 0)::text AS balance FROM journal_lines WHERE account = $1`,
    [account],
  );
  return rows[0]!.balance;
}

const agencyA = async () =>
  (await hub.db.query<{ id: string }>(`SELECT id FROM agencies WHERE code = 'PROV-A'`)).rows[0]!.id;

describe('a VietQR double payment refunded by hand', () => {
  it('the failed automatic refund is recorded as made from the collection account, out of suspense, audited', async () => {
    const payment = await transferPayment(150_000, 2);
    expect(payment.references).toHaveLength(2);
    await credit(150_000, `CK ${payment.references[0]}`);
    await credit(150_000, `CK ${payment.references[1]}`);
    await hub.services.refunds.executeDue();
    const { rows } = await hub.db.query<{ id: string; status: string }>(
      `SELECT id, status FROM refunds WHERE payment_id = $1 AND kind = 'double_payment'`,
      [payment.id],
    );
    // VietQR has no refund API: the automatic refund fails at once, the money stays in suspense.
    expect(rows[0]?.status).toBe('failed');
    const suspense = `suspense:${await agencyA()}`;
    expect(await balance(suspense)).toBe('-150000');

    const url = `/admin/v1/refunds/${rows[0]!.id}/manual`;
    const body = { bank_reference: 'FT26OUT000123', note: 'Đã chuyển trả người nộp từ tài khoản thu' };
    const a = await staffSession(hub.app, 'a@tinh-a.gov.vn');
    const b = await staffSession(hub.app, 'b@tinh-b.gov.vn');
    const auditor = await staffSession(hub.app, 'audit@tinh-a.gov.vn');
    expect((await a.agent.post(url).send(body)).body.code).toBe('csrf_failed');
    expect((await auditor.agent.post(url).set('X-CSRF-Token', auditor.csrf).send(body)).status).toBe(403);
    // Another agency's refund does not exist for B's staff.
    expect((await b.agent.post(url).set('X-CSRF-Token', b.csrf).send(body)).status).toBe(404);
    const blank = await a.agent
      .post(url)
      .set('X-CSRF-Token', a.csrf)
      .send({ ...body, note: '  ' });
    expect(blank.status).toBe(400);
    expect(await balance(suspense)).toBe('-150000');

    const done = await a.agent.post(url).set('X-CSRF-Token', a.csrf).send(body);
    expect(done.status).toBe(201);
    expectContract(done, 'recordManualRefund');
    expect(done.body).toMatchObject({
      status: 'succeeded',
      provider_refund_id: 'FT26OUT000123',
      failure: null,
    });
    expect(await balance(suspense)).toBe('0');
    const again = await a.agent.post(url).set('X-CSRF-Token', a.csrf).send(body);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('refund_not_manual');
    expectContract(again, 'recordManualRefund');
    const audited = await hub.db.query<{ details: { note: string; bank_reference: string } }>(
      `SELECT details FROM audit_log WHERE action = 'refund.manual' AND object_id = $1`,
      [rows[0]!.id],
    );
    expect(audited.rows).toHaveLength(1);
    expect(audited.rows[0]!.details).toMatchObject({ bank_reference: 'FT26OUT000123', note: body.note });
    const events = await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1', [
      rows[0]!.id,
    ]);
    expect(events.rows.map((e) => e.type)).toContain('refund.succeeded');
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
  });
});

describe('the same reference paid into twice', () => {
  it('the second transfer is a double payment: suspense, its refund, the event; finance closes it by hand', async () => {
    const payment = await transferPayment(120_000);
    const suspense = `suspense:${await agencyA()}`;
    const start = BigInt(await balance(suspense));
    const first = await credit(120_000, `CK ${payment.references[0]}`);
    const second = await credit(120_000, `CK lan 2 ${payment.references[0]}`);
    const credits = await hub.db.query<{ id: string; status: string; refund_id: string | null }>(
      'SELECT id, status, refund_id FROM bank_credits WHERE id = ANY($1) ORDER BY received_at',
      [[first, second]],
    );
    expect(credits.rows.map((c) => c.status)).toEqual(['matched', 'duplicate']);
    const refundId = credits.rows[1]!.refund_id;
    expect(refundId).toMatch(/^re_/);
    expect(credits.rows[0]!.refund_id).toBeNull();
    const paid = await hub.api().get(`/v1/payments/${payment.id}`);
    expect(paid.body.status).toBe('succeeded');
    const events = await hub.db.query<{ type: string }>(
      'SELECT type FROM events WHERE object_id = $1 ORDER BY id',
      [payment.id],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['payment.succeeded', 'payment.double_paid']);
    expect(BigInt(await balance(suspense))).toBe(start - 120_000n);

    // Settling the same credit again (crash recovery) records nothing twice.
    await hub.services.bank.settlePending({ olderThanSeconds: 0 });
    expect(
      (await hub.db.query('SELECT id FROM refunds WHERE payment_id = $1', [payment.id])).rows,
    ).toHaveLength(1);

    const a = await staffSession(hub.app, 'a@tinh-a.gov.vn');
    // Finance sees the credit with the refund that returns it.
    const listed = await a.agent.get('/admin/v1/bank_credits?status=duplicate');
    expectContract(listed, 'listBankCredits');
    expect(listed.body.data).toContainEqual(expect.objectContaining({ id: second, refund: refundId }));

    await hub.services.refunds.executeDue();
    const refund = await hub.api().get(`/v1/refunds/${refundId}`);
    expect(refund.body).toMatchObject({ status: 'failed', amount: 120000 });
    const done = await a.agent
      .post(`/admin/v1/refunds/${refundId}/manual`)
      .set('X-CSRF-Token', a.csrf)
      .send({ bank_reference: 'FT26OUT000777', note: 'Chuyển trả lần nộp thứ hai' });
    expect(done.status).toBe(201);
    expect(BigInt(await balance(suspense))).toBe(start);
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
  });
});

describe('assigning an unmatched bank credit to a payment', () => {
  it('pays the payment through the matched-credit path, amount checked, once, audited', async () => {
    const payment = await transferPayment(200_000);
    // The citizen garbled the reference: the credit names no payment.
    const unmatched = await credit(200_000, 'nop tien ho so cua toi');
    const wrongAmount = await credit(190_000, 'nop thieu');
    const url = (id: string) => `/admin/v1/bank_credits/${id}/assign`;
    const body = { payment: payment.id, note: 'Người nộp gửi ủy nhiệm chi, đối chiếu khớp' };
    const a = await staffSession(hub.app, 'a@tinh-a.gov.vn');
    const b = await staffSession(hub.app, 'b@tinh-b.gov.vn');
    const auditor = await staffSession(hub.app, 'audit@tinh-a.gov.vn');
    expect((await a.agent.post(url(unmatched)).send(body)).body.code).toBe('csrf_failed');
    expect(
      (await auditor.agent.post(url(unmatched)).set('X-CSRF-Token', auditor.csrf).send(body)).status,
    ).toBe(403);
    expect((await b.agent.post(url(unmatched)).set('X-CSRF-Token', b.csrf).send(body)).status).toBe(404);
    const short = await a.agent.post(url(wrongAmount)).set('X-CSRF-Token', a.csrf).send(body);
    expect(short.status).toBe(422);
    expect(short.body.code).toBe('amount_mismatch');
    expectContract(short, 'assignBankCredit');
    const nobody = await a.agent
      .post(url(unmatched))
      .set('X-CSRF-Token', a.csrf)
      .send({ ...body, payment: 'pay_NOSUCHPAYMENT' });
    expect(nobody.status).toBe(404);
    expect((await hub.api().get(`/v1/payments/${payment.id}`)).body.status).not.toBe('succeeded');

    const done = await a.agent.post(url(unmatched)).set('X-CSRF-Token', a.csrf).send(body);
    expect(done.status).toBe(201);
    expectContract(done, 'assignBankCredit');
    expect(done.body).toMatchObject({ status: 'matched', payment: payment.id, payment_status: 'succeeded' });
    const paid = await hub.api().get(`/v1/payments/${payment.id}`);
    expect(paid.body.status).toBe('succeeded');
    const ledger = await hub.api().get(`/v1/payments/${payment.id}/ledger`);
    expect(ledger.body.data.map((e: { kind: string }) => e.kind)).toEqual(['payment']);
    const listed = await a.agent.get('/admin/v1/bank_credits?status=matched');
    expect(listed.body.data.find((c: { id: string }) => c.id === unmatched)).toMatchObject({
      payment: payment.id,
      status: 'matched',
    });
    const twice = await a.agent.post(url(unmatched)).set('X-CSRF-Token', a.csrf).send(body);
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('credit_not_assignable');
    // Another credit for the now paid payment is refused: it would be a double payment.
    const more = await credit(200_000, 'nop lan hai');
    const paidAlready = await a.agent.post(url(more)).set('X-CSRF-Token', a.csrf).send(body);
    expect(paidAlready.status).toBe(409);
    expect(paidAlready.body.code).toBe('payment_already_paid');
    const audited = await hub.db.query<{ details: { payment: string } }>(
      `SELECT details FROM audit_log WHERE action = 'bank_credit.assign' AND object_id = $1`,
      [unmatched],
    );
    expect(audited.rows.map((r) => r.details.payment)).toEqual([payment.id]);
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
  });
});
