import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SettlementLine } from '../../adapters/types.ts';
import { formatVnDate, parseVnDate } from '../../adapters/vnpay/dates.ts';
import { vnpayAdapter } from '../../adapters/vnpay/index.ts';
import {
  callbackOutcome,
  fromVnpAmount,
  payParams,
  toOrderInfo,
  toVnpAmount,
} from '../../adapters/vnpay/protocol.ts';
import {
  formEncode,
  hashData,
  hmacSha512,
  pipeChecksum,
  QUERYDR_REQUEST_FIELDS,
  REFUND_REQUEST_FIELDS,
  verifyParams,
} from '../../adapters/vnpay/signature.ts';
import { signQuery } from '../fakes/vnpay/signing.ts';

const SECRET = 'TESTSECRETKEY0123456789ABCDEFGHI';
const config = {
  tmnCode: 'PAYHUB01',
  hashSecret: SECRET,
  payUrl: 'https://pay.test/vpcpay.html',
  apiUrl: 'https://api.test',
};
const hmac = (data: string) => createHmac('sha512', SECRET).update(data, 'utf8').digest('hex');

describe('VNPay signature', () => {
  it('rebuilds the official sample query string byte for byte', () => {
    const params = {
      vnp_Version: '2.1.0',
      vnp_TxnRef: '5',
      vnp_TmnCode: 'DEMOV210',
      vnp_ReturnUrl: 'https://domainmerchant.vn/ReturnUrl',
      vnp_OrderType: 'other',
      vnp_OrderInfo: 'Thanh toan don hang :5',
      vnp_Locale: 'vn',
      vnp_IpAddr: '127.0.0.1',
      vnp_CurrCode: 'VND',
      vnp_CreateDate: '20210801153333',
      vnp_Command: 'pay',
      vnp_Amount: '1806000',
    };
    expect(hashData(params)).toBe(
      'vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND&vnp_IpAddr=127.0.0.1' +
        '&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_OrderType=other' +
        '&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210&vnp_TxnRef=5&vnp_Version=2.1.0',
    );
  });

  it('form-encodes like PHP urlencode: +, parentheses, slash, colon, Vietnamese', () => {
    expect(formEncode('a b')).toBe('a+b');
    expect(formEncode("(x)!'*~")).toBe('%28x%29%21%27%2A%7E');
    expect(formEncode('1/2:3')).toBe('1%2F2%3A3');
    expect(formEncode('Lệ phí (hồ sơ) 1/2: đã nộp')).toBe(
      'L%E1%BB%87+ph%C3%AD+%28h%E1%BB%93+s%C6%A1%29+1%2F2%3A+%C4%91%C3%A3+n%E1%BB%99p',
    );
    expect(formEncode('a-b_c.d')).toBe('a-b_c.d');
  });

  it('hashes the hand-written data string, skipping empty and hash parameters', () => {
    const params = {
      vnp_TxnRef: 'att_X',
      vnp_OrderInfo: 'Lệ phí (hồ sơ) 1/2: đã nộp',
      vnp_Amount: '15000000',
      vnp_BankCode: '',
      vnp_SecureHashType: 'HmacSHA512',
      vnp_SecureHash: 'ignored',
      other: 'not a vnp_ field',
    };
    const data =
      'vnp_Amount=15000000&vnp_OrderInfo=L%E1%BB%87+ph%C3%AD+%28h%E1%BB%93+s%C6%A1%29+1%2F2%3A+%C4%91%C3%A3+n%E1%BB%99p&vnp_TxnRef=att_X';
    expect(hashData(params)).toBe(data);
    expect(hmacSha512(SECRET, hashData(params))).toBe(hmac(data));
    expect(verifyParams(SECRET, { ...params, vnp_SecureHash: hmac(data) })).toBe(true);
    expect(verifyParams(SECRET, { ...params, vnp_SecureHash: hmac(data).toUpperCase() })).toBe(true);
    expect(verifyParams(SECRET, { ...params, vnp_SecureHash: hmac(`${data}x`) })).toBe(false);
    expect(verifyParams(SECRET, { ...params, vnp_SecureHash: '' })).toBe(false);
  });

  it('joins querydr and refund checksums with pipes in the documented order, raw values', () => {
    const body = {
      vnp_RequestId: 'r1',
      vnp_Version: '2.1.0',
      vnp_Command: 'refund',
      vnp_TmnCode: 'PAYHUB01',
      vnp_TransactionType: '03',
      vnp_TxnRef: 'att_X',
      vnp_Amount: '5000000',
      vnp_TransactionNo: '0',
      vnp_TransactionDate: '20250301093015',
      vnp_CreateBy: 'ops@agency.gov.vn',
      vnp_CreateDate: '20250302080000',
      vnp_IpAddr: '10.0.0.1',
      vnp_OrderInfo: 'Hoan tien: a b',
    };
    expect(pipeChecksum(SECRET, REFUND_REQUEST_FIELDS, body)).toBe(
      hmac(
        'r1|2.1.0|refund|PAYHUB01|03|att_X|5000000|0|20250301093015|ops@agency.gov.vn|20250302080000|10.0.0.1|Hoan tien: a b',
      ),
    );
    expect(pipeChecksum(SECRET, QUERYDR_REQUEST_FIELDS, { ...body, vnp_Command: 'querydr' })).toBe(
      hmac('r1|2.1.0|querydr|PAYHUB01|att_X|20250301093015|20250302080000|10.0.0.1|Hoan tien: a b'),
    );
  });

  const vnpKey = fc
    .stringMatching(/^vnp_[A-Za-z]{1,12}$/)
    .filter((k) => k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType');
  const params = fc.dictionary(vnpKey, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), {
    minKeys: 1,
    maxKeys: 8,
  });

  it('verifies whatever it signs, and no longer once any one character of any value changes', () => {
    fc.assert(
      fc.property(
        params,
        fc.nat(),
        fc.nat(),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
        (p, ki, ci, ch) => {
          const signed = { ...p, vnp_SecureHash: hmacSha512(SECRET, hashData(p)) };
          expect(verifyParams(SECRET, signed)).toBe(true);
          const key = Object.keys(p)[ki % Object.keys(p).length]!;
          const chars = Array.from(p[key]!);
          const at = ci % chars.length;
          fc.pre(chars[at] !== ch);
          chars[at] = ch;
          expect(verifyParams(SECRET, { ...signed, [key]: chars.join('') })).toBe(false);
        },
      ),
    );
  });
});

describe('VNPay pay request', () => {
  const createdAt = new Date('2025-03-01T02:30:15Z');
  const request = {
    attemptId: 'att_01J9Z8Y7X6W5V4T3S2R1Q0P9N8',
    amount: '150000',
    description: 'Lệ phí cấp hộ chiếu (Đợt 1) — 150.000đ & phí <khác>',
    language: 'vi' as const,
    returnUrl: 'https://payhub.test/return/vnpay',
    notifyUrl: 'https://payhub.test/notify/vnpay',
    clientIp: '::ffff:203.0.113.7',
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
  };

  it('sends đồng × 100, GMT+7 dates, vn locale, plain order info and the attempt as TxnRef', () => {
    const p = payParams(config, request);
    expect(p).toMatchObject({
      vnp_Version: '2.1.0',
      vnp_Command: 'pay',
      vnp_TmnCode: 'PAYHUB01',
      vnp_Amount: '15000000',
      vnp_CreateDate: '20250301093015',
      vnp_ExpireDate: '20250301094515',
      vnp_CurrCode: 'VND',
      vnp_IpAddr: '203.0.113.7',
      vnp_Locale: 'vn',
      vnp_OrderType: 'other',
      vnp_TxnRef: request.attemptId,
      vnp_OrderInfo: 'Le phi cap ho chieu Dot 1 150.000d phi khac',
    });
    expect(payParams(config, { ...request, language: 'en' }).vnp_Locale).toBe('en');
  });

  it('puts vnp_SecureHash last in the URL', async () => {
    const result = await vnpayAdapter.createCheckout(
      {
        credentials: { tmn_code: 'PAYHUB01', hash_secret: SECRET },
        publicUrl: 'https://payhub.test',
        mode: 'test',
        now: () => createdAt,
      },
      request,
    );
    expect(result.kind).toBe('redirect');
    const url = (result as { url: string }).url;
    expect(url.startsWith('https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?vnp_Amount=15000000&')).toBe(
      true,
    );
    expect(url).toMatch(/&vnp_SecureHash=[0-9a-f]{128}$/);
  });

  it('strips diacritics, đ and special characters from the order info', () => {
    expect(toOrderInfo('Đóng tiền điện tháng 3/2025!')).toBe('Dong tien dien thang 3 2025');
    expect(toOrderInfo('Phạt vi phạm giao thông: Ưu tiên')).toBe('Phat vi pham giao thong: Uu tien');
    expect(toOrderInfo('***', 'Thanh toan att_1')).toBe('Thanh toan att_1');
  });

  it('converts amounts exactly and refuses fractions of a đồng', () => {
    expect(toVnpAmount('999999999')).toBe('99999999900');
    expect(fromVnpAmount('99999999900')).toBe('999999999');
    expect(fromVnpAmount('1806050')).toBeNull();
    expect(fromVnpAmount('-100')).toBeNull();
    expect(() => toVnpAmount('1.5')).toThrow();
  });

  it('reads and writes GMT+7 dates, rejecting impossible ones', () => {
    expect(formatVnDate(new Date('2024-12-31T17:00:00Z'))).toBe('20250101000000');
    expect(parseVnDate('20250101000000')?.toISOString()).toBe('2024-12-31T17:00:00.000Z');
    expect(parseVnDate('20250231120000')).toBeNull();
    expect(parseVnDate('2025-01-01')).toBeNull();
  });
});

describe('VNPay Return URL and IPN', () => {
  const base = {
    vnp_Amount: '15000000',
    vnp_BankCode: 'NCB',
    vnp_BankTranNo: 'VNP14000001',
    vnp_CardType: 'ATM',
    vnp_OrderInfo: 'Le phi',
    vnp_PayDate: '20250301093500',
    vnp_ResponseCode: '00',
    vnp_TmnCode: 'PAYHUB01',
    vnp_TransactionNo: '14000001',
    vnp_TransactionStatus: '00',
    vnp_TxnRef: 'att_A',
  };
  /** Signed by the simulator's own code, not the adapter's. */
  const signed = (fields: Record<string, string>) =>
    Object.fromEntries(new URLSearchParams(signQuery(SECRET, fields)));

  it('is paid only when both codes are 00', () => {
    expect(callbackOutcome(config, signed(base))).toMatchObject({
      attemptId: 'att_A',
      status: 'succeeded',
      amount: '150000',
      providerTransactionId: '14000001',
      paidAt: new Date('2025-03-01T02:35:00Z'),
    });
    expect(
      callbackOutcome(config, signed({ ...base, vnp_ResponseCode: '24', vnp_TransactionStatus: '02' })),
    ).toMatchObject({
      status: 'failed',
      failure: { code: '24', message: 'The customer cancelled the transaction.' },
    });
    expect(callbackOutcome(config, signed({ ...base, vnp_ResponseCode: '51' }))?.failure?.code).toBe('51');
    expect(callbackOutcome(config, signed({ ...base, vnp_TransactionStatus: '07' }))).toMatchObject({
      status: 'failed',
      failure: { code: '07' },
    });
  });

  it('returns null for a bad hash, another terminal or a fraction of a đồng', () => {
    expect(callbackOutcome(config, { ...signed(base), vnp_Amount: '25000000' })).toBeNull();
    expect(callbackOutcome(config, signed({ ...base, vnp_TmnCode: 'OTHER001' }))).toBeNull();
    expect(callbackOutcome(config, signed({ ...base, vnp_Amount: '15000050' }))).toBeNull();
  });

  it('reads the callback and its attempt from the query of a GET and from a POST body', () => {
    const get = { method: 'GET', query: signed(base), body: undefined, headers: {} };
    expect(vnpayAdapter.readCallback(get)).toEqual({ attemptId: 'att_A', fields: signed(base) });
    expect(
      vnpayAdapter.readCallback({ method: 'POST', query: {}, body: { vnp_TxnRef: 'att_B' }, headers: {} })
        ?.attemptId,
    ).toBe('att_B');
    expect(vnpayAdapter.readCallback({ method: 'GET', query: {}, body: undefined, headers: {} })).toBeNull();
  });

  it('answers IPNs in the official demo format', () => {
    const replies = (
      ['accepted', 'already_processed', 'invalid_signature', 'not_found', 'amount_mismatch', 'error'] as const
    ).map((v) => vnpayAdapter.notificationReply(v));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(replies.map((r) => JSON.parse(r.body!))).toEqual([
      { RspCode: '00', Message: 'Confirm Success' },
      { RspCode: '02', Message: 'Order already confirmed' },
      { RspCode: '97', Message: 'Invalid signature' },
      { RspCode: '01', Message: 'Order not found' },
      { RspCode: '04', Message: 'Invalid amount' },
      { RspCode: '99', Message: 'Unknow error' },
    ]);
    expect(replies[0]!.headers?.['content-type']).toBe('application/json');
  });
});

async function parseAll(csv: string, chunkSize = 7): Promise<SettlementLine[]> {
  async function* chunks() {
    for (let i = 0; i < csv.length; i += chunkSize) yield Buffer.from(csv.slice(i, i + chunkSize));
  }
  const lines: SettlementLine[] = [];
  for await (const line of vnpayAdapter.parseSettlement(chunks())) lines.push(line);
  return lines;
}

describe('VNPay settlement file', () => {
  const header = 'transaction_no,txn_ref,type,amount,fee,status,pay_date';

  it('parses PayHub’s layout, streamed in small chunks', async () => {
    const lines = await parseAll(
      `${header}\n14000001,att_A,payment,150000,1650,00,20250301093500\n\n14000002,att_A,refund,50000,0,00,20250301100000\n`,
    );
    expect(lines).toEqual([
      {
        lineNo: 2,
        providerTransactionId: '14000001',
        merchantReference: 'att_A',
        type: 'payment',
        amount: '150000',
        fee: '1650',
        status: 'succeeded',
        occurredAt: new Date('2025-03-01T02:35:00Z'),
      },
      {
        lineNo: 4,
        providerTransactionId: '14000002',
        merchantReference: 'att_A',
        type: 'refund',
        amount: '50000',
        fee: '0',
        status: 'succeeded',
        occurredAt: new Date('2025-03-01T03:00:00Z'),
      },
    ]);
  });

  it.each([
    [
      'a wrong header',
      'transaction_no,txn_ref,kind,amount,fee,status,pay_date\n',
      /line 1: expected the header/,
    ],
    [
      'a fractional amount',
      `${header}\n1,att_A,payment,150000,0,00,20250301093500\n2,att_B,payment,12.5,0,00,20250301093500\n`,
      /line 3: amount "12.5"/,
    ],
    ['a negative amount', `${header}\n1,att_A,payment,-5,0,00,20250301093500\n`, /line 2: amount "-5"/],
    [
      'an unknown type',
      `${header}\n1,att_A,chargeback,5000,0,00,20250301093500\n`,
      /line 2: unknown type "chargeback"/,
    ],
    [
      'an impossible date',
      `${header}\n1,att_A,payment,5000,0,00,20250231093500\n`,
      /line 2: pay_date "20250231093500"/,
    ],
    ['a missing column', `${header}\n1,att_A,payment,5000,0,00\n`, /line 2:/],
    ['an empty file', '', /line 1: the file is empty/],
  ])('rejects %s with its line number', async (_, csv, error) => {
    await expect(parseAll(csv)).rejects.toThrow(error);
  });
});
