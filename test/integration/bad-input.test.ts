import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, expectContract, paymentBody, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub({ now: () => new Date('2026-11-23T09:00:00Z') });
});
afterAll(() => hub.drop());

const fine = { decision_no: '1/QĐ-XPVPHC', decided_on: '2026-11-01', due_on: '2026-11-11' };
const budget = {
  treasury_code: '0011',
  treasury_account: '7111',
  chapter_code: '418',
  economic_code: '2662',
};

/** The UTF-8 of `json` with `marker` replaced by raw bytes (an invalid sequence). */
function withBytes(json: string, marker: string, bytes: number[]): Buffer {
  const [before, after] = json.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
}

interface Case {
  name: string;
  body?: unknown;
  raw?: { type: string; data: string | Buffer };
  status: number;
  code: string;
  field?: string;
}

const CASES: Case[] = [
  {
    name: 'amount missing',
    body: paymentBody({ amount: undefined }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount fractional',
    body: paymentBody({ amount: 150000.5 }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount negative',
    body: paymentBody({ amount: -1 }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount zero',
    body: paymentBody({ amount: 0 }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount a string',
    body: paymentBody({ amount: '150000' }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount above 999 999 999 999',
    body: paymentBody({ amount: 1_000_000_000_000 }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount in exponent form beyond range',
    body: paymentBody({ amount: 1e21 }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'amount null',
    body: paymentBody({ amount: null }),
    status: 400,
    code: 'invalid_request',
    field: 'amount',
  },
  {
    name: 'currency not VND',
    body: paymentBody({ currency: 'USD' }),
    status: 400,
    code: 'invalid_request',
    field: 'currency',
  },
  {
    name: 'reference empty',
    body: paymentBody({ reference: '' }),
    status: 400,
    code: 'invalid_request',
    field: 'reference',
  },
  {
    name: 'reference 65 chars',
    body: paymentBody({ reference: 'R'.repeat(65) }),
    status: 400,
    code: 'invalid_request',
    field: 'reference',
  },
  {
    name: 'reference with a control char',
    body: paymentBody({ reference: 'HS\n1' }),
    status: 400,
    code: 'invalid_request',
    field: 'reference',
  },
  {
    name: 'description missing',
    body: paymentBody({ description: undefined }),
    status: 400,
    code: 'invalid_request',
    field: 'description',
  },
  {
    name: 'description over 500 chars',
    body: paymentBody({ description: 'x'.repeat(501) }),
    status: 400,
    code: 'invalid_request',
    field: 'description',
  },
  {
    name: 'return_url not a URL',
    body: paymentBody({ return_url: 'not a url' }),
    status: 400,
    code: 'invalid_request',
    field: 'return_url',
  },
  {
    name: 'return_url plain http',
    body: paymentBody({ return_url: 'http://portal-a.example.vn/x' }),
    status: 400,
    code: 'invalid_request',
    field: 'return_url',
  },
  {
    name: 'return_url javascript:',
    body: paymentBody({ return_url: 'javascript:alert(1)' }),
    status: 400,
    code: 'invalid_request',
    field: 'return_url',
  },
  {
    name: 'return_url on a foreign origin (open redirect)',
    body: paymentBody({ return_url: 'https://evil.example.com/' }),
    status: 422,
    code: 'return_url_not_allowed',
    field: 'return_url',
  },
  {
    name: 'return_url with credentials',
    body: paymentBody({ return_url: 'https://u:p@portal-a.example.vn/' }),
    status: 400,
    code: 'invalid_request',
    field: 'return_url',
  },
  {
    name: 'obligation missing',
    body: paymentBody({ obligation: undefined }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation',
  },
  {
    name: 'obligation type unknown',
    body: paymentBody({ obligation: { type: 'bribe' } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.type',
  },
  {
    name: 'fine without its decision',
    body: paymentBody({ obligation: { type: 'fine' } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.fine',
  },
  {
    name: 'fine decision without number',
    body: paymentBody({ obligation: { type: 'fine', fine: { ...fine, decision_no: undefined } } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.fine.decision_no',
  },
  {
    name: 'fine due date not a calendar date',
    body: paymentBody({ obligation: { type: 'fine', fine: { ...fine, due_on: '2026-02-30' } } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.fine.due_on',
  },
  {
    name: 'fine decided in the future',
    body: paymentBody({
      obligation: { type: 'fine', fine: { ...fine, decided_on: '2027-01-01', due_on: '2027-01-11' } },
    }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.fine.decided_on',
  },
  {
    name: 'fine due before its decision',
    body: paymentBody({ obligation: { type: 'fine', fine: { ...fine, due_on: '2026-10-01' } } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.fine.due_on',
  },
  {
    name: 'fine details on a fee',
    body: paymentBody({ obligation: { type: 'fee', fine } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.fine',
  },
  {
    name: 'tax details on a charge',
    body: paymentBody({ obligation: { type: 'charge', tax: { due_on: '2026-11-01' } } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.tax',
  },
  {
    name: 'catalog code with spaces',
    body: paymentBody({ obligation: { type: 'fee', catalog_code: 'a b' } }),
    status: 400,
    code: 'invalid_request',
    field: 'obligation.catalog_code',
  },
  {
    name: 'budget chapter of 2 digits',
    body: paymentBody({ budget: { ...budget, chapter_code: '41' } }),
    status: 400,
    code: 'invalid_request',
    field: 'budget.chapter_code',
  },
  {
    name: 'budget economic code with letters',
    body: paymentBody({ budget: { ...budget, economic_code: '26A2' } }),
    status: 400,
    code: 'invalid_request',
    field: 'budget.economic_code',
  },
  {
    name: 'budget treasury code missing',
    body: paymentBody({ budget: { ...budget, treasury_code: undefined } }),
    status: 400,
    code: 'invalid_request',
    field: 'budget.treasury_code',
  },
  {
    name: 'budget area code of 6 digits',
    body: paymentBody({ budget: { ...budget, area_code: '123456' } }),
    status: 400,
    code: 'invalid_request',
    field: 'budget.area_code',
  },
  {
    name: 'treasury account not in the index',
    body: paymentBody({ budget: { ...budget, treasury_account: '9999' } }),
    status: 422,
    code: 'unknown_budget_code',
    field: 'budget.treasury_account',
  },
  {
    name: 'payer without name',
    body: paymentBody({ payer: { email: 'a@b.vn' } }),
    status: 400,
    code: 'invalid_request',
    field: 'payer.name',
  },
  {
    name: 'payer id number of 10 digits',
    body: paymentBody({ payer: { name: 'A', id_number: '0123456789' } }),
    status: 400,
    code: 'invalid_request',
    field: 'payer.id_number',
  },
  {
    name: 'payer email invalid',
    body: paymentBody({ payer: { name: 'A', email: 'not-an-email' } }),
    status: 400,
    code: 'invalid_request',
    field: 'payer.email',
  },
  {
    name: 'payer phone invalid',
    body: paymentBody({ payer: { name: 'A', phone: '12345' } }),
    status: 400,
    code: 'invalid_request',
    field: 'payer.phone',
  },
  {
    name: 'language unknown',
    body: paymentBody({ language: 'fr' }),
    status: 400,
    code: 'invalid_request',
    field: 'language',
  },
  {
    name: 'expires_in too short',
    body: paymentBody({ expires_in: 10 }),
    status: 400,
    code: 'invalid_request',
    field: 'expires_in',
  },
  {
    name: 'expires_in too long',
    body: paymentBody({ expires_in: 30 * 86400 }),
    status: 400,
    code: 'invalid_request',
    field: 'expires_in',
  },
  {
    name: 'metadata with 51 keys',
    body: paymentBody({ metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata',
  },
  {
    name: 'metadata key over 40 chars',
    body: paymentBody({ metadata: { ['k'.repeat(41)]: 'v' } }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata',
  },
  {
    name: 'metadata value over 500 chars',
    body: paymentBody({ metadata: { k: 'v'.repeat(501) } }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata.k',
  },
  {
    name: 'metadata value not a string',
    body: paymentBody({ metadata: { k: 1 } }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata.k',
  },
  {
    name: 'unknown top-level field',
    body: paymentBody({ amount_to_pay: 1 }),
    status: 400,
    code: 'invalid_request',
    field: 'amount_to_pay',
  },
  {
    name: 'unknown nested field',
    body: paymentBody({ payer: { name: 'A', role: 'admin' } }),
    status: 400,
    code: 'invalid_request',
    field: 'payer.role',
  },
  { name: 'body is an array', body: [paymentBody()], status: 400, code: 'invalid_request', field: 'body' },
  {
    name: 'body is malformed JSON',
    raw: { type: 'application/json', data: '{"amount": 1,' },
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'body is form-encoded',
    raw: { type: 'application/x-www-form-urlencoded', data: 'amount=1' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'body over 100 kB',
    body: paymentBody({ description: 'x'.repeat(200_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  { name: 'no body at all', status: 400, code: 'invalid_request', field: 'body' },
  {
    name: 'NUL in description',
    body: paymentBody({ description: 'Lệ phí\u0000' }),
    status: 400,
    code: 'invalid_request',
    field: 'description',
  },
  {
    name: 'NUL in a metadata key',
    body: paymentBody({ metadata: { 'ho\u0000so': '1' } }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata.ho\\u0000so',
  },
  {
    name: 'NUL in a metadata value',
    body: paymentBody({ metadata: { ho_so: 'HS\u00001' } }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata.ho_so',
  },
  {
    name: 'lone surrogate in description',
    body: paymentBody({ description: 'Lệ phí \uD800' }),
    status: 400,
    code: 'invalid_request',
    field: 'description',
  },
  {
    name: 'lone surrogate in a metadata key',
    body: paymentBody({ metadata: { '\uDC00x': '1' } }),
    status: 400,
    code: 'invalid_request',
    field: 'metadata.\\udc00x',
  },
  {
    name: 'invalid UTF-8 in description (would be stored as U+FFFD)',
    raw: {
      type: 'application/json',
      data: withBytes(JSON.stringify(paymentBody({ description: 'Lệ phí @@' })), '@@', [0xc3, 0x28]),
    },
    status: 400,
    code: 'invalid_request',
    field: 'description',
  },
];

describe('bad requests to POST /v1/payments get a 4xx problem and change nothing', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$name → $status $code', async (c) => {
    const before = { payments: await count(hub, 'payments'), keys: await count(hub, 'idempotency_keys') };
    let req = request(hub.app)
      .post('/v1/payments')
      .set('Authorization', `Bearer ${hub.keys.a}`)
      .set('Idempotency-Key', `bad-${c.name}`);
    // Raw bytes go out as they are (superagent would JSON-encode a Buffer).
    if (c.raw)
      req = req
        .set('Content-Type', c.raw.type)
        .serialize((data) => data)
        .send(c.raw.data as string);
    else if (c.body !== undefined) req = req.send(c.body as object);
    const res = await req;
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: c.status, code: c.code, type: `/problems/${c.code}` });
    expect(res.body.title).toEqual(expect.any(String));
    if (c.status !== 413) expectContract(res, 'createPayment');
    if (c.field) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(c.field);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+|node_modules/);
    expect({ payments: await count(hub, 'payments'), keys: await count(hub, 'idempotency_keys') }).toEqual(
      before,
    );
  });
});

describe('bad requests elsewhere', () => {
  const cases: [string, string, number, string][] = [
    ['GET', '/v1/payments?limit=0', 400, 'invalid_request'],
    ['GET', '/v1/payments?limit=101', 400, 'invalid_request'],
    ['GET', '/v1/payments?limit=ten', 400, 'invalid_request'],
    ['GET', '/v1/payments?status=paid', 400, 'invalid_request'],
    ['GET', '/v1/payments?created_gte=yesterday', 400, 'invalid_request'],
    ['GET', '/v1/payments?starting_after=xyz', 400, 'invalid_request'],
    ['GET', '/v1/payments?colour=red', 400, 'invalid_request'],
    ['GET', '/v1/payments?reference=HS%00', 400, 'invalid_request'],
    ['GET', '/v1/payments?reference=HS%FF', 400, 'invalid_request'],
    ['GET', '/v1/payments?reference=%ED%A0%80', 400, 'invalid_request'],
    ['GET', '/v1/payments/pay_nope', 404, 'resource_missing'],
    ['GET', `/v1/payments/${'x'.repeat(100)}`, 404, 'resource_missing'],
    ['POST', '/v1/payments/pay_nope/cancel', 404, 'resource_missing'],
    ['GET', '/v1/nothing-here', 404, 'route_not_found'],
    ['DELETE', '/v1/payments', 404, 'route_not_found'],
  ];
  it.each(cases)('%s %s → %i %s', async (method, path, status, code) => {
    const res = await request(hub.app)
      [method.toLowerCase() as 'get'](path)
      .set('Authorization', `Bearer ${hub.keys.a}`);
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe(code);
  });

  it.each([
    ['/v1/payments?reference=HS%00', 'reference', 'must not contain NUL characters'],
    ['/v1/payments?reference=HS%FF', 'reference', 'is not valid UTF-8'],
    ['/v1/events?type=%C3%28', 'type', 'is not valid UTF-8'],
  ])('a query string with bad text names its parameter: %s', async (path, field, message) => {
    const res = await hub.api().get(path);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field, message }]);
  });

  it('a staff sign-in with NUL or invalid UTF-8 is a 400 naming the field, not a 500', async () => {
    const nul = await request(hub.app)
      .post('/admin/v1/sessions')
      .send({ email: 'a\u0000@tinh-a.gov.vn', password: 'x' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ field: 'email', message: 'must not contain NUL characters' }]);
    const bytes = await request(hub.app)
      .post('/admin/v1/sessions')
      .set('Content-Type', 'application/json')
      .serialize((data) => data)
      .send(Buffer.from('{"email":"a@b.vn","password":"\xff"}', 'latin1') as unknown as string);
    expect(bytes.status).toBe(400);
    expect(bytes.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bytes.body.errors).toEqual([{ field: 'password', message: 'is not valid UTF-8' }]);
  });

  it('an Idempotency-Key longer than 255 characters is refused', async () => {
    const res = await hub.api().post('/v1/payments', paymentBody(), 'k'.repeat(256));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('Idempotency-Key');
  });
});
