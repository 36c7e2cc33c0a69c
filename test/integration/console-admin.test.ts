import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { createAgency } from '../../src/agencies/service.ts';
import {
  CONSOLE_STAFF,
  type ConsoleStaffKey,
  consoleSession,
  createConsoleStaff,
  csrfOf,
} from '../helpers/console.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { STAFF_PASSWORD } from '../helpers/staff.ts';

let hub: TestHub;
type Who = ConsoleStaffKey | 'adminB';
const sessions: Partial<Record<Who, Awaited<ReturnType<typeof consoleSession>>>> = {};
const as = (who: Who) => sessions[who]!;

const audited = async (action: string) =>
  (
    await hub.db.query<{ object_id: string; actor_id: string; details: Record<string, unknown> }>(
      'SELECT object_id, actor_id, details FROM audit_log WHERE action = $1 ORDER BY id',
      [action],
    )
  ).rows;

beforeAll(async () => {
  hub = await testHub({ allowPrivateWebhooks: true });
  await createAgency(hub.db, { code: 'PROV-A-TP', name: 'Sở Tư pháp tỉnh A', parentCode: 'PROV-A' });
  await createConsoleStaff(hub.db);
  await createStaffUser(hub.db, {
    email: 'admin@prov-b.test',
    role: 'admin',
    agencyCode: 'PROV-B',
    password: STAFF_PASSWORD,
  });
  for (const who of Object.keys(CONSOLE_STAFF) as ConsoleStaffKey[])
    sessions[who] = await consoleSession(hub.app, CONSOLE_STAFF[who]);
  sessions.adminB = await consoleSession(hub.app, 'admin@prov-b.test');
});
afterAll(() => hub.drop());

describe('administration pages are for admins only', () => {
  it('finance and auditors get the 403 page on every administration route, and change nothing', async () => {
    for (const who of ['finance', 'auditor'] as const) {
      for (const path of ['/console/users', '/console/agencies', '/console/agencies/PROV-A'])
        expect((await as(who).agent.get(path)).status, `${who} ${path}`).toBe(403);
      expect((await as(who).post('/console/agencies/PROV-A/keys', { mode: 'test' })).status).toBe(403);
      expect(
        (await as(who).post('/console/users', { email: 'x@y.vn', role: 'admin', password: 'x'.repeat(12) }))
          .status,
      ).toBe(403);
    }
    expect(await audited('api_keys.create')).toEqual([]);
  });

  it('lists agencies with their children; an agency’s admin sees only its own, another agency is a 404', async () => {
    const all = await as('admin').agent.get('/console/agencies');
    expect(all.status).toBe(200);
    expect(all.text).toContain('/console/agencies/PROV-A-TP');
    expect((await as('admin').agent.get('/console/agencies/PROV-A')).text).toContain('PROV-A-TP');
    const b = await as('adminB').agent.get('/console/agencies');
    expect(b.text).toContain('/console/agencies/PROV-B');
    expect(b.text).not.toContain('/console/agencies/PROV-A');
    expect((await as('adminB').agent.get('/console/agencies/PROV-A')).status).toBe(404);
  });
});

describe('API keys', () => {
  it('creates a key shown once, which the API accepts; once revoked the API refuses it; both audited', async () => {
    const keys = await count(hub, 'api_keys');
    const noToken = await as('admin')
      .agent.post('/console/agencies/PROV-A/keys')
      .type('form')
      .send({ mode: 'test' });
    expect(noToken.status).toBe(403);
    expect(await count(hub, 'api_keys')).toBe(keys);
    const created = await as('admin').post('/console/agencies/PROV-A/keys', { mode: 'test' });
    expect(created.status).toBe(201);
    const key = /phk_test_[A-Za-z0-9_-]{43}/.exec(created.text)![0];
    expect((await hub.api(key).get('/v1/payments')).status).toBe(200);
    const page = await as('admin').agent.get('/console/agencies/PROV-A');
    expect(page.text).not.toContain(key);
    expect(page.text).toContain(key.slice(0, 13));
    const [record] = await audited('api_keys.create');
    expect(record).toMatchObject({ actor_id: expect.stringMatching(/^usr_/), details: { agency: 'PROV-A' } });
    expect(JSON.stringify(record)).not.toContain(key);
    // Another agency's admin cannot revoke it.
    expect(
      (await as('adminB').post(`/console/agencies/PROV-A/keys/${record!.object_id}/revoke`)).status,
    ).toBe(404);
    const revoked = await as('admin').post(`/console/agencies/PROV-A/keys/${record!.object_id}/revoke`);
    expect(revoked.status).toBe(303);
    expect((await audited('api_keys.revoke')).map((r) => r.object_id)).toEqual([record!.object_id]);
    // Lookups are cached a few seconds per node: the key stops working within that.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (Date.now() < deadline && status !== 401) {
      status = (await hub.api(key).get('/v1/payments')).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
  });
});

describe('provider settings and webhook endpoints', () => {
  it('saves provider settings without ever showing a value back; blank forms are refused', async () => {
    const blank = await as('admin').post('/console/agencies/PROV-A/providers/vietqr', {});
    expect(blank.status).toBe(200);
    expect(blank.text).toContain('Nhập ít nhất một giá trị mới.');
    const saved = await as('admin').post('/console/agencies/PROV-A/providers/vietqr', {
      'vietqr-bank_bin': '970415',
      'vietqr-account_no': '0011001932418',
      'vietqr-account_name': 'SO TU PHAP',
      'vietqr-feed_secret': 'a-very-secret-feed-value-0123456789',
    });
    expect(saved.status).toBe(303);
    const page = await as('admin').agent.get('/console/agencies/PROV-A');
    expect(page.text).toContain('feed_secret (đã đặt)');
    expect(page.text).not.toContain('a-very-secret-feed-value');
    expect(page.text).not.toContain('0011001932418');
    const [record] = await audited('providers.configure');
    expect(record!.details).toMatchObject({
      provider: 'vietqr',
      changed: ['account_name', 'account_no', 'bank_bin', 'feed_secret'],
    });
    expect(JSON.stringify(record)).not.toContain('a-very-secret');
    expect((await hub.services.providers.list('PROV-A'))[0]).toMatchObject({
      provider: 'vietqr',
      enabled: true,
    });
  });

  it('adds a webhook endpoint (its secret shown once), refuses a bad URL next to the field, and disables it', async () => {
    const bad = await as('admin').post('/console/agencies/PROV-A/webhooks?lang=en', {
      url: 'ftp://portal',
      mode: 'test',
    });
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('id="f-url-error"');
    expect(bad.text).toContain('URL not accepted');
    await as('admin').agent.get('/console?lang=vi');
    const created = await as('admin').post('/console/agencies/PROV-A/webhooks', {
      url: 'http://127.0.0.1:9/payhub',
      mode: 'test',
    });
    expect(created.status).toBe(201);
    const secret = /whsec_[A-Za-z0-9+/=]+/.exec(created.text)![0];
    const page = await as('admin').agent.get('/console/agencies/PROV-A');
    expect(page.text).toContain('http://127.0.0.1:9/payhub');
    expect(page.text).not.toContain(secret);
    const [record] = await audited('webhook_endpoints.create');
    const listed = await hub.api().get('/v1/webhook_endpoints');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(record!.object_id);
    expect(
      (await as('adminB').post(`/console/agencies/PROV-A/webhooks/${record!.object_id}/disable`)).status,
    ).toBe(404);
    expect(
      (await as('admin').post(`/console/agencies/PROV-A/webhooks/${record!.object_id}/disable`)).status,
    ).toBe(303);
    expect((await audited('webhook_endpoints.disable')).map((r) => r.object_id)).toEqual([record!.object_id]);
    expect((await hub.api().get('/v1/webhook_endpoints')).body.data).toEqual([]);
  });
});

describe('/console/users', () => {
  it('shows errors next to the fields in the page’s language, keeping what was typed; creates nothing', async () => {
    const users = await count(hub, 'staff_users');
    const res = await as('admin').post('/console/users', {
      email: 'new@prov-a.test',
      role: 'finance',
      agency: '',
      password: 'short',
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Nhập mã đơn vị, hoặc chọn toàn hệ thống.');
    expect(res.text).toContain('id="f-password-error"');
    expect(res.text).toContain('value="new@prov-a.test"');
    const en = await as('admin').post('/console/users?lang=en', {
      email: 'new@prov-a.test',
      role: 'finance',
      agency: 'NOPE',
      password: 'x'.repeat(12),
    });
    expect(en.text).toContain('There is no such agency in your scope.');
    await as('admin').agent.get('/console?lang=vi');
    expect(await count(hub, 'staff_users')).toBe(users);
  });

  it('creates, changes and disables a staff member, each audited; the disabled one cannot sign in', async () => {
    const created = await as('admin').post('/console/users', {
      email: 'new@prov-a.test',
      role: 'finance',
      agency: 'PROV-A',
      password: STAFF_PASSWORD,
    });
    expect(created.status).toBe(303);
    const [record] = await audited('staff_users.create');
    const id = record!.object_id;
    expect((await as('adminB').post(`/console/users/${id}/disable`)).status).toBe(404);
    const changed = await as('admin').post(`/console/users/${id}/change`, {
      role: 'auditor',
      agency: 'PROV-A-TP',
    });
    expect(changed.status).toBe(303);
    expect((await audited('staff_users.change'))[0]!.details).toMatchObject({
      to: { role: 'auditor', agency: 'PROV-A-TP' },
    });
    const newcomer = await consoleSession(hub.app, 'new@prov-a.test');
    expect((await newcomer.agent.get('/console')).text).toContain('PROV-A-TP');
    expect((await as('admin').post(`/console/users/${id}/disable`)).status).toBe(303);
    expect((await audited('staff_users.disable')).map((r) => r.object_id)).toEqual([id]);
    const agent = supertest.agent(hub.app);
    const form = await agent.get('/console/login');
    const signIn = await agent
      .post('/console/login')
      .type('form')
      .send({ _csrf: csrfOf(form.text), email: 'new@prov-a.test', password: STAFF_PASSWORD });
    expect(signIn.status).not.toBe(303);
    expect((await newcomer.agent.get('/console')).status).toBe(303);
  });
});
