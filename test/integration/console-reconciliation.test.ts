import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, enableProvider } from '../../src/agencies/service.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { type ConsoleStaffKey, consoleSessions, createConsoleStaff } from '../helpers/console.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { type SeededAttempt, seedAttempt } from '../helpers/recon.ts';

const D = '2026-05-04';
let hub: TestHub;
const seeded: Record<string, SeededAttempt> = {};
const signedIn = consoleSessions();
let runId: string;

const { as } = signedIn;

async function itemOf(attemptId: string) {
  const { rows } = await hub.db.query<{ id: string }>(
    'SELECT id::text FROM recon_items WHERE run_id = $1 AND attempt_id = $2',
    [runId, attemptId],
  );
  return `ri_${rows[0]!.id}`;
}

const file = () =>
  sandboxSettlementCsv(D, [
    { transactionId: 'S1', attemptId: seeded.short!.attemptId, amount: 140000, fee: 1400 },
    { transactionId: 'S2', attemptId: seeded.lost!.attemptId, amount: 150000, fee: 1500 },
    { transactionId: 'S3', attemptId: seeded.big!.attemptId, amount: 900000, fee: 0 },
    { transactionId: 'S4', attemptId: seeded.b!.attemptId, amount: 100000, fee: 1000 },
  ]);

function upload(who: ConsoleStaffKey, csrf: string | null, body = file()) {
  let req = as(who).agent.post('/console/reconciliation/runs');
  if (csrf !== null) req = req.field('_csrf', csrf);
  return req
    .field('provider', 'sandbox')
    .field('business_date', D)
    .attach('file', Buffer.from(body), { filename: `sandbox-${D}.csv`, contentType: 'text/csv' });
}

beforeAll(async () => {
  hub = await testHub();
  await createAgency(hub.db, { code: 'PROV-A-TP', name: 'Sở Tư pháp tỉnh A', parentCode: 'PROV-A' });
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await createConsoleStaff(hub.db);
  const at = `${D}T10:00:00+07:00`;
  seeded.short = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at });
  seeded.lost = await seedAttempt(hub.db, { agencyCode: 'PROV-A', status: 'processing', completedAt: at });
  seeded.big = await seedAttempt(hub.db, { agencyCode: 'PROV-A-TP', amount: 1000000, completedAt: at });
  seeded.b = await seedAttempt(hub.db, { agencyCode: 'PROV-B', completedAt: at });
  await signedIn.signIn(hub.app);
});
afterAll(() => hub.drop());

describe('settlement-file upload from the console (multipart, no JavaScript)', () => {
  it('refuses a form without its CSRF token, a scoped officer and an auditor, keeping nothing', async () => {
    const runs = await count(hub, 'recon_runs');
    const noToken = await upload('admin', null);
    expect(noToken.status).toBe(403);
    expect((await upload('finance', as('finance').csrf)).status).toBe(403);
    expect((await upload('auditor', as('auditor').csrf)).status).toBe(403);
    expect(await count(hub, 'recon_runs')).toBe(runs);
  });

  it('shows errors next to the fields, in the page’s language, when the form is incomplete', async () => {
    const res = await as('admin')
      .agent.post('/console/reconciliation/runs?lang=en')
      .field('_csrf', as('admin').csrf)
      .field('provider', '')
      .field('business_date', '2026-13-01');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Choose the provider.');
    expect(res.text).toContain('id="f-business_date-error"');
    expect(res.text).toContain('Choose the settlement file.');
    await as('admin').agent.get('/console?lang=vi');
  });

  it('a hub-wide admin uploads the file and lands on the run, whose state and breaks are shown', async () => {
    const res = await upload('admin', as('admin').csrf);
    expect(res.status).toBe(303);
    runId = /runs\/([^?]+)/.exec(res.headers.location!)![1]!;
    const page = await as('admin').agent.get(res.headers.location!);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hoàn tất');
    expect(page.text).toContain('Lệch số tiền');
    const { rows } = await hub.db.query<{ object_id: string }>(
      "SELECT object_id FROM audit_log WHERE action = 'reconciliation.upload'",
    );
    expect(rows.map((r) => r.object_id)).toEqual([runId]);
    const list = await as('admin').agent.get('/console/reconciliation');
    expect(list.text).toContain(`/console/reconciliation/runs/${runId}`);
  });
});

describe('breaks: filters, scope and roles', () => {
  it('finance of A sees its own and its child’s breaks, never B’s; B sees only B’s', async () => {
    const a = await as('finance').agent.get(`/console/reconciliation/runs/${runId}`);
    expect(a.status).toBe(200);
    expect(a.text).toContain(await itemOf(seeded.short!.attemptId));
    expect(a.text).toContain(await itemOf(seeded.big!.attemptId));
    expect(a.text).not.toContain(await itemOf(seeded.b!.attemptId));
    const b = await as('foreign').agent.get(`/console/reconciliation/runs/${runId}`);
    expect(b.text).toContain(await itemOf(seeded.b!.attemptId));
    expect(b.text).not.toContain(await itemOf(seeded.short!.attemptId));
    expect(
      (
        await as('foreign').agent.get(
          `/console/reconciliation/items/${await itemOf(seeded.short!.attemptId)}`,
        )
      ).status,
    ).toBe(404);
  });

  it('filters by amount and category; a bad amount is an error next to its field', async () => {
    const big = await as('finance').agent.get(`/console/reconciliation/breaks?min_amount=500000`);
    expect(big.text).toContain(await itemOf(seeded.big!.attemptId));
    expect(big.text).not.toContain(await itemOf(seeded.short!.attemptId));
    const status = await as('finance').agent.get(`/console/reconciliation/breaks?category=status_mismatch`);
    expect(status.text).not.toContain(await itemOf(seeded.big!.attemptId));
    const bad = await as('finance').agent.get(`/console/reconciliation/breaks?min_amount=12.5`);
    expect(bad.text).toContain('id="f-min_amount-error"');
  });
});

describe('resolving a break: note, ledger preview, confirm', () => {
  it('a blank note is refused next to the field, in Vietnamese and in English; nothing changes', async () => {
    const id = await itemOf(seeded.short!.attemptId);
    const actions = await count(hub, 'recon_actions');
    const vi = await as('finance').post(`/console/reconciliation/items/${id}`, {
      action: 'write_off',
      note: ' ',
      step: 'apply',
    });
    expect(vi.status).toBe(200);
    expect(vi.text).toContain('id="f-note-error"');
    expect(vi.text).toContain('Nhập ghi chú cho thao tác này.');
    const en = await as('finance').post(`/console/reconciliation/items/${id}?lang=en`, {
      action: 'write_off',
      note: '',
    });
    expect(en.text).toContain('Enter a note for this action.');
    await as('finance').agent.get('/console?lang=vi');
    expect(await count(hub, 'recon_actions')).toBe(actions);
  });

  it('the check step shows the ledger entries and changes nothing; confirming applies and audits it', async () => {
    const id = await itemOf(seeded.short!.attemptId);
    const entries = await count(hub, 'journal_entries');
    const check = await as('finance').post(`/console/reconciliation/items/${id}`, {
      action: 'write_off',
      note: 'Ngân hàng thiếu 10.000 ₫, chấp nhận',
      step: 'check',
    });
    expect(check.status).toBe(200);
    expect(check.text).toContain('write_off');
    expect(check.text).toContain('10.000 ₫');
    expect(check.text).toContain('settlement_bank:sandbox');
    expect(await count(hub, 'journal_entries')).toBe(entries);
    const apply = await as('finance').post(`/console/reconciliation/items/${id}`, {
      action: 'write_off',
      note: 'Ngân hàng thiếu 10.000 ₫, chấp nhận',
      step: 'apply',
    });
    expect(apply.status).toBe(303);
    expect(await count(hub, 'journal_entries')).toBe(entries + 1);
    const { rows } = await hub.db.query<{ actor_id: string; details: { note: string } }>(
      `SELECT actor_id, details FROM audit_log WHERE action = 'reconciliation.write_off' AND object_id = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.details.note).toBe('Ngân hàng thiếu 10.000 ₫, chấp nhận');
    const page = await as('finance').agent.get(apply.headers.location!);
    expect(page.text).toContain('Đã xử lý');
  });

  it('an auditor reads the break but may not resolve it; a POST without the token is refused', async () => {
    const id = await itemOf(seeded.lost!.attemptId);
    const actions = await count(hub, 'recon_actions');
    const page = await as('auditor').agent.get(`/console/reconciliation/items/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('name="action"');
    const auditor = await as('auditor').post(`/console/reconciliation/items/${id}`, {
      action: 'carry_over',
      note: 'x',
      step: 'apply',
    });
    expect(auditor.status).toBe(403);
    const noToken = await as('finance')
      .agent.post(`/console/reconciliation/items/${id}`)
      .type('form')
      .send({ action: 'carry_over', note: 'x', step: 'apply' });
    expect(noToken.status).toBe(403);
    const foreign = await as('foreign').post(`/console/reconciliation/items/${id}`, {
      action: 'carry_over',
      note: 'x',
      step: 'apply',
    });
    expect(foreign.status).toBe(404);
    expect(await count(hub, 'recon_actions')).toBe(actions);
  });

  it('bulk: the checked breaks are previewed, then carried over together, each audited', async () => {
    const ids = [await itemOf(seeded.lost!.attemptId), await itemOf(seeded.big!.attemptId)];
    const check = await as('finance').post('/console/reconciliation/bulk', {
      item: ids as unknown as string,
      action: 'carry_over',
      note: 'chờ tệp ngày mai',
      step: 'check',
    });
    expect(check.status).toBe(200);
    for (const id of ids) expect(check.text).toContain(id);
    const apply = await as('finance').post('/console/reconciliation/bulk', {
      item: ids as unknown as string,
      action: 'carry_over',
      note: 'chờ tệp ngày mai',
      step: 'apply',
    });
    expect(apply.status).toBe(200);
    const { rows } = await hub.db.query<{ object_id: string }>(
      `SELECT object_id FROM audit_log WHERE action = 'reconciliation.carry_over' ORDER BY object_id`,
    );
    expect(rows.map((r) => r.object_id).sort()).toEqual([...ids].sort());
    // A foreign break slipped into the form is a 404 and nothing is done.
    const foreign = await as('foreign').post('/console/reconciliation/bulk', {
      item: ids[0]!,
      action: 'write_off',
      note: 'x',
      step: 'apply',
    });
    expect(foreign.status).toBe(404);
  });

  it('signed-out visitors are sent to sign in', async () => {
    const res = await supertest(hub.app).get(`/console/reconciliation/runs/${runId}`);
    expect(res.status).toBe(303);
  });
});
