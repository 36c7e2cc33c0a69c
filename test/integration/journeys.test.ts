/**
 * Citizens' journeys through the real providers' protocols: the hub listens on a real port, the
 * VNPay and MoMo simulators (test/fakes) check the hub's signatures with their own code, redirect
 * the browser back with signed parameters and post signed notifications to /notify/<provider>.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app.ts';
import type { MomoSimulator } from '../fakes/momo/server.ts';
import type { VnpaySimulator } from '../fakes/vnpay/server.ts';
import { paymentBody, type TestHub } from '../helpers/hub.ts';
import { type ProviderHub, providerHub } from '../helpers/provider-hub.ts';

let hub: TestHub;
let base: string;
let app: ProviderHub['app'];
let services: Services;
let vnpay: VnpaySimulator;
let momo: MomoSimulator;
let providers: ProviderHub;

beforeAll(async () => {
  providers = await providerHub();
  ({ hub, base, app, services, vnpay, momo } = providers);
});
afterAll(() => providers?.close());

const path = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

async function newPayment(overrides: Record<string, unknown> = {}) {
  const res = await hub.api().post('/v1/payments', paymentBody(overrides));
  expect(res.status).toBe(201);
  return { id: res.body.id as string, checkout: new URL(res.body.checkout_url).pathname };
}

const get = async (id: string) => (await hub.api().get(`/v1/payments/${id}`)).body;
const eventsOf = async (id: string) =>
  (
    await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY id', [id])
  ).rows.map((r) => r.type);

type Outcome = 'succeeded' | 'failed' | 'cancelled';

/** One provider as the citizen's browser and the provider's servers see it. */
interface Driver {
  name: 'vnpay' | 'momo';
  /** The order reference the hub sent (the attempt id), read from the redirect to the provider. */
  attemptOf(location: string): string;
  /** The citizen opens the provider's page (the provider checks the hub's signature). */
  open(location: string): Promise<number>;
  /** The citizen finishes at the provider: the signed URL the browser is sent back to. */
  finish(attemptId: string, outcome: Outcome): Promise<string>;
  /** The provider's server-to-server notification, and whether the hub acknowledged it. */
  notify(attemptId: string, opts?: { duplicate?: boolean; tamper?: boolean }): Promise<string>;
  /** What the provider's side sees for: applied, already applied, forged. */
  replies: { accepted: string; duplicate: string; forged: string };
  /** Changes one signed parameter of a return URL, as a forger would. */
  tamperReturn(url: string): string;
  /** The refunds the provider's side holds for an attempt. */
  refundsAt(attemptId: string): readonly unknown[];
}

const drivers: Driver[] = [
  {
    name: 'vnpay',
    attemptOf: (location) => new URL(location).searchParams.get('vnp_TxnRef')!,
    open: async (location) => (await fetch(location)).status,
    async finish(attemptId, outcome) {
      if (outcome === 'succeeded') return vnpay.pay(attemptId);
      return vnpay.pay(attemptId, { responseCode: outcome === 'cancelled' ? '24' : '51' });
    },
    async notify(attemptId, opts = {}) {
      const reply = await vnpay.sendIpn(attemptId, { ipnUrl: `${base}/notify/vnpay`, ...opts });
      return reply.RspCode;
    },
    replies: { accepted: '00', duplicate: '02', forged: '97' },
    tamperReturn: (url) => url.replace(/vnp_Amount=(\d+)/, 'vnp_Amount=100'),
    refundsAt: (attemptId) => vnpay.orders.get(attemptId)?.refunds ?? [],
  },
  {
    name: 'momo',
    attemptOf: (location) => decodeURIComponent(new URL(location).pathname.split('/').pop()!),
    open: async (location) => (await fetch(location)).status,
    async finish(attemptId, outcome) {
      return momo.pay(attemptId, {
        resultCode: { succeeded: 0, failed: 1001, cancelled: 1006 }[outcome],
      });
    },
    async notify(attemptId, opts = {}) {
      return String(await momo.sendIpn(attemptId, opts));
    },
    replies: { accepted: '204', duplicate: '204', forged: '400' },
    tamperReturn: (url) => url.replace(/amount=(\d+)/, 'amount=100'),
    refundsAt: (attemptId) => momo.refundsOf(attemptId),
  },
];

/** The citizen chooses a method on the checkout page and is redirected (303) to the provider. */
async function choose(checkout: string, method: string) {
  const chose = await request(app).post(`${checkout}/attempts`).type('form').send({ method });
  expect(chose.status).toBe(303);
  return chose.headers.location as string;
}

/** The browser comes back from the provider: the hub verifies and sends it to the checkout page. */
async function comeBack(returnUrl: string, checkout: string) {
  expect(returnUrl.startsWith(`${base}/return/`)).toBe(true);
  const back = await request(app).get(path(returnUrl));
  expect(back.status).toBe(303);
  expect(back.headers.location).toBe(checkout);
  return request(app).get(checkout);
}

/** Chooses the provider and opens its page, as the browser does; the attempt id it carries. */
async function startAt(driver: Driver, checkout: string) {
  const location = await choose(checkout, driver.name);
  expect(await driver.open(location)).toBe(200);
  return driver.attemptOf(location);
}

const makeOld = (paymentId: string) =>
  hub.db.query(`UPDATE attempts SET created_at = now() - interval '10 minutes' WHERE payment_id = $1`, [
    paymentId,
  ]);

describe.each(drivers)('a citizen paying with $name', (driver) => {
  it('pays: the return and the notification settle it once, the duplicate notification is acknowledged', async () => {
    const { id, checkout } = await newPayment();
    const attemptId = await startAt(driver, checkout);
    expect((await get(id)).status).toBe('processing');

    const page = await comeBack(await driver.finish(attemptId, 'succeeded'), checkout);
    expect(page.text).toContain('Thanh toán thành công');
    expect(await driver.notify(attemptId)).toBe(driver.replies.duplicate);
    expect(await driver.notify(attemptId, { duplicate: true })).toBe(driver.replies.duplicate);

    const payment = await get(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts).toHaveLength(1);
    expect(payment.attempts[0]).toMatchObject({ provider: driver.name, status: 'succeeded' });
    expect(payment.attempts[0].provider_transaction_id).toBeTruthy();
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
    expect((await hub.api().get(`/v1/payments/${id}/receipt`)).status).toBe(200);
  });

  it('the notification first, then the browser: the same single outcome', async () => {
    const { id, checkout } = await newPayment();
    const attemptId = await startAt(driver, checkout);
    const returnUrl = await driver.finish(attemptId, 'succeeded');
    expect(await driver.notify(attemptId)).toBe(driver.replies.accepted);
    expect(await driver.notify(attemptId)).toBe(driver.replies.duplicate);
    expect((await comeBack(returnUrl, checkout)).text).toContain('Thanh toán thành công');
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('fails, then the citizen pays with the other provider', async () => {
    const other = drivers.find((d) => d.name !== driver.name)!;
    const { id, checkout } = await newPayment();
    const first = await startAt(driver, checkout);
    const page = await comeBack(await driver.finish(first, 'failed'), checkout);
    expect(page.text).toContain('Lần thanh toán trước không thành công');
    expect(await driver.notify(first)).toBe(driver.replies.duplicate);
    let payment = await get(id);
    expect(payment.status).toBe('created');
    expect(payment.last_error.code).toBeTruthy();

    const second = await startAt(other, checkout);
    await comeBack(await other.finish(second, 'succeeded'), checkout);
    payment = await get(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts.map((a: { provider: string; status: string }) => [a.provider, a.status])).toEqual(
      [
        [driver.name, 'failed'],
        [other.name, 'succeeded'],
      ],
    );
    expect(await eventsOf(id)).toEqual(['payment.failed_attempt', 'payment.succeeded']);
  });

  it('cancelled at the provider: back to created, payable again', async () => {
    const { id, checkout } = await newPayment();
    const attemptId = await startAt(driver, checkout);
    await comeBack(await driver.finish(attemptId, 'cancelled'), checkout);
    const payment = await get(id);
    expect(payment.status).toBe('created');
    expect(payment.attempts[0].status).toBe('failed');
    expect(await choose(checkout, driver.name)).toMatch(/^http:\/\/127\.0\.0\.1/);
  });

  it('a tampered return is refused and changes nothing', async () => {
    const { id, checkout } = await newPayment();
    const attemptId = await startAt(driver, checkout);
    const forged = driver.tamperReturn(await driver.finish(attemptId, 'succeeded'));
    const res = await request(app).get(path(forged));
    expect(res.status).toBe(400);
    expect((await get(id)).status).toBe('processing');
    expect(await eventsOf(id)).toEqual([]);
  });

  it('a tampered notification is refused and changes nothing; the genuine one then applies once', async () => {
    const { id, checkout } = await newPayment();
    const attemptId = await startAt(driver, checkout);
    await driver.finish(attemptId, 'succeeded');
    expect(await driver.notify(attemptId, { tamper: true })).toBe(driver.replies.forged);
    expect((await get(id)).status).toBe('processing');
    expect(await driver.notify(attemptId, { duplicate: true })).toBe(driver.replies.duplicate);
    expect((await get(id)).status).toBe('succeeded');
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('paid, but the notification and the browser never come back: the query job finds it', async () => {
    const { id, checkout } = await newPayment();
    const attemptId = await startAt(driver, checkout);
    await driver.finish(attemptId, 'succeeded');
    expect(await services.attempts.recoverStale(5)).toMatchObject({ resolved: 0 });
    // Older than 0 minutes: the attempt keeps its creation date, which VNPay's querydr matches on.
    expect((await services.attempts.recoverStale(0)).resolved).toBeGreaterThanOrEqual(1);
    expect((await get(id)).status).toBe('succeeded');
    // The notification arrives at last: acknowledged, nothing twice.
    expect(await driver.notify(attemptId)).toBe(driver.replies.duplicate);
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('never paid and expired: the attempt is given up after expiry, then the payment expires', async () => {
    const { id, checkout } = await newPayment();
    await choose(checkout, driver.name);
    await makeOld(id);
    await services.attempts.recoverStale(5);
    expect((await get(id)).status).toBe('processing');
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '20 minutes' WHERE id = $1`, [id]);
    await services.attempts.recoverStale(5);
    const abandoned = await get(id);
    expect(abandoned.attempts[0].status).toBe('failed');
    expect(abandoned.last_error.code).toBe('abandoned');
    expect(await services.attempts.expireDue()).toBeGreaterThanOrEqual(1);
    expect((await get(id)).status).toBe('expired');
    expect(await eventsOf(id)).toEqual(['payment.failed_attempt', 'payment.expired']);
  });

  it('paid twice in two tabs: the second success is a double payment, the first outcome stands', async () => {
    const { id, checkout } = await newPayment();
    const a1 = await startAt(driver, checkout);
    const a2 = await startAt(driver, checkout);
    await driver.finish(a1, 'succeeded');
    await driver.finish(a2, 'succeeded');
    expect(await driver.notify(a1)).toBe(driver.replies.accepted);
    expect(await driver.notify(a2)).toBe(driver.replies.accepted);
    const payment = await get(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts.map((a: { id: string; double_paid: boolean }) => [a.id, a.double_paid])).toEqual([
      [a1, false],
      [a2, true],
    ]);
    // The second payment is refunded automatically, through the provider that took it.
    const refunds = (await hub.api().get(`/v1/payments/${id}/refunds`)).body.data;
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ kind: 'double_payment', attempt: a2, amount: 150000 });
    await services.refunds.executeDue();
    expect((await hub.api().get(`/v1/refunds/${refunds[0].id}`)).body.status).toBe('succeeded');
    expect(driver.refundsAt(a2)).toHaveLength(1);
    expect(driver.refundsAt(a1)).toHaveLength(0);
    expect(await eventsOf(id)).toEqual(['payment.succeeded', 'payment.double_paid']);
  });
});
