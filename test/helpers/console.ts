import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { expect } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import type { Queryable } from '../../src/db/port.ts';
import { collectConsoleErrors, expectAccessible } from './axe.ts';
import { launchBrowser } from './browser.ts';
import { type TestHub, testHub } from './hub.ts';
import { freePort } from './spawn.ts';
import { STAFF_PASSWORD } from './staff.ts';

/** The staff every console test signs in as: a hub-wide admin, finance and auditor of PROV-A, finance of PROV-B. */
export const CONSOLE_STAFF = {
  admin: 'admin@hub.test',
  finance: 'finance@prov-a.test',
  auditor: 'auditor@prov-a.test',
  foreign: 'finance@prov-b.test',
} as const;
export type ConsoleStaffKey = keyof typeof CONSOLE_STAFF;

/** Creates CONSOLE_STAFF (agencies PROV-A and PROV-B must exist, as testHub() makes them). */
export async function createConsoleStaff(db: Queryable): Promise<void> {
  await createStaffUser(db, { email: CONSOLE_STAFF.admin, role: 'admin', password: STAFF_PASSWORD });
  await createStaffUser(db, {
    email: CONSOLE_STAFF.finance,
    role: 'finance',
    agencyCode: 'PROV-A',
    password: STAFF_PASSWORD,
  });
  await createStaffUser(db, {
    email: CONSOLE_STAFF.auditor,
    role: 'auditor',
    agencyCode: 'PROV-A',
    password: STAFF_PASSWORD,
  });
  await createStaffUser(db, {
    email: CONSOLE_STAFF.foreign,
    role: 'finance',
    agencyCode: 'PROV-B',
    password: STAFF_PASSWORD,
  });
}

/** The `_csrf` value of the first form on a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no _csrf field on the page');
  return match[1];
}

/**
 * Signs in through the sign-in form as a browser would: the agent keeps the cookies; `csrf` is
 * the session's `_csrf` (read from a page), `post` sends a form with it.
 */
export async function consoleSession(app: Express, email: string, password = STAFF_PASSWORD) {
  const agent = request.agent(app);
  const form = await agent.get('/console/login');
  expect(form.status).toBe(200);
  const res = await agent
    .post('/console/login')
    .type('form')
    .send({ _csrf: csrfOf(form.text), email, password, next: '/console' });
  expect(res.status, `sign-in of ${email}`).toBe(303);
  const page = await agent.get('/console');
  const csrf = csrfOf(page.text);
  const post = (path: string, fields: Record<string, string> = {}) =>
    agent
      .post(path)
      .type('form')
      .send({ _csrf: csrf, ...fields });
  return { agent, csrf, post };
}

/** Signs in through the form in a playwright page (JavaScript on or off) and waits for the dashboard. */
export async function browserSignIn(page: Page, base: string, email: string, password = STAFF_PASSWORD) {
  await page.goto(`${base}/console/login`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForURL(`${base}/console`), page.click('button[type=submit]')]);
}

/**
 * axe needs JavaScript, the journeys run without it: the page as the JavaScript-off browser got it
 * (even a form's answer, which a GET cannot repeat) is served again, from its own URL so its
 * stylesheet loads, in a JavaScript-on context, and axe checks it there.
 */
export async function expectAccessibleAsShown(browser: Browser, page: Page): Promise<void> {
  const url = page.url();
  const html = await page.content();
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const context = await browser.newContext({ bypassCSP: true, viewport });
  try {
    const copy = await context.newPage();
    const errors = collectConsoleErrors(copy);
    await copy.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    await copy.goto(url);
    await expectAccessible(copy);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
}

/** A test hub with the console staff, served on a free local port, and a Chromium to drive it. */
export interface BrowserConsole {
  hub: TestHub;
  base: string;
  browser: Browser;
  stop: () => Promise<void>;
}

/**
 * The browser tests' set-up: a hub (`options` as testHub takes them), the console staff,
 * `prepare` (the file's own data), the app listening on 127.0.0.1 and Chromium launched.
 */
export async function startBrowserConsole(
  prepare: (hub: TestHub) => Promise<void> = async () => {},
  options: Parameters<typeof testHub>[0] = {},
): Promise<BrowserConsole> {
  const hub = await testHub(options);
  await createConsoleStaff(hub.db);
  await prepare(hub);
  const port = await freePort();
  const server: Server = hub.app.listen(port, '127.0.0.1');
  const browser = await launchBrowser();
  return {
    hub,
    base: `http://127.0.0.1:${port}`,
    browser,
    async stop() {
      await browser.close();
      server.close();
      await hub.drop();
    },
  };
}

export type ConsoleSession = Awaited<ReturnType<typeof consoleSession>>;

/** A file's console sessions: `signIn` once (all the staff, or those named), then `as(who)`. */
export function consoleSessions() {
  const sessions: Partial<Record<ConsoleStaffKey, ConsoleSession>> = {};
  return {
    async signIn(app: Express, who = Object.keys(CONSOLE_STAFF) as ConsoleStaffKey[]) {
      for (const key of who) sessions[key] = await consoleSession(app, CONSOLE_STAFF[key]);
    },
    as: (who: ConsoleStaffKey) => sessions[who]!,
  };
}
