import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, enableProvider } from '../../src/agencies/service.ts';
import { createServices } from '../../src/app.ts';
import { postEntry } from '../../src/ledger/journal.ts';
import { paymentSucceeded } from '../../src/ledger/postings.ts';
import {
  previousBusinessDay,
  providersWithDropFolder,
  reconcileFromDropFolder,
} from '../../src/reconciliation/job.ts';
import { type ReconciliationService, reconciliationService } from '../../src/reconciliation/service.ts';
import { chunked, type SandboxSettlementLine, sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { MULTI_CONNECTION_SKIP, type TestDatabase, testDatabase } from '../helpers/db.ts';
import { count, PUBLIC_URL, TEST_SECRET } from '../helpers/hub.ts';
import { type SeededAttempt, seedAttempt } from '../helpers/recon.ts';

const D = '2026-03-10';
const at = (date: string, time: string) => `${date}T${time}+07:00`;

let hub: TestDatabase;
let recon: ReconciliationService;
let services: ReturnType<typeof createServices>;

beforeAll(async () => {
  hub = await testDatabase();
  await createAgency(hub.db, { code: 'PROV-A', name: 'Tỉnh A' });
  await createAgency(hub.db, { code: 'PROV-B', name: 'Tỉnh B' });
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  services = createServices({ db: hub.db, publicUrl: PUBLIC_URL, secretKey: TEST_SECRET });
  recon = reconciliationService({
    db: hub.db,
    attempts: services.attempts,
    providers: services.providers,
    settings: { carryDays: 2, fees: { sandbox: { percent: '1', min: '0' } }, settlementDir: '/nonexistent' },
  });
});
afterAll(() => hub.drop());

function run(date: string, lines: SandboxSettlementLine[] | string, fileName = `${date}.csv`) {
  const text = typeof lines === 'string' ? lines : sandboxSettlementCsv(date, lines);
  return recon.reconcile({
    provider: 'sandbox',
    date,
    input: chunked(text),
    origin: 'cli',
    actor: 'test',
    fileName,
  });
}

const fee = (amount: string | number) => Math.round(Number(amount) / 100);
const paid = (
  a: SeededAttempt,
  txn: string,
  extra: Partial<SandboxSettlementLine> = {},
): SandboxSettlementLine => ({
  transactionId: txn,
  attemptId: a.attemptId,
  amount: a.amount,
  fee: fee(a.amount),
  ...extra,
});

async function itemsOf(runId: string) {
  const rows = await recon.listItems(null, { runId, limit: 100 });
  return rows;
}

describe('a business day with every category', () => {
  const s: Record<string, SeededAttempt> = {};
  let runId: string;

  beforeAll(async () => {
    const seed = (o: Parameters<typeof seedAttempt>[1]) => seedAttempt(hub.db, o);
    s.matched = await seed({ agencyCode: 'PROV-A', completedAt: at(D, '09:00:00') });
    s.lostNotification = await seed({
      agencyCode: 'PROV-A',
      status: 'processing',
      completedAt: at(D, '09:30:00'),
    });
    s.unsettled = await seed({ agencyCode: 'PROV-A', completedAt: at(D, '23:59:00') });
    s.wrongAmount = await seed({ agencyCode: 'PROV-A', amount: 150000, completedAt: at(D, '10:00:00') });
    s.failedInHub = await seed({ agencyCode: 'PROV-B', status: 'failed', completedAt: at(D, '11:00:00') });
    s.wrongFee = await seed({ agencyCode: 'PROV-B', amount: 200000, completedAt: at(D, '12:00:00') });
    s.otherDay = await seed({ agencyCode: 'PROV-A', completedAt: at('2026-03-09', '12:00:00') });
    const result = await run(D, [
      paid(s.matched!, 'T1'),
      paid(s.lostNotification!, 'T2'),
      { transactionId: 'T3', attemptId: 'att_NEVERHEARDOF', amount: 50000, fee: 500 },
      paid(s.wrongAmount!, 'T4', { amount: 140000, fee: 1400 }),
      paid(s.failedInHub!, 'T5'),
      paid(s.wrongFee!, 'T6', { fee: 2500 }),
      paid(s.matched!, 'T7'),
    ]);
    expect(result.run.status).toBe('completed');
    runId = result.run.id;
  });

  it('classifies each line and each unsettled hub item', async () => {
    const items = await itemsOf(runId);
    const by = (ref: string | null, txn?: string) =>
      items.find((i) =>
        txn ? i.provider_transaction_id === txn : i.attempt_id === ref && i.line_no === null,
      );
    // A matched line needs nobody: it is counted, not itemized.
    expect(by(null, 'T1')).toBeUndefined();
    expect(by(null, 'T2')).toMatchObject({
      category: 'missing_in_hub',
      status: 'open',
      hub_status: 'processing',
    });
    expect(by(null, 'T3')).toMatchObject({
      category: 'missing_in_hub',
      status: 'open',
      attempt_id: null,
      agency_id: null,
    });
    expect(by(null, 'T4')).toMatchObject({
      category: 'amount_mismatch',
      line_amount: '140000',
      hub_amount: '150000',
    });
    expect(by(null, 'T5')).toMatchObject({ category: 'status_mismatch', hub_status: 'failed' });
    expect(by(null, 'T6')).toMatchObject({
      category: 'fee_mismatch',
      line_fee: '2500',
      expected_fee: '2000',
    });
    expect(by(null, 'T7')).toMatchObject({ category: 'duplicate', attempt_id: s.matched!.attemptId });
    expect(by(s.unsettled!.attemptId)).toMatchObject({
      category: 'missing_at_provider',
      status: 'carried',
      carry_until: '2026-03-12',
    });
    // Yesterday's payment is not today's business: it is not reported missing in this run.
    expect(items.some((i) => i.attempt_id === s.otherDay!.attemptId)).toBe(false);
    expect(items).toHaveLength(7);
    const run = (await recon.runById(runId))!;
    expect(run.line_count).toBe(7);
    expect(run.summary.categories).toContainEqual(expect.objectContaining({ category: 'matched', count: 1 }));
  });

  it('re-running the same file changes nothing', async () => {
    const again = await run(D, [
      paid(s.matched!, 'T1'),
      paid(s.lostNotification!, 'T2'),
      { transactionId: 'T3', attemptId: 'att_NEVERHEARDOF', amount: 50000, fee: 500 },
      paid(s.wrongAmount!, 'T4', { amount: 140000, fee: 1400 }),
      paid(s.failedInHub!, 'T5'),
      paid(s.wrongFee!, 'T6', { fee: 2500 }),
      paid(s.matched!, 'T7'),
    ]);
    expect(again).toMatchObject({ idempotent: true, run: { id: runId } });
    const { rows } = await hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM recon_runs WHERE business_date = $1 AND status <> 'rejected'`,
      [D],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('confirm_payment makes the attempt the hub never heard of succeeded, with the event for the portal', async () => {
    const item = (await itemsOf(runId)).find((i) => i.provider_transaction_id === 'T2')!;
    const done = await recon.resolve({
      itemId: item.id,
      action: 'confirm_payment',
      note: 'Paid at the provider on 10/03; IPN never arrived.',
      actor: 'usr_test',
      scope: null,
    });
    expect(done.item).toMatchObject({ status: 'resolved', resolution: 'confirm_payment' });
    expect(done.action).toMatchObject({ action: 'confirm_payment', actor: 'usr_test' });
    const payment = await hub.db.query<{ status: string }>('SELECT status FROM payments WHERE id = $1', [
      s.lostNotification!.paymentId,
    ]);
    expect(payment.rows[0]!.status).toBe('succeeded');
    const events = await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1', [
      s.lostNotification!.paymentId,
    ]);
    expect(events.rows.map((e) => e.type)).toContain('payment.succeeded');
  });

  it('write_off, carry_over and reopen change the state and append history, never edit it', async () => {
    const items = await itemsOf(runId);
    const mismatch = items.find((i) => i.provider_transaction_id === 'T4')!;
    await expect(
      recon.resolve({ itemId: mismatch.id, action: 'write_off', note: '   ', actor: 'u', scope: null }),
    ).rejects.toThrow();
    const off = await recon.resolve({
      itemId: mismatch.id,
      action: 'write_off',
      note: 'Provider short-paid 10.000 ₫; below the dispute threshold.',
      actor: 'u',
      scope: null,
    });
    expect(off.item.status).toBe('resolved');
    await expect(
      recon.resolve({ itemId: mismatch.id, action: 'write_off', note: 'again', actor: 'u', scope: null }),
    ).rejects.toThrow(/already resolved/);
    const reopened = await recon.resolve({
      itemId: mismatch.id,
      action: 'reopen',
      note: 'Write-off was premature; the provider agreed to pay the difference.',
      actor: 'u',
      scope: null,
    });
    expect(reopened.item).toMatchObject({ status: 'open', resolution: null });
    const status = items.find((i) => i.provider_transaction_id === 'T5')!;
    const carried = await recon.resolve({
      itemId: status.id,
      action: 'carry_over',
      note: 'Asked the provider; answer expected within 3 days.',
      actor: 'u',
      scope: null,
      days: 3,
    });
    expect(carried.item).toMatchObject({ status: 'carried', resolution: 'carry_over' });
    const history = await recon.actionsOf(mismatch.id);
    expect(history.map((h) => h.action)).toEqual(['write_off', 'reopen']);
    await expect(hub.db.query(`UPDATE recon_actions SET note = 'edited'`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query('DELETE FROM recon_actions')).rejects.toThrow(/append-only/);
  });

  it('refund returns money collected for an attempt the hub failed, through the provider', async () => {
    await hub.db.query(`INSERT INTO provider_state (provider, key, value) VALUES ('sandbox', $1, $2)`, [
      `attempt:${s.failedInHub!.attemptId}`,
      JSON.stringify({
        outcome: 'succeeded',
        amount: '150000',
        transactionId: 'T5',
        at: at(D, '11:00:00'),
        refunded: '0',
      }),
    ]);
    await enableProvider(hub.db, 'PROV-B', 'sandbox');
    const item = (await itemsOf(runId)).find((i) => i.provider_transaction_id === 'T5')!;
    // It was carried over above: reopen, then refund.
    await recon.resolve({
      itemId: item.id,
      action: 'reopen',
      note: 'Provider confirmed it was paid.',
      actor: 'u',
      scope: null,
    });
    const refunded = await recon.resolve({
      itemId: item.id,
      action: 'refund',
      note: 'The hub had failed this attempt; the citizen paid again on another attempt.',
      actor: 'u',
      scope: null,
    });
    expect(refunded.item).toMatchObject({ status: 'resolved', resolution: 'refund' });
    expect(refunded.action.result).toMatchObject({
      status: 'pending',
      refund_id: expect.stringMatching(/^re_/),
    });
    // Executed like any refund: through the provider, out of suspense, the payment untouched.
    await services.refunds.executeDue();
    const refund = await hub.db.query<{ status: string; kind: string; amount: string }>(
      'SELECT status, kind, amount FROM refunds WHERE id = $1',
      [refunded.action.result.refund_id],
    );
    expect(refund.rows[0]).toMatchObject({ status: 'succeeded', kind: 'reconciliation', amount: '150000' });
    const suspense = await hub.db.query<{ balance: string }>(
      `SELECT coalesce(sum(l.amount), 0)::text AS balance FROM journal_lines l
         JOIN journal_entries e ON e.id = l.entry_id
        WHERE e.refund_id = $1 OR (e.kind = 'unkept_receipt' AND e.attempt_id = $2)`,
      [refunded.action.result.refund_id, s.failedInHub!.attemptId],
    );
    expect(suspense.rows[0]!.balance).toBe('0');
    // The refund moved money: it cannot be reopened (and so not refunded twice).
    await expect(
      recon.resolve({ itemId: item.id, action: 'reopen', note: 'Check.', actor: 'u', scope: null }),
    ).rejects.toMatchObject({ code: 'resolution_moved_money' });
    expect((await recon.item(null, item.id)).resolution).toBe('refund');
  });

  it('an item the provider settles the next day is resolved as settled later; one never settled becomes a break', async () => {
    const late = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at(D, '20:00:00') });
    // Re-run D with late included as unsettled: a corrected file supersedes, history kept.
    const corrected = await run(D, [
      paid(s.matched!, 'T1'),
      paid(s.lostNotification!, 'T2'),
      { transactionId: 'T3', attemptId: 'att_NEVERHEARDOF', amount: 50000, fee: 500 },
      paid(s.wrongAmount!, 'T4', { amount: 140000, fee: 1400 }),
      paid(s.failedInHub!, 'T5'),
      paid(s.wrongFee!, 'T6', { fee: 2500 }),
    ]);
    expect(corrected.run).toMatchObject({ status: 'completed', supersedes: runId });
    const old = (await recon.runById(runId))!;
    expect(old).toMatchObject({ status: 'superseded', superseded_by: corrected.run.id });
    const newItems = await itemsOf(corrected.run.id);
    // Resolutions of the first run carry over to the same breaks in the corrected one.
    expect(newItems.find((i) => i.provider_transaction_id === 'T5')).toMatchObject({
      status: 'resolved',
      resolution: 'refund',
    });
    expect(newItems.some((i) => i.category === 'duplicate')).toBe(false);
    expect(newItems.find((i) => i.attempt_id === late.attemptId)).toMatchObject({
      category: 'missing_at_provider',
      status: 'carried',
    });

    const next = await run('2026-03-11', [paid(late, 'T8', { at: at('2026-03-11', '00:00:05') })]);
    expect(await itemsOf(next.run.id)).toEqual([]);
    expect(next.run.summary.categories).toEqual([expect.objectContaining({ category: 'matched', count: 1 })]);
    const lateItem = (await itemsOf(corrected.run.id)).find((i) => i.attempt_id === late.attemptId)!;
    expect(lateItem).toMatchObject({ status: 'resolved', resolution: 'settled_later' });
    expect((await recon.actionsOf(lateItem.id)).map((a) => a.action)).toEqual(['settled_later']);
    const stillMissing = (await itemsOf(corrected.run.id)).find(
      (i) => i.attempt_id === s.unsettled!.attemptId,
    )!;
    expect(stillMissing.status).toBe('carried');

    // A line settling an attempt another day's file already settled is a duplicate.
    const twice = await run('2026-03-12', [paid(late, 'T9', { at: at('2026-03-12', '08:00:00') })]);
    expect((await itemsOf(twice.run.id))[0]).toMatchObject({ category: 'duplicate' });
    // Two days after D the carry ends: the unsettled payment is now a break.
    const after = (await itemsOf(corrected.run.id)).find((i) => i.attempt_id === s.unsettled!.attemptId)!;
    expect(after.status).toBe('open');
  });
});

describe('duplicates within one file', () => {
  it('all but the first line of an attempt, or of a refund id, among thousands of lines', async () => {
    const date = '2026-05-20';
    const a = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at(date, '08:00:00') });
    const unknown = Array.from({ length: 3000 }, (_, i) => ({
      transactionId: `U${i}`,
      attemptId: `att_U${i}`,
      amount: 10000,
      fee: 100,
    }));
    const result = await run(date, [
      paid(a, 'D1'),
      ...unknown.slice(0, 1000),
      paid(a, 'D2'),
      { transactionId: 'RF1', attemptId: 're_NEVERHEARDOF', type: 'refund', amount: 5000 },
      ...unknown.slice(1000),
      // The same provider id on a payment line: lines of different types never repeat each other.
      { transactionId: 'RF1', attemptId: 'att_OTHER', amount: 5000, fee: 50 },
      { transactionId: 'RF1', attemptId: 're_NEVERHEARDOF', type: 'refund', amount: 5000 },
      paid(a, 'D3'),
    ]);
    expect(result.run.status).toBe('completed');
    const { rows } = await hub.db.query<{ line_no: number; category: string; type: string }>(
      `SELECT line_no, category, type FROM recon_items WHERE run_id = $1 AND category = 'duplicate' ORDER BY line_no`,
      [result.run.id],
    );
    expect(rows).toEqual([
      { line_no: 1003, category: 'duplicate', type: 'payment' },
      { line_no: 3006, category: 'duplicate', type: 'refund' },
      { line_no: 3007, category: 'duplicate', type: 'payment' },
    ]);
    expect(result.run.summary.categories).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: 'matched', count: 1 }),
        expect.objectContaining({ category: 'missing_in_hub', count: 3002 }),
      ]),
    );
  });
});

describe('malformed files are refused whole, with a clear report', () => {
  async function refused(date: string, text: string) {
    const before = await count(hub, 'settlement_lines');
    const itemsBefore = await count(hub, 'recon_items');
    const result = await run(date, text);
    expect(result.run.status).toBe('rejected');
    expect(await count(hub, 'settlement_lines')).toBe(before);
    expect(await count(hub, 'recon_items')).toBe(itemsBefore);
    return result.run.rejection!;
  }
  const good = (n: number, date = '2026-04-01') =>
    sandboxSettlementCsv(
      date,
      Array.from({ length: n }, (_, i) => ({
        transactionId: `M${i}`,
        attemptId: `att_M${i}`,
        amount: 10000,
        fee: 100,
      })),
    );

  it('wrong columns', async () => {
    const r = await refused('2026-04-01', 'id,ref,amount\n1,att_1,1000\n');
    expect(r).toMatchObject({ code: 'malformed_file', line: 1 });
    expect(r.detail).toMatch(/header must be transaction_id,attempt_id/);
  });

  it('a bad amount, after thousands of good lines (nothing half-ingested)', async () => {
    const text = `${good(5000)}X1,att_X1,payment,12.50,0,succeeded,2026-04-01T12:00:00+07:00\n`;
    const r = await refused('2026-04-01', text);
    expect(r.code).toBe('malformed_file');
    expect(r.line).toBe(5002);
    expect(r.detail).toMatch(/amount/);
  });

  it('a line of another day', async () => {
    const text = `${good(3)}X2,att_X2,payment,1000,10,succeeded,2026-04-02T00:00:00+07:00\n`;
    const r = await refused('2026-04-01', text);
    expect(r).toMatchObject({ code: 'wrong_day', line: 5 });
    expect(r.detail).toMatch(/2026-04-01/);
  });

  it('a truncated file', async () => {
    const text = good(50);
    const r = await refused('2026-04-01', text.slice(0, text.length - 20));
    expect(r.code).toBe('malformed_file');
    expect(r.line).toBe(51);
  });

  it('an empty file', async () => {
    expect((await refused('2026-04-01', '')).code).toBe('empty_file');
  });

  it('the same file offered for another day', async () => {
    const text = good(2, '2026-04-01');
    const file = path.join(os.tmpdir(), `recon-${process.pid}-dup.csv`);
    fs.writeFileSync(file, text);
    const fromFile = (date: string) =>
      recon.reconcileFile({ provider: 'sandbox', date, path: file, origin: 'cli', actor: 'test' });
    expect((await fromFile('2026-04-01')).run.status).toBe('completed');
    expect((await fromFile('2026-04-01')).idempotent).toBe(true);
    const before = await count(hub, 'settlement_lines');
    const second = await fromFile('2026-04-05');
    expect(second.run.rejection).toMatchObject({ code: 'duplicate_file' });
    expect(second.run.rejection!.detail).toMatch(/2026-04-01/);
    expect(await count(hub, 'settlement_lines')).toBe(before);
    fs.rmSync(file);
  });
});

describe('the daily job and several instances', () => {
  it('reconciles each provider with a drop folder; a missing file is recorded once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payhub-drop-'));
    fs.mkdirSync(path.join(dir, 'sandbox'));
    fs.mkdirSync(path.join(dir, 'not-a-provider'));
    const services = createServices({ db: hub.db, publicUrl: PUBLIC_URL, secretKey: TEST_SECRET });
    const daily = reconciliationService({
      db: hub.db,
      attempts: services.attempts,
      providers: services.providers,
      settings: { carryDays: 2, fees: {}, settlementDir: dir },
    });
    expect(providersWithDropFolder(dir)).toEqual(['sandbox']);
    expect(previousBusinessDay(new Date('2026-07-02T17:30:00Z'))).toBe('2026-07-02');
    const missing = await reconcileFromDropFolder(daily, 'sandbox', '2026-07-01');
    expect(missing.run).toMatchObject({ status: 'rejected', rejection: { code: 'file_not_found' } });
    expect((await reconcileFromDropFolder(daily, 'sandbox', '2026-07-01')).run).toBeUndefined();
    const a = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at('2026-07-01', '08:00:00') });
    fs.writeFileSync(
      path.join(dir, 'sandbox', '2026-07-01.csv'),
      sandboxSettlementCsv('2026-07-01', [{ transactionId: 'J1', attemptId: a.attemptId, amount: a.amount }]),
    );
    const done = await reconcileFromDropFolder(daily, 'sandbox', '2026-07-01');
    expect(done.run).toMatchObject({ status: 'completed', source: 'job', line_count: 1 });
    expect((await reconcileFromDropFolder(daily, 'sandbox', '2026-07-01')).idempotent).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  it.skipIf(MULTI_CONNECTION_SKIP)('two instances ingesting the same day at once make one run', async () => {
    const other = hub.another();
    const services = createServices({ db: other, publicUrl: PUBLIC_URL, secretKey: TEST_SECRET });
    const second = reconciliationService({
      db: other,
      attempts: services.attempts,
      providers: services.providers,
      settings: { carryDays: 2, fees: {}, settlementDir: '' },
    });
    const lines = Array.from({ length: 3000 }, (_, i) => ({
      transactionId: `C${i}`,
      attemptId: `att_C${i}`,
      amount: 1000,
    }));
    const text = sandboxSettlementCsv('2026-07-05', lines);
    const request = { provider: 'sandbox', date: '2026-07-05', origin: 'cli' as const, actor: 'test' };
    const [one, two] = await Promise.all([
      recon.reconcile({ ...request, input: chunked(text, 4096) }),
      second.reconcile({ ...request, input: chunked(text, 4096) }),
    ]);
    expect([one.idempotent, two.idempotent].sort()).toEqual([false, true]);
    expect(one.run.id).toBe(two.run.id);
    const { rows } = await hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM settlement_lines l JOIN recon_runs r ON r.id = l.run_id WHERE r.business_date = '2026-07-05'`,
    );
    expect(rows[0]!.n).toBe(3000);
  });
});

describe('the ledger of a reconciled day (VNPay file)', () => {
  const DAY = '2026-08-03';
  const vnpayCsv = (rows: { txn: string; ref: string; amount: string; fee: string }[]) =>
    `transaction_no,txn_ref,type,amount,fee,status,pay_date\n${rows
      .map((r) => `${r.txn},${r.ref},payment,${r.amount},${r.fee},00,20260803101500`)
      .join('\n')}\n`;
  async function balances() {
    const { rows } = await hub.db.query<{ account: string; balance: string }>(
      `SELECT l.account, sum(l.amount)::text AS balance FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
       WHERE e.mode = 'test' AND l.account LIKE '%:vnpay'
       GROUP BY l.account`,
    );
    return Object.fromEntries(rows.map((r) => [r.account, r.balance]));
  }

  it('posts the settlement so clearing is zero; a corrected file reverses and reposts', async () => {
    const paid = [];
    for (const amount of [100000, 250000]) {
      const a = await seedAttempt(hub.db, {
        agencyCode: 'PROV-A',
        provider: 'vnpay',
        amount,
        completedAt: `${DAY}T10:00:00+07:00`,
      });
      await postEntry(hub.db, {
        kind: 'payment',
        mode: 'test',
        attemptId: a.attemptId,
        lines: paymentSucceeded({ provider: 'vnpay', agencyId: 'x', amount: a.amount }),
      });
      paid.push(a);
    }
    const ingest = (text: string) =>
      recon.reconcile({ provider: 'vnpay', date: DAY, input: chunked(text), origin: 'cli', actor: 'test' });
    const first = await ingest(
      vnpayCsv([
        { txn: '9001', ref: paid[0]!.attemptId, amount: '100000', fee: '1650' },
        { txn: '9002', ref: paid[1]!.attemptId, amount: '250000', fee: '2750' },
      ]),
    );
    expect(first.run.status).toBe('completed');
    expect(await balances()).toMatchObject({
      'provider_clearing:vnpay': '0',
      'settlement_bank:vnpay': '345600',
    });
    // The provider corrects a fee: the first entry is reversed, the new one posted; clearing stays zero.
    const corrected = await ingest(
      vnpayCsv([
        { txn: '9001', ref: paid[0]!.attemptId, amount: '100000', fee: '1650' },
        { txn: '9002', ref: paid[1]!.attemptId, amount: '250000', fee: '2500' },
      ]),
    );
    expect(corrected.run.supersedes).toBe(first.run.id);
    expect(await balances()).toMatchObject({
      'provider_clearing:vnpay': '0',
      'settlement_bank:vnpay': '345850',
    });
    const kinds = await hub.db.query<{ kind: string }>(
      `SELECT kind FROM journal_entries WHERE memo LIKE ANY ($1::text[]) ORDER BY id`,
      [[`reconciliation run ${first.run.id}%`, `reconciliation run ${corrected.run.id}%`]],
    );
    expect(kinds.rows.map((r) => r.kind)).toEqual(['settlement', 'settlement_reversal', 'settlement']);
  });
});
