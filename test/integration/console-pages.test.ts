import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_STAFF,
  type ConsoleStaffKey,
  consoleSession,
  createConsoleStaff,
} from '../helpers/console.ts';
import { consoleFixtures, paidConsolePayment } from '../helpers/console-data.ts';
import { type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
let a: { id: string; reference: string };
let b: { id: string; reference: string };
let endpointId: string;
const sessions = {} as Record<ConsoleStaffKey, Awaited<ReturnType<typeof consoleSession>>>;

beforeAll(async () => {
  hub = await testHub({ allowPrivateWebhooks: true });
  ({ endpointId } = await consoleFixtures(hub));
  await createConsoleStaff(hub.db);
  a = await paidConsolePayment(hub, 'a', { amount: 1_234_000, payer: { name: 'Phạm Minh Châu' } });
  b = await paidConsolePayment(hub, 'b', { amount: 777_000, payer: { name: 'Lê Văn Bình' } });
  for (const who of Object.keys(CONSOLE_STAFF) as ConsoleStaffKey[])
    sessions[who] = await consoleSession(hub.app, CONSOLE_STAFF[who]);
});
afterAll(() => hub.drop());

const get = (who: ConsoleStaffKey, path: string) => sessions[who].agent.get(path);

describe('console dashboard', () => {
  it("shows an agency's staff their own figures from the roll-up, the whole hub to hub-wide staff", async () => {
    const finance = await get('finance', '/console?mode=test');
    expect(finance.status).toBe(200);
    expect(finance.text).toContain('1.234.000 ₫');
    expect(finance.text).not.toContain('777.000 ₫');
    expect(finance.text).toContain('CHẾ ĐỘ THỬ NGHIỆM');
    expect(finance.text).toContain('<svg');
    expect(finance.text).toContain('<title id="per-day-chart-title">');
    const admin = await get('admin', '/console?mode=test&lang=en');
    expect(admin.text).toContain('1.234.000 ₫');
    expect(admin.text).toContain('777.000 ₫');
    expect(admin.text).toContain('2.011.000 ₫');
    expect(admin.text).toContain('100 % (2/2)');
    const foreign = await get('foreign', '/console?mode=test');
    expect(foreign.text).toContain('777.000 ₫');
    expect(foreign.text).not.toContain('1.234.000 ₫');
    const live = await get('admin', '/console');
    expect(live.text).not.toContain('1.234.000 ₫');
    expect(live.text).not.toContain('TEST MODE');
  });

  it('counts a failing webhook endpoint', async () => {
    await hub.db.query('UPDATE webhook_deliveries SET attempts = 2 WHERE endpoint_id = $1', [endpointId]);
    const page = await get('finance', '/console?mode=test&lang=en');
    expect(page.text).toMatch(/Failing webhook endpoints<\/span><span class="value">1</);
    await hub.db.query('UPDATE webhook_deliveries SET attempts = 0 WHERE endpoint_id = $1', [endpointId]);
  });
});

describe('console payments', () => {
  it('finds a payment by reference, payer and amount, in scope only', async () => {
    for (const query of [
      `reference=${a.reference}`,
      'payer=ph%E1%BA%A1m',
      'amount=1234000',
      'provider=sandbox&status=succeeded',
    ])
      expect((await get('finance', `/console/payments?mode=test&${query}`)).text, query).toContain(
        `>${a.reference}</a>`,
      );
    expect((await get('finance', `/console/payments?mode=test&reference=${b.reference}`)).text).not.toContain(
      `>${b.reference}</a>`,
    );
    expect((await get('admin', `/console/payments?mode=test&reference=${b.reference}`)).text).toContain(
      `>${b.reference}</a>`,
    );
    expect((await get('finance', '/console/payments?mode=test&status=failed')).text).not.toContain(
      `>${a.reference}</a>`,
    );
  });

  it('shows bad filters next to their fields, in the page language, keeping what was typed', async () => {
    const res = await get('finance', '/console/payments?amount=12.5&from=2026-02-30&lang=en');
    expect(res.status).toBe(200);
    expect(res.text).toContain('href="#f-amount"');
    expect(res.text).toContain('Enter the amount as a whole positive number');
    expect(res.text).toContain('Enter a date as YYYY-MM-DD');
    expect(res.text).toContain('value="12.5"');
  });

  it('pages by cursor, keeping the filters', async () => {
    for (let i = 0; i < 51; i++) {
      const created = await hub.api().post('/v1/payments', {
        amount: 5_000,
        reference: `PAGE-${i}`,
        description: 'x',
        return_url: 'https://portal-a.example.vn/x',
        obligation: { type: 'charge' },
      });
      expect(created.status).toBe(201);
    }
    const first = await get('finance', '/console/payments?mode=test&amount=5000');
    const next = /href="(\/console\/payments\?[^"]*after=pay_[0-9A-Z]+)"/
      .exec(first.text)?.[1]
      ?.replaceAll('&amp;', '&');
    expect(next).toContain('amount=5000');
    expect(first.text).toContain('PAGE-50');
    expect(first.text).not.toContain('>PAGE-0<');
    const second = await get('finance', next!);
    expect(second.text).toContain('>PAGE-0<');
    expect(second.text).not.toContain('PAGE-50');
  });

  it("shows a payment's timeline to its agency's staff; another agency's is a 404", async () => {
    for (const who of ['finance', 'auditor', 'admin'] as const) {
      const page = await get(who, `/console/payments/${a.id}`);
      expect(page.status, who).toBe(200);
      expect(page.text).toContain('payment.succeeded');
      expect(page.text).toContain('http://127.0.0.1:9/hook');
      expect(page.text).toContain('provider_clearing:sandbox');
      expect(page.text).toContain('class="test-banner"');
    }
    expect((await get('foreign', `/console/payments/${a.id}`)).status).toBe(404);
    expect((await get('finance', `/console/payments/${b.id}`)).status).toBe(404);
    expect((await get('finance', '/console/payments/pay_nope')).status).toBe(404);
  });

  it('replays a delivery through the webhooks service, audited; an auditor gets 403 and nothing changes', async () => {
    const { rows } = await hub.db.query<{ event_id: string }>(
      "UPDATE webhook_deliveries SET status = 'failed', attempts = 8 WHERE endpoint_id = $1 RETURNING event_id",
      [endpointId],
    );
    const eventId = rows.find(Boolean)!.event_id;
    const state = async () =>
      (
        await hub.db.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM webhook_deliveries WHERE event_id = $1 AND endpoint_id = $2',
          [eventId, endpointId],
        )
      ).rows[0];
    const form = { event: eventId, endpoint: endpointId };
    const denied = await sessions.auditor.post(`/console/payments/${a.id}/replay`, form);
    expect(denied.status).toBe(403);
    expect(await state()).toEqual({ status: 'failed', attempts: 8 });
    const foreign = await sessions.foreign.post(`/console/payments/${a.id}/replay`, form);
    expect(foreign.status).toBe(404);
    const noCsrf = await sessions.finance.agent
      .post(`/console/payments/${a.id}/replay`)
      .type('form')
      .send(form);
    expect(noCsrf.status).toBe(403);
    const wrongEvent = await sessions.finance.post(`/console/payments/${a.id}/replay`, {
      event: 'evt_x',
      endpoint: endpointId,
    });
    expect(wrongEvent.status).toBe(404);
    expect(await state()).toEqual({ status: 'failed', attempts: 8 });

    const done = await sessions.finance.post(`/console/payments/${a.id}/replay`, form);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/console/payments/${a.id}?replayed=1`);
    expect(await state()).toEqual({ status: 'pending', attempts: 0 });
    const audit = await hub.db.query<{ actor_type: string; object_id: string }>(
      "SELECT actor_type, object_id FROM audit_log WHERE action = 'POST /v1/events/:id/redeliver'",
    );
    expect(audit.rows).toEqual([{ actor_type: 'staff', object_id: eventId }]);
  });
});

describe('console audit log', () => {
  it('lists the records in scope, filtered by action, actor and object', async () => {
    const finance = await get('finance', '/console/audit?action=POST+%2Fv1%2Fevents');
    expect(finance.status).toBe(200);
    expect(finance.text).toContain('POST /v1/events/:id/redeliver');
    expect(finance.text).not.toContain('staff.sign_in');
    const foreign = await get('foreign', '/console/audit?action=POST+%2Fv1%2Fevents');
    expect(foreign.text).not.toContain('POST /v1/events/:id/redeliver');
    const byObject = await get('auditor', `/console/audit?object=${a.id}`);
    expect(byObject.text).toContain('POST /v1/payments');
    expect(byObject.text).not.toContain(b.id);
    const { rows } = await hub.db.query<{ id: string }>('SELECT id FROM staff_users WHERE email = $1', [
      CONSOLE_STAFF.finance,
    ]);
    const byActor = await get('admin', `/console/audit?actor=${rows[0]!.id}`);
    expect(byActor.text).toContain('staff.sign_in');
    expect(byActor.text).not.toContain('POST /v1/payments<');
  });
});

describe('every console route, for each role and a foreign agency', () => {
  it('answers each role as the admin API would: pages to all in scope, 404 out of scope', async () => {
    const routes = ['/console', '/console/payments', '/console/audit'];
    for (const who of Object.keys(CONSOLE_STAFF) as ConsoleStaffKey[])
      for (const route of routes) expect((await get(who, route)).status, `${who} ${route}`).toBe(200);
    expect((await get('foreign', `/console/payments/${a.id}`)).status).toBe(404);
    expect((await get('foreign', `/console/payments/${b.id}`)).status).toBe(200);
    expect((await get('admin', '/console/nowhere')).status).toBe(404);
  });
});
