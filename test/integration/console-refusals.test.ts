import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import { REFUSAL_TEXT, REJECTION_VI } from '../../src/console/refusal-text.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
  feedCredit,
  vietqrPayment,
} from '../helpers/bank-feed.ts';
import { consoleSessions, createConsoleStaff } from '../helpers/console.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { seedAttempt } from '../helpers/recon.ts';

let hub: TestHub;
const signedIn = consoleSessions();
const { as } = signedIn;

beforeAll(async () => {
  hub = await testHub();
  await configureVietqrA(hub.services.providers);
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await createConsoleStaff(hub.db);
  await signedIn.signIn(hub.app, ['admin', 'finance']);
});
afterAll(() => hub.drop());

/** A test-mode payment offered for a VietQR transfer. */
const transferPayment = async (amount: number) => (await vietqrPayment(hub, amount)).id;

/** A signed bank-feed credit into agency A's account that names no payment. */
const credit = async (amount: number) =>
  (await feedCredit(hub.app, FEED_SECRET, { account: ACCOUNT, amount, memo: 'nop tien' })).credit_id;

const state = async (creditId: string) => ({
  entries: await count(hub, 'journal_entries'),
  credit: (
    await hub.db.query<{ status: string; payment_id: string | null }>(
      'SELECT status, payment_id FROM bank_credits WHERE id = $1',
      [creditId],
    )
  ).rows[0],
  audits: await count(hub, 'audit_log'),
});

/** The text of the page's error summary (role="alert"), tags dropped. */
const summaryOf = (html: string) =>
  /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/
    .exec(html)?.[1]
    ?.replace(/<[^>]+>/g, ' ')
    .trim();

describe('a deep refusal in the page’s language', () => {
  it('a bank credit assigned already: the Vietnamese sentence at the top, English on request, nothing changed', async () => {
    const first = await transferPayment(150_000);
    const id = await credit(150_000);
    const path = `/console/bank-credits/${id}`;
    const note = 'đối chiếu UNC';
    expect(
      (await as('finance').post(path, { action: 'assign', payment: first, note, step: 'apply' })).status,
    ).toBe(303);
    const second = await transferPayment(150_000);
    const before = await state(id);
    expect(before.credit).toEqual({ status: 'matched', payment_id: first });

    const vi = await as('finance').post(path, { action: 'assign', payment: second, note, step: 'apply' });
    expect(vi.status).toBe(200);
    expect(summaryOf(vi.text)).toContain(REFUSAL_TEXT.credit_not_assignable!.vi);
    expect(vi.text).not.toContain('only unmatched, late or mismatched credits can be assigned');

    const en = await as('finance').post(`${path}?lang=en`, {
      action: 'assign',
      payment: second,
      note,
      step: 'apply',
    });
    expect(en.status).toBe(200);
    expect(summaryOf(en.text)).toContain(
      `Bank credit ${id} is matched: only unmatched, late or mismatched credits can be assigned.`,
    );
    // The language cookie keeps English for the next refusal.
    const kept = await as('finance').post(path, { action: 'assign', payment: second, note, step: 'apply' });
    expect(summaryOf(kept.text)).toContain('only unmatched, late or mismatched credits can be assigned');
    await as('finance').agent.get('/console?lang=vi');

    expect(await state(id)).toEqual(before);
    expect((await hub.api().get(`/v1/payments/${second}`)).body.status).not.toBe('succeeded');
  });

  it('a webhook URL the webhooks service refuses: Vietnamese next to the URL field, English on request, nothing created', async () => {
    const path = '/console/agencies/PROV-A/webhooks';
    const url = 'http://portal.example.vn/payhub';
    const endpoints = await count(hub, 'webhook_endpoints');
    const audits = await count(hub, 'audit_log');

    const vi = await as('admin').post(path, { url, mode: 'live' });
    expect(vi.status).toBe(200);
    expect(vi.text).toContain(
      '<p class="error-message" id="f-url-error">URL không được chấp nhận: phải là https ở chế độ thật</p>',
    );
    expect(vi.text).not.toContain('must be https in live mode');

    const en = await as('admin').post(`${path}?lang=en`, { url, mode: 'live' });
    expect(en.status).toBe(200);
    expect(en.text).toContain(
      '<p class="error-message" id="f-url-error">URL not accepted: must be https in live mode</p>',
    );
    await as('admin').agent.get('/console?lang=vi');

    expect(await count(hub, 'webhook_endpoints')).toBe(endpoints);
    expect(await count(hub, 'audit_log')).toBe(audits);
  });

  it('a break resolved already: the Vietnamese sentence at the top, English on request, nothing changed', async () => {
    const day = '2026-05-04';
    const short = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: `${day}T10:00:00+07:00` });
    const csv = sandboxSettlementCsv(day, [
      { transactionId: 'S1', attemptId: short.attemptId, amount: 140000, fee: 1400 },
    ]);
    const uploaded = await as('admin')
      .agent.post('/console/reconciliation/runs')
      .field('_csrf', as('admin').csrf)
      .field('provider', 'sandbox')
      .field('business_date', day)
      .attach('file', Buffer.from(csv), { filename: `sandbox-${day}.csv`, contentType: 'text/csv' });
    expect(uploaded.status).toBe(303);
    const { rows } = await hub.db.query<{ id: string }>(
      'SELECT id::text FROM recon_items WHERE attempt_id = $1',
      [short.attemptId],
    );
    const path = `/console/reconciliation/items/ri_${rows[0]!.id}`;
    const form = { action: 'write_off', note: 'Ngân hàng thiếu 10.000 ₫', step: 'apply' };
    expect((await as('finance').post(path, form)).status).toBe(303);
    const before = {
      actions: await count(hub, 'recon_actions'),
      entries: await count(hub, 'journal_entries'),
    };

    const vi = await as('finance').post(path, form);
    expect(vi.status).toBe(200);
    expect(summaryOf(vi.text)).toContain(REFUSAL_TEXT.action_not_allowed!.vi);
    expect(vi.text).not.toContain('already resolved');

    const en = await as('finance').post(`${path}?lang=en`, form);
    expect(summaryOf(en.text)).toContain('it is already resolved (reopen it first)');
    await as('finance').agent.get('/console?lang=vi');

    expect({
      actions: await count(hub, 'recon_actions'),
      entries: await count(hub, 'journal_entries'),
    }).toEqual(before);
  });

  it('a settlement file rejected: its run page says why in Vietnamese, in English on request', async () => {
    const day = '2026-05-05';
    const uploaded = await as('admin')
      .agent.post('/console/reconciliation/runs')
      .field('_csrf', as('admin').csrf)
      .field('provider', 'sandbox')
      .field('business_date', day)
      .attach('file', Buffer.from(''), { filename: `sandbox-${day}.csv`, contentType: 'text/csv' });
    expect(uploaded.status).toBe(303);
    const vi = await as('admin').agent.get(uploaded.headers.location!);
    expect(vi.text).toContain(REJECTION_VI.empty_file);
    expect(vi.text).not.toContain('the file is empty');
    const en = await as('admin').agent.get(`${uploaded.headers.location!}?lang=en`);
    expect(en.text).toContain('the file is empty (not even a header line)');
    await as('admin').agent.get('/console?lang=vi');
  });
});
