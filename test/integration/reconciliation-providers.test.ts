/**
 * Reconciliation against the VNPay and MoMo simulators' own settlement files: a payment the hub
 * heard of matches (fee rule included); one paid at the provider whose notification and return
 * never came is missing in the hub until finance confirms it, and the portal then gets its event.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app.ts';
import { localDate } from '../../src/dates.ts';
import type { MomoSimulator } from '../fakes/momo/server.ts';
import { chunked } from '../fakes/settlement/sandbox.ts';
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
  providers = await providerHub({
    // The simulators' fees: VNPay 1.1 % (at least 1.650 ₫), MoMo 1.1 %.
    reconciliation: {
      carryDays: 2,
      fees: { vnpay: { percent: '1.1', min: '1650' }, momo: { percent: '1.1', min: '0' } },
      settlementDir: '',
    },
  });
  ({ hub, base, app, services, vnpay, momo } = providers);
});
afterAll(() => providers?.close());

const drivers = [
  {
    name: 'vnpay' as const,
    attemptOf: (location: string) => new URL(location).searchParams.get('vnp_TxnRef')!,
    pay: (attemptId: string) => vnpay.pay(attemptId),
    notify: (attemptId: string) => vnpay.sendIpn(attemptId, { ipnUrl: `${base}/notify/vnpay` }),
    settlement: (date: string) => vnpay.settlementCsv(date),
  },
  {
    name: 'momo' as const,
    attemptOf: (location: string) => decodeURIComponent(new URL(location).pathname.split('/').pop()!),
    pay: (attemptId: string) => momo.pay(attemptId, { resultCode: 0 }),
    notify: (attemptId: string) => momo.sendIpn(attemptId),
    settlement: (date: string) => momo.settlementCsv(date),
  },
];

async function startAttempt(method: string, attemptOf: (l: string) => string) {
  const created = await hub.api().post('/v1/payments', paymentBody({ amount: 200000 }));
  const checkout = new URL(created.body.checkout_url).pathname;
  const chose = await request(app).post(`${checkout}/attempts`).type('form').send({ method });
  expect(chose.status).toBe(303);
  const location = chose.headers.location as string;
  expect((await fetch(location)).status).toBe(200);
  return { paymentId: created.body.id as string, attemptId: attemptOf(location) };
}

describe.each(drivers)("$name's settlement file", (driver) => {
  it('matches what the hub heard of; confirms what it did not, and the portal gets its event', async () => {
    const heard = await startAttempt(driver.name, driver.attemptOf);
    await driver.pay(heard.attemptId);
    await driver.notify(heard.attemptId);
    const lost = await startAttempt(driver.name, driver.attemptOf);
    await driver.pay(lost.attemptId);

    const date = localDate(new Date());
    const { run } = await services.recon.reconcile({
      provider: driver.name,
      date,
      input: chunked(driver.settlement(date)),
      origin: 'cli',
      actor: 'test',
    });
    expect(run.status).toBe('completed');
    expect(run.summary.categories).toContainEqual(expect.objectContaining({ category: 'matched', count: 1 }));
    const items = await services.recon.listItems(null, { runId: run.id, limit: 10 });
    expect(items.map((i) => [i.category, i.attempt_id])).toEqual([['missing_in_hub', lost.attemptId]]);

    await services.recon.resolve({
      itemId: items[0]!.id,
      action: 'confirm_payment',
      note: `Paid at ${driver.name}; neither the notification nor the citizen came back.`,
      actor: 'usr_test',
      scope: null,
    });
    expect((await hub.api().get(`/v1/payments/${lost.paymentId}`)).body.status).toBe('succeeded');
    const events = await hub.api().get(`/v1/events?type=payment.succeeded`);
    expect(JSON.stringify(events.body.data)).toContain(lost.paymentId);
  });
});
