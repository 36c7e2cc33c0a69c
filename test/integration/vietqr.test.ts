import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVietQr } from '../../adapters/vietqr/payload.ts';
import { isTransferReference } from '../../adapters/vietqr/reference.ts';
import { createStaffUser } from '../../src/admin/staff.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import type { Services } from '../../src/app.ts';
import { processDropFolder } from '../../src/bank/drop-folder.ts';
import { BILLION_LAUGHS, type CamtEntry, camt053, camt054, feedHeaders } from '../fakes/bank/camt.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
} from '../helpers/bank-feed.ts';
import { count, expectContract, PUBLIC_URL, paymentBody, type TestHub, testHub } from '../helpers/hub.ts';
import { decodeQrPng } from '../helpers/qr.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';
import { transferReferenceOn } from '../helpers/transfer.ts';

const ACCOUNT_B = '19036655001011';

let hub: TestHub;
let services: Services;
beforeAll(async () => {
  hub = await testHub();
  services = hub.services;
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await configureVietqrA(services.providers);
  await services.providers.configure('PROV-B', 'vietqr', {
    bank_bin: '970436',
    account_no: ACCOUNT_B,
    account_name: 'TINH B',
    feed_secret: 'feed-secret-of-agency-b-0123456789',
  });
  for (const [email, role, agencyCode] of [
    ['finance@tinh-a.gov.vn', 'finance', 'PROV-A'],
    ['finance@tinh-b.gov.vn', 'finance', 'PROV-B'],
    ['audit@tinh-a.gov.vn', 'auditor', 'PROV-A'],
  ] as const) {
    await createStaffUser(hub.db, { email, role, agencyCode, password: STAFF_PASSWORD });
  }
});
afterAll(() => hub.drop());

const pathOf = (url: string) => {
  const u = new URL(url, PUBLIC_URL);
  return u.pathname + u.search;
};

async function newPayment(key = hub.keys.a, overrides: Record<string, unknown> = {}) {
  const res = await hub.api(key).post('/v1/payments', paymentBody(overrides));
  expect(res.status).toBe(201);
  return { id: res.body.id as string, checkout: pathOf(res.body.checkout_url) };
}

/** The citizen picks VietQR; returns the page and the transfer reference written on it. */
async function chooseVietQr(checkout: string) {
  const chose = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vietqr' });
  expect(chose.status).toBe(303);
  expect(chose.headers.location).toBe(checkout);
  const page = await request(hub.app).get(checkout);
  expect(page.status).toBe(200);
  const reference = transferReferenceOn(page.text);
  expect(reference && isTransferReference(reference)).toBe(true);
  return { page, reference: reference! };
}

async function paymentOf(id: string) {
  return (await hub.api().get(`/v1/payments/${id}`)).body;
}

const eventsOf = async (id: string) =>
  (
    await hub.db.query<{ type: string }>('SELECT type FROM events WHERE object_id = $1 ORDER BY id', [id])
  ).rows.map((r) => r.type);

const creditsOf = async (bankReference: string) =>
  (
    await hub.db.query<{
      status: string;
      payment_id: string | null;
      detail: string | null;
      source: string;
      refund_id: string | null;
    }>(
      'SELECT status, payment_id, detail, source, refund_id FROM bank_credits WHERE bank_reference = $1 ORDER BY received_at',
      [bankReference],
    )
  ).rows;

let refCounter = 0;
const bankRef = () => `FT26${Date.now().toString().slice(-7)}${String(++refCounter).padStart(3, '0')}`;

function feedBody(fields: Partial<Record<string, unknown>> = {}) {
  return JSON.stringify({
    account: ACCOUNT,
    amount: 150000,
    memo: '',
    bank_reference: bankRef(),
    booked_at: new Date().toISOString(),
    ...fields,
  });
}

function sendFeed(body: string, headers: Record<string, string> = feedHeaders(FEED_SECRET, body)) {
  return request(hub.app).post('/bank-feed/vietqr').set(headers).send(body);
}

function upload(xml: string, key = hub.keys.a, type = 'application/xml') {
  return request(hub.app)
    .post('/v1/bank_statements')
    .set('Authorization', `Bearer ${key}`)
    .set('Content-Type', type)
    .send(xml);
}

const decodeQr = (dataUrl: string) =>
  decodeQrPng(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));

describe('choosing VietQR at the checkout', () => {
  it('shows a scannable QR and the transfer details, and keeps showing them while the attempt waits', async () => {
    const { id, checkout } = await newPayment();
    const { page, reference } = await chooseVietQr(checkout);
    expect(page.text).toContain('VietinBank');
    expect(page.text).toContain(ACCOUNT);
    expect(page.text).toContain('SO TU PHAP TINH A');
    expect(page.text).toContain('150.000 ₫');
    expect(page.text).toContain('Nội dung chuyển khoản');
    // Only the hub's own enhancing script, no inline one; the CSP allows nothing else.
    expect([...page.text.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/assets/checkout.js" defer>',
    ]);
    expect(page.headers['content-security-policy']).toContain("script-src 'self';");
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data:");
    // Another method can still be chosen, but not VietQR again.
    expect(page.text).toContain('value="sandbox"');
    expect(page.text).not.toContain('value="vietqr"');

    const src = /<img src="(data:image\/png;base64,[^"]+)"/.exec(page.text)![1]!;
    const qr = parseVietQr(decodeQr(src));
    expect(qr).toMatchObject({
      bin: '970415',
      accountNo: ACCOUNT,
      amount: '150000',
      purpose: reference,
      dynamic: true,
    });

    const payment = await paymentOf(id);
    expect(payment.status).toBe('processing');
    expect(payment.attempts).toHaveLength(1);
    expect(payment.attempts[0]).toMatchObject({ provider: 'vietqr', status: 'processing' });

    const en = await request(hub.app).get(`${checkout}?lang=en`);
    expect(en.text).toContain('Transfer reference (memo)');
    expect(en.text).toContain(reference);
  });
});

describe('the bank feed', () => {
  it('a signed credit whose memo carries the reference (as banking apps mangle it) pays the payment once', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    const mangled = `MBVCB.123456.${reference.slice(0, 6).toLowerCase()}-${reference.slice(6)}.CT tu 0123456789`;
    const body = feedBody({ memo: mangled });
    const res = await sendFeed(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, status: 'matched', already_recorded: false });
    expectContract(res, 'receiveBankFeed');
    const payment = await paymentOf(id);
    expect(payment.status).toBe('succeeded');
    expect(payment.attempts[0].provider_transaction_id).toBe(JSON.parse(body).bank_reference);
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
    const page = await request(hub.app).get(checkout);
    expect(page.text).toContain('Thanh toán thành công');

    // The same call again (a retry, or a replay within the window): answered, nothing changes.
    const again = await sendFeed(body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      already_recorded: true,
      status: 'matched',
      credit_id: res.body.credit_id,
    });
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('unsigned, wrongly signed, stale or foreign calls change nothing', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    const body = feedBody({ memo: reference });
    const before = await count(hub, 'bank_credits');

    const unsigned = await request(hub.app)
      .post('/bank-feed/vietqr')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unsigned.body.code).toBe('invalid_signature');

    const wrongSecret = await sendFeed(body, feedHeaders('not-the-secret', body));
    expect(wrongSecret.status).toBe(401);

    const tampered = await sendFeed(body.replace('150000', '15000'), feedHeaders(FEED_SECRET, body));
    expect(tampered.status).toBe(401);

    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const stale = await sendFeed(body, feedHeaders(FEED_SECRET, body, old));
    expect(stale.status).toBe(401);
    expect(stale.body.code).toBe('stale_timestamp');

    // Agency B's secret cannot credit agency A's account.
    const foreign = await sendFeed(body, feedHeaders('feed-secret-of-agency-b-0123456789', body));
    expect(foreign.status).toBe(401);

    expect(await count(hub, 'bank_credits')).toBe(before);
    expect((await paymentOf(id)).status).toBe('processing');
  });

  it('a signed but malformed body is a 400 and changes nothing', async () => {
    const before = await count(hub, 'bank_credits');
    const body = feedBody({ amount: '150.000' });
    const res = await sendFeed(body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_request');
    expect(await count(hub, 'bank_credits')).toBe(before);
  });
});

describe('credits that do not pay a payment are kept for finance', () => {
  it('unmatched: no reference, or a reference of no payment', async () => {
    const ref = bankRef();
    const res = await sendFeed(feedBody({ memo: 'chuyen tien hoc phi', bank_reference: ref }));
    expect(res.body.status).toBe('unmatched');
    expect((await creditsOf(ref))[0]).toMatchObject({ status: 'unmatched', payment_id: null });
    const ref2 = bankRef();
    const res2 = await sendFeed(feedBody({ memo: 'PH0000000000 0', bank_reference: ref2 }));
    expect(res2.body.status).toBe('unmatched');
  });

  it('partial and over-payments: amount_mismatch, the payment keeps waiting', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    const partial = bankRef();
    expect(
      (await sendFeed(feedBody({ memo: reference, amount: 100000, bank_reference: partial }))).body.status,
    ).toBe('amount_mismatch');
    const over = bankRef();
    expect(
      (await sendFeed(feedBody({ memo: reference, amount: 200000, bank_reference: over }))).body.status,
    ).toBe('amount_mismatch');
    expect((await creditsOf(partial))[0]!.detail).toContain('Partial payment');
    expect((await creditsOf(over))[0]!.detail).toContain('Over-payment');
    expect((await creditsOf(over))[0]!.payment_id).toBe(id);
    expect((await paymentOf(id)).status).toBe('processing');
    // Then the right amount arrives: it pays.
    expect((await sendFeed(feedBody({ memo: reference }))).body.status).toBe('matched');
    expect((await paymentOf(id)).status).toBe('succeeded');
  });

  it('duplicate: a second transfer for a paid payment is a double payment, not a second success', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    expect((await sendFeed(feedBody({ memo: reference }))).body.status).toBe('matched');
    const second = bankRef();
    expect((await sendFeed(feedBody({ memo: reference, bank_reference: second }))).body.status).toBe(
      'duplicate',
    );
    const payment = await paymentOf(id);
    expect(payment.status).toBe('succeeded');
    // Recorded as a double payment (its refund, the event), never as a second success.
    expect(await eventsOf(id)).toEqual(['payment.succeeded', 'payment.double_paid']);
    const credit = (await creditsOf(second))[0]!;
    expect(credit).toMatchObject({ status: 'duplicate', payment_id: id });
    const refunds = (await hub.api().get(`/v1/payments/${id}/refunds`)).body.data;
    expect(refunds).toEqual([expect.objectContaining({ id: credit.refund_id, amount: payment.amount })]);
  });

  it('duplicate: paid by another method first, the transfer is recorded as a double payment on its attempt', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    // The citizen also pays with the sandbox (test helper settles the payment without a browser).
    const sandbox = await request(hub.app)
      .post(`${checkout}/attempts`)
      .type('form')
      .send({ method: 'sandbox' });
    expect(sandbox.status).toBe(303);
    const attemptId = new URL(sandbox.headers.location!).searchParams.get('attempt_id')!;
    const sandboxAttempt = (await paymentOf(id)).attempts.find((a: { id: string }) => a.id === attemptId);
    expect(sandboxAttempt.provider).toBe('sandbox');
    const done = await hub.api().post(`/v1/test_helpers/payments/${id}/complete`, { outcome: 'succeeded' });
    expect(done.status).toBeLessThan(300);
    expect((await paymentOf(id)).status).toBe('succeeded');

    const ref = bankRef();
    expect((await sendFeed(feedBody({ memo: reference, bank_reference: ref }))).body.status).toBe(
      'duplicate',
    );
    const payment = await paymentOf(id);
    const vietqr = payment.attempts.find((a: { provider: string }) => a.provider === 'vietqr');
    expect(vietqr).toMatchObject({ status: 'succeeded', double_paid: true });
    expect(await eventsOf(id)).toContain('payment.double_paid');
  });

  it('late: booked after the payment expired, it does not pay it', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '1 hour' WHERE id = $1`, [id]);
    const ref = bankRef();
    expect((await sendFeed(feedBody({ memo: reference, bank_reference: ref }))).body.status).toBe('late');
    expect((await creditsOf(ref))[0]).toMatchObject({ status: 'late', payment_id: id });
    expect((await paymentOf(id)).status).toBe('processing');
    // The sweep gives the transfer up, so the payment can expire.
    await hub.db.query(`UPDATE payments SET expires_at = now() - interval '1 day' WHERE id = $1`, [id]);
    expect(await services.bank.abandonUnpaid()).toBeGreaterThanOrEqual(1);
    expect((await paymentOf(id)).status).toBe('created');
    await services.attempts.expireDue();
    expect((await paymentOf(id)).status).toBe('expired');
    // A transfer the bank booked later still lands as late, never as a success.
    const later = bankRef();
    expect((await sendFeed(feedBody({ memo: reference, bank_reference: later }))).body.status).toBe('late');
    expect((await paymentOf(id)).status).toBe('expired');
  });
});

describe('ISO 20022 statements', () => {
  it('a camt.054 upload pays the payment; the camt.053 that repeats it at end of day records nothing new', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    const ref = bankRef();
    const entries: CamtEntry[] = [
      { amount: '150000', memo: `Thanh toan le phi ${reference.toLowerCase()}`, bankReference: ref },
      { amount: '99000', memo: 'khong lien quan', bankReference: bankRef() },
      { amount: '5000', side: 'DBIT', memo: 'phi dich vu', bankReference: bankRef() },
      { amount: '70000', status: 'PDNG', memo: reference, bankReference: bankRef() },
    ];
    const res = await upload(camt054(ACCOUNT, entries));
    expect(res.status).toBe(201);
    expectContract(res, 'uploadBankStatement');
    expect(res.body).toMatchObject({
      kind: 'camt.054',
      account_no: ACCOUNT,
      credits: 2,
      new_credits: 2,
      credit_statuses: { matched: 1, unmatched: 1 },
    });
    expect((await paymentOf(id)).status).toBe('succeeded');
    expect((await creditsOf(ref))[0]).toMatchObject({ status: 'matched', source: 'camt.054' });
    // The upload's audit record was written with the statement.
    const audited = await hub.db.query(
      'SELECT action, object_type, object_id FROM audit_log WHERE request_id = $1',
      [res.headers['request-id']],
    );
    expect(audited.rows).toEqual([
      { action: 'POST /v1/bank_statements', object_type: 'bank_statement', object_id: res.body.id },
    ]);

    const eod = await upload(camt053(ACCOUNT, entries.slice(0, 1)));
    expect(eod.status).toBe(201);
    expect(eod.body).toMatchObject({ kind: 'camt.053', credits: 1, new_credits: 0 });
    expect(await creditsOf(ref)).toHaveLength(1);
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
  });

  it('a test key upload cannot pay a live payment', async () => {
    const { id, checkout } = await newPayment(hub.keys.aLive, {
      return_url: 'https://portal-a.example.vn/x',
    });
    const { reference } = await chooseVietQr(checkout);
    const ref = bankRef();
    const res = await upload(camt054(ACCOUNT, [{ amount: '150000', memo: reference, bankReference: ref }]));
    expect(res.status).toBe(201);
    expect(res.body.credit_statuses).toMatchObject({ unmatched: 1, matched: 0 });
    // Read with the live key that owns it (a test key would only get a 404).
    const live = await hub.api(hub.keys.aLive).get(`/v1/payments/${id}`);
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('processing');
    expect(await eventsOf(id)).toEqual([]);
    expect(await creditsOf(ref)).toEqual([
      expect.objectContaining({ status: 'unmatched', payment_id: null }),
    ]);
  });

  it("a live key's upload is refused: a portal cannot hand the hub the bank's word", async () => {
    const { id, checkout } = await newPayment(hub.keys.aLive, {
      return_url: 'https://portal-a.example.vn/x',
    });
    const { reference } = await chooseVietQr(checkout);
    const before = [await count(hub, 'bank_statements'), await count(hub, 'bank_credits')];
    const res = await upload(
      camt054(ACCOUNT, [{ amount: '150000', memo: reference, bankReference: bankRef() }]),
      hub.keys.aLive,
    );
    expect(res.status).toBe(403);
    expectContract(res, 'uploadBankStatement');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('test_mode_only');
    expect([await count(hub, 'bank_statements'), await count(hub, 'bank_credits')]).toEqual(before);
    const live = await hub.api(hub.keys.aLive).get(`/v1/payments/${id}`);
    expect(live.body.status).toBe('processing');
    expect(await eventsOf(id)).toEqual([]);
  });

  const rejects: [string, () => string, RegExp][] = [
    ['billion laughs (DOCTYPE with entities)', () => BILLION_LAUGHS, /DOCTYPE/],
    [
      'a wrong namespace',
      () =>
        camt054(ACCOUNT, [{ amount: '150000', memo: 'x' }], {
          namespace: 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09',
        }),
      /namespace/,
    ],
    [
      'an entry without an amount',
      () => camt054(ACCOUNT, [{ amount: '150000', noAmount: true }]),
      /entry 1: no amount/,
    ],
    ['a currency other than VND', () => camt054(ACCOUNT, [{ amount: '150', currency: 'USD' }]), /USD/],
    ['a fraction of a đồng', () => camt054(ACCOUNT, [{ amount: '150000.50' }]), /fraction/],
    ['truncated XML', () => camt054(ACCOUNT, [{ amount: '150000' }]).slice(0, 400), /XML/],
  ];
  it.each(rejects)('rejects %s with a clear problem and writes nothing', async (_name, xml, detail) => {
    const before = [await count(hub, 'bank_statements'), await count(hub, 'bank_credits')];
    const res = await upload(xml());
    expect(res.status).toBe(422);
    expectContract(res, 'uploadBankStatement');
    expect(res.body.code).toBe('invalid_statement');
    expect(res.body.detail).toMatch(detail);
    expect([await count(hub, 'bank_statements'), await count(hub, 'bank_credits')]).toEqual(before);
  });

  it('is all or nothing: a bad entry after a good one leaves the good one unwritten', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    const before = await count(hub, 'bank_credits');
    const res = await upload(
      camt054(ACCOUNT, [
        { amount: '150000', memo: reference, bankReference: bankRef() },
        { amount: '1', currency: 'EUR', bankReference: bankRef() },
      ]),
    );
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/entry 2/);
    expect(await count(hub, 'bank_credits')).toBe(before);
    expect((await paymentOf(id)).status).toBe('processing');
  });

  it("refuses another account's statement, a non-XML body, and an agency without VietQR", async () => {
    const foreign = await upload(camt054(ACCOUNT_B, [{ amount: '150000', bankReference: bankRef() }]));
    expect(foreign.status).toBe(422);
    expect(foreign.body.code).toBe('statement_account_unknown');
    const json = await upload('{"not":"xml"}', hub.keys.a, 'application/json');
    expect(json.status).toBe(415);
    expectContract(json, 'uploadBankStatement');
    const unauthenticated = await request(hub.app)
      .post('/v1/bank_statements')
      .set('Content-Type', 'application/xml')
      .send(camt054(ACCOUNT, []));
    expect(unauthenticated.status).toBe(401);
  });
});

describe("statements uploaded by finance staff (the bank's word)", () => {
  const staffUpload = async (email: string, xml: string, csrf?: boolean) => {
    const session = await staffSession(hub.app, email);
    expect(session.res.status).toBe(201);
    const req = session.agent
      .post('/admin/v1/bank_statements?file_name=ntf.xml')
      .set('Content-Type', 'application/xml');
    if (csrf !== false) req.set('X-CSRF-Token', session.csrf);
    return req.send(xml);
  };

  it("finance of the account's agency uploads a camt.054: the live payment is paid, the upload audited", async () => {
    const { id, checkout } = await newPayment(hub.keys.aLive, {
      return_url: 'https://portal-a.example.vn/x',
    });
    const { reference } = await chooseVietQr(checkout);
    const ref = bankRef();
    const res = await staffUpload(
      'finance@tinh-a.gov.vn',
      camt054(ACCOUNT, [{ amount: '150000', memo: `CT ${reference}`, bankReference: ref }]),
    );
    expect(res.status).toBe(201);
    expectContract(res, 'uploadStaffBankStatement');
    expect(res.body).toMatchObject({ kind: 'camt.054', source: 'upload', file_name: 'ntf.xml', credits: 1 });
    expect(res.body.credit_statuses).toMatchObject({ matched: 1 });
    expect((await hub.api(hub.keys.aLive).get(`/v1/payments/${id}`)).body.status).toBe('succeeded');
    expect(await eventsOf(id)).toEqual(['payment.succeeded']);
    const audited = await hub.db.query(
      `SELECT a.actor_type, a.action, a.object_id, g.code AS agency FROM audit_log a
       JOIN staff_users u ON u.id = a.actor_id JOIN agencies g ON g.id = a.agency_id
       WHERE a.object_id = $1 AND u.email = 'finance@tinh-a.gov.vn'`,
      [res.body.id],
    );
    expect(audited.rows).toEqual([
      { actor_type: 'staff', action: 'bank_statements.upload', object_id: res.body.id, agency: 'PROV-A' },
    ]);
  });

  it("refuses another agency's account (404), an auditor (403) and a missing CSRF token (403), storing nothing", async () => {
    const { id, checkout } = await newPayment(hub.keys.aLive, {
      return_url: 'https://portal-a.example.vn/x',
    });
    const { reference } = await chooseVietQr(checkout);
    const xml = () => camt054(ACCOUNT, [{ amount: '150000', memo: reference, bankReference: bankRef() }]);
    const before = [await count(hub, 'bank_statements'), await count(hub, 'bank_credits')];

    const foreign = await staffUpload('finance@tinh-b.gov.vn', xml());
    expect(foreign.status).toBe(404);
    expectContract(foreign, 'uploadStaffBankStatement');
    expect(foreign.body.code).toBe('statement_account_unknown');
    const auditor = await staffUpload('audit@tinh-a.gov.vn', xml());
    expect(auditor.status).toBe(403);
    expect(auditor.body.code).toBe('forbidden');
    const noCsrf = await staffUpload('finance@tinh-a.gov.vn', xml(), false);
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.code).toBe('csrf_failed');
    const anonymous = await request(hub.app)
      .post('/admin/v1/bank_statements')
      .set('Content-Type', 'application/xml')
      .send(xml());
    expect(anonymous.status).toBe(401);

    expect([await count(hub, 'bank_statements'), await count(hub, 'bank_credits')]).toEqual(before);
    expect((await hub.api(hub.keys.aLive).get(`/v1/payments/${id}`)).body.status).toBe('processing');
  });
});

describe('the drop folder', () => {
  it('takes statements in, moving each to processed/ or rejected/ with the reason', async () => {
    const { id, checkout } = await newPayment();
    const { reference } = await chooseVietQr(checkout);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payhub-drop-'));
    fs.writeFileSync(
      path.join(dir, '20260101-eod.xml'),
      camt053(ACCOUNT, [{ amount: '150000', memo: `IBFT ${reference}`, bankReference: bankRef() }]),
    );
    fs.writeFileSync(path.join(dir, 'evil.xml'), BILLION_LAUGHS);
    fs.writeFileSync(path.join(dir, 'unknown-account.xml'), camt053('999999999', [{ amount: '1000' }]));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a statement');

    const result = await processDropFolder(dir, services.bank);
    expect(result.processed).toEqual(['20260101-eod.xml']);
    expect(result.rejected.map((r) => r.file).sort()).toEqual(['evil.xml', 'unknown-account.xml']);
    expect(fs.readdirSync(path.join(dir, 'processed'))).toEqual(['20260101-eod.xml']);
    expect(fs.readdirSync(path.join(dir, 'rejected')).sort()).toEqual([
      'evil.xml',
      'evil.xml.error.txt',
      'unknown-account.xml',
      'unknown-account.xml.error.txt',
    ]);
    expect(fs.readFileSync(path.join(dir, 'rejected', 'evil.xml.error.txt'), 'utf8')).toMatch(/DOCTYPE/);
    expect(fs.readdirSync(dir).sort()).toEqual(['notes.txt', 'processed', 'processing', 'rejected']);
    expect((await paymentOf(id)).status).toBe('succeeded');
    const statement = (
      await hub.db.query<{ source: string; file_name: string }>(
        `SELECT source, file_name FROM bank_statements WHERE file_name = '20260101-eod.xml'`,
      )
    ).rows[0];
    expect(statement).toEqual({ source: 'drop_folder', file_name: '20260101-eod.xml' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
