/**
 * The payment-link journey in Chromium with JavaScript off: a staff member adds an item and a
 * reusable link in the console, a citizen opens the link, types a dossier reference and pays
 * through the sandbox; the payment shows on the link's console page, in the day's settlement
 * report, and live-mode fixtures show in /stats.csv. Every page axe-clean, no console errors.
 */
import type { Server } from 'node:http';
import { parse } from 'csv-parse/sync';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createApiKey, enableProvider } from '../../src/agencies/service.ts';
import { createApp, createServices } from '../../src/app.ts';
import { localDate } from '../../src/dates.ts';
import { ulid } from '../../src/ids.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { collectConsoleErrors } from '../helpers/axe.ts';
import { launchBrowser, noBrowser } from '../helpers/browser.ts';
import {
  browserSignIn,
  CONSOLE_STAFF,
  createConsoleStaff,
  expectAccessibleAsShown,
} from '../helpers/console.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { TEST_SECRET } from '../helpers/hub.ts';
import { freePort } from '../helpers/spawn.ts';
import { staffSession } from '../helpers/staff.ts';

let database: TestDatabase;
let app: ReturnType<typeof createApp>;
let server: Server;
let browser: Browser;
let base: string;
const today = localDate(new Date());

beforeAll(async () => {
  if (noBrowser) return;
  database = await testDatabase();
  const { db } = database;
  await createAgency(db, {
    code: 'PROV-A',
    name: 'Sở Tư pháp tỉnh A',
    returnOrigins: ['https://portal-a.example.vn'],
  });
  await createAgency(db, { code: 'PROV-B', name: 'Tỉnh B' });
  await createApiKey(db, 'PROV-A', 'test');
  await enableProvider(db, 'PROV-A', 'sandbox');
  await createConsoleStaff(db);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const options = { db, publicUrl: base, secretKey: TEST_SECRET };
  app = createApp({ ...options, logger: pino({ level: 'silent' }), rateLimit: 0 }, createServices(options));
  server = app.listen(port, '127.0.0.1');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await database?.drop();
});

async function submit(page: Page, selector = 'main button[type=submit]') {
  await Promise.all([page.waitForLoadState('load'), page.click(selector)]);
}

/** A live payment through a live link's page, then marked paid as a verified provider notice would (fixture). */
async function livePaidThroughLink(linkPath: string, reference: string) {
  const res = await fetch(`${base}${linkPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ reference, name: 'Người Nộp Riêng Tư' }),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  const { rows } = await database.db.query<{ id: string }>(
    `SELECT id FROM payments WHERE mode = 'live' AND reference = $1`,
    [reference],
  );
  const attempt = `att_${ulid()}`;
  await database.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO attempts (id, payment_id, agency_id, mode, provider, status, amount, completed_at)
       SELECT $1, id, agency_id, mode, 'vnpay', 'succeeded', amount, now() FROM payments WHERE id = $2`,
      [attempt, rows[0]!.id],
    );
    await tx.query(
      `UPDATE payments SET status = 'succeeded', succeeded_attempt_id = $1, paid_at = now() WHERE id = $2`,
      [attempt, rows[0]!.id],
    );
  });
}

describe.skipIf(noBrowser)('payment links in a real browser (Chromium, JavaScript off)', () => {
  it('item and link in the console, paid by a citizen, seen in the console, the report and the statistics', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);

    // Staff: an admin adds the item to the catalogue.
    await browserSignIn(page, base, CONSOLE_STAFF.admin);
    await page.goto(`${base}/console/links/catalog/new`);
    await expectAccessibleAsShown(browser, page);
    await page.fill('#f-agency', 'PROV-A');
    await page.fill('#f-code', '1.002309');
    await page.fill('#f-name_vi', 'Cấp Phiếu lý lịch tư pháp');
    await page.fill('#f-amount', '200000');
    await page.fill('#f-chapter_code', '41');
    await submit(page);
    // A bad budget code: the summary links to the field, what was typed is kept.
    expect(await page.locator('.error-summary').textContent()).toContain('Chương gồm 3 chữ số.');
    expect(await page.inputValue('#f-name_vi')).toBe('Cấp Phiếu lý lịch tư pháp');
    await expectAccessibleAsShown(browser, page);
    await page.fill('#f-treasury_code', '0011');
    await page.fill('#f-treasury_account', '7111');
    await page.fill('#f-chapter_code', '418');
    await page.fill('#f-economic_code', '2652');
    await submit(page);
    expect(page.url()).toContain('/console/links/catalog');
    expect(await page.locator('main table').textContent()).toContain('1.002309');
    await expectAccessibleAsShown(browser, page);

    // Finance staff make a reusable test link.
    await page.click('header button:has-text("Đăng xuất")');
    await browserSignIn(page, base, CONSOLE_STAFF.finance);
    await page.goto(`${base}/console/links/new?mode=test`);
    await expectAccessibleAsShown(browser, page);
    await page.selectOption('#f-mode', 'test');
    await submit(page);
    expect(page.url()).toMatch(/\/console\/links\/plk_/);
    expect(await page.locator('.test-banner').count()).toBe(1);
    await expectAccessibleAsShown(browser, page);
    const linkUrl = (await page.locator('dl.facts a').first().getAttribute('href'))!;
    const consoleLinkPage = page.url();
    await page.goto(`${base}/console/links?mode=test`);
    await expectAccessibleAsShown(browser, page);
    await page.goto(`${base}/console/links/bulk`);
    await expectAccessibleAsShown(browser, page);

    // The citizen opens the link, forgets the reference once, then pays through the sandbox.
    const citizen = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
    });
    const phone = await citizen.newPage();
    const citizenErrors = collectConsoleErrors(phone);
    await phone.goto(linkUrl);
    expect(await phone.locator('h1').textContent()).toBe('Cấp Phiếu lý lịch tư pháp');
    await expectAccessibleAsShown(browser, phone);
    await phone.fill('#name', 'Trần Thị Bình');
    await submit(phone, 'form button[type=submit]');
    expect(await phone.locator('.error-summary').textContent()).toContain('Nhập mã hồ sơ.');
    await expectAccessibleAsShown(browser, phone);
    await phone.fill('#reference', 'HS-2026-000123');
    await Promise.all([phone.waitForURL(/\/checkout\//), phone.click('form button[type=submit]')]);
    await phone.getByRole('button', { name: /Thanh toán/ }).click();
    await phone.waitForURL(/\/sandbox\/pay\?/);
    await phone.getByRole('button', { name: 'Thanh toán thành công' }).click();
    await phone.waitForURL(/\/checkout\//);
    expect(await phone.locator('main').textContent()).toContain('Thanh toán thành công');
    expect(citizenErrors).toEqual([]);
    await citizen.close();

    // The payment is on the link's console page.
    await page.goto(consoleLinkPage);
    const payments = await page.locator('main table').textContent();
    expect(payments).toContain('HS-2026-000123');
    expect(payments).toContain('succeeded');
    await expectAccessibleAsShown(browser, page);
    // And in the console's payment search, as any payment is.
    await page.goto(`${base}/console/payments?reference=HS-2026-000123&mode=test`);
    expect(await page.locator('main table').textContent()).toContain('HS-2026-000123');
    await expectAccessibleAsShown(browser, page);

    // The day's settlement report, once the sandbox's file for the day is reconciled.
    const { rows } = await database.db.query<{ id: string; provider_transaction_id: string; amount: string }>(
      `SELECT a.id, a.provider_transaction_id, a.amount::text FROM attempts a JOIN payments p ON p.id = a.payment_id
        WHERE p.reference = 'HS-2026-000123' AND a.status = 'succeeded'`,
    );
    const hq = await staffSession(app, CONSOLE_STAFF.admin);
    const run = await hq.agent
      .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${today}`)
      .set('X-CSRF-Token', hq.csrf)
      .set('Content-Type', 'text/csv')
      .send(
        sandboxSettlementCsv(
          today,
          rows.map((a) => ({
            transactionId: a.provider_transaction_id,
            attemptId: a.id,
            amount: a.amount,
            fee: 2000,
          })),
        ),
      );
    expect(run.status).toBe(201);
    const report = await hq.agent.get(
      `/admin/v1/reports/settlement?business_date=${today}&mode=test&format=csv`,
    );
    const reported = parse(report.text, { columns: true }) as Record<string, string>[];
    expect(reported.find((r) => r.chapter_code === '418')).toMatchObject({
      agency_code: 'PROV-A',
      treasury_account: '7111',
      count: '1',
      gross: '200000',
    });

    // Live-mode fixtures: five live payments through a live link show in /stats.csv; the test one never does.
    const finance = await staffSession(app, CONSOLE_STAFF.finance);
    const { rows: items } = await database.db.query<{ id: string }>('SELECT id FROM catalog_items');
    const live = await finance.agent
      .post('/admin/v1/payment_links')
      .set('X-CSRF-Token', finance.csrf)
      .send({ catalog_item: items[0]!.id, reusable: true });
    const livePath = new URL(live.body.url).pathname;
    for (let i = 1; i <= 5; i++) await livePaidThroughLink(livePath, `HS-LIVE-${i}`);
    await page.goto(`${base}/stats`);
    expect(await page.locator('main table').textContent()).toContain('1.000.000 ₫');
    await expectAccessibleAsShown(browser, page);
    const stats = await (await fetch(`${base}/stats.csv`)).text();
    const cells = parse(stats, { columns: true }) as Record<string, string>[];
    expect(cells).toEqual([
      {
        day: today,
        agency: 'PROV-A',
        agency_name: 'Sở Tư pháp tỉnh A',
        obligation_type: 'charge',
        provider: 'vnpay',
        count: '5',
        amount: '1000000',
        suppressed: 'false',
      },
    ]);
    expect(stats).not.toContain('Riêng Tư');
    await page.goto(`${base}/pay/PROV-A?lang=en`);
    expect(await page.locator('main').textContent()).toContain('1.002309');
    await expectAccessibleAsShown(browser, page);
    expect(errors).toEqual([]);
    await context.close();
    // A long journey of many pages, each checked by axe, on a shared machine.
  }, 180_000);
});
