import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import { feedHeaders } from '../fakes/bank/camt.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { collectConsoleErrors } from '../helpers/axe.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
} from '../helpers/bank-feed.ts';
import { noBrowser, SCREENSHOTS } from '../helpers/browser.ts';
import {
  browserSignIn,
  CONSOLE_STAFF,
  expectAccessibleAsShown,
  startBrowserConsole,
} from '../helpers/console.ts';
import { PUBLIC_URL, paymentBody, type TestHub } from '../helpers/hub.ts';
import { pdfText } from '../helpers/pdf.ts';
import { type SeededAttempt, seedAttempt } from '../helpers/recon.ts';

const D = '2026-05-04';
const BUDGET = {
  treasury_code: '0011',
  treasury_account: '7111',
  chapter_code: '418',
  economic_code: '2662',
};
let hub: TestHub;
let browser: Browser;
let base: string;
let stop: (() => Promise<void>) | undefined;
const seeded: Record<string, SeededAttempt> = {};

beforeAll(async () => {
  if (noBrowser) return;
  ({ hub, base, browser, stop } = await startBrowserConsole(async (hub) => {
    await enableProvider(hub.db, 'PROV-A', 'sandbox');
    await configureVietqrA(hub.services.providers);
    const at = `${D}T10:00:00+07:00`;
    seeded.ok = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at, budget: BUDGET });
    seeded.short = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at, budget: BUDGET });
  }));
});
afterAll(() => stop?.());

/** A JavaScript-off phone-sized context signed in as `email`, collecting console errors. */
async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    bypassCSP: true,
    viewport: { width: 390, height: 844 },
  });
  const page = await context.newPage();
  const errors = collectConsoleErrors(page);
  await browserSignIn(page, base, email);
  return { context, page, errors };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe.skipIf(noBrowser)('the console’s operations pages in Chromium with JavaScript off', () => {
  it('uploads a settlement file and resolves a break with a note, after seeing its ledger entries', async () => {
    const admin = await signedIn(CONSOLE_STAFF.admin);
    const file = path.join(SCREENSHOTS, `sandbox-${D}.csv`);
    fs.writeFileSync(
      file,
      sandboxSettlementCsv(D, [
        { transactionId: 'S1', attemptId: seeded.ok!.attemptId, amount: 150000, fee: 1500 },
        { transactionId: 'S2', attemptId: seeded.short!.attemptId, amount: 140000, fee: 1400 },
      ]),
    );
    await admin.page.goto(`${base}/console/reconciliation`);
    await expectAccessibleAsShown(browser, admin.page);
    await admin.page.selectOption('#f-provider', 'sandbox');
    await admin.page.fill('#f-business_date', D);
    await admin.page.setInputFiles('#f-file', file);
    await Promise.all([
      admin.page.waitForURL(/\/console\/reconciliation\/runs\//),
      admin.page.click('button:has-text("Tải lên")'),
    ]);
    expect(await admin.page.locator('main').textContent()).toContain('Hoàn tất');
    await expectAccessibleAsShown(browser, admin.page);
    fs.rmSync(file);
    await admin.context.close();

    const { context, page, errors } = await signedIn(CONSOLE_STAFF.finance);
    await page.goto(`${base}/console/reconciliation/breaks`);
    await expectAccessibleAsShown(browser, page);
    await shot(page, 'console-breaks-vi-phone');
    await page.click('main table a[href^="/console/reconciliation/items/"]');
    expect(await page.locator('main').textContent()).toContain('Lệch số tiền');
    await expectAccessibleAsShown(browser, page);
    // Without a note: the error is next to the field, nothing is applied.
    await page.check('#f-action-write_off');
    await page.click('button:has-text("Tiếp tục")');
    expect(await page.locator('#f-note-error').textContent()).toContain('Nhập ghi chú');
    await expectAccessibleAsShown(browser, page);
    await page.fill('#f-note', 'Ngân hàng quyết toán thiếu 10.000 ₫; chấp nhận theo tệp');
    await page.click('button:has-text("Tiếp tục")');
    const preview = await page.locator('table.ledger-preview').textContent();
    expect(preview).toContain('write_off');
    expect(preview).toContain('10.000 ₫');
    await expectAccessibleAsShown(browser, page);
    await shot(page, 'console-break-preview-vi-phone');
    await page.click('button:has-text("Xác nhận và thực hiện")');
    expect(await page.locator('.notice').textContent()).toContain('Đã thực hiện');
    expect(await page.locator('main').textContent()).toContain('Ngân hàng quyết toán thiếu');
    await expectAccessibleAsShown(browser, page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('assigns a bank credit to a payment, after seeing its ledger entries', async () => {
    const created = await hub.api().post('/v1/payments', paymentBody({ amount: 200_000 }));
    const checkout = new URL(created.body.checkout_url, PUBLIC_URL).pathname;
    await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vietqr' });
    const body = JSON.stringify({
      account: ACCOUNT,
      amount: 200_000,
      memo: 'nop tien ho so',
      bank_reference: 'FT26E2E0001',
      booked_at: new Date().toISOString(),
    });
    expect(
      (await request(hub.app).post('/bank-feed/vietqr').set(feedHeaders(FEED_SECRET, body)).send(body))
        .status,
    ).toBeLessThan(300);

    const { context, page, errors } = await signedIn(CONSOLE_STAFF.finance);
    await page.goto(`${base}/console/bank-credits`);
    await expectAccessibleAsShown(browser, page);
    await page.click('a:has-text("FT26E2E0001")');
    await page.check('#f-action-assign');
    await page.fill('#f-payment', created.body.id);
    await page.fill('#f-note', 'Người nộp gửi UNC, đối chiếu khớp');
    await page.click('button:has-text("Tiếp tục")');
    const preview = await page.locator('table.ledger-preview').textContent();
    expect(preview).toContain('provider_clearing:vietqr');
    expect(preview).toContain('200.000 ₫');
    await expectAccessibleAsShown(browser, page);
    await page.click('button:has-text("Xác nhận và thực hiện")');
    expect(await page.locator('.notice').textContent()).toContain('Đã thực hiện');
    expect((await hub.api().get(`/v1/payments/${created.body.id}`)).body.status).toBe('succeeded');
    await expectAccessibleAsShown(browser, page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('downloads the settlement report as CSV and PDF', async () => {
    const { context, page, errors } = await signedIn(CONSOLE_STAFF.finance);
    await page.goto(`${base}/console/reports`);
    await page.fill('#f-business_date', D);
    await page.selectOption('#f-mode', 'test');
    await page.click('button:has-text("Lọc")');
    expect(await page.locator('main table').textContent()).toContain('148.500 ₫');
    await expectAccessibleAsShown(browser, page);
    await shot(page, 'console-report-vi-phone');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Tải CSV")')]);
    expect(csv.suggestedFilename()).toBe(`settlement-${D}.csv`);
    const csvText = fs.readFileSync((await csv.path())!, 'utf8');
    expect(csvText).toContain('2026-05-04,PROV-A,Tỉnh A,0011,7111,418,2662,1,150000,0,1500,148500');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Tải PDF")')]);
    expect(pdf.suggestedFilename()).toBe(`settlement-${D}.pdf`);
    const text = pdfText(fs.readFileSync((await pdf.path())!));
    expect(text).toContain('PROV-A Tỉnh A');
    expect(text).toMatch(/148.500 ₫/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('creates an API key shown once, then revokes it, and the API refuses it', async () => {
    const { context, page, errors } = await signedIn(CONSOLE_STAFF.admin);
    await page.goto(`${base}/console/agencies`);
    await expectAccessibleAsShown(browser, page);
    await page.click('a[href="/console/agencies/PROV-A"]');
    await page.selectOption('#f-key-mode', 'test');
    await page.click('button:has-text("Tạo khoá API")');
    const key = (await page.locator('#new-key').textContent())!.trim();
    expect(key).toMatch(/^phk_test_/);
    await expectAccessibleAsShown(browser, page);
    await shot(page, 'console-agency-vi-phone');
    expect((await hub.api(key).get('/v1/payments')).status).toBe(200);
    await page.goto(`${base}/console/agencies/PROV-A`);
    expect(await page.content()).not.toContain(key);
    await page.click(`button[aria-label="Thu hồi ${key.slice(0, 13)}"]`);
    expect(await page.locator('.notice').textContent()).toContain('Đã thu hồi');
    await expectAccessibleAsShown(browser, page);
    // Key lookups are cached a few seconds per node; the revocation takes effect within them.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      status = (await hub.api(key).get('/v1/payments')).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('every operations page, in English at desktop width and in Vietnamese on a phone, is accessible and error-free', async () => {
    const pages = [
      '/console/reconciliation',
      '/console/reconciliation/breaks?status=any',
      '/console/bank-credits',
      `/console/reports?business_date=${D}&mode=test`,
      '/console/refunds',
      '/console/users',
      '/console/agencies',
      '/console/agencies/PROV-A',
    ];
    for (const [lang, viewport] of [
      ['en', { width: 1280, height: 900 }],
      ['vi', { width: 390, height: 844 }],
    ] as const) {
      const context = await browser.newContext({ javaScriptEnabled: false, bypassCSP: true, viewport });
      const page = await context.newPage();
      const errors = collectConsoleErrors(page);
      await browserSignIn(page, base, CONSOLE_STAFF.admin);
      await page.goto(`${base}/console?lang=${lang}`);
      for (const path of pages) {
        await page.goto(`${base}${path}`);
        expect(await page.locator('html').getAttribute('lang'), path).toBe(lang);
        expect(await page.locator('h1').count(), path).toBe(1);
        await expectAccessibleAsShown(browser, page);
        const name = path
          .replace(/^\/console\//, '')
          .replace(/[^a-z0-9]+/gi, '-')
          .replace(/-+$/, '');
        await shot(page, `console-${name}-${lang}-${viewport.width < 600 ? 'phone' : 'desktop'}`);
      }
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 180_000);
});
