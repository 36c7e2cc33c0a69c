import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
  feedCredit,
  vietqrPayment,
} from '../helpers/bank-feed.ts';
import { consoleSessions, createConsoleStaff } from '../helpers/console.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { ledgerChecks } from '../helpers/money-flows.ts';

let hub: TestHub;
const signedIn = consoleSessions();
const { as } = signedIn;

beforeAll(async () => {
  hub = await testHub();
  await configureVietqrA(hub.services.providers);
  await createConsoleStaff(hub.db);
  await signedIn.signIn(hub.app);
});
afterAll(() => hub.drop());

/** A test-mode payment offered for a VietQR transfer. */
const transferPayment = async (amount: number) => (await vietqrPayment(hub, amount)).id;
/** A signed bank-feed credit into agency A's account that names no payment. */
const credit = async (amount: number, memo: string) =>
  (await feedCredit(hub.app, FEED_SECRET, { account: ACCOUNT, amount, memo })).credit_id;

const linesSince = async (entryId: string) =>
  (
    await hub.db.query<{ account: string; amount: string }>(
      'SELECT account, amount::text FROM journal_lines WHERE entry_id > $1::bigint ORDER BY entry_id, line_no',
      [entryId],
    )
  ).rows;
const lastEntry = async () =>
  (await hub.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM journal_entries'))
    .rows[0]!.id;
const auditOf = async (action: string, id: string) =>
  (
    await hub.db.query<{ actor_id: string; details: { note: string } }>(
      'SELECT actor_id, details FROM audit_log WHERE action = $1 AND object_id = $2',
      [action, id],
    )
  ).rows;

describe('/console/bank-credits', () => {
  it('lists the agency’s credits that paid nothing; another agency sees none of them', async () => {
    const id = await credit(120_000, 'ung ho quy');
    const a = await as('finance').agent.get('/console/bank-credits');
    expect(a.status).toBe(200);
    expect(a.text).toContain(`/console/bank-credits/${id}`);
    expect((await as('auditor').agent.get('/console/bank-credits')).text).toContain(id);
    expect((await as('foreign').agent.get('/console/bank-credits')).text).not.toContain(id);
    expect((await as('foreign').agent.get(`/console/bank-credits/${id}`)).status).toBe(404);
  });

  it('assigns a credit to a payment: errors by field, a ledger preview that changes nothing, then the payment is paid', async () => {
    const payment = await transferPayment(200_000);
    const id = await credit(200_000, 'nop tien ho so cua toi');
    const path = `/console/bank-credits/${id}`;
    const blank = await as('finance').post(path, { action: 'assign', payment: '', note: '', step: 'check' });
    expect(blank.status).toBe(200);
    expect(blank.text).toContain('id="f-payment-error"');
    expect(blank.text).toContain('Nhập ghi chú cho thao tác này.');
    const unknown = await as('finance').post(path, {
      action: 'assign',
      payment: 'pay_NOSUCH',
      note: 'x',
      step: 'check',
    });
    expect(unknown.text).toContain('Không có khoản thanh toán này');
    const before = await lastEntry();
    const check = await as('finance').post(path, {
      action: 'assign',
      payment,
      note: 'UNC đối chiếu khớp',
      step: 'check',
    });
    expect(check.status).toBe(200);
    expect(check.text).toContain('provider_clearing:vietqr');
    expect(check.text).toContain('200.000 ₫');
    expect(await lastEntry()).toBe(before);
    const apply = await as('finance').post(path, {
      action: 'assign',
      payment,
      note: 'UNC đối chiếu khớp',
      step: 'apply',
    });
    expect(apply.status).toBe(303);
    expect((await hub.api().get(`/v1/payments/${payment}`)).body.status).toBe('succeeded');
    expect(await linesSince(before)).toEqual([
      { account: 'provider_clearing:vietqr', amount: '200000' },
      { account: expect.stringMatching(/^agency_payable:/), amount: '-200000' },
    ]);
    expect((await auditOf('bank_credit.assign', id))[0]!.details.note).toBe('UNC đối chiếu khớp');
  });

  it('writes a credit off and records a manual refund of another, each previewed, posted and audited', async () => {
    const kept = await credit(50_000, 'khong ro');
    const back = await credit(70_000, 'chuyen nham');
    let before = await lastEntry();
    const check = await as('finance').post(`/console/bank-credits/${kept}`, {
      action: 'write_off',
      note: 'không xác định được người nộp',
      step: 'check',
    });
    expect(check.text).toContain('write_off');
    expect(check.text).toContain('settlement_bank:vietqr');
    const wrote = await as('finance').post(`/console/bank-credits/${kept}`, {
      action: 'write_off',
      note: 'không xác định được người nộp',
      step: 'apply',
    });
    expect(wrote.status).toBe(303);
    expect(await linesSince(before)).toEqual([
      { account: 'settlement_bank:vietqr', amount: '50000' },
      { account: 'write_off', amount: '-50000' },
    ]);
    expect(await auditOf('bank_credit.write_off', kept)).toHaveLength(1);
    const noRef = await as('finance').post(`/console/bank-credits/${back}?lang=en`, {
      action: 'refund',
      bank_reference: '',
      note: 'x',
      step: 'apply',
    });
    expect(noRef.status).toBe(200);
    expect(noRef.text).toContain('Enter the refund transfer’s bank reference');
    await as('finance').agent.get('/console?lang=vi');
    before = await lastEntry();
    const refunded = await as('finance').post(`/console/bank-credits/${back}`, {
      action: 'refund',
      bank_reference: 'FT-OUT-1',
      note: 'trả lại người chuyển nhầm',
      step: 'apply',
    });
    expect(refunded.status).toBe(303);
    const lines = await linesSince(before);
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.account.startsWith('suspense:')).map((l) => l.amount)).toEqual([
      '-70000',
      '70000',
    ]);
    expect((await auditOf('bank_credit.refund_manual', back))[0]!.details).toMatchObject({
      bank_reference: 'FT-OUT-1',
    });
    // Settled credits cannot be settled twice.
    const again = await as('finance').post(`/console/bank-credits/${back}`, {
      action: 'write_off',
      note: 'x',
      step: 'apply',
    });
    expect(again.text).toContain('Không thể thực hiện');
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
  });

  it('auditors, forms without the token and other agencies change nothing', async () => {
    const id = await credit(30_000, 'mot khoan');
    const entries = await count(hub, 'journal_entries');
    const fields = { action: 'write_off', note: 'x', step: 'apply' };
    expect((await as('auditor').post(`/console/bank-credits/${id}`, fields)).status).toBe(403);
    expect((await as('foreign').post(`/console/bank-credits/${id}`, fields)).status).toBe(404);
    const noToken = await as('finance').agent.post(`/console/bank-credits/${id}`).type('form').send(fields);
    expect(noToken.status).toBe(403);
    expect(await count(hub, 'journal_entries')).toBe(entries);
    expect((await as('finance').agent.get(`/console/bank-credits/${id}`)).text).toContain('Không khớp');
  });
});
