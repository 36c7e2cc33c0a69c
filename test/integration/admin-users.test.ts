/**
 * Staff user management for the web console: admins manage the staff of their own agencies
 * (hub-wide admins: all), every change audited; a disabled user's sessions end at once.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { createAgency } from '../../src/agencies/service.ts';
import { expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

const PASSWORD = STAFF_PASSWORD;
let hub: TestHub;

async function signIn(email: string) {
  const session = await staffSession(hub.app, email);
  return { ...session, status: session.res.status };
}

async function signedIn(email: string) {
  const session = await signIn(email);
  expect(session.status).toBe(201);
  const { agent, csrf } = session;
  return {
    agent,
    get: (path: string) => agent.get(path),
    post: (path: string, body: object = {}) => agent.post(path).set('X-CSRF-Token', csrf).send(body),
  };
}

beforeAll(async () => {
  hub = await testHub();
  await createAgency(hub.db, { code: 'PROV-A-TP', name: 'Sở Tư pháp tỉnh A', parentCode: 'PROV-A' });
  await createStaffUser(hub.db, { email: 'root@payhub.gov.vn', role: 'admin', password: PASSWORD });
  await createStaffUser(hub.db, {
    email: 'admin@tinh-a.gov.vn',
    role: 'admin',
    agencyCode: 'PROV-A',
    password: PASSWORD,
  });
  await createStaffUser(hub.db, {
    email: 'ketoan@tinh-b.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-B',
    password: PASSWORD,
  });
});
afterAll(() => hub.drop());

const emailsOf = (res: request.Response) => (res.body.data as { email: string }[]).map((u) => u.email);

describe('staff users', () => {
  it("an agency's admin creates staff for its agencies, who can then sign in; the change is audited", async () => {
    const admin = await signedIn('admin@tinh-a.gov.vn');
    const created = await admin.post('/admin/v1/users', {
      email: 'KeToan@TuPhap.Tinh-A.gov.vn',
      role: 'finance',
      agency: 'PROV-A-TP',
      password: PASSWORD,
    });
    expectContract(created, 'createStaffUser');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      email: 'ketoan@tuphap.tinh-a.gov.vn',
      role: 'finance',
      agency: 'PROV-A-TP',
      disabled_at: null,
    });
    expect(JSON.stringify(created.body)).not.toContain('scrypt');
    expect((await signIn('ketoan@tuphap.tinh-a.gov.vn')).status).toBe(201);

    const audited = await hub.db.query(
      'SELECT actor_type, action, details FROM audit_log WHERE object_id = $1',
      [created.body.id],
    );
    expect(audited.rows).toEqual([
      {
        actor_type: 'staff',
        action: 'staff_users.create',
        details: { email: 'ketoan@tuphap.tinh-a.gov.vn', role: 'finance', agency: 'PROV-A-TP' },
      },
    ]);

    const list = await admin.get('/admin/v1/users');
    expectContract(list, 'listStaffUsers');
    // Its own agencies' staff only: not province B's, not the hub-wide admin.
    expect(emailsOf(list)).toEqual(['admin@tinh-a.gov.vn', 'ketoan@tuphap.tinh-a.gov.vn']);
  });

  it("refuses an agency's admin staff outside its agencies, or hub-wide", async () => {
    const admin = await signedIn('admin@tinh-a.gov.vn');
    const body = { email: 'x@tinh-b.gov.vn', role: 'finance', password: PASSWORD };
    expect((await admin.post('/admin/v1/users', { ...body, agency: 'PROV-B' })).status).toBe(403);
    expect((await admin.post('/admin/v1/users', body)).status).toBe(403);
    const outsider = (
      await hub.db.query<{ id: string }>(`SELECT id FROM staff_users WHERE email = 'ketoan@tinh-b.gov.vn'`)
    ).rows[0]!.id;
    expect((await admin.post(`/admin/v1/users/${outsider}/disable`)).status).toBe(404);
    const count = await hub.db.query(`SELECT 1 FROM staff_users WHERE email = 'x@tinh-b.gov.vn'`);
    expect(count.rowCount).toBe(0);
  });

  it('only admins manage staff, and every write needs the CSRF token', async () => {
    const finance = await signedIn('ketoan@tinh-b.gov.vn');
    expect((await finance.get('/admin/v1/users')).status).toBe(403);
    const body = { email: 'y@tinh-b.gov.vn', role: 'admin', agency: 'PROV-B', password: PASSWORD };
    expect((await finance.post('/admin/v1/users', body)).status).toBe(403);
    const root = await signIn('root@payhub.gov.vn');
    const noCsrf = await root.agent.post('/admin/v1/users').send(body);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('csrf_failed');
    expect((await request(hub.app).get('/admin/v1/users')).status).toBe(401);
  });

  it('refuses bad input with the field named, and an e-mail already taken with 409', async () => {
    const root = await signedIn('root@payhub.gov.vn');
    const base = { email: 'z@payhub.gov.vn', role: 'finance', hub_wide: true, password: PASSWORD };
    const cases: [object, number, string?][] = [
      [{ ...base, password: 'short' }, 400, 'password'],
      [{ ...base, email: 'not-an-email' }, 400, 'email'],
      [{ ...base, hub_wide: undefined, agency: 'NO-SUCH' }, 400, 'agency'],
      [{ ...base, role: 'owner' }, 400],
      [{ ...base, hub_wide: undefined }, 400, 'agency'],
      [{ ...base, hub_wide: false }, 400, 'agency'],
      [{ ...base, role: 'auditor', hub_wide: undefined }, 400, 'agency'],
      [{ ...base, agency: 'PROV-A' }, 400, 'hub_wide'],
      [{ ...base, extra: 1 }, 400],
      [{ ...base, email: 'admin@tinh-a.gov.vn' }, 409],
    ];
    for (const [body, status, field] of cases) {
      const res = await root.post('/admin/v1/users', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.type).toBe('application/problem+json');
      if (field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const none = await hub.db.query(`SELECT 1 FROM staff_users WHERE email = 'z@payhub.gov.vn'`);
    expect(none.rowCount).toBe(0);
  });

  it('a hub-wide finance or auditor user is created only when asked for with hub_wide', async () => {
    const root = await signedIn('root@payhub.gov.vn');
    const forgot = await root.post('/admin/v1/users', {
      email: 'kiemtoan@payhub.gov.vn',
      role: 'auditor',
      password: PASSWORD,
    });
    expect(forgot.status).toBe(400);
    expectContract(forgot, 'createStaffUser');
    expect(forgot.body.errors).toEqual([
      { field: 'agency', message: 'is required for a auditor user; send hub_wide: true for the whole hub' },
    ]);
    const none = await hub.db.query(`SELECT 1 FROM staff_users WHERE email = 'kiemtoan@payhub.gov.vn'`);
    expect(none.rowCount).toBe(0);
    const meant = await root.post('/admin/v1/users', {
      email: 'kiemtoan@payhub.gov.vn',
      role: 'auditor',
      hub_wide: true,
      password: PASSWORD,
    });
    expect(meant.status).toBe(201);
    expectContract(meant, 'createStaffUser');
    expect(meant.body).toMatchObject({ role: 'auditor', agency: null });
  });

  it('a disabled user is signed out at once and cannot sign in again; nobody disables themselves', async () => {
    const root = await signedIn('root@payhub.gov.vn');
    const created = await root.post('/admin/v1/users', {
      email: 'leaving@tinh-b.gov.vn',
      role: 'auditor',
      agency: 'PROV-B',
      password: PASSWORD,
    });
    const leaving = await signedIn('leaving@tinh-b.gov.vn');
    expect((await leaving.get('/admin/v1/me')).status).toBe(200);

    const disabled = await root.post(`/admin/v1/users/${created.body.id}/disable`);
    expectContract(disabled, 'disableStaffUser');
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled_at).not.toBeNull();
    expect((await leaving.get('/admin/v1/me')).status).toBe(401);
    expect((await signIn('leaving@tinh-b.gov.vn')).status).toBe(401);
    // Disabling again changes nothing and records nothing more.
    expect((await root.post(`/admin/v1/users/${created.body.id}/disable`)).body.disabled_at).toBe(
      disabled.body.disabled_at,
    );
    const audited = await hub.db.query(
      `SELECT action FROM audit_log WHERE object_id = $1 AND action = 'staff_users.disable'`,
      [created.body.id],
    );
    expect(audited.rowCount).toBe(1);

    const me = (await root.get('/admin/v1/me')).body.id as string;
    const self = await root.post(`/admin/v1/users/${me}/disable`);
    expect(self.status).toBe(409);
    expect(self.body.code).toBe('cannot_disable_self');
  });
});
