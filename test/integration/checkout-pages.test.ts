import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVietQr } from '../../adapters/vietqr/payload.ts';
import { enableProvider, setAgencyContact } from '../../src/agencies/service.ts';
import { createApp } from '../../src/app.ts';
import { PUBLIC_URL, paymentBody, TEST_SECRET, type TestHub, testHub } from '../helpers/hub.ts';
import { decodeQrPng } from '../helpers/qr.ts';

let hub: TestHub;
/** The hub as the embedded demo builds it: a test VietQR page can play the bank's credit. */
let demoApp: ReturnType<typeof createApp>;

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await hub.services.providers.configure('PROV-A', 'vietqr', {
    bank_bin: '970415',
    account_no: '100000000001',
    account_name: 'TINH A',
    feed_secret: 'feed-secret-checkout-pages-0123456789',
  });
  demoApp = createApp(
    {
      db: hub.db,
      publicUrl: PUBLIC_URL,
      secretKey: TEST_SECRET,
      logger: pino({ level: 'silent' }),
      rateLimit: 0,
      playBankCredit: true,
    },
    hub.services,
  );
});
afterAll(() => hub.drop());

async function newPayment(key = hub.keys.a, extra: Record<string, unknown> = {}) {
  const res = await hub.api(key).post('/v1/payments', paymentBody(extra));
  expect(res.status).toBe(201);
  return { id: res.body.id as string, checkout: new URL(res.body.checkout_url).pathname };
}

async function chooseVietQr(checkout: string) {
  const chose = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vietqr' });
  expect(chose.status).toBe(303);
}

describe('the status a waiting page checks', () => {
  it('answers the payment status as JSON, not cached; an unknown token is a 404', async () => {
    const { id, checkout } = await newPayment();
    const before = await request(hub.app).get(`${checkout}/status`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ status: 'created' });
    expect(before.headers['cache-control']).toBe('no-store');
    await chooseVietQr(checkout);
    expect((await request(hub.app).get(`${checkout}/status`)).body).toEqual({ status: 'processing' });
    expect((await hub.api().get(`/v1/payments/${id}`)).body.status).toBe('processing');
    expect((await request(hub.app).get(`/checkout/${'A'.repeat(43)}/status`)).status).toBe(404);
  });
});

describe('the bank-transfer page', () => {
  it('offers the QR as a PNG file that decodes to the same transfer', async () => {
    const { checkout } = await newPayment();
    expect((await request(hub.app).get(`${checkout}/qr.png`)).status).toBe(404);
    await chooseVietQr(checkout);
    const page = await request(hub.app).get(checkout);
    const reference = /class="[^"]*transfer-reference"[^>]*>([^<]+)</.exec(page.text)![1];
    expect(page.text).toContain(`href="${checkout}/qr.png"`);
    const png = await request(hub.app).get(`${checkout}/qr.png`).buffer(true);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-disposition']).toContain('attachment');
    expect(parseVietQr(decodeQrPng(png.body as Buffer))).toMatchObject({
      accountNo: '100000000001',
      amount: '150000',
      purpose: reference,
    });
  });

  it('plays the bank credit only in the demo and in test mode; the played credit pays through the feed', async () => {
    const { id, checkout } = await newPayment();
    await chooseVietQr(checkout);
    // Not the demo: no button, no route.
    expect((await request(hub.app).get(checkout)).text).not.toContain('test-bank-credit');
    expect((await request(hub.app).post(`${checkout}/test-bank-credit`)).status).toBe(404);
    expect((await hub.api().get(`/v1/payments/${id}`)).body.status).toBe('processing');

    const page = await request(demoApp).get(checkout);
    expect(page.text).toContain(`action="${checkout}/test-bank-credit"`);
    const played = await request(demoApp).post(`${checkout}/test-bank-credit`);
    expect(played.status).toBe(303);
    const payment = (await hub.api().get(`/v1/payments/${id}`)).body;
    expect(payment.status).toBe('succeeded');
    const credit = await hub.db.query<{ bank_reference: string; source: string }>(
      'SELECT * FROM bank_credits WHERE agency_id = (SELECT agency_id FROM payments WHERE id = $1)',
      [id],
    );
    expect(credit.rows).toEqual([
      expect.objectContaining({
        source: 'feed',
        bank_reference: expect.stringMatching(/^TEST[0-9A-F]{12}$/),
      }),
    ]);
    // Paid: nothing is waiting, a second press pays nothing.
    expect((await request(demoApp).post(`${checkout}/test-bank-credit`)).status).toBe(404);
  });

  it('a live payment never offers it, even in the demo', async () => {
    await hub.services.providers.configure('PROV-A', 'vietqr', {
      bank_bin: '970415',
      account_no: '100000000001',
      account_name: 'TINH A',
      feed_secret: 'feed-secret-checkout-pages-0123456789',
    });
    const { id, checkout } = await newPayment(hub.keys.aLive, {
      return_url: 'https://portal-a.example.vn/x',
    });
    await chooseVietQr(checkout);
    expect((await request(demoApp).get(checkout)).text).not.toContain('test-bank-credit');
    expect((await request(demoApp).post(`${checkout}/test-bank-credit`)).status).toBe(404);
    expect((await hub.api(hub.keys.aLive).get(`/v1/payments/${id}`)).body.status).toBe('processing');
  });
});

describe('language and words', () => {
  it('a ?lang choice is remembered for that payment only, and goes to the provider', async () => {
    const { checkout } = await newPayment();
    const agent = request.agent(hub.app);
    const english = await agent.get(`${checkout}?lang=en`);
    expect(english.headers['set-cookie']?.[0]).toMatch(
      new RegExp(`^payhub_lang=en; Path=${checkout}; HttpOnly; SameSite=Lax`),
    );
    expect((await agent.get(checkout)).text).toContain('<html lang="en">');
    const chose = await agent.post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
    expect(new URL(chose.headers.location!).searchParams.get('language')).toBe('en');
    // Another payment in the same browser keeps its own language.
    const other = await newPayment();
    expect((await agent.get(other.checkout)).text).toContain('<html lang="vi">');
  });

  it("a failed attempt's reason is in the page's language, never the provider's English", async () => {
    const { id, checkout } = await newPayment();
    expect(
      (await hub.api().post(`/v1/test_helpers/payments/${id}/complete`, { outcome: 'failed' })).status,
    ).toBe(200);
    const vi = await request(hub.app).get(checkout);
    expect(vi.text).toContain('nhà cung cấp đã từ chối giao dịch');
    expect(vi.text).not.toContain('The sandbox declined');
    const en = await request(hub.app).get(`${checkout}?lang=en`);
    expect(en.text).toContain('the provider declined the payment');
  });

  it("the agency's contact set by agencies:contact shows on a cancelled payment's page", async () => {
    await setAgencyContact(hub.db, 'PROV-A', { phone: '0203 3888 999', email: 'motcua@tinh-a.example' });
    const { id, checkout } = await newPayment();
    expect((await hub.api().post(`/v1/payments/${id}/cancel`, {})).status).toBe(200);
    const page = await request(hub.app).get(checkout);
    expect(page.text).toContain('Khoản thanh toán đã bị huỷ');
    expect(page.text).toContain('href="tel:02033888999"');
    expect(page.text).toContain('motcua@tinh-a.example');
    expect(page.text).not.toContain('Tổng số tiền phải nộp');
    await expect(setAgencyContact(hub.db, 'PROV-A', { website: 'ftp://x' })).rejects.toThrow(/website/);
  });
});
