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
import { consoleFixtures, paidConsolePayment } from '../helpers/console-data.ts';
import type { TestHub } from '../helpers/hub.ts';

let hub: TestHub;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
let payment: { id: string; reference: string };
let endpointId: string;

beforeAll(async () => {
  if (noBrowser) return;
  ({ hub, base, browser, stop } = await startBrowserConsole(
    async (hub) => {
      ({ endpointId } = await consoleFixtures(hub));
      payment = await paidConsolePayment(hub, 'a', { amount: 2_500_000, payer: { name: 'Phạm Minh Châu' } });
      await paidConsolePayment(hub, 'a', { amount: 300_000, obligation: { type: 'fee' } });
    },
    { allowPrivateWebhooks: true },
  ));
});
afterAll(() => stop?.());

const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 900 } } as const;

describe.skipIf(noBrowser)('the finance console in a real browser (Chromium, JavaScript off)', () => {
  for (const [lang, size] of [
    ['vi', 'phone'],
    ['en', 'desktop'],
  ] as const) {
    it(`signs in, reads the dashboard, finds a payment, opens its timeline and replays a delivery (${lang}, ${size})`, async () => {
      await hub.db.query(
        "UPDATE webhook_deliveries SET status = 'failed', attempts = 8 WHERE endpoint_id = $1",
        [endpointId],
      );
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: SIZES[size] });
      const page = await context.newPage();
      const errors = collectConsoleErrors(page);
      const shot = (name: string) =>
        page.screenshot({
          path: path.join(SCREENSHOTS, `console-${name}-${lang}-${size}.png`),
          fullPage: true,
        });

      await page.goto(`${base}/console/login?lang=${lang}`);
      await browserSignIn(page, base, CONSOLE_STAFF.finance);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);

      await page.goto(`${base}/console?mode=test`);
      expect(await page.locator('.test-banner').count()).toBe(1);
      expect(await page.locator('svg[role=img]').count()).toBeGreaterThanOrEqual(2);
      expect(await page.textContent('main')).toContain('2.800.000 ₫');
      await expectAccessibleAsShown(browser, page);
      await shot('dashboard');

      await page.click('nav.console-nav a[href="/console/payments"]');
      await page.fill('#f-payer', 'phạm minh');
      await page.selectOption('#f-mode', 'test');
      await page.click('form.filters button[type=submit]');
      const link = page.locator(`main table a:has-text("${payment.reference}")`);
      expect(await link.count()).toBe(1);
      expect(await page.locator('main tbody tr').count()).toBe(1);
      await expectAccessibleAsShown(browser, page);
      await shot('payments');

      await link.click();
      expect(page.url()).toBe(`${base}/console/payments/${payment.id}`);
      expect(await page.textContent('main')).toContain('payment.succeeded');
      expect(await page.textContent('main')).toContain('provider_clearing:sandbox');
      await expectAccessibleAsShown(browser, page);
      await shot('timeline');

      await page.click('main form[action$="/replay"] button');
      expect(page.url()).toBe(`${base}/console/payments/${payment.id}?replayed=1`);
      expect(await page.locator('.notice').count()).toBe(1);
      const { rows } = await hub.db.query<{ status: string }>(
        'SELECT status FROM webhook_deliveries WHERE endpoint_id = $1',
        [endpointId],
      );
      expect(rows.map((r) => r.status)).toContain('pending');
      await expectAccessibleAsShown(browser, page);

      await page.goto(`${base}/console/audit`);
      expect(await page.textContent('main')).toContain('POST /v1/events/:id/redeliver');
      await expectAccessibleAsShown(browser, page);
      await shot('audit');
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
