import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createApiKey, enableProvider } from '../../src/agencies/service.ts';
import { createApp } from '../../src/app.ts';
import { expectAccessible } from '../helpers/axe.ts';
import { launchBrowser, noBrowser, SCREENSHOTS } from '../helpers/browser.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { TEST_SECRET } from '../helpers/hub.ts';
import { freePort } from '../helpers/spawn.ts';

let database: TestDatabase;
let server: Server;
let browser: Browser;
let base: string;
let key: string;

beforeAll(async () => {
  if (noBrowser) return;
  database = await testDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await createAgency(database.db, { code: 'SOTP-DEMO', name: 'Sở Tư pháp tỉnh Mẫu', returnOrigins: [base] });
  await enableProvider(database.db, 'SOTP-DEMO', 'sandbox');
  key = (await createApiKey(database.db, 'SOTP-DEMO', 'test')).key;
  const app = createApp({
    db: database.db,
    logger: pino({ level: 'silent' }),
    publicUrl: base,
    rateLimit: 0,
    secretKey: TEST_SECRET,
  });
  server = app.listen(port, '127.0.0.1');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await database?.drop();
});

async function createPayment(body: Record<string, unknown> = {}) {
  const res = await fetch(`${base}/v1/payments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      amount: 200000,
      reference: `HS-E2E-${Date.now()}-${Math.random()}`,
      description: 'Lệ phí cấp Phiếu lý lịch tư pháp số 1',
      return_url: `${base}/`,
      obligation: {
        type: 'fine',
        fine: { decision_no: '15/QĐ-XPVPHC', decided_on: '2026-01-05', due_on: '2026-01-15' },
      },
      payer: { name: 'Phạm Minh Châu' },
      ...body,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; checkout_url: string; amount: number };
}

describe.skipIf(noBrowser)('a citizen in a real browser (Chromium)', () => {
  it('pays a fine through the sandbox, in Vietnamese, with JavaScript off, and gets the receipt', async () => {
    const payment = await createPayment();
    const context = await browser.newContext({
      javaScriptEnabled: false,
      locale: 'vi-VN',
      viewport: { width: 800, height: 1000 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(payment.checkout_url);
    expect(await page.locator('h1').textContent()).toBe('Lệ phí cấp Phiếu lý lịch tư pháp số 1');
    expect(await page.locator('.amount-due').textContent()).toMatch(/Tổng số tiền phải nộp\s*\d{3}\.\d{3} ₫/);
    expect(await page.textContent('body')).toContain('Sở Tư pháp tỉnh Mẫu');
    expect(await page.textContent('body')).toContain('Tiền chậm nộp');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-vi.png'), fullPage: true });

    await page.getByRole('button', { name: /Thanh toán/ }).click();
    await page.waitForURL(/\/sandbox\/pay\?/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sandbox-vi.png'), fullPage: true });
    await page.getByRole('button', { name: 'Thanh toán thành công' }).click();
    await page.waitForURL(/\/checkout\//);
    expect(await page.getByRole('status').textContent()).toContain('Thanh toán thành công');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'result-vi.png'), fullPage: true });
    const receipt = await page.getByRole('link', { name: /biên lai/i }).getAttribute('href');
    const pdf = await fetch(new URL(receipt!, base));
    expect(pdf.headers.get('content-type')).toBe('application/pdf');

    const api = await fetch(`${base}/v1/payments/${payment.id}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(((await api.json()) as { status: string }).status).toBe('succeeded');
    expect(errors, errors.join('\n')).toEqual([]);
    await context.close();
  });

  it('shows the page in English and lets the citizen try again after a failure', async () => {
    const payment = await createPayment({ language: 'en', obligation: { type: 'charge' } });
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 390, height: 844 },
      bypassCSP: true,
    });
    const page = await context.newPage();
    await page.goto(payment.checkout_url);
    expect(await page.locator('legend').textContent()).toBe('Choose how to pay');
    await expectAccessible(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'checkout-en-mobile.png'), fullPage: true });
    await page.getByRole('button', { name: /Pay/ }).click();
    await page.getByRole('button', { name: 'Payment fails' }).click();
    await page.waitForURL(/\/checkout\//);
    expect(await page.getByRole('alert').textContent()).toContain('The last attempt did not go through');
    await page.getByRole('link', { name: 'Tiếng Việt' }).click();
    await page.waitForURL(/lang=vi/);
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    await context.close();
  });
});
