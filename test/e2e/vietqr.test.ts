import type { Server } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc16 } from '../../adapters/vietqr/crc.ts';
import { parseVietQr } from '../../adapters/vietqr/payload.ts';
import { isTransferReference } from '../../adapters/vietqr/reference.ts';
import { createAgency, createApiKey } from '../../src/agencies/service.ts';
import { createApp, createServices } from '../../src/app.ts';
import { feedHeaders } from '../fakes/bank/camt.ts';
import { launchBrowser, noBrowser, SCREENSHOTS } from '../helpers/browser.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { TEST_SECRET } from '../helpers/hub.ts';
import { decodeQrPng } from '../helpers/qr.ts';
import { freePort } from '../helpers/spawn.ts';

const ACCOUNT = '0011001932418';
const FEED_SECRET = 'feed-secret-e2e-0123456789abcdef';

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
  await createAgency(database.db, { code: 'SOTP-QR', name: 'Sở Tư pháp tỉnh Mẫu', returnOrigins: [base] });
  key = (await createApiKey(database.db, 'SOTP-QR', 'test')).key;
  const options = { db: database.db, publicUrl: base, secretKey: TEST_SECRET };
  const services = createServices(options);
  await services.providers.configure('SOTP-QR', 'vietqr', {
    bank_bin: '970415',
    account_no: ACCOUNT,
    account_name: 'SO TU PHAP TINH MAU',
    feed_secret: FEED_SECRET,
  });
  const app = createApp({ ...options, logger: pino({ level: 'silent' }), rateLimit: 0 }, services);
  server = app.listen(port, '127.0.0.1');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  server?.close();
  await database?.drop();
});

async function createPayment(amount: number, language: 'vi' | 'en' = 'vi') {
  const res = await fetch(`${base}/v1/payments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      amount,
      reference: `HS-QR-${Date.now()}-${Math.random()}`,
      description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
      return_url: `${base}/`,
      obligation: { type: 'charge' },
      language,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; checkout_url: string };
}

describe.skipIf(noBrowser)('paying by VietQR in a real browser (Chromium)', () => {
  it('shows a QR that decodes, from the screenshot pixels, to the payment; a bank credit then pays it', async () => {
    const payment = await createPayment(150000);
    const context = await browser.newContext({
      javaScriptEnabled: false,
      locale: 'vi-VN',
      viewport: { width: 800, height: 1000 },
    });
    const page = await context.newPage();
    await page.goto(payment.checkout_url);
    await page.getByLabel(/Chuyển khoản ngân hàng/).check();
    await page.getByRole('button', { name: /Thanh toán/ }).click();
    await page.waitForSelector('.transfer img');

    const body = await page.textContent('body');
    expect(body).toContain('VietinBank');
    expect(body).toContain(ACCOUNT);
    expect(body).toContain('150.000 ₫');
    const reference = (await page.locator('.transfer-reference').textContent())!.trim();
    expect(isTransferReference(reference)).toBe(true);

    // Scan the screen as a phone would: the pixels of the rendered page, not its HTML.
    const shot = await page.screenshot({ path: path.join(SCREENSHOTS, 'vietqr-vi.png'), fullPage: true });
    const payload = decodeQrPng(shot);
    expect(payload.slice(-4)).toBe(crc16(payload.slice(0, -4)));
    expect(parseVietQr(payload)).toEqual({
      bin: '970415',
      accountNo: ACCOUNT,
      amount: '150000',
      purpose: reference,
      dynamic: true,
      serviceCode: 'QRIBFTTA',
    });

    // The citizen's bank transfers; the bank feed reports it; the page shows the success.
    const feed = JSON.stringify({
      account: ACCOUNT,
      amount: 150000,
      memo: `CT DEN:0123 ${reference.toLowerCase()} NGUYEN VAN A chuyen tien`,
      bank_reference: `FT26${Date.now()}`,
      booked_at: new Date().toISOString(),
    });
    const credited = await fetch(`${base}/bank-feed/vietqr`, {
      method: 'POST',
      headers: feedHeaders(FEED_SECRET, feed),
      body: feed,
    });
    expect(credited.status).toBe(200);
    expect(((await credited.json()) as { status: string }).status).toBe('matched');
    await page.reload();
    expect(await page.getByRole('status').first().textContent()).toContain('Thanh toán thành công');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'vietqr-paid-vi.png'), fullPage: true });
    await context.close();
  });

  it('on a phone-sized screen, in English, the QR still decodes from the screenshot', async () => {
    const payment = await createPayment(2_345_000, 'en');
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(payment.checkout_url);
    await page.getByLabel(/Bank transfer/).check();
    await page.getByRole('button', { name: /Pay/ }).click();
    const qr = page.locator('.transfer img');
    await qr.waitFor();
    expect(await page.textContent('body')).toContain('Transfer reference (memo)');
    const shot = await qr.screenshot({ path: path.join(SCREENSHOTS, 'vietqr-en-mobile.png') });
    expect(parseVietQr(decodeQrPng(shot))).toMatchObject({ amount: '2345000', accountNo: ACCOUNT });
    await context.close();
  });
});
