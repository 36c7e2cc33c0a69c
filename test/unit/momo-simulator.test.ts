import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MomoError, momoAdapter } from '../../adapters/momo/index.ts';
import type {
  CheckoutRequest,
  NotificationVerdict,
  ProviderContext,
  RefundRequest,
} from '../../adapters/types.ts';
import { newId } from '../../src/ids.ts';
import { type MomoSimulator, startMomoSimulator } from '../fakes/momo/server.ts';

const KEYS = {
  partnerCode: 'MOMOSIM000000001',
  accessKey: 'simAccessKey0001',
  secretKey: 'simSecretKey00000000000000000001',
};
/** 2025-01-15 10:00 in Hà Nội. */
let clock = Date.parse('2025-01-15T10:00:00+07:00');

let sim: MomoSimulator;
let hub: Server;
let hubUrl: string;
/** What the stand-in hub did with each IPN: verified or not, first time or again. */
const applied = new Set<string>();

function context(secretKey = KEYS.secretKey): ProviderContext {
  return {
    credentials: {
      partner_code: KEYS.partnerCode,
      access_key: KEYS.accessKey,
      secret_key: secretKey,
      endpoint: sim.endpoint,
    },
    publicUrl: hubUrl,
    mode: 'test',
    now: () => new Date(clock),
  };
}

function checkout(amount = '150000', attemptId = newId('att')): CheckoutRequest {
  return {
    attemptId,
    amount,
    description: 'Lệ phí cấp hộ chiếu phổ thông',
    language: 'vi',
    returnUrl: `${hubUrl}/return/momo`,
    notifyUrl: `${hubUrl}/notify/momo`,
    clientIp: '203.0.113.9',
    createdAt: new Date(clock),
    expiresAt: new Date(clock + 900_000),
  };
}

/** Checkout, then the citizen's result at MoMo; returns the attempt id and the redirect URL. */
async function paid(amount = '150000', resultCode = 0) {
  const request = checkout(amount);
  await momoAdapter.createCheckout(context(), request);
  return { attemptId: request.attemptId, redirect: sim.pay(request.attemptId, { resultCode }) };
}

function refundRequest(
  attemptId: string,
  amount: string,
  transId: string | undefined,
  attemptAmount = '150000',
): RefundRequest {
  return {
    refundId: newId('re'),
    attemptId,
    amount,
    attemptAmount,
    providerTransactionId: transId,
    attemptCreatedAt: new Date(clock),
    reason: 'Hoàn phí nộp trùng',
    requestedBy: 'usr_test',
    clientIp: '203.0.113.9',
  };
}

/** A direct call to the simulator, signed by the test itself, for checks the adapter never makes. */
async function rawCreate(fields: Record<string, string | number>) {
  const raw = `accessKey=${KEYS.accessKey}&amount=${fields.amount}&extraData=&ipnUrl=${hubUrl}/notify/momo&orderId=${fields.orderId}&orderInfo=x&partnerCode=${KEYS.partnerCode}&redirectUrl=${hubUrl}/return/momo&requestId=${fields.requestId}&requestType=captureWallet`;
  const body = {
    partnerCode: KEYS.partnerCode,
    requestId: fields.requestId,
    amount: fields.amount,
    orderId: fields.orderId,
    orderInfo: 'x',
    redirectUrl: `${hubUrl}/return/momo`,
    ipnUrl: `${hubUrl}/notify/momo`,
    requestType: 'captureWallet',
    extraData: '',
    lang: 'vi',
    signature: createHmac('sha256', KEYS.secretKey).update(raw).digest('hex'),
  };
  const response = await fetch(`${sim.endpoint}/create`, { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as { resultCode: number };
}

beforeAll(async () => {
  // A stand-in for the hub's /notify/momo: verify, apply once, reply in MoMo's format.
  hub = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      method: req.method!,
      query: {},
      body: JSON.parse(Buffer.concat(chunks).toString()),
      headers: {},
    };
    const callback = momoAdapter.readCallback(request);
    const outcome = callback && momoAdapter.verifyNotification(context(), callback);
    const verdict: NotificationVerdict = !outcome
      ? 'invalid_signature'
      : applied.has(outcome.attemptId)
        ? 'already_processed'
        : 'accepted';
    if (outcome) applied.add(outcome.attemptId);
    const reply = momoAdapter.notificationReply(verdict);
    res.writeHead(reply.status, reply.headers).end(reply.body);
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  sim = await startMomoSimulator({ ...KEYS, now: () => clock });
});

afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => hub.close(resolve));
});

describe('checkout against the MoMo simulator', () => {
  it('sends the citizen to MoMo’s pay page for the right amount', async () => {
    const result = await momoAdapter.createCheckout(context(), checkout('150000'));
    expect(result.kind).toBe('redirect');
    const url = (result as { url: string }).url;
    expect(url.startsWith(`${sim.url}/pay/att_`)).toBe(true);
    const page = await (await fetch(url)).text();
    expect(page).toContain('150.000');
    expect(page).toContain('Lệ phí cấp hộ chiếu phổ thông');
  });

  it('sends MoMo an expiry (orderExpireTime, whole minutes) that ends before the payment expires', async () => {
    const request = { ...checkout('150000'), expiresAt: new Date(clock + 15 * 60_000 - 1) };
    await momoAdapter.createCheckout(context(), request);
    expect(sim.orders.get(request.attemptId)?.orderExpireTime).toBe(14);
    const last = { ...checkout('150000'), expiresAt: new Date(clock + 59_000) };
    await expect(momoAdapter.createCheckout(context(), last)).rejects.toMatchObject({ code: 'expired' });
    expect(sim.orders.has(last.attemptId)).toBe(false);
  });

  it('is refused with resultCode 13 when the secret key is wrong', async () => {
    const error = await momoAdapter.createCheckout(context('wrongSecret'), checkout()).catch((e) => e);
    expect(error).toBeInstanceOf(MomoError);
    expect(error.code).toBe('13');
    expect(error.message).toMatch(/authentication failed/);
  });

  it('refuses a second create for the same orderId (41)', async () => {
    const request = checkout();
    await momoAdapter.createCheckout(context(), request);
    await expect(momoAdapter.createCheckout(context(), request)).rejects.toMatchObject({ code: '41' });
  });

  it('refuses a reused requestId (40) and amounts outside 1,000–50,000,000 (22)', async () => {
    expect((await rawCreate({ requestId: 'dup1', orderId: newId('att'), amount: 10000 })).resultCode).toBe(0);
    expect((await rawCreate({ requestId: 'dup1', orderId: newId('att'), amount: 10000 })).resultCode).toBe(
      40,
    );
    expect((await rawCreate({ requestId: 'low', orderId: newId('att'), amount: 999 })).resultCode).toBe(22);
    expect(
      (await rawCreate({ requestId: 'high', orderId: newId('att'), amount: 50_000_001 })).resultCode,
    ).toBe(22);
    expect(
      (await rawCreate({ requestId: 'top', orderId: newId('att'), amount: 50_000_000 })).resultCode,
    ).toBe(0);
  });
});

describe('results coming back from MoMo', () => {
  it('a paid order comes back as a signed redirect the adapter accepts as succeeded', async () => {
    const { attemptId, redirect } = await paid('150000');
    const url = new URL(redirect);
    expect(url.pathname).toBe('/return/momo');
    const request = {
      method: 'GET',
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers: {},
    };
    const callback = momoAdapter.readCallback(request);
    expect(callback?.attemptId).toBe(attemptId);
    const outcome = momoAdapter.verifyReturn(context(), callback!);
    expect(outcome).toMatchObject({ attemptId, status: 'succeeded', amount: '150000' });
    expect(outcome?.providerTransactionId).toBe(String(sim.orders.get(attemptId)?.transId));
    expect(outcome?.paidAt?.getTime()).toBe(clock);
  });

  it('a citizen who declines (1006) comes back failed', async () => {
    const { redirect } = await paid('150000', 1006);
    const query = Object.fromEntries(new URL(redirect).searchParams);
    const callback = momoAdapter.readCallback({ method: 'GET', query, body: undefined, headers: {} });
    const outcome = momoAdapter.verifyReturn(context(), callback!);
    expect(outcome?.status).toBe('failed');
    expect(outcome?.failure?.code).toBe('1006');
  });

  it('the IPN is answered 204, again 204 when duplicated, and 400 when tampered with', async () => {
    const { attemptId } = await paid();
    expect(await sim.sendIpn(attemptId)).toBe(204);
    expect(await sim.sendIpn(attemptId, { duplicate: true })).toBe(204);
    expect(sim.ipnDeliveries.filter((d) => d.orderId === attemptId).map((d) => d.status)).toEqual([
      204, 204, 204,
    ]);
    const tampered = sim.callbackBody(attemptId);
    tampered.amount = 151000;
    const callback = momoAdapter.readCallback({ method: 'POST', query: {}, body: tampered, headers: {} });
    expect(momoAdapter.verifyNotification(context(), callback!)).toBeNull();
    expect(await sim.sendIpn(attemptId, { tamper: true })).toBe(400);
  });
});

describe('query', () => {
  it('reports pending before the citizen pays and succeeded after', async () => {
    const request = checkout('250000');
    await momoAdapter.createCheckout(context(), request);
    const query = {
      attemptId: request.attemptId,
      amount: '250000',
      attemptCreatedAt: new Date(clock),
      description: 'x',
      clientIp: '203.0.113.9',
    };
    expect(await momoAdapter.queryStatus(context(), query)).toMatchObject({
      status: 'pending',
      failure: { code: '1000' },
    });
    sim.pay(request.attemptId);
    const outcome = await momoAdapter.queryStatus(context(), query);
    expect(outcome).toMatchObject({ attemptId: request.attemptId, status: 'succeeded', amount: '250000' });
    expect(outcome.providerTransactionId).toBe(String(sim.orders.get(request.attemptId)?.transId));
  });

  it('throws, rather than failing the attempt, for an unknown order (42) or a wrong signature (13)', async () => {
    const query = {
      attemptId: newId('att'),
      amount: '1000',
      attemptCreatedAt: new Date(clock),
      description: 'x',
      clientIp: '203.0.113.9',
    };
    await expect(momoAdapter.queryStatus(context(), query)).rejects.toMatchObject({ code: '42' });
    const { attemptId } = await paid('150000');
    await expect(momoAdapter.queryStatus(context('wrong'), { ...query, attemptId })).rejects.toMatchObject({
      code: '13',
    });
  });

  it('does not believe an unsigned success that came without TLS to live keys, or answers another request', async () => {
    const { attemptId } = await paid('150000');
    const query = {
      attemptId,
      amount: '150000',
      attemptCreatedAt: new Date(clock),
      description: 'x',
      clientIp: '203.0.113.9',
    };
    // The same simulator answer, asked with live keys over plain HTTP: not MoMo's word.
    await expect(momoAdapter.queryStatus({ ...context(), mode: 'live' }, query)).rejects.toMatchObject({
      code: 'unverified_answer',
    });
    sim.alterAnswers((_path, answer) => ({ ...answer, requestId: 'someone-elses' }));
    try {
      await expect(momoAdapter.queryStatus(context(), query)).rejects.toMatchObject({
        code: 'unverified_answer',
      });
      const refund = refundRequest(attemptId, '1000', String(sim.orders.get(attemptId)?.transId));
      await expect(momoAdapter.refund(context(), refund)).rejects.toMatchObject({
        code: 'unverified_answer',
      });
    } finally {
      sim.alterAnswers(null);
    }
    expect((await momoAdapter.queryStatus(context(), query)).status).toBe('succeeded');
  });

  it('refuses an answer whose amount is not the attempt’s', async () => {
    const { attemptId } = await paid('150000');
    const query = {
      attemptId,
      amount: '160000',
      attemptCreatedAt: new Date(clock),
      description: 'x',
      clientIp: '203.0.113.9',
    };
    await expect(momoAdapter.queryStatus(context(), query)).rejects.toMatchObject({
      code: 'amount_mismatch',
    });
  });
});

describe('refund', () => {
  const transIdOf = (attemptId: string) => String(sim.orders.get(attemptId)?.transId);

  it('refunds in full', async () => {
    const { attemptId } = await paid('150000');
    const request = refundRequest(attemptId, '150000', transIdOf(attemptId));
    const outcome = await momoAdapter.refund(context(), request);
    expect(outcome.status).toBe('succeeded');
    expect(sim.refundsOf(attemptId)).toMatchObject([
      { orderId: request.refundId, amount: 150000, transId: Number(outcome.providerRefundId) },
    ]);
  });

  it('refunds in parts, and refuses what would exceed the payment (1081)', async () => {
    const { attemptId } = await paid('150000');
    const transId = transIdOf(attemptId);
    expect((await momoAdapter.refund(context(), refundRequest(attemptId, '100000', transId))).status).toBe(
      'succeeded',
    );
    const excess = await momoAdapter.refund(context(), refundRequest(attemptId, '50001', transId));
    expect(excess).toMatchObject({ status: 'failed', failure: { code: '1081' } });
    expect((await momoAdapter.refund(context(), refundRequest(attemptId, '50000', transId))).status).toBe(
      'succeeded',
    );
    expect(sim.refundsOf(attemptId).map((r) => r.amount)).toEqual([100000, 50000]);
  });

  it('refuses refunds of unpaid orders, unknown transIds, and wrong signatures', async () => {
    const { attemptId } = await paid('150000', 1006);
    const declined = await momoAdapter.refund(
      context(),
      refundRequest(attemptId, '1000', transIdOf(attemptId)),
    );
    expect(declined.failure?.code).toBe('1088');
    expect((await momoAdapter.refund(context(), refundRequest(attemptId, '1000', '123'))).failure?.code).toBe(
      '1080',
    );
    const ok = await paid('150000');
    const forged = await momoAdapter.refund(
      context('wrong'),
      refundRequest(ok.attemptId, '1000', transIdOf(ok.attemptId)),
    );
    expect(forged).toMatchObject({ status: 'failed', failure: { code: '13' } });
    expect(sim.refundsOf(ok.attemptId)).toEqual([]);
    expect((await momoAdapter.refund(context(), refundRequest(ok.attemptId, '1000', undefined))).status).toBe(
      'failed',
    );
  });
});

describe('settlement', () => {
  it('reads back what the simulator settled on the day, and nothing from the next day', async () => {
    clock = Date.parse('2025-02-01T09:30:00+07:00');
    const { attemptId } = await paid('150000');
    const refund = refundRequest(attemptId, '40000', String(sim.orders.get(attemptId)?.transId));
    clock = Date.parse('2025-02-01T23:59:59.999+07:00');
    await momoAdapter.refund(context(), refund);
    clock = Date.parse('2025-02-02T00:00:00+07:00');
    await paid('20000');

    const csv = sim.settlementCsv('2025-02-01');
    const lines = [];
    const file = (async function* () {
      yield Buffer.from(csv);
    })();
    for await (const line of momoAdapter.parseSettlement(file)) lines.push(line);
    expect(lines).toEqual([
      {
        lineNo: 2,
        providerTransactionId: String(sim.orders.get(attemptId)?.transId),
        merchantReference: attemptId,
        type: 'payment',
        amount: '150000',
        fee: '1650',
        status: 'succeeded',
        occurredAt: new Date('2025-02-01T09:30:00+07:00'),
      },
      expect.objectContaining({
        lineNo: 3,
        merchantReference: refund.refundId,
        type: 'refund',
        amount: '40000',
        fee: '0',
      }),
    ]);
    expect(lines[1]?.occurredAt.getTime()).toBe(Date.parse('2025-02-01T23:59:59.999+07:00'));
  });
});
