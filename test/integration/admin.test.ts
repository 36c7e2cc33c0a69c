import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { createAgency, enableProvider } from '../../src/agencies/service.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import { pdfText } from '../helpers/pdf.ts';
import { type SeededAttempt, seedAttempt } from '../helpers/recon.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

const D = '2026-05-04';
const PASSWORD = STAFF_PASSWORD;
const BUDGET = {
  treasury_code: '0011',
  treasury_account: '7111',
  chapter_code: '418',
  economic_code: '2662',
};

let hub: TestHub;
const seeded: Record<string, SeededAttempt> = {};

async function signIn(email: string) {
  const session = await staffSession(hub.app, email);
  expect(session.res.status).toBe(201);
  expectContract(session.res, 'createStaffSession');
  return session;
}

beforeAll(async () => {
  hub = await testHub();
  await createAgency(hub.db, { code: 'PROV-A-TP', name: 'Sở Tư pháp tỉnh A', parentCode: 'PROV-A' });
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await createStaffUser(hub.db, { email: 'hq@payhub.gov.vn', role: 'finance', password: PASSWORD });
  await createStaffUser(hub.db, {
    email: 'a@tinh-a.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-A',
    password: PASSWORD,
  });
  await createStaffUser(hub.db, {
    email: 'b@tinh-b.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-B',
    password: PASSWORD,
  });
  await createStaffUser(hub.db, {
    email: 'audit@tinh-a.gov.vn',
    role: 'auditor',
    agencyCode: 'PROV-A',
    password: PASSWORD,
  });
  const at = `${D}T10:00:00+07:00`;
  seeded.a = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at, budget: BUDGET });
  seeded.lost = await seedAttempt(hub.db, {
    agencyCode: 'PROV-A',
    status: 'processing',
    completedAt: at,
    budget: BUDGET,
  });
  seeded.child = await seedAttempt(hub.db, {
    agencyCode: 'PROV-A-TP',
    amount: 50000,
    completedAt: at,
    budget: BUDGET,
  });
  seeded.b = await seedAttempt(hub.db, { agencyCode: 'PROV-B', completedAt: at, budget: BUDGET });
});
afterAll(() => hub.drop());

const file = () =>
  sandboxSettlementCsv(D, [
    { transactionId: 'S1', attemptId: seeded.a!.attemptId, amount: 150000, fee: 1500 },
    { transactionId: 'S2', attemptId: seeded.lost!.attemptId, amount: 150000, fee: 1500 },
    { transactionId: 'S3', attemptId: seeded.child!.attemptId, amount: 45000, fee: 450 },
    { transactionId: 'S4', attemptId: seeded.b!.attemptId, amount: 140000, fee: 1400 },
  ]);

describe('staff sessions', () => {
  it('refuses a wrong password and unauthenticated calls', async () => {
    const bad = await request(hub.app)
      .post('/admin/v1/sessions')
      .send({ email: 'a@tinh-a.gov.vn', password: 'nope' });
    expect(bad.status).toBe(401);
    expectContract(bad, 'createStaffSession');
    const anon = await request(hub.app).get('/admin/v1/reconciliation/items');
    expect(anon.status).toBe(401);
    expectContract(anon, 'listReconciliationItems');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie; sign-out ends it', async () => {
    const { agent, csrf, res } = await signIn('a@tinh-a.gov.vn');
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    const session = cookies.find((c) => c.startsWith('payhub_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    const me = await agent.get('/admin/v1/me');
    expect(me.body).toMatchObject({ email: 'a@tinh-a.gov.vn', role: 'finance', agency: 'PROV-A' });
    expectContract(me, 'getStaffMe');
    expect((await agent.delete('/admin/v1/sessions/current')).status).toBe(403);
    expect((await agent.delete('/admin/v1/sessions/current').set('X-CSRF-Token', csrf)).status).toBe(204);
    expect((await agent.get('/admin/v1/me')).status).toBe(401);
  });
});

describe('reconciliation through the admin API', () => {
  let runId: string;

  beforeAll(async () => {
    const { agent, csrf } = await signIn('hq@payhub.gov.vn');
    const res = await agent
      .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${D}&file_name=sandbox-${D}.csv`)
      .set('X-CSRF-Token', csrf)
      .type('text/csv')
      .send(file());
    expect(res.status).toBe(201);
    expectContract(res, 'createReconciliationRun');
    runId = res.body.id;
  });

  it('uploading the same file again is idempotent', async () => {
    const { agent, csrf } = await signIn('hq@payhub.gov.vn');
    const res = await agent
      .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${D}`)
      .set('X-CSRF-Token', csrf)
      .type('text/csv')
      .send(file());
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(runId);
  });

  it('a malformed upload is a 422 naming the line, and nothing is kept', async () => {
    const { agent, csrf } = await signIn('hq@payhub.gov.vn');
    const res = await agent
      .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${D}`)
      .set('X-CSRF-Token', csrf)
      .type('text/csv')
      .send(`${file()}S9,att_X,payment,-5,0,succeeded,${D}T10:00:00+07:00\n`);
    expect(res.status).toBe(422);
    expectContract(res, 'createReconciliationRun');
    expect(res.body).toMatchObject({ code: 'settlement_file_rejected', reason: 'malformed_file', line: 6 });
    const current = await agent.get(`/admin/v1/reconciliation/runs?business_date=${D}&status=completed`);
    expect(current.body.data.map((r: { id: string }) => r.id)).toEqual([runId]);
  });

  it('a provincial finance officer cannot reconcile a provider file (it covers every agency)', async () => {
    const { agent, csrf } = await signIn('a@tinh-a.gov.vn');
    const res = await agent
      .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${D}`)
      .set('X-CSRF-Token', csrf)
      .type('text/csv')
      .send(file());
    expect(res.status).toBe(403);
  });

  it("finance of province A sees A's and its children's items, never B's", async () => {
    const { agent } = await signIn('a@tinh-a.gov.vn');
    const res = await agent.get(`/admin/v1/reconciliation/items?run=${runId}`);
    expect(res.status).toBe(200);
    expectContract(res, 'listReconciliationItems');
    // Matched lines are counted, not itemized: A's break and its child's.
    const attempts = res.body.data.map((i: { attempt: string }) => i.attempt).sort();
    expect(attempts).toEqual([seeded.lost!.attemptId, seeded.child!.attemptId].sort());
    const run = await agent.get(`/admin/v1/reconciliation/runs/${runId}`);
    expectContract(run, 'getReconciliationRun');
    expect(run.body.summary.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(3);

    const { agent: hq } = await signIn('hq@payhub.gov.vn');
    const all = await hq.get(`/admin/v1/reconciliation/items?run=${runId}&category=amount_mismatch`);
    const bItem = all.body.data.find((i: { attempt: string }) => i.attempt === seeded.b!.attemptId);
    expect(bItem.agency).not.toBeNull();
    const hidden = await agent.get(`/admin/v1/reconciliation/items/${bItem.id}`);
    expect(hidden.status).toBe(404);
    expectContract(hidden, 'getReconciliationItem');
    const { agent: a2, csrf: csrf2 } = await signIn('a@tinh-a.gov.vn');
    const touch = await a2
      .post(`/admin/v1/reconciliation/items/${bItem.id}/actions`)
      .set('X-CSRF-Token', csrf2)
      .send({ action: 'write_off', note: 'not mine' });
    expect(touch.status).toBe(404);
  });

  it("lists a run's lines, matched ones included, within the staff member's agencies", async () => {
    const { agent: hq } = await signIn('hq@payhub.gov.vn');
    const all = await hq.get(`/admin/v1/reconciliation/runs/${runId}/lines`);
    expect(all.status).toBe(200);
    expectContract(all, 'listReconciliationRunLines');
    const summary = (l: {
      line_no: number;
      provider_transaction_id: string;
      category: string;
      agency: string;
    }) => [l.provider_transaction_id, l.category, l.agency];
    expect(all.body.data.map(summary)).toEqual([
      ['S1', 'matched', 'PROV-A'],
      ['S2', 'missing_in_hub', 'PROV-A'],
      ['S3', 'amount_mismatch', 'PROV-A-TP'],
      ['S4', 'amount_mismatch', 'PROV-B'],
    ]);
    expect(all.body.data[0]).toMatchObject({
      item: null,
      payment: seeded.a!.paymentId,
      amount: 150000,
      fee: 1500,
    });
    expect(all.body.data[1].item).toMatch(/^ri_\d+$/);

    // Found by attempt id or provider transaction number; filtered by category; paged by line.
    const byRef = await hq.get(
      `/admin/v1/reconciliation/runs/${runId}/lines?reference=${seeded.b!.attemptId}`,
    );
    expect(byRef.body.data.map(summary)).toEqual([['S4', 'amount_mismatch', 'PROV-B']]);
    const byTxn = await hq.get(`/admin/v1/reconciliation/runs/${runId}/lines?reference=S3`);
    expect(byTxn.body.data.map(summary)).toEqual([['S3', 'amount_mismatch', 'PROV-A-TP']]);
    const matched = await hq.get(`/admin/v1/reconciliation/runs/${runId}/lines?category=matched`);
    expect(matched.body.data.map(summary)).toEqual([['S1', 'matched', 'PROV-A']]);
    const page = await hq.get(`/admin/v1/reconciliation/runs/${runId}/lines?limit=2`);
    expect(page.body.has_more).toBe(true);
    const next = await hq.get(
      `/admin/v1/reconciliation/runs/${runId}/lines?limit=2&starting_after=${page.body.data[1].line_no}`,
    );
    expect([...page.body.data, ...next.body.data].map(summary)).toEqual(all.body.data.map(summary));
    expect(next.body.has_more).toBe(false);

    const { agent: a } = await signIn('a@tinh-a.gov.vn');
    const mine = await a.get(`/admin/v1/reconciliation/runs/${runId}/lines`);
    expect(mine.body.data.map(summary)).toEqual([
      ['S1', 'matched', 'PROV-A'],
      ['S2', 'missing_in_hub', 'PROV-A'],
      ['S3', 'amount_mismatch', 'PROV-A-TP'],
    ]);
    expect((await a.get(`/admin/v1/reconciliation/runs/${runId}/lines?reference=S4`)).body.data).toEqual([]);
    expect((await a.get('/admin/v1/reconciliation/runs/rr_nope/lines')).status).toBe(404);
    expect((await a.get(`/admin/v1/reconciliation/runs/${runId}/lines?limit=0`)).status).toBe(400);
  });

  it('an auditor reads but cannot write; a write without the CSRF header is refused', async () => {
    const { agent, csrf } = await signIn('audit@tinh-a.gov.vn');
    const list = await agent.get('/admin/v1/reconciliation/items?category=missing_in_hub');
    expect(list.status).toBe(200);
    const item = list.body.data[0];
    const write = await agent
      .post(`/admin/v1/reconciliation/items/${item.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'write_off', note: 'auditor tries' });
    expect(write.status).toBe(403);
    expectContract(write, 'createReconciliationAction');

    const { agent: finance } = await signIn('a@tinh-a.gov.vn');
    const noCsrf = await finance
      .post(`/admin/v1/reconciliation/items/${item.id}/actions`)
      .send({ action: 'write_off', note: 'forged' });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('csrf_failed');
  });

  it("confirm_payment: the payment succeeds and the portal's event is there to poll and deliver", async () => {
    const { agent, csrf } = await signIn('a@tinh-a.gov.vn');
    const list = await agent.get('/admin/v1/reconciliation/items?category=missing_in_hub');
    const item = list.body.data.find((i: { attempt: string }) => i.attempt === seeded.lost!.attemptId);
    const noNote = await agent
      .post(`/admin/v1/reconciliation/items/${item.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'confirm_payment' });
    expect(noNote.status).toBe(400);
    const res = await agent
      .post(`/admin/v1/reconciliation/items/${item.id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({ action: 'confirm_payment', note: 'Settled by the provider on 04/05; IPN lost.' });
    expect(res.status).toBe(201);
    expectContract(res, 'createReconciliationAction');
    expect(res.body).toMatchObject({ status: 'resolved', resolution: 'confirm_payment' });
    expect(res.body.actions.at(-1)).toMatchObject({ action: 'confirm_payment' });
    const payment = await hub.api().get(`/v1/payments/${seeded.lost!.paymentId}`);
    expect(payment.body.status).toBe('succeeded');
    const events = await hub.api().get('/v1/events');
    expect(
      events.body.data.some(
        (e: { type: string; data: { object?: { id: string }; id?: string } }) =>
          e.type === 'payment.succeeded' && JSON.stringify(e.data).includes(seeded.lost!.paymentId),
      ),
    ).toBe(true);
    // Its payment entry (debit clearing) and the settlement of its line (credit clearing) cancel out.
    const clearing = await hub.db.query<{ balance: string; entries: number }>(
      `SELECT coalesce(sum(l.amount), 0)::text AS balance, count(DISTINCT e.id)::int AS entries FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
       WHERE l.account = 'provider_clearing:sandbox' AND (e.attempt_id = $1 OR e.memo = $2)`,
      [seeded.lost!.attemptId, `reconciliation run ${runId} line 3`],
    );
    expect(clearing.rows[0]).toEqual({ balance: '0', entries: 2 });
    const audited = await hub.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE object_id = $1`,
      [item.id],
    );
    expect(audited.rows.map((r) => r.action)).toEqual(['reconciliation.confirm_payment']);
    const detail = await agent.get(`/admin/v1/reconciliation/items/${item.id}`);
    expectContract(detail, 'getReconciliationItem');
    expect(detail.body.actions).toHaveLength(1);
    expect(detail.body.actions[0]).toMatchObject({
      action: 'confirm_payment',
      actor: expect.stringMatching(/^usr_/),
    });
  });

  it('the settlement report groups by agency and budget codes, scoped, as JSON, CSV and PDF', async () => {
    const { agent } = await signIn('a@tinh-a.gov.vn');
    const json = await agent.get(`/admin/v1/reports/settlement?business_date=${D}&mode=test`);
    expect(json.status).toBe(200);
    expectContract(json, 'getSettlementReport');
    const codes = json.body.rows.map((r: { agency_code: string }) => r.agency_code);
    // The child's line was settled at another amount: a break, not in the report until resolved.
    expect(codes).toEqual(['PROV-A']);
    // A: the matched line and the confirmed one; fees 1.500 ₫ each.
    expect(json.body.rows[0]).toMatchObject({
      count: 2,
      gross: 300000,
      refunds: 0,
      fees: 3000,
      net: 297000,
      treasury_account: '7111',
      chapter_code: '418',
    });
    expect(json.body.totals).toMatchObject({ count: 2, gross: 300000, fees: 3000, net: 297000 });
    const csv = await agent.get(`/admin/v1/reports/settlement?business_date=${D}&mode=test&format=csv`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text).toContain('2026-05-04,PROV-A,Tỉnh A,0011,7111,418,2662,2,300000,0,3000,297000');
    expect(csv.text).not.toContain('PROV-B');
    const pdf = await agent
      .get(`/admin/v1/reports/settlement?business_date=${D}&mode=test&format=pdf`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('PROV-A Tỉnh A');
    expect(text).toMatch(/0011\s+7111\s+418\s+2662\s+2\s+300.000 ₫/);
    expect(text).toMatch(/297.000 ₫/);
    expect(text).not.toContain('PROV-B');
  });
});

describe('a run is seen by the staff of the agencies it holds', () => {
  const D2 = '2026-05-05';
  let runId: string;

  beforeAll(async () => {
    const own = await seedAttempt(hub.db, {
      agencyCode: 'PROV-A',
      completedAt: `${D2}T09:00:00+07:00`,
      budget: BUDGET,
    });
    const { agent, csrf } = await signIn('hq@payhub.gov.vn');
    const upload = (csv: string) =>
      agent
        .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${D2}`)
        .set('X-CSRF-Token', csrf)
        .type('text/csv')
        .send(csv);
    const aOnly = sandboxSettlementCsv(D2, [
      { transactionId: 'T1', attemptId: own.attemptId, amount: 150000, fee: 1500 },
    ]);
    const res = await upload(aOnly);
    expect(res.status).toBe(201);
    runId = res.body.id;
    expect((await upload(`${aOnly}T9,att_X,payment,-5,0,succeeded,${D2}T10:00:00+07:00\n`)).status).toBe(422);
  });

  it("finance of B sees neither A's run nor the rejected file, in the list or by id", async () => {
    const { agent } = await signIn('b@tinh-b.gov.vn');
    const list = await agent.get(`/admin/v1/reconciliation/runs?business_date=${D2}`);
    expect(list.status).toBe(200);
    expectContract(list, 'listReconciliationRuns');
    expect(list.body).toMatchObject({ data: [], has_more: false });
    for (const path of [
      `/admin/v1/reconciliation/runs/${runId}`,
      `/admin/v1/reconciliation/runs/${runId}/lines`,
    ]) {
      const hidden = await agent.get(path);
      expect(hidden.status).toBe(404);
      expect(hidden.body.code).toBe('resource_missing');
    }
    // The run of D holds one line of B: B sees it, counted over that line only.
    const shared = await agent.get(`/admin/v1/reconciliation/runs?business_date=${D}&status=completed`);
    expect(shared.body.data).toHaveLength(1);
    expect(shared.body.data[0]).toMatchObject({ line_count: 1 });
  });

  it('finance of A sees its run, not the rejected file; hub-wide staff see both', async () => {
    const { agent } = await signIn('a@tinh-a.gov.vn');
    const list = await agent.get(`/admin/v1/reconciliation/runs?business_date=${D2}`);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect(list.body.data[0]).toMatchObject({ line_count: 1 });
    expect((await agent.get(`/admin/v1/reconciliation/runs/${runId}`)).status).toBe(200);
    const { agent: hq } = await signIn('hq@payhub.gov.vn');
    const all = await hq.get(`/admin/v1/reconciliation/runs?business_date=${D2}`);
    expect(all.body.data.map((r: { status: string }) => r.status).sort()).toEqual(['completed', 'rejected']);
  });

  it('a page of runs is filled past the runs a scoped officer may not see', async () => {
    const { agent } = await signIn('a@tinh-a.gov.vn');
    const first = await agent.get('/admin/v1/reconciliation/runs?limit=1');
    expect(first.body.data).toHaveLength(1);
    expect(first.body.has_more).toBe(true);
    const next = await agent.get(
      `/admin/v1/reconciliation/runs?limit=1&starting_after=${first.body.data[0].id}`,
    );
    expect(next.body.data).toHaveLength(1);
    expect(next.body.data[0].status).not.toBe('rejected');
  });
});
