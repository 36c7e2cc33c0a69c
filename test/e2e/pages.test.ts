import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createApiKey, enableProvider } from '../../src/agencies/service.ts';
import { createApp, createServices } from '../../src/app.ts';
import { collectConsoleErrors, expectAccessible } from '../helpers/axe.ts';
import { launchBrowser, noBrowser, SCREENSHOTS } from '../helpers/browser.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { TEST_SECRET } from '../helpers/hub.ts';
import { freePort } from '../helpers/spawn.ts';

/**
 * Every page a citizen can land on, in both languages, on a phone (390 px) and a desktop
 * (1280 px): axe-clean, no console errors under the hub's real CSP, and readable with JavaScript off.
 */

let database: TestDatabase;
let server: Server;
let browser: Browser;
let base: string;
let key: string;
const pages: Record<string, string> = {};

async function api(route: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function newPayment(extra: Record<string, unknown> = {}) {
  const created = await api('/v1/payments', {
    amount: 150000,
    reference: `HS-PAGES-${Date.now()}-${Math.random()}`,
    description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
    return_url: `${base}/`,
    obligation: { type: 'charge' },
    payer: { name: 'Nguyễn Văn An' },
    ...extra,
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; checkout_url: string };
}

/** POST /checkout/:token/attempts as the form does; the Location it answers. */
async function choose(checkoutUrl: string, method: string): Promise<string> {
  const res = await fetch(`${checkoutUrl}/attempts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `method=${method}`,
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  return new URL(res.headers.get('location')!, base).toString();
}

beforeAll(async () => {
  if (noBrowser) return;
  database = await testDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await createAgency(database.db, {
    code: 'SOTP-PAGES',
    name: 'Sở Tư pháp tỉnh Mẫu',
    returnOrigins: [base],
    address: 'Số 1 đường Mẫu, tỉnh Mẫu',
    contact: { phone: '0203 3888 999', email: 'lienhe@stp.mau.example', website: 'https://stp.mau.example' },
  });
  await enableProvider(database.db, 'SOTP-PAGES', 'sandbox');
  key = (await createApiKey(database.db, 'SOTP-PAGES', 'test')).key;
  const options = { db: database.db, publicUrl: base, secretKey: TEST_SECRET };
  const services = createServices(options);
  await services.providers.configure('SOTP-PAGES', 'vietqr', {
    bank_bin: '970415',
    account_no: '100000000001',
    account_name: 'SO TU PHAP TINH MAU',
    feed_secret: 'feed-secret-pages-0123456789abcdef',
  });
  const app = createApp(
    {
      ...options,
      logger: pino({ level: 'silent' }),
      rateLimit: 0,
      playBankCredit: true,
      site: { operator: 'PayHub', hotline: '1900 0000' },
    },
    services,
  );
  server = app.listen(port, '127.0.0.1');
  browser = await launchBrowser();

  // One payment in each state a citizen can meet.
  pages.checkout = (
    await newPayment({
      obligation: {
        type: 'fine',
        fine: { decision_no: '15/QĐ-XPVPHC', decided_on: '2026-01-05', due_on: '2026-01-15' },
      },
    })
  ).checkout_url;
  const sandbox = await newPayment();
  pages.sandbox = await choose(sandbox.checkout_url, 'sandbox');
  const waiting = await newPayment();
  await choose(waiting.checkout_url, 'sandbox');
  expect(
    (
      await api(`/v1/test_helpers/payments/${waiting.id}/complete`, {
        outcome: 'succeeded_late_notification',
      })
    ).status,
  ).toBe(200);
  pages.waiting = waiting.checkout_url;
  const transfer = await newPayment();
  await choose(transfer.checkout_url, 'vietqr');
  pages.transfer = transfer.checkout_url;
  const paid = await newPayment();
  expect((await api(`/v1/test_helpers/payments/${paid.id}/complete`, { outcome: 'succeeded' })).status).toBe(
    200,
  );
  pages.result = paid.checkout_url;
  expect((await fetch(`${paid.checkout_url}/receipt`)).status).toBe(200);
  pages.receipt = ((await api(`/v1/payments/${paid.id}`)).body.receipt as { verify_url: string }).verify_url;
  const cancelled = await newPayment();
  expect((await api(`/v1/payments/${cancelled.id}/cancel`, {})).status).toBe(200);
  pages.cancelled = cancelled.checkout_url;
  const expired = await newPayment();
  await database.db.query(`UPDATE payments SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
    expired.id,
  ]);
  pages.expired = expired.checkout_url;
  pages.notFound = `${base}/checkout/${'x'.repeat(43)}`;
  pages.home = `${base}/`;
  pages.privacy = `${base}/privacy`;
  pages.accessibility = `${base}/accessibility`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await database?.drop();
});

const withLang = (url: string, lang: string) => `${url}${url.includes('?') ? '&' : '?'}lang=${lang}`;

/** What each page must say, in each language: its heading. */
const HEADINGS: Record<string, { vi: RegExp; en: RegExp }> = {
  checkout: { vi: /Lệ phí|Tiền phạt|Lệ phí cấp/, en: /Lệ phí/ },
  sandbox: { vi: /Cổng thanh toán thử nghiệm/, en: /Sandbox payment provider/ },
  waiting: { vi: /Đang chờ kết quả/, en: /Waiting for the result/ },
  transfer: { vi: /Lệ phí/, en: /Lệ phí/ },
  result: { vi: /Thanh toán thành công/, en: /Payment successful/ },
  receipt: { vi: /TEST — biên lai thử nghiệm/, en: /TEST — test payment/ },
  cancelled: { vi: /đã bị huỷ/, en: /was cancelled/ },
  expired: { vi: /hết hạn/, en: /expired/ },
  notFound: { vi: /Không tìm thấy khoản thanh toán/, en: /Payment not found/ },
  home: { vi: /Cổng thanh toán dùng chung/, en: /Shared payment hub/ },
  privacy: { vi: /Quyền riêng tư/, en: /Privacy/ },
  accessibility: { vi: /khả năng tiếp cận/, en: /Accessibility statement/ },
};

async function open(page: Page, url: string) {
  const res = await page.goto(url);
  expect(res, url).not.toBeNull();
  return res!;
}

describe.skipIf(noBrowser)('every citizen page, both languages, phone and desktop', () => {
  for (const name of Object.keys(HEADINGS)) {
    it(`${name}: axe clean, no console errors, works without JavaScript`, async () => {
      for (const lang of ['vi', 'en'] as const) {
        // The sandbox page takes its language from the signed request, not from ?lang.
        const url = name === 'sandbox' ? pages.sandbox! : withLang(pages[name]!, lang);
        if (name === 'sandbox' && lang === 'en') continue;
        for (const width of [390, 1280]) {
          const real = await browser.newContext({ viewport: { width, height: 900 } });
          const page = await real.newPage();
          const errors = collectConsoleErrors(page);
          await open(page, url);
          expect(await page.locator('html').getAttribute('lang')).toBe(name === 'sandbox' ? 'vi' : lang);
          expect(await page.locator('h1').first().textContent()).toMatch(HEADINGS[name]![lang]);
          // Nothing wider than the screen: a phone never scrolls sideways.
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, `${name} ${lang} ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
          await page.screenshot({
            path: path.join(SCREENSHOTS, `page-${name}-${lang}-${width}.png`),
            fullPage: true,
          });
          // A bad link is answered 404, which Chromium logs about the document itself; nothing else.
          const expected = name === 'notFound' ? [expect.stringContaining('status of 404')] : [];
          expect(errors, `${name} ${lang} ${width}px: ${errors.join('\n')}`).toEqual(expected);
          await real.close();

          const audited = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
          const auditPage = await audited.newPage();
          await open(auditPage, url);
          await expectAccessible(auditPage);
          await audited.close();
        }
        const noJs = await browser.newContext({
          javaScriptEnabled: false,
          viewport: { width: 390, height: 900 },
        });
        const page = await noJs.newPage();
        await open(page, url);
        expect(await page.locator('h1').first().textContent()).toMatch(HEADINGS[name]![lang]);
        await noJs.close();
      }
      // Four browser contexts and an axe run per language and width: minutes on a loaded machine.
    }, 180_000);
  }

  it('a test payment says TEST on every checkout page; the agency, its contact and the footer are on each', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    for (const name of ['checkout', 'waiting', 'transfer', 'result', 'cancelled', 'expired']) {
      await open(page, pages[name]!);
      expect(await page.locator('.test-banner').textContent(), name).toContain('THỬ NGHIỆM');
      expect(await page.locator('.agency').textContent(), name).toContain('Sở Tư pháp tỉnh Mẫu');
      expect(await page.locator('.emblem').textContent(), name).toBe('STM');
      expect(await page.getByRole('link', { name: 'Quyền riêng tư' }).count(), name).toBe(1);
      expect(await page.getByRole('link', { name: 'Tuyên bố về khả năng tiếp cận' }).count(), name).toBe(1);
      expect(await page.locator('footer').textContent(), name).toContain('1900 0000');
    }
    for (const name of ['cancelled', 'expired', 'waiting']) {
      await open(page, pages[name]!);
      expect(await page.locator('.contact').textContent(), name).toContain('0203 3888 999');
    }
    await context.close();
  }, 90_000);

  it('"Total to pay" only while something is to pay; "Pay by" is the end of the last day', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await open(page, withLang(pages.checkout!, 'en'));
    expect(await page.textContent('body')).toContain('Total to pay');
    await open(page, withLang(pages.result!, 'en'));
    expect(await page.textContent('body')).not.toContain('Total to pay');
    expect(await page.textContent('body')).toContain('Amount paid');
    await open(page, withLang(pages.cancelled!, 'en'));
    expect(await page.textContent('body')).not.toContain('Total to pay');
    // A fine's payment expires at local midnight (tomorrow's amount differs): the end of today.
    await open(page, withLang(pages.checkout!, 'vi'));
    expect(await page.locator('.deadline').textContent()).toMatch(
      /Hạn thanh toán: hết ngày \d\d\/\d\d\/\d{4}$/,
    );
    await context.close();
  });

  it('the waiting page offers no Pay button, an estimate and a way to check again', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await open(page, withLang(pages.waiting!, 'en'));
    expect(await page.getByRole('button', { name: /Pay/ }).count()).toBe(0);
    expect(await page.locator('input[name="method"]').count()).toBe(0);
    expect(await page.textContent('body')).toContain('about 5 minutes');
    await page.getByRole('link', { name: 'Check the result again' }).click();
    expect(await page.locator('h1').textContent()).toContain('Waiting for the result');
    await context.close();
  });

  it('the cancelled, expired and bad-link pages each give a next step', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    for (const name of ['cancelled', 'expired']) {
      await open(page, pages[name]!);
      expect(await page.getByRole('link', { name: 'Quay lại cổng dịch vụ công' }).getAttribute('href')).toBe(
        `${base}/`,
      );
    }
    const res = await open(page, pages.notFound!);
    expect(res.status()).toBe(404);
    expect(await page.textContent('main')).toContain('Hãy mở lại đường dẫn');
    await page.getByRole('link', { name: 'Về trang chủ' }).click();
    expect(await page.locator('h1').textContent()).toContain('Cổng thanh toán dùng chung');
    await context.close();
  });
});
