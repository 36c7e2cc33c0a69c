import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { momoAdapter } from '../../adapters/momo/index.ts';
import { ORDER_ID, toMomoAmount } from '../../adapters/momo/protocol.ts';
import {
  CALLBACK_KEYS,
  CREATE_KEYS,
  QUERY_KEYS,
  REFUND_KEYS,
  rawString,
  sign,
} from '../../adapters/momo/signature.ts';
import type { InboundRequest, ProviderContext } from '../../adapters/types.ts';
import { newId } from '../../src/ids.ts';

const PARTNER = 'MOMOTEST00000001';
const ACCESS = 'testAccessKey001';
const SECRET = 'testSecretKey0000000000000000001';
const hmac = (raw: string) => createHmac('sha256', SECRET).update(raw).digest('hex');

const ctx: ProviderContext = {
  credentials: { partner_code: PARTNER, access_key: ACCESS, secret_key: SECRET },
  publicUrl: 'https://payhub.example.gov.vn',
  mode: 'test',
  now: () => new Date('2025-01-15T03:00:00Z'),
};

/** The IPN raw string written out by hand from PROVIDERS.md 2.3, independent of the adapter. */
function ipnRaw(f: Record<string, string | number>): string {
  return `accessKey=${ACCESS}&amount=${f.amount}&extraData=${f.extraData}&message=${f.message}&orderId=${f.orderId}&orderInfo=${f.orderInfo}&orderType=${f.orderType}&partnerCode=${f.partnerCode}&payType=${f.payType}&requestId=${f.requestId}&responseTime=${f.responseTime}&resultCode=${f.resultCode}&transId=${f.transId}`;
}

function ipn(overrides: Record<string, string | number> = {}): Record<string, string | number> {
  const fields = {
    partnerCode: PARTNER,
    orderId: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
    requestId: '1736910000000a1b2c3d4e5f60718',
    amount: 150000,
    orderInfo: 'Lệ phí cấp hộ chiếu',
    orderType: 'momo_wallet',
    transId: 4088878653,
    resultCode: 0,
    message: 'Successful.',
    payType: 'qr',
    responseTime: 1736910123456,
    extraData: '',
    ...overrides,
  };
  return { ...fields, signature: hmac(ipnRaw(fields)) };
}

const post = (body: unknown): InboundRequest => ({ method: 'POST', query: {}, body, headers: {} });
const get = (query: Record<string, string>): InboundRequest => ({
  method: 'GET',
  query,
  body: undefined,
  headers: {},
});
/** A notification, and a browser return, as the hub takes them: read once, then verified. */
const notified = (request: InboundRequest) => {
  const callback = momoAdapter.readCallback(request);
  return callback && momoAdapter.verifyNotification(ctx, callback);
};
const returnedFrom = (request: InboundRequest) => {
  const callback = momoAdapter.readCallback(request);
  return callback && momoAdapter.verifyReturn(ctx, callback);
};
const asQuery = (f: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v)]));

describe('MoMo signatures match hand-written raw strings', () => {
  it('create', () => {
    const f = {
      accessKey: ACCESS,
      amount: 150000,
      extraData: '',
      ipnUrl: 'https://payhub.example.gov.vn/notify/momo',
      orderId: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
      orderInfo: 'Lệ phí cấp hộ chiếu',
      partnerCode: PARTNER,
      redirectUrl: 'https://payhub.example.gov.vn/return/momo',
      requestId: 'r1',
      requestType: 'captureWallet',
    };
    const raw =
      'accessKey=testAccessKey001&amount=150000&extraData=&ipnUrl=https://payhub.example.gov.vn/notify/momo' +
      '&orderId=att_01JD3YV5X2M8K9Q4T7W1R6B0CE&orderInfo=Lệ phí cấp hộ chiếu&partnerCode=MOMOTEST00000001' +
      '&redirectUrl=https://payhub.example.gov.vn/return/momo&requestId=r1&requestType=captureWallet';
    expect(rawString(CREATE_KEYS, f)).toBe(raw);
    expect(sign(SECRET, CREATE_KEYS, f)).toBe(hmac(raw));
  });

  it('IPN and redirect', () => {
    const f = { ...ipn(), accessKey: ACCESS } as Parameters<typeof sign<typeof CALLBACK_KEYS>>[2];
    expect(sign(SECRET, CALLBACK_KEYS, f)).toBe(ipn().signature);
  });

  it('query', () => {
    const f = { accessKey: ACCESS, orderId: 'att_X', partnerCode: PARTNER, requestId: 'q1' };
    expect(sign(SECRET, QUERY_KEYS, f)).toBe(
      hmac('accessKey=testAccessKey001&orderId=att_X&partnerCode=MOMOTEST00000001&requestId=q1'),
    );
  });

  it('refund', () => {
    const f = {
      accessKey: ACCESS,
      amount: 50000,
      description: 'Hoàn tiền',
      orderId: 're_X',
      partnerCode: PARTNER,
      requestId: 'f1',
      transId: 4088878653,
    };
    expect(sign(SECRET, REFUND_KEYS, f)).toBe(
      hmac(
        'accessKey=testAccessKey001&amount=50000&description=Hoàn tiền&orderId=re_X&partnerCode=MOMOTEST00000001&requestId=f1&transId=4088878653',
      ),
    );
  });
});

describe('MoMo callbacks', () => {
  it('a signed IPN and the same fields as a redirect query verify as succeeded', () => {
    for (const request of [post(ipn()), get(asQuery(ipn()))]) {
      const outcome = notified(request);
      expect(outcome).toMatchObject({
        attemptId: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
        status: 'succeeded',
        amount: '150000',
        providerTransactionId: '4088878653',
      });
      expect(outcome?.paidAt?.getTime()).toBe(1736910123456);
      expect(returnedFrom(request)?.status).toBe('succeeded');
    }
  });

  it.each([
    [9000, 'succeeded'],
    [1000, 'pending'],
    [7000, 'pending'],
    [7002, 'pending'],
    [8000, 'pending'],
    [1006, 'failed'],
    [1001, 'failed'],
  ])('resultCode %i is %s', (resultCode, status) => {
    expect(notified(post(ipn({ resultCode })))?.status).toBe(status);
  });

  it("a failure carries MoMo's meaning of the code", () => {
    const outcome = notified(post(ipn({ resultCode: 1006, message: 'x' })));
    expect(outcome?.failure).toEqual({ code: '1006', message: 'User denied to confirm the payment.' });
    expect(outcome?.paidAt).toBeUndefined();
  });

  it("another merchant's correctly signed IPN is refused", () => {
    expect(notified(post(ipn({ partnerCode: 'MOMOOTHER' })))).toBeNull();
  });

  it('refuses a missing or malformed signature', () => {
    const { signature: _s, ...unsigned } = ipn();
    expect(notified(post(unsigned))).toBeNull();
    expect(notified(post({ ...unsigned, signature: 'zz' }))).toBeNull();
    expect(notified(post(null))).toBeNull();
  });

  it('round trip: signed fields verify, and changing any one of them does not', () => {
    const text = fc.string({ maxLength: 40 });
    const fields = fc.record({
      amount: fc.integer({ min: 1000, max: 50_000_000 }),
      orderInfo: fc.string({ maxLength: 255 }),
      message: text,
      requestId: fc.stringMatching(/^[0-9a-z]{1,50}$/),
      transId: fc.integer({ min: 1, max: 9_999_999_999 }),
      resultCode: fc.constantFrom(0, 1000, 1006, 7000, 9000),
      payType: fc.constantFrom('qr', 'webApp', 'napas', ''),
      responseTime: fc.integer({ min: 1_600_000_000_000, max: 2_000_000_000_000 }),
      extraData: fc.base64String({ maxLength: 40 }),
    });
    const signedKeys = [
      'amount',
      'extraData',
      'message',
      'orderId',
      'orderInfo',
      'orderType',
      'partnerCode',
      'payType',
      'requestId',
      'responseTime',
      'resultCode',
      'transId',
    ];
    fc.assert(
      fc.property(fields, fc.constantFrom(...signedKeys), fc.boolean(), (f, key, asQueryString) => {
        const body = ipn(f);
        const request = (b: Record<string, string | number>) => (asQueryString ? get(asQuery(b)) : post(b));
        expect(notified(request(body))?.amount).toBe(String(f.amount));
        const value = body[key]!;
        const flipped = typeof value === 'number' ? value + 1 : `${value}x`;
        expect(notified(request({ ...body, [key]: flipped }))).toBeNull();
      }),
    );
  });

  it('reads the callback and its attempt id from the body (POST) or the query (GET), without trusting them', () => {
    const body = ipn();
    expect(momoAdapter.readCallback(post(body))).toEqual({
      attemptId: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
      fields: body,
    });
    expect(momoAdapter.readCallback(get({ orderId: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE' }))?.attemptId).toBe(
      'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
    );
    expect(momoAdapter.readCallback(get({ orderId: '../../etc' }))).toBeNull();
    expect(momoAdapter.readCallback(post('nope'))).toBeNull();
  });
});

describe('MoMo adapter contract', () => {
  it("PayHub's attempt and refund ids are valid MoMo orderIds", () => {
    for (let i = 0; i < 100; i++) {
      expect(newId('att')).toMatch(ORDER_ID);
      expect(newId('re')).toMatch(ORDER_ID);
    }
  });

  it('answers 204 without a body when the hub took the IPN, and a retryable error otherwise', () => {
    expect(momoAdapter.notificationReply('accepted')).toEqual({ status: 204 });
    expect(momoAdapter.notificationReply('already_processed')).toEqual({ status: 204 });
    expect(momoAdapter.notificationReply('invalid_signature').status).toBe(400);
    expect(momoAdapter.notificationReply('amount_mismatch').status).toBe(400);
    expect(momoAdapter.notificationReply('not_found').status).toBe(404);
    expect(momoAdapter.notificationReply('error').status).toBe(500);
  });

  it('converts amounts exactly and refuses what captureWallet cannot take', async () => {
    expect(toMomoAmount('50000000')).toBe(50_000_000);
    for (const bad of ['150000.5', '-1000', '1e6', '', '50000001', '0150000'])
      expect(() => toMomoAmount(bad)).toThrow();
    const request = {
      attemptId: 'att_01JD3YV5X2M8K9Q4T7W1R6B0CE',
      amount: '999',
      description: 'x',
      language: 'vi' as const,
      returnUrl: 'https://payhub.example.gov.vn/return/momo',
      notifyUrl: 'https://payhub.example.gov.vn/notify/momo',
      clientIp: '203.0.113.9',
      createdAt: new Date(),
      expiresAt: new Date(),
    };
    // Refused before any request leaves: no endpoint is reachable here.
    await expect(
      momoAdapter.createCheckout(
        { ...ctx, credentials: { ...ctx.credentials, endpoint: 'http://127.0.0.1:9' } },
        request,
      ),
    ).rejects.toThrow(/1000–50000000/);
  });

  it('declares what the hub shows and configures', () => {
    expect(momoAdapter).toMatchObject({
      name: 'momo',
      displayName: { vi: 'Ví MoMo', en: 'MoMo e-wallet' },
      limits: { minAmount: '1000', maxAmount: '50000000' },
      capabilities: { refund: true, partialRefund: true, queryStatus: true },
      credentialNames: ['partner_code', 'access_key', 'secret_key', 'endpoint'],
      requiredCredentials: ['partner_code', 'access_key', 'secret_key'],
    });
  });
});
