import type request from 'supertest';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_STAFF, consoleSession, createConsoleStaff, csrfOf } from '../helpers/console.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { STAFF_PASSWORD } from '../helpers/staff.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  await createConsoleStaff(hub.db);
});
afterAll(() => hub.drop());

async function loginForm(agent: ReturnType<typeof supertest.agent>, path = '/console/login') {
  const res = await agent.get(path);
  expect(res.status).toBe(200);
  return csrfOf(res.text);
}

describe('console sign-in and sign-out', () => {
  it('sends a visitor without a session to the sign-in page, keeping where they were going', async () => {
    const res = await supertest(hub.app).get('/console/payments?status=failed');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(
      `/console/login?next=${encodeURIComponent('/console/payments?status=failed')}`,
    );
  });

  it('signs in with the right password, lands on next, shows who is signed in, and audits it', async () => {
    const agent = supertest.agent(hub.app);
    const csrf = await loginForm(agent);
    const res = await agent
      .post('/console/login')
      .type('form')
      .send({ _csrf: csrf, email: CONSOLE_STAFF.finance, password: STAFF_PASSWORD, next: '/console?x=1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console?x=1');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/payhub_console=[^;]+;.*HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const page = await agent.get('/console');
    expect(page.status).toBe(200);
    expect(page.text).toContain(CONSOLE_STAFF.finance);
    expect(page.text).toContain('PROV-A');
    expect(page.text).toContain('lang="vi"');
    const { rows } = await hub.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'staff.sign_in' AND actor_type = 'staff'",
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('refuses a wrong password with the error next to the field, keeping the e-mail, and no session', async () => {
    const agent = supertest.agent(hub.app);
    const csrf = await loginForm(agent);
    const sessions = await count(hub, 'staff_sessions');
    const res = await agent
      .post('/console/login')
      .type('form')
      .send({ _csrf: csrf, email: CONSOLE_STAFF.finance, password: 'wrong password here' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Thư điện tử hoặc mật khẩu không đúng.');
    expect(res.text).toContain('href="#f-email"');
    expect(res.text).toContain(`value="${CONSOLE_STAFF.finance}"`);
    expect(res.text).not.toContain('wrong password here');
    expect(await count(hub, 'staff_sessions')).toBe(sessions);
    expect((await agent.get('/console')).status).toBe(303);
  });

  it('shows missing fields next to their fields, in English after ?lang=en', async () => {
    const agent = supertest.agent(hub.app);
    const csrf = await loginForm(agent, '/console/login?lang=en');
    const res = await agent
      .post('/console/login')
      .type('form')
      .send({ _csrf: csrf, email: '', password: '' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('lang="en"');
    expect(res.text).toContain('Enter your e-mail address.');
    expect(res.text).toContain('Enter your password.');
  });

  it('refuses a sign-in form without its CSRF token (403, no session)', async () => {
    const agent = supertest.agent(hub.app);
    await loginForm(agent);
    const sessions = await count(hub, 'staff_sessions');
    const res = await agent
      .post('/console/login')
      .type('form')
      .send({ email: CONSOLE_STAFF.finance, password: STAFF_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Không có gì bị thay đổi');
    expect(await count(hub, 'staff_sessions')).toBe(sessions);
  });

  it('refuses a POST without the session CSRF token (403) and changes nothing; with it, signs out', async () => {
    const { agent, csrf } = await consoleSession(hub.app, CONSOLE_STAFF.auditor);
    const missing = await agent.post('/console/logout').type('form').send({});
    expect(missing.status).toBe(403);
    const wrong = await agent
      .post('/console/logout')
      .type('form')
      .send({ _csrf: `${csrf}x` });
    expect(wrong.status).toBe(403);
    expect((await agent.get('/console')).status).toBe(200);
    const out = await agent.post('/console/logout').type('form').send({ _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/console/login?signed_out=1');
    expect((await agent.get('/console')).status).toBe(303);
  });

  it('sends an expired session back to sign-in, and a POST with it does nothing', async () => {
    const { agent, csrf } = await consoleSession(hub.app, CONSOLE_STAFF.admin);
    await hub.db.query(
      `UPDATE staff_sessions SET expires_at = now() - interval '1 second'
        WHERE user_id = (SELECT id FROM staff_users WHERE email = $1)`,
      [CONSOLE_STAFF.admin],
    );
    const page = await agent.get('/console/audit');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe(`/console/login?next=${encodeURIComponent('/console/audit')}&ended=1`);
    const auditRows = await count(hub, 'audit_log');
    const post = await agent.post('/console/logout').type('form').send({ _csrf: csrf });
    expect(post.status).toBe(303);
    expect(post.headers.location).toMatch(/^\/console\/login\?/);
    expect(await count(hub, 'audit_log')).toBe(auditRows);
    const login = await agent.get(page.headers.location as string);
    expect(login.text).toContain('Phiên làm việc đã kết thúc');
  });

  it('only follows a next that is a console path', async () => {
    const agent = supertest.agent(hub.app);
    for (const next of [
      'https://evil.example/console',
      '//evil.example',
      '/admin/v1/me',
      '/consoles',
      '/console/../admin/v1/me',
      '/console/%2e%2e/admin',
    ]) {
      const csrf = await loginForm(agent);
      const res: request.Response = await agent
        .post('/console/login')
        .type('form')
        .send({ _csrf: csrf, email: CONSOLE_STAFF.finance, password: STAFF_PASSWORD, next });
      expect(res.headers.location, next).toBe('/console');
      await agent
        .post('/console/logout')
        .type('form')
        .send({ _csrf: csrfOf((await agent.get('/console')).text) });
    }
  });

  it('keeps the language chosen with ?lang=en across pages, and the switch keeps the page', async () => {
    const { agent } = await consoleSession(hub.app, CONSOLE_STAFF.finance);
    const en = await agent.get('/console?lang=en');
    expect(en.text).toContain('lang="en"');
    const later = await agent.get('/console');
    expect(later.text).toContain('lang="en"');
    expect(later.text).toContain('href="/console?lang=vi"');
    expect(later.text).toContain('Sign out');
  });

  it('serves pages under a strict CSP, uncached', async () => {
    const res = await supertest(hub.app).get('/console/login');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await supertest(hub.app).get('/console/assets/console.css')).status).toBe(200);
  });
});

describe('console sign-in limits', () => {
  it('stops an address guessing one account after 10 failures, with the page saying so', async () => {
    const agent = supertest.agent(hub.app);
    const csrf = await loginForm(agent);
    const guess = (password: string) =>
      agent.post('/console/login').type('form').send({ _csrf: csrf, email: 'nobody@hub.test', password });
    for (let i = 0; i < 10; i++) expect((await guess(`guess number ${i}`)).status).toBe(200);
    const limited = await guess('guess number 11');
    expect(limited.status).toBe(429);
    expect(limited.text).toContain('Quá nhiều lần đăng nhập sai');
  });
});
