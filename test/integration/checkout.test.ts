import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import type { Services } from '../../src/app.ts';
import { expectContract, PORTAL, paymentBody, TEST_SECRET, type TestHub, testHub } from '../helpers/hub.ts';
import { pdfText } from '../helpers/pdf.ts';

let hub: TestHub;
let services: Services;
beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  services = hub.services;
});
afterAll(() => hub.drop());

const path = (url: string) => {
  const u = new URL(url, 'http://hub.test');
  return u.pathname + u.search;
};

async function newPayment(overrides: Record<string, unknown> = {}) {
  const res = await hub
    .api()
    .post('/v1/payments', paymentBody({ payer: { name: 'Lê Thị Hoa' }, ...overrides }));
  expect(res.status).toBe(201);
  return { id: res.body.id as string, checkout: path(res.body.checkout_url) };
}

/** What the citizen's browser does: choose the sandbox, click an outcome, follow the redirects back. */
async function payWithSandbox(checkout: string, outcome: string) {
  const agent = request(hub.app);
  const chose = await agent.post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
  expect(chose.status).toBe(303);
  const bank = await agent.get(path(chose.headers.location!));
  expect(bank.status).toBe(200);
  const hidden = Object.fromEntries(
    [...bank.text.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)"\s*\/?>/g)].map((m) => [
      m[1],
      m[2]!
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>'),
    ]),
  );
  const submitted = await agent
    .post('/sandbox/pay')
    .type('form')
    .send({ ...hidden, outcome });
  expect(submitted.status).toBe(303);
  const back = path(submitted.headers.location!);
  expect(back.startsWith('/return/sandbox?')).toBe(true);
  const returned = await agent.get(back);
  expect(returned.status).toBe(303);
  expect(returned.headers.location).toBe(checkout);
  return { page: await agent.get(checkout), returnUrl: back };
}

const get = async (id: string) => (await hub.api().get(`/v1/payments/${id}`)).body;
const eventsOf = async (id: string) =>
  (
    await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY id', [id])
  ).rows.map((r) => r.type);

describe('the checkout page', () => {
  it('shows the agency, what is paid, the amount and the methods, in Vietnamese by default', async () => {
    const { checkout } = await newPayment();
    const page = await request(hub.app).get(checkout);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="vi">');
    expect(page.text).toContain('Tỉnh A');
    expect(page.text).toContain('Lệ phí cấp Phiếu lý lịch tư pháp');
    expect(page.text).toContain('150.000 ₫');
    expect(page.text).toContain('value="sandbox"');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).not.toMatch(/<script/);
    const en = await request(hub.app).get(`${checkout}?lang=en`);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Choose how to pay');
  });

  it('shows the late-payment breakdown of a fine', async () => {
    const { checkout } = await newPayment({
      amount: 1_000_000,
      obligation: {
        type: 'fine',
        fine: { decision_no: '99/QĐ-XPVPHC', decided_on: '2020-01-01', due_on: '2020-01-10' },
      },
    });
    const page = await request(hub.app).get(checkout);
    expect(page.text).toContain('Tiền phạt vi phạm hành chính');
    expect(page.text).toContain('99/QĐ-XPVPHC');
    expect(page.text).toMatch(/Tiền chậm nộp \(\d+ ngày × 0,05%\/ngày\)/);
  });

  it('an unknown token is a 404 page, not an error', async () => {
    const res = await request(hub.app).get(`/checkout/${'x'.repeat(43)}`);
    expect(res.status).toBe(404);
    expect(res.text).toContain('Không tìm thấy khoản thanh toán');
  });

  it('refuses a method the agency did not enable', async () => {
    const { checkout, id } = await newPayment();
    const res = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vnpay' });
    expect(res.status).toBe(409);
    expect((await get(id)).status).toBe('created');
  });

  it("says why an attempt is refused, in the page's language, with the refusal's status", async () => {
    const { id, checkout } = await newPayment();
    const unavailable = await request(hub.app)
      .post(`${checkout}/attempts`)
      .type('form')
      .send({ method: 'vnpay' });
    expect(unavailable.status).toBe(409);
    expect(unavailable.text).toContain('Phương thức này không khả dụng cho khoản thanh toán này.');
    const inEnglish = await request(hub.app)
      .post(`${checkout}/attempts?lang=en`)
      .type('form')
      .send({ method: 'vnpay' });
    expect(inEnglish.status).toBe(409);
    expect(inEnglish.text).toContain('This method is not available for this payment.');
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const late = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
    expect(late.status).toBe(409);
    // An expired payment's page says so (its own view, whatever the refusal's words).
    expect(late.text).toContain('Khoản thanh toán này đã hết hạn.');
    const unknown = await request(hub.app)
      .post(`/checkout/${'x'.repeat(43)}/attempts`)
      .type('form')
      .send({ method: 'sandbox' });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('Không tìm thấy khoản thanh toán');
    const malformed = await request(hub.app)
      .post('/checkout/short/attempts')
      .type('form')
      .send({ method: 'sandbox' });
    expect(malformed.status).toBe(404);
  });
});

describe('a citizen paying through the sandbox', () => {
  it('succeeds: the payment, its attempt and one payment.succeeded event', async () => {
    const { id, checkout } = await newPayment();
    const { page } = await payWithSandbox(checkout, 'succeeded');
    expect(page.text).toContain('Thanh toán thành công');
    expect(page.text).toContain(`href="${PORTAL}/ho-so/1"`);
    const payment = await get(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts).toHaveLength(1);
    expect(payment.attempts[0]).toMatchObject({
      provider: 'sandbox',
      status: 'succeeded',
      double_paid: false,
    });
    expect(payment.attempts[0].provider_transaction_id).toMatch(/^SBX/);
    expectContract(await hub.api().get(`/v1/payments/${id}`), 'getPayment');
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('fails, then pays with a second attempt', async () => {
    const { id, checkout } = await newPayment();
    const failed = await payWithSandbox(checkout, 'failed');
    expect(failed.page.text).toContain('Lần thanh toán trước không thành công');
    let payment = await get(id);
    expect(payment.status).toBe('created');
    expect(payment.last_error.code).toBe('card_declined');
    await payWithSandbox(checkout, 'succeeded');
    payment = await get(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.last_error).toBeNull();
    expect(payment.attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'succeeded']);
    expect(await eventsOf(id)).toEqual(['payment.failed_attempt', 'payment.succeeded']);
  });

  it('cancelled at the provider: back to created, the citizen may choose again', async () => {
    const { id, checkout } = await newPayment();
    await payWithSandbox(checkout, 'cancelled');
    const payment = await get(id);
    expect(payment.status).toBe('created');
    expect(payment.last_error.code).toBe('cancelled_by_payer');
  });

  it('paid but the notification is lost: processing until the status query finds it', async () => {
    const { id, checkout } = await newPayment();
    const { page } = await payWithSandbox(checkout, 'succeeded_late_notification');
    expect(page.text).toContain('Đang chờ kết quả');
    expect((await get(id)).status).toBe('processing');
    // Too recent for the recovery job…
    expect(await services.attempts.recoverStale(5)).toMatchObject({ resolved: 0 });
    await hub.db.query(
      `UPDATE attempts SET created_at = now() - interval '10 minutes' WHERE payment_id = $1`,
      [id],
    );
    const recovered = await services.attempts.recoverStale(5);
    expect(recovered.resolved).toBe(1);
    expect((await get(id)).status).toBe('succeeded');
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
    // Asking again changes nothing.
    await hub.db.query(
      `UPDATE attempts SET created_at = now() - interval '10 minutes' WHERE payment_id = $1`,
      [id],
    );
    expect((await services.attempts.recoverStale(5)).resolved).toBe(0);
  });

  it('the job never guesses: an attempt the citizen left at the provider stays processing', async () => {
    const { id, checkout } = await newPayment();
    await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
    await hub.db.query(
      `UPDATE attempts SET created_at = now() - interval '10 minutes' WHERE payment_id = $1`,
      [id],
    );
    await services.attempts.recoverStale(5);
    expect((await get(id)).status).toBe('processing');
  });

  it('a tampered return changes nothing', async () => {
    const { id, checkout } = await newPayment();
    const chose = await request(hub.app)
      .post(`${checkout}/attempts`)
      .type('form')
      .send({ method: 'sandbox' });
    const attemptId = new URL(chose.headers.location!).searchParams.get('attempt_id')!;
    const forged = new URLSearchParams({
      attempt_id: attemptId,
      status: 'succeeded',
      amount: '150000',
      transaction_id: 'X',
      at: new Date().toISOString(),
      sig: '0'.repeat(64),
    });
    const res = await request(hub.app).get(`/return/sandbox?${forged}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Không xác thực được kết quả');
    // Nothing ties an unverified return to a payment: the browser's language decides.
    const english = await request(hub.app)
      .get(`/return/sandbox?${forged}`)
      .set('accept-language', 'en-GB,en;q=0.9');
    expect(english.status).toBe(400);
    expect(english.text).toContain('could not be verified');
    expect((await get(id)).status).toBe('processing');
  });

  it('a forged notification is refused and changes nothing; a duplicate is answered but applied once', async () => {
    const { id, checkout } = await newPayment();
    const chose = await request(hub.app)
      .post(`${checkout}/attempts`)
      .type('form')
      .send({ method: 'sandbox' });
    const attemptId = new URL(chose.headers.location!).searchParams.get('attempt_id')!;
    const forged = await request(hub.app)
      .post('/notify/sandbox')
      .send({
        attempt_id: attemptId,
        status: 'succeeded',
        amount: '150000',
        transaction_id: 'X',
        at: new Date().toISOString(),
        sig: 'f'.repeat(64),
      });
    expect(forged.status).toBe(401);
    expect((await get(id)).status).toBe('processing');

    const { callbackFields } = await import('../../adapters/sandbox/index.ts');
    const genuine = callbackFields(TEST_SECRET, attemptId, {
      outcome: 'succeeded',
      amount: '150000',
      transactionId: 'SBXDUP',
      at: new Date().toISOString(),
      refunded: '0',
    });
    const first = await request(hub.app).post('/notify/sandbox').send(genuine);
    const second = await request(hub.app).post('/notify/sandbox').send(genuine);
    expect(first.body).toEqual({ result: 'accepted' });
    expect(second.body).toEqual({ result: 'already_processed' });
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
    const wrongAmount = callbackFields(TEST_SECRET, attemptId, {
      outcome: 'succeeded',
      amount: '1',
      transactionId: 'SBXAMT',
      at: new Date().toISOString(),
      refunded: '0',
    });
    expect((await request(hub.app).post('/notify/sandbox').send(wrongAmount)).body).toEqual({
      result: 'amount_mismatch',
    });
  });

  it('a second success (double payment) is recorded and raised, never changing the first outcome', async () => {
    const { id, checkout } = await newPayment();
    // The citizen opens two attempts (two tabs), then pays in both.
    const a1 = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
    const a2 = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
    const { callbackFields } = await import('../../adapters/sandbox/index.ts');
    for (const chose of [a1, a2]) {
      const attemptId = new URL(chose.headers.location!).searchParams.get('attempt_id')!;
      const fields = callbackFields(TEST_SECRET, attemptId, {
        outcome: 'succeeded',
        amount: '150000',
        transactionId: `SBX${attemptId.slice(-6)}`,
        at: new Date().toISOString(),
        refunded: '0',
      });
      expect((await request(hub.app).post('/notify/sandbox').send(fields)).body).toEqual({
        result: 'accepted',
      });
    }
    const payment = await get(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts.map((a: { double_paid: boolean }) => a.double_paid)).toEqual([false, true]);
    expect(await eventsOf(id)).toEqual(['payment.succeeded', 'payment.double_paid']);
  });

  it('a payment past its expiry cannot be started, and the expiry job expires it once', async () => {
    const { id, checkout } = await newPayment();
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const res = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'sandbox' });
    expect(res.status).toBe(409);
    expect(await services.attempts.expireDue()).toBeGreaterThanOrEqual(1);
    expect(await services.attempts.expireDue()).toBe(0);
    expect((await get(id)).status).toBe('expired');
    expect(await eventsOf(id)).toEqual(['payment.expired']);
    expect((await request(hub.app).get(checkout)).text).toContain('đã hết hạn');
  });
});

describe('test helpers', () => {
  it('settles a test payment without a browser', async () => {
    const { id } = await newPayment();
    const res = await hub.api().post(`/v1/test_helpers/payments/${id}/complete`, { outcome: 'succeeded' });
    expect(res.status).toBe(200);
    expectContract(res, 'completeTestPayment');
    expect(res.body.status).toBe('succeeded');
    const again = await hub.api().post(`/v1/test_helpers/payments/${id}/complete`, { outcome: 'succeeded' });
    expect(again.status).toBe(409);
    const { id: other } = await newPayment();
    const late = await hub
      .api()
      .post(`/v1/test_helpers/payments/${other}/complete`, { outcome: 'succeeded_late_notification' });
    expect(late.body.status).toBe('processing');
  });

  it('replays under its Idempotency-Key: the same body gets the stored 200, another body 422', async () => {
    const { id } = await newPayment();
    const path = `/v1/test_helpers/payments/${id}/complete`;
    const first = await hub.api().post(path, { outcome: 'succeeded' }, 'complete-once');
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('succeeded');
    const replay = await hub.api().post(path, { outcome: 'succeeded' }, 'complete-once');
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    const other = await hub.api().post(path, { outcome: 'failed' }, 'complete-once');
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    // One attempt, one success: the replay settled nothing a second time.
    expect((await get(id)).attempts).toHaveLength(1);
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('is a 404 with a live key, and validates the outcome', async () => {
    const live = await hub.api(hub.keys.aLive).post('/v1/payments', paymentBody());
    const res = await hub
      .api(hub.keys.aLive)
      .post(`/v1/test_helpers/payments/${live.body.id}/complete`, { outcome: 'succeeded' });
    expect(res.status).toBe(404);
    const { id } = await newPayment();
    const bad = await hub.api().post(`/v1/test_helpers/payments/${id}/complete`, { outcome: 'maybe' });
    expect(bad.status).toBe(400);
  });
});

describe('e-receipts', () => {
  it('a succeeded payment has a numbered PDF receipt, downloadable by the portal and the citizen, verifiable by QR link', async () => {
    const first = await newPayment();
    const second = await newPayment();
    expect((await hub.api().get(`/v1/payments/${first.id}/receipt`)).status).toBe(409);
    await payWithSandbox(first.checkout, 'succeeded');
    await payWithSandbox(second.checkout, 'succeeded');
    const pdf = await hub
      .api()
      .get(`/v1/payments/${first.id}/receipt`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('Tỉnh A');
    expect(text).toContain('150.000');
    const fromCheckout = await request(hub.app).get(`${first.checkout}/receipt`);
    expect(fromCheckout.status).toBe(200);
    expect(fromCheckout.headers['content-disposition']).toContain('attachment');
    const numbers = await hub.db.query<{ number: number; verify_code: string; series: string }>(
      'SELECT number, verify_code, series FROM receipts WHERE payment_id = ANY($1) ORDER BY number',
      [[first.id, second.id]],
    );
    expect(numbers.rows[1]!.number).toBe(numbers.rows[0]!.number + 1);
    // Test-mode payments: a TEST- series of their own, and a page that never says "valid".
    expect(numbers.rows[0]!.series).toMatch(/^TEST-PH-\d\dE$/);
    const check = await request(hub.app).get(`/receipts/${numbers.rows[0]!.verify_code}`);
    expect(check.status).toBe(200);
    expect(check.text).toContain('TEST — biên lai thử nghiệm, không có giá trị');
    expect(check.text).not.toContain('Biên lai hợp lệ');
    expect(check.text).toContain('150.000 ₫');
    expect(check.text).not.toContain('Lê Thị Hoa');
    expect((await request(hub.app).get(`/receipts/${'A'.repeat(16)}`)).status).toBe(404);
  });

  it('another agency cannot fetch the receipt', async () => {
    const { id, checkout } = await newPayment();
    await payWithSandbox(checkout, 'succeeded');
    expect((await hub.api(hub.keys.b).get(`/v1/payments/${id}/receipt`)).status).toBe(404);
  });
});
