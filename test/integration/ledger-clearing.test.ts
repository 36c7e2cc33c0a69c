import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { addDays, localDate } from '../../src/dates.ts';
import { type SandboxSettlementLine, sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { count, expectContract, paymentBody, type TestHub, testHub } from '../helpers/hub.ts';
import { doublyPaidPayment, ledgerChecks, paidPayment } from '../helpers/money-flows.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

let hub: TestHub;
/** The day's file as first uploaded, for the corrected one. */
let dayLines: SandboxSettlementLine[] = [];
const today = localDate(new Date());
const fee = (amount: number) => Math.round(amount / 100);

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await createStaffUser(hub.db, { email: 'hq@payhub.gov.vn', role: 'finance', password: STAFF_PASSWORD });
});
afterAll(() => hub.drop());

async function attemptOf(paymentId: string) {
  const { rows } = await hub.db.query<{ id: string; provider_transaction_id: string; amount: string }>(
    `SELECT id, provider_transaction_id, amount::text FROM attempts WHERE payment_id = $1 AND status = 'succeeded' ORDER BY id`,
    [paymentId],
  );
  return rows;
}

async function clearingBalances() {
  const { rows } = await hub.db.query<{ account: string; mode: string; balance: string }>(
    `SELECT l.account, e.mode, sum(l.amount)::text AS balance FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
      WHERE l.account LIKE 'provider_clearing:%' GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows;
}

async function upload(
  agent: Awaited<ReturnType<typeof staffSession>>['agent'],
  csrf: string,
  lines: SandboxSettlementLine[],
) {
  return agent
    .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${today}`)
    .set('X-CSRF-Token', csrf)
    .set('Content-Type', 'text/csv')
    .send(sandboxSettlementCsv(today, lines));
}

describe('a fully reconciled day leaves every provider clearing account at zero', () => {
  it('payments, partial refunds, a double payment, fees, a lost notification and written-off breaks; reopen', async () => {
    const lines: SandboxSettlementLine[] = [];
    const payLine = (a: { id: string; provider_transaction_id: string; amount: string }, extra = {}) =>
      lines.push({
        transactionId: a.provider_transaction_id,
        attemptId: a.id,
        amount: a.amount,
        fee: fee(Number(a.amount)),
        ...extra,
      });
    // Two plain payments, one refunded in part twice.
    const plain = await paidPayment(hub, 150_000);
    payLine((await attemptOf(plain))[0]!);
    const refunded = await paidPayment(hub, 300_000);
    payLine((await attemptOf(refunded))[0]!);
    for (const amount of [50_000, 70_000]) {
      const r = await hub
        .api()
        .post(`/v1/payments/${refunded}/refunds`, { amount, reason: 'một phần' }, `rf-${amount}`);
      expect(r.body.status).toBe('succeeded');
      lines.push({
        transactionId: r.body.provider_refund_id ?? r.body.id,
        attemptId: r.body.id,
        type: 'refund',
        amount,
      });
    }
    // A double payment: both attempts settle, the second's automatic refund too.
    const double = await doublyPaidPayment(hub, hub.services, 200_000);
    await hub.services.refunds.executeDue();
    for (const a of await attemptOf(double.paymentId)) payLine(a);
    const { rows: doubleRefunds } = await hub.db.query<{
      id: string;
      provider_refund_id: string | null;
      status: string;
    }>(
      `SELECT id, provider_refund_id, status FROM refunds WHERE payment_id = $1 AND kind = 'double_payment'`,
      [double.paymentId],
    );
    expect(doubleRefunds[0]?.status).toBe('succeeded');
    lines.push({
      transactionId: doubleRefunds[0]!.provider_refund_id ?? doubleRefunds[0]!.id,
      attemptId: doubleRefunds[0]!.id,
      type: 'refund',
      amount: 200_000,
    });
    // A payment the provider took that the hub never heard of, and one settled at a lower amount.
    lines.push({ transactionId: 'UNKNOWN-1', attemptId: 'att_UNKNOWN', amount: 90_000, fee: 900 });
    // A notification that never came: the provider settled an attempt the hub still waits for.
    const lost = await hub.api().post('/v1/payments', paymentBody({ amount: 80_000 }));
    const { rows: tokens } = await hub.db.query<{ checkout_token: string }>(
      'SELECT checkout_token FROM payments WHERE id = $1',
      [lost.body.id],
    );
    const lostAttempt = await hub.services.attempts.start(tokens[0]!.checkout_token, 'sandbox', '127.0.0.1');
    lines.push({ transactionId: 'LOST-1', attemptId: lostAttempt.attemptId, amount: 80_000, fee: 800 });
    const short = await paidPayment(hub, 120_000);
    payLine((await attemptOf(short))[0]!, { amount: 100_000, fee: 1000 });

    const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const run = await upload(agent, csrf, lines);
    expect(run.status).toBe(201);
    const items = await agent.get(`/admin/v1/reconciliation/items?run=${run.body.id}&status=open`);
    expect(items.body.data.map((i: { category: string }) => i.category).sort()).toEqual([
      'amount_mismatch',
      'missing_in_hub',
      'missing_in_hub',
    ]);
    for (const item of items.body.data) {
      const confirm = item.attempt === lostAttempt.attemptId;
      const done = await agent
        .post(`/admin/v1/reconciliation/items/${item.id}/actions`)
        .set('X-CSRF-Token', csrf)
        .send({ action: confirm ? 'confirm_payment' : 'write_off', note: 'đã xác minh với nhà cung cấp' });
      expect(done.status).toBe(201);
      expectContract(done, 'createReconciliationAction');
    }
    for (const row of await clearingBalances()) expect(row, row.account).toMatchObject({ balance: '0' });
    expect((await clearingBalances()).length).toBeGreaterThan(0);
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
    // The write-offs: the unknown line's money is held in write_off, the short settlement's gap charged to it.
    const writeOff = await hub.db.query<{ balance: string }>(
      `SELECT sum(amount)::text AS balance FROM journal_lines WHERE account = 'write_off'`,
    );
    expect(writeOff.rows[0]!.balance).toBe(String(-90_000 + 20_000));

    // Reopening: a confirmed payment moved money and is refused; a write-off is reversed by new entries.
    const resolved = await agent.get(`/admin/v1/reconciliation/items?run=${run.body.id}&status=resolved`);
    const confirmed = resolved.body.data.find(
      (i: { attempt: string }) => i.attempt === lostAttempt.attemptId,
    );
    const reopenConfirmed = await agent
      .post(`/admin/v1/reconciliation/items/${confirmed.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'reopen', note: 'nhầm' });
    expect(reopenConfirmed.status).toBe(409);
    expect(reopenConfirmed.body.code).toBe('resolution_moved_money');
    expectContract(reopenConfirmed, 'createReconciliationAction');
    const writtenOff = resolved.body.data.find((i: { category: string }) => i.category === 'amount_mismatch');
    const reopened = await agent
      .post(`/admin/v1/reconciliation/items/${writtenOff.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'reopen', note: 'xem lại' });
    expect(reopened.status).toBe(201);
    expect(reopened.body.status).toBe('open');
    const clearing = (await clearingBalances()).find((r) => r.account === 'provider_clearing:sandbox');
    // Open again: the short payment's 120.000 ₫ is back in clearing, its line's settlement reversed.
    expect(clearing?.balance).toBe('120000');
    const again = await agent
      .post(`/admin/v1/reconciliation/items/${writtenOff.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'write_off', note: 'xác nhận lần hai' });
    expect(again.status).toBe(201);
    for (const row of await clearingBalances()) expect(row, row.account).toMatchObject({ balance: '0' });
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
    dayLines = lines;
  });

  it('a corrected file for the day reverses the old run’s entries and posts the inherited resolutions again', async () => {
    const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const extra = await paidPayment(hub, 40_000);
    const lines = [...dayLines];
    const [a] = await attemptOf(extra);
    lines.push({ transactionId: a!.provider_transaction_id, attemptId: a!.id, amount: a!.amount, fee: 400 });
    const corrected = await upload(agent, csrf, lines);
    expect(corrected.status).toBe(201);
    expect(corrected.body.supersedes).toBeTruthy();
    const resolved = await agent.get(
      `/admin/v1/reconciliation/items?run=${corrected.body.id}&status=resolved`,
    );
    const writtenOff = resolved.body.data.filter((i: { resolution: string }) => i.resolution === 'write_off');
    expect(writtenOff).toHaveLength(2);
    for (const row of await clearingBalances()) expect(row, row.account).toMatchObject({ balance: '0' });
    const writeOff = await hub.db.query<{ balance: string }>(
      `SELECT sum(amount)::text AS balance FROM journal_lines WHERE account = 'write_off'`,
    );
    expect(writeOff.rows[0]!.balance).toBe(String(-90_000 + 20_000));
    expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
    // The inherited write-off can be reopened like any other: its new entries are reversed.
    const short = writtenOff.find((i: { category: string }) => i.category === 'amount_mismatch');
    const reopened = await agent
      .post(`/admin/v1/reconciliation/items/${short.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'reopen', note: 'xem lại' });
    expect(reopened.status).toBe(201);
    const clearing = (await clearingBalances()).find((r) => r.account === 'provider_clearing:sandbox');
    expect(clearing?.balance).toBe('120000');
  });

  it('a write-off of a break where no money moved posts nothing', async () => {
    const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const created = await hub.api().post('/v1/payments', paymentBody({ amount: 30_000 }));
    const { rows } = await hub.db.query<{ checkout_token: string }>(
      'SELECT checkout_token FROM payments WHERE id = $1',
      [created.body.id],
    );
    const started = await hub.services.attempts.start(rows[0]!.checkout_token, 'sandbox', '127.0.0.1');
    // The provider reports the attempt failed while the hub still waits: a status mismatch, no money.
    const yesterday = addDays(today, -1);
    const run = await agent
      .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${yesterday}`)
      .set('X-CSRF-Token', csrf)
      .set('Content-Type', 'text/csv')
      .send(
        sandboxSettlementCsv(yesterday, [
          { transactionId: 'FAILED-1', attemptId: started.attemptId, amount: 30_000, status: 'failed' },
        ]),
      );
    expect(run.status).toBe(201);
    const items = await agent.get(`/admin/v1/reconciliation/items?run=${run.body.id}&status=open`);
    expect(items.body.data).toEqual([expect.objectContaining({ category: 'status_mismatch' })]);
    const entriesBefore = await count(hub, 'journal_entries');
    const done = await agent
      .post(`/admin/v1/reconciliation/items/${items.body.data[0].id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'write_off', note: 'giao dịch thất bại, không có tiền' });
    expect(done.status).toBe(201);
    expect(done.body.actions.at(-1).result).toEqual({ entries: [], moved_money: false });
    expect(await count(hub, 'journal_entries')).toBe(entriesBefore);
  });
});
