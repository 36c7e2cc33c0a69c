import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amountInVietnameseWords } from '../../src/receipts/words.ts';
import { collectConsoleErrors } from '../helpers/axe.ts';
import { launchBrowser, noBrowser, SCREENSHOTS } from '../helpers/browser.ts';
import { freePort, startServer } from '../helpers/spawn.ts';

/**
 * A newcomer's first run: `npm start` (src/server.ts) on an empty data folder, no DATABASE_URL, then
 * one payment by each of the four methods the demo offers, in a real browser.
 */

let hub: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let base: string;
let apiKey: string;
let dataDir: string;

beforeAll(async () => {
  if (noBrowser) return;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payhub-demo-e2e-'));
  const port = await freePort();
  base = `http://localhost:${port}`;
  hub = await startServer(
    { PORT: String(port), PAYHUB_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    /Create a payment:/,
    120_000,
  );
  apiKey = /test API key: (phk_test_\S+)/.exec(hub.output())![1]!;
  browser = await launchBrowser();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The payment the printed curl creates. */
async function createPayment(language: 'vi' | 'en' = 'vi') {
  const res = await fetch(`${base}/v1/payments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      amount: 150000,
      reference: `HS-${Date.now()}-${Math.random()}`,
      description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
      return_url: `${base}/`,
      obligation: { type: 'charge', catalog_code: '2.000488' },
      payer: { name: 'Nguyễn Văn An' },
      language,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; checkout_url: string };
}

async function statusOf(id: string): Promise<string> {
  const res = await fetch(`${base}/v1/payments/${id}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  return ((await res.json()) as { status: string }).status;
}

async function newPage(options: { js: boolean; width: number }): Promise<[BrowserContext, Page, string[]]> {
  const context = await browser.newContext({
    javaScriptEnabled: options.js,
    viewport: { width: options.width, height: 900 },
  });
  const page = await context.newPage();
  return [context, page, collectConsoleErrors(page)];
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `demo-${name}.png`), fullPage: true });

describe.skipIf(noBrowser)('npm start on an empty data folder: the demo pays by each method', () => {
  it('the checkout lists four methods', async () => {
    const payment = await createPayment();
    const [context, page, errors] = await newPage({ js: false, width: 1280 });
    await page.goto(payment.checkout_url);
    const labels = await page.locator('label.method').allTextContents();
    expect(labels.map((l) => l.trim())).toEqual([
      'Ví MoMo',
      'Thanh toán thử nghiệm (sandbox)',
      'Chuyển khoản ngân hàng (VietQR, NAPAS 247)',
      'VNPAY (thẻ ATM, QR ngân hàng)',
    ]);
    await shot(page, 'checkout-vi-1280');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('sandbox, JavaScript off: English chosen at the checkout stays English at the sandbox and the result; the receipt verifies', async () => {
    const payment = await createPayment('vi');
    const [context, page, errors] = await newPage({ js: false, width: 390 });
    await page.goto(payment.checkout_url);
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByLabel('Test payment (sandbox)').check();
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(/\/sandbox\/pay\?/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot(page, 'sandbox-en-390');
    await page.getByRole('button', { name: 'Payment succeeds' }).click();
    await page.waitForURL(/\/checkout\/[^/?]+$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('status').textContent()).toContain('Payment successful');
    await shot(page, 'result-en-390');
    expect(await statusOf(payment.id)).toBe('succeeded');

    // The receipt the citizen downloads: signed (pdfsig), TEST, form, series, number, amount in words.
    const href = await page.getByRole('link', { name: /e-receipt/ }).getAttribute('href');
    const pdf = Buffer.from(await (await fetch(new URL(href!, base))).arrayBuffer());
    const file = path.join(dataDir, 'receipt.pdf');
    fs.writeFileSync(file, pdf);
    expect(execFileSync('pdfsig', [file], { encoding: 'utf8' })).toContain('Signature is Valid.');
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('TEST — BIÊN LAI THỬ NGHIỆM');
    expect(text).toMatch(/TEST-PH-\d\dE/);
    expect(text).toMatch(/Mẫu số \/ Form:? ?\S+/);
    expect(text).toMatch(/\b0000001\b/);
    expect(text).toContain(amountInVietnameseWords('150000').split(' ').slice(0, 3).join(' '));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('VNPay simulator, JavaScript on: Vietnamese chosen on an English payment survives the round trip', async () => {
    const payment = await createPayment('en');
    const [context, page] = await newPage({ js: true, width: 1280 });
    // The hub's pages log nothing; the simulator's page (no favicon) is not the hub's.
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && m.location().url.startsWith(base))
        errors.push(`${m.location().url}: ${m.text()}`);
    });
    await page.goto(payment.checkout_url);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('link', { name: 'Tiếng Việt' }).click();
    await page.getByLabel(/VNPAY/).check();
    await page.getByRole('button', { name: /^Thanh toán / }).click();
    await page.waitForURL(/\/paymentv2\/vpcpay\.html/);
    // The choice went on to VNPay (vnp_Locale=vn): its page is in Vietnamese too.
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    await shot(page, 'vnpay-simulator');
    await page.getByRole('button', { name: 'Thanh toán', exact: true }).click();
    await page.waitForURL(new RegExp(`^${base}/checkout/[^/?]+$`));
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    expect(await page.getByRole('status').textContent()).toContain('Thanh toán thành công');
    await shot(page, 'vnpay-result-vi-1280');
    expect(await statusOf(payment.id)).toBe('succeeded');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('MoMo simulator, JavaScript off, in English: the wallet page is in English too', async () => {
    const payment = await createPayment('en');
    const [context, page] = await newPage({ js: false, width: 390 });
    await page.goto(payment.checkout_url);
    await page.getByLabel('MoMo e-wallet').check();
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.waitForURL(/\/pay\//);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot(page, 'momo-simulator');
    await page.getByRole('button', { name: 'Confirm payment' }).click();
    await page.waitForURL(new RegExp(`^${base}/checkout/[^/?]+$`));
    expect(await page.getByRole('status').textContent()).toContain('Payment successful');
    await shot(page, 'momo-result-en-390');
    expect(await statusOf(payment.id)).toBe('succeeded');
    await context.close();
  });

  it('VietQR with the demo account: the test page plays the bank credit through the bank feed', async () => {
    const payment = await createPayment();
    const [context, page, errors] = await newPage({ js: true, width: 390 });
    await page.goto(payment.checkout_url);
    await page.getByLabel(/Chuyển khoản ngân hàng/).check();
    await page.getByRole('button', { name: /^Thanh toán / }).click();
    await page.waitForSelector('.transfer img');
    // The copy buttons come with the script; the QR downloads as a PNG.
    expect(await page.getByRole('button', { name: /Sao chép/ }).count()).toBe(3);
    const png = await fetch(
      new URL((await page.getByRole('link', { name: 'Lưu ảnh mã QR' }).getAttribute('href'))!, base),
    );
    expect(png.headers.get('content-type')).toBe('image/png');
    await shot(page, 'vietqr-vi-390');
    expect(await statusOf(payment.id)).toBe('processing');
    await page.getByRole('button', { name: /Giả lập ngân hàng báo có/ }).click();
    await page.waitForURL(new RegExp(`^${base}/checkout/[^/?]+$`));
    expect(await page.getByRole('status').textContent()).toContain('Thanh toán thành công');
    await shot(page, 'vietqr-result-vi-390');
    expect(await statusOf(payment.id)).toBe('succeeded');
    expect(errors).toEqual([]);
    await context.close();
  });

  it("the portal's return lands on a styled home page", async () => {
    const [context, page, errors] = await newPage({ js: false, width: 390 });
    await page.goto(`${base}/`);
    expect(await page.locator('h1').textContent()).toBe('Cổng thanh toán dùng chung cho dịch vụ công');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(243, 242, 241)',
    );
    await shot(page, 'home-vi-390');
    expect(errors).toEqual([]);
    await context.close();
  });
});
