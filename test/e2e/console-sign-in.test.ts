import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectConsoleErrors } from '../helpers/axe.ts';
import { noBrowser, SCREENSHOTS } from '../helpers/browser.ts';
import {
  browserSignIn,
  CONSOLE_STAFF,
  expectAccessibleAsShown,
  startBrowserConsole,
} from '../helpers/console.ts';

let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  if (noBrowser) return;
  ({ base, browser, stop } = await startBrowserConsole());
});
afterAll(() => stop?.());

describe.skipIf(noBrowser)('console sign-in in a real browser (Chromium, JavaScript off)', () => {
  it('signs in, shows the staff member, switches to English and signs out; every page accessible', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      bypassCSP: true,
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    await page.goto(`${base}/console`);
    expect(page.url()).toContain('/console/login?next=%2Fconsole');
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    await expectAccessibleAsShown(browser, page);

    // A wrong password: the summary links to the field, the e-mail is kept.
    await page.fill('#f-email', CONSOLE_STAFF.finance);
    await page.fill('#f-password', 'not the password at all');
    await page.click('button[type=submit]');
    expect(await page.locator('.error-summary').textContent()).toContain('không đúng');
    expect(await page.inputValue('#f-email')).toBe(CONSOLE_STAFF.finance);
    await expectAccessibleAsShown(browser, page);

    await browserSignIn(page, base, CONSOLE_STAFF.finance);
    expect(await page.locator('header').textContent()).toContain(CONSOLE_STAFF.finance);
    expect(await page.locator('header').textContent()).toContain('PROV-A');
    expect(await page.locator('nav.console-nav a[aria-current=page]').textContent()).toBe('Tổng quan');
    await expectAccessibleAsShown(browser, page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-dashboard-vi-phone.png'), fullPage: true });

    await page.click('header a.lang');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.goto(`${base}/console`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await expectAccessibleAsShown(browser, page);

    await page.click('header button:has-text("Sign out")');
    expect(page.url()).toBe(`${base}/console/login?signed_out=1`);
    expect(await page.locator('.notice').textContent()).toContain('You have signed out.');
    await page.goto(`${base}/console`);
    expect(page.url()).toContain('/console/login');
    expect(errors).toEqual([]);
    await context.close();
  });
});
