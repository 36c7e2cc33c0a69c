import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CheckoutRequest,
  InboundRequest,
  ProviderContext,
  SettlementLine,
} from '../../adapters/types.ts';
import { vnpayAdapter } from '../../adapters/vnpay/index.ts';
import {
  hashData,
  pipeChecksum,
  QUERYDR_RESPONSE_FIELDS,
  REFUND_REQUEST_FIELDS,
} from '../../adapters/vnpay/signature.ts';
import { startVnpaySimulator, type VnpaySimulator } from '../fakes/vnpay/server.ts';
import {
  pipeHash,
  QUERYDR_OUT,
  queryHashData,
  REFUND_IN,
  signQuery,
  vnTime,
} from '../fakes/vnpay/signing.ts';

const TMN = 'PAYHUB01';
const SECRET = 'SIMSECRET9876543210ZYXWVUTSRQPON';
// One pinned instant for the simulator and the hub: dates and the settlement day are deterministic.
const NOW = new Date();

let sim: VnpaySimulator;
let seq = 0;
const ctxWith = (credentials: Record<string, string>): ProviderContext => ({
  credentials: {
    tmn_code: TMN,
    hash_secret: SECRET,
    pay_url: sim.payUrl,
    api_url: sim.apiUrl,
    ...credentials,
  },
  publicUrl: 'https://payhub.test',
  mode: 'test',
  now: () => NOW,
});
const ctx = () => ctxWith({});

function checkout(amount = '150000'): CheckoutRequest {
  seq++;
  return {
    attemptId: `att_01J9Z8Y7X6W5V4T3S2R1Q0P${String(seq).padStart(3, '0')}`,
    amount,
    description: 'Lệ phí cấp hộ chiếu (Đợt 1): 150.000đ',
    language: 'vi',
    returnUrl: 'https://payhub.test/return/vnpay',
    notifyUrl: 'https://payhub.test/notify/vnpay',
    clientIp: '::ffff:203.0.113.7',
    createdAt: new Date(NOW.getTime() - 60_000),
    expiresAt: new Date(NOW.getTime() + 15 * 60_000),
  };
}

async function redirectOf(request: CheckoutRequest, context = ctx()): Promise<string> {
  const result = await vnpayAdapter.createCheckout(context, request);
  if (result.kind !== 'redirect') throw new Error('expected a redirect');
  return result.url;
}

/** Checkout, then the citizen's browser opens the pay page. */
async function opened(amount = '150000') {
  const request = checkout(amount);
  const response = await fetch(await redirectOf(request));
  expect(response.status).toBe(200);
  return request;
}

const inbound = (url: string): InboundRequest => ({
  method: 'GET',
  query: Object.fromEntries(new URL(url).searchParams),
  body: undefined,
  headers: {},
});

/** The browser's return to this URL as the hub takes it: read once, then verified under `context`. */
const verifiedReturn = (context: ProviderContext, url: string) => {
  const callback = vnpayAdapter.readCallback(inbound(url));
  return callback && vnpayAdapter.verifyReturn(context, callback);
};

const query = (request: CheckoutRequest, context = ctx()) =>
  vnpayAdapter.queryStatus(context, {
    attemptId: request.attemptId,
    amount: request.amount,
    attemptCreatedAt: request.createdAt,
    description: request.description,
    clientIp: '10.0.0.1',
  });

const refund = (request: CheckoutRequest, amount: string, context = ctx()) =>
  vnpayAdapter.refund(context, {
    refundId: `ref_${seq}`,
    attemptId: request.attemptId,
    amount,
    attemptAmount: request.amount,
    attemptCreatedAt: request.createdAt,
    reason: 'Nộp trùng (hồ sơ 12/2025)',
    requestedBy: 'ops@agency.gov.vn',
    clientIp: '10.0.0.1',
  });

beforeAll(async () => {
  sim = await startVnpaySimulator({ tmnCode: TMN, hashSecret: SECRET, now: () => NOW });
});
afterAll(() => sim.close());

describe('the simulator signs like the adapter, with its own code', () => {
  it('builds the same hash data for any parameters', () => {
    const params = fc.dictionary(
      fc.stringMatching(/^vnp_[A-Za-z]{1,10}$/),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    );
    fc.assert(
      fc.property(params, (p) => {
        expect(queryHashData(p)).toBe(hashData(p));
      }),
    );
  });

  it('builds the same pipe checksums', () => {
    const body = fc.record(
      Object.fromEntries(REFUND_IN.map((f) => [f, fc.string({ unit: 'grapheme', maxLength: 12 })])),
    );
    fc.assert(
      fc.property(body, (b) => {
        expect(pipeHash(SECRET, REFUND_IN, b)).toBe(pipeChecksum(SECRET, REFUND_REQUEST_FIELDS, b));
        expect(pipeHash(SECRET, QUERYDR_OUT, b)).toBe(pipeChecksum(SECRET, QUERYDR_RESPONSE_FIELDS, b));
      }),
    );
  });
});

describe('pay page', () => {
  it('accepts the adapter’s pay URL and shows the order', async () => {
    const request = checkout();
    const response = await fetch(await redirectOf(request));
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('<span id="amount">150000</span>');
    expect(html).toContain('Le phi cap ho chieu Dot 1: 150.000d');
  });

  it('refuses a tampered amount, another secret, an unknown terminal, a bad amount and a missing field', async () => {
    const tampered = (await redirectOf(checkout())).replace('vnp_Amount=15000000', 'vnp_Amount=1500000');
    const cases: Array<[string, string]> = [
      [tampered, 'Sai chữ ký'],
      [await redirectOf(checkout(), ctxWith({ hash_secret: 'WRONG' })), 'Sai chữ ký'],
      [await redirectOf(checkout(), ctxWith({ tmn_code: 'OTHER001' })), 'code=71'],
      [await redirectOf(checkout('4000')), 'Số tiền giao dịch không hợp lệ'],
    ];
    const { vnp_IpAddr: _, ...missing } = Object.fromEntries(
      new URL(await redirectOf(checkout())).searchParams,
    );
    delete missing.vnp_SecureHash;
    cases.push([`${sim.payUrl}?${signQuery(SECRET, missing)}`, 'Thiếu tham số vnp_IpAddr']);
    for (const [url, message] of cases) {
      const response = await fetch(url);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
  });

  it('redirects the cancel button to a signed return the adapter reads as failed 24', async () => {
    const request = await opened();
    const response = await fetch(`${sim.url}/paymentv2/simulate`, {
      method: 'POST',
      body: new URLSearchParams({ txnRef: request.attemptId, action: 'cancel' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    const outcome = verifiedReturn(ctx(), response.headers.get('location')!);
    expect(outcome).toMatchObject({
      attemptId: request.attemptId,
      status: 'failed',
      failure: { code: '24' },
    });
  });
});

describe('Return URL', () => {
  it('is verified as succeeded with the amount in đồng', async () => {
    const request = await opened('2000000');
    const returned = sim.pay(request.attemptId);
    expect(returned.startsWith('https://payhub.test/return/vnpay?')).toBe(true);
    const outcome = verifiedReturn(ctx(), returned);
    expect(outcome).toMatchObject({
      attemptId: request.attemptId,
      status: 'succeeded',
      amount: '2000000',
      providerTransactionId: sim.orders.get(request.attemptId)!.transactionNo,
    });
    expect(outcome!.paidAt!.getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000);
  });

  it('reads a declined payment as failed and a tampered return as nothing', async () => {
    const declined = await opened();
    expect(verifiedReturn(ctx(), sim.pay(declined.attemptId, { responseCode: '51' }))).toMatchObject({
      status: 'failed',
      failure: { code: '51', message: 'Insufficient balance.' },
    });
    const paid = await opened();
    const forged = sim.pay(paid.attemptId).replace(/vnp_Amount=\d+/, 'vnp_Amount=100');
    expect(verifiedReturn(ctx(), forged)).toBeNull();
    expect(verifiedReturn(ctxWith({ hash_secret: 'WRONG' }), sim.pay((await opened()).attemptId))).toBeNull();
  });
});

describe('IPN', () => {
  let hub: Server;
  let ipnUrl: string;
  // A minimal hub: the official demo's checks in its order, answered by the adapter.
  const attempts = new Map<string, { amount: string; status: string }>();
  beforeAll(async () => {
    hub = createServer((req, res) => {
      const request = inbound(`http://hub${req.url}`);
      const callback = vnpayAdapter.readCallback(request);
      const id = callback?.attemptId;
      const outcome = callback && vnpayAdapter.verifyNotification(ctx(), callback);
      const attempt = id ? attempts.get(id) : undefined;
      const verdict = !outcome
        ? 'invalid_signature'
        : !attempt
          ? 'not_found'
          : attempt.amount !== outcome.amount
            ? 'amount_mismatch'
            : attempt.status !== 'processing'
              ? 'already_processed'
              : 'accepted';
      if (verdict === 'accepted') attempt!.status = outcome!.status;
      const reply = vnpayAdapter.notificationReply(verdict);
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    ipnUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/notify/vnpay`;
  });
  afterAll(() => new Promise<void>((resolve) => hub.close(() => resolve())));

  it('is confirmed once, then answered 02; a tampered one gets 97, an unknown order 01', async () => {
    const request = await opened();
    attempts.set(request.attemptId, { amount: request.amount, status: 'processing' });
    sim.pay(request.attemptId);
    expect(await sim.sendIpn(request.attemptId, { ipnUrl, tamper: true })).toEqual({
      RspCode: '97',
      Message: 'Invalid signature',
    });
    expect(await sim.sendIpn(request.attemptId, { ipnUrl, duplicate: true })).toEqual({
      RspCode: '02',
      Message: 'Order already confirmed',
    });
    expect(sim.ipnLog.at(-2)!.reply).toEqual({ RspCode: '00', Message: 'Confirm Success' });
    expect(attempts.get(request.attemptId)!.status).toBe('succeeded');
    const unknown = await opened();
    sim.pay(unknown.attemptId);
    expect((await sim.sendIpn(unknown.attemptId, { ipnUrl })).RspCode).toBe('01');
  });
});

describe('querydr', () => {
  it('follows an order from unpaid to paid', async () => {
    const request = await opened();
    expect(await query(request)).toMatchObject({ status: 'pending', failure: { code: '01' } });
    sim.pay(request.attemptId);
    expect(await query(request)).toMatchObject({
      status: 'succeeded',
      amount: '150000',
      providerTransactionId: sim.orders.get(request.attemptId)!.transactionNo,
    });
  });

  it('reports a failed payment, and 91 (unknown at VNPay) as pending', async () => {
    const cancelled = await opened();
    sim.pay(cancelled.attemptId, { responseCode: '24' });
    expect(await query(cancelled)).toMatchObject({ status: 'failed', failure: { code: '02' } });
    expect(await query(checkout())).toMatchObject({ status: 'pending', failure: { code: '91' } });
    // VNPay finds the order by its create date too.
    const paid = await opened();
    expect(
      await query({ ...paid, createdAt: new Date(paid.createdAt.getTime() - 86_400_000) }),
    ).toMatchObject({
      failure: { code: '91' },
    });
  });

  it('throws with the wrong secret', async () => {
    await expect(query(await opened(), ctxWith({ hash_secret: 'WRONG' }))).rejects.toThrow(/checksum/);
  });

  it('answers 94 to a repeated vnp_RequestId', async () => {
    const request = await opened();
    const body: Record<string, string> = {
      vnp_RequestId: 'abc123',
      vnp_Version: '2.1.0',
      vnp_Command: 'querydr',
      vnp_TmnCode: TMN,
      vnp_TxnRef: request.attemptId,
      vnp_TransactionDate: vnTime(request.createdAt),
      vnp_CreateDate: vnTime(NOW),
      vnp_IpAddr: '10.0.0.1',
      vnp_OrderInfo: 'Truy van',
    };
    body.vnp_SecureHash = pipeHash(
      SECRET,
      'vnp_RequestId vnp_Version vnp_Command vnp_TmnCode vnp_TxnRef vnp_TransactionDate vnp_CreateDate vnp_IpAddr vnp_OrderInfo'.split(
        ' ',
      ),
      body,
    );
    const post = async (b: Record<string, string>) =>
      (await (
        await fetch(sim.apiUrl, {
          method: 'POST',
          body: JSON.stringify(b),
          headers: { 'content-type': 'application/json' },
        })
      ).json()) as Record<string, string>;
    expect((await post(body)).vnp_ResponseCode).toBe('00');
    expect((await post(body)).vnp_ResponseCode).toBe('94');
    expect((await post({ ...body, vnp_RequestId: 'abc124' })).vnp_ResponseCode).toBe('97');
  });
});

describe('refund', () => {
  it('refunds partially up to the amount paid, then refuses the excess', async () => {
    const request = await opened('150000');
    sim.pay(request.attemptId);
    expect(await refund(request, '50000')).toMatchObject({ status: 'succeeded' });
    expect(await refund(request, '150000')).toMatchObject({ status: 'failed', failure: { code: '99' } });
    expect(await refund(request, '100000')).toMatchObject({ status: 'succeeded' });
    expect(await refund(request, '1')).toMatchObject({ status: 'failed', failure: { code: '99' } });
    expect(sim.orders.get(request.attemptId)!.refunds.map((r) => [r.type, r.amount])).toEqual([
      ['03', 5000000n],
      ['03', 10000000n],
    ]);
  });

  it('sends a full refund as type 02 and reports refunds under way as pending', async () => {
    const full = await opened('80000');
    sim.pay(full.attemptId);
    const outcome = await refund(full, '80000');
    expect(outcome.status).toBe('succeeded');
    expect(sim.orders.get(full.attemptId)!.refunds[0]).toMatchObject({
      type: '02',
      transactionNo: outcome.providerRefundId,
    });
    const slow = await opened();
    sim.pay(slow.attemptId);
    sim.setRefundStatus('05');
    try {
      expect(await refund(slow, '10000')).toMatchObject({ status: 'pending', failure: { code: '05' } });
    } finally {
      sim.setRefundStatus('00');
    }
  });

  it('refuses an unpaid order (95), and the wrong secret throws', async () => {
    const cancelled = await opened();
    sim.pay(cancelled.attemptId, { responseCode: '24' });
    expect(await refund(cancelled, '150000')).toMatchObject({ status: 'failed', failure: { code: '95' } });
    const paid = await opened();
    sim.pay(paid.attemptId);
    await expect(refund(paid, '1000', ctxWith({ hash_secret: 'WRONG' }))).rejects.toThrow(/checksum/);
    expect(sim.orders.get(paid.attemptId)!.refunds).toEqual([]);
  });
});

describe('settlement', () => {
  it('round-trips the simulator’s file through the adapter’s parser', async () => {
    const small = await opened('150000');
    const large = await opened('1234567');
    sim.pay(small.attemptId);
    sim.pay(large.attemptId);
    await refund(large, '234567');
    const day = vnTime(NOW).slice(0, 8);
    const lines: SettlementLine[] = [];
    const file = Readable.from([sim.settlementCsv(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`)]);
    for await (const line of vnpayAdapter.parseSettlement(file)) {
      lines.push(line);
    }
    const mine = lines.filter(
      (l) => l.merchantReference === small.attemptId || l.merchantReference === large.attemptId,
    );
    expect(mine.map((l) => [l.merchantReference, l.type, l.amount, l.fee, l.status])).toEqual([
      [small.attemptId, 'payment', '150000', '1650', 'succeeded'],
      [large.attemptId, 'payment', '1234567', '13580', 'succeeded'],
      [large.attemptId, 'refund', '234567', '0', 'succeeded'],
    ]);
    expect(mine[0]!.providerTransactionId).toBe(sim.orders.get(small.attemptId)!.transactionNo);
    expect(mine[0]!.occurredAt.getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000);
  });
});
