/**
 * Payment links through /admin/v1/payment_links and the citizen's /l/:token: a link's payment is
 * an ordinary payment (metadata.payment_link) made through the payments service; every bad input
 * is refused with a clear page or problem and writes nothing.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import { ITEM, linkStaff, pathOf, RANGED_ITEM, signedIn } from '../helpers/links.ts';
import { decodeQrPng } from '../helpers/qr.ts';

let hub: TestHub;
let fixedItem: string;
let rangedItem: string;
let foreignItem: string;

beforeAll(async () => {
  hub = await testHub();
  await linkStaff(hub);
  const admin = await signedIn(hub, 'admin@tinh-a.gov.vn');
  fixedItem = (await admin.post('/admin/v1/catalog_items', ITEM)).body.id;
  rangedItem = (await admin.post('/admin/v1/catalog_items', RANGED_ITEM)).body.id;
  const adminB = await signedIn(hub, 'admin@tinh-b.gov.vn');
  foreignItem = (await adminB.post('/admin/v1/catalog_items', ITEM)).body.id;
});
afterAll(() => hub.drop());

async function newLink(body: object) {
  const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
  const res = await finance.post('/admin/v1/payment_links', { mode: 'test', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, path: pathOf(res.body.url), body: res.body };
}

const linkPayments = async (linkId: string) =>
  (
    await hub.db.query<{ id: string; status: string; reference: string; amount: string }>(
      `SELECT id, status, reference, amount FROM payments WHERE metadata->>'payment_link' = $1 ORDER BY id`,
      [linkId],
    )
  ).rows;

async function complete(paymentId: string) {
  const paid = await hub
    .api()
    .post(`/v1/test_helpers/payments/${paymentId}/complete`, { outcome: 'succeeded' });
  expect(paid.body.status).toBe('succeeded');
}

describe('making links', () => {
  it('a single-use link answers its URL and a QR code of it; the creation is audited', async () => {
    const { id, body } = await newLink({
      catalog_item: fixedItem,
      reference: 'HS-0001',
      payer: { name: 'Nguyễn Văn An', phone: '0912345678' },
    });
    expectContract({ status: 201, body, headers: {} } as never, 'createPaymentLink');
    expect(body).toMatchObject({ reusable: false, amount: 200000, status: 'active', mode: 'test' });
    expect(body.url).toMatch(/^http:\/\/hub\.test\/l\/[A-Za-z0-9_-]{44}$/);
    expect(decodeQrPng(Buffer.from(body.qr_png, 'base64'))).toBe(body.url);
    const { rows } = await hub.db.query<{ action: string }>(
      'SELECT action FROM audit_log WHERE object_id = $1',
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual(['payment_links.create']);
  });

  it('refuses bad links by field, another agency’s item as missing, and auditors', async () => {
    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    const before = await count(hub, 'payment_links');
    const bad: [object, string[]][] = [
      [{ catalog_item: fixedItem }, ['payer.name', 'reference']],
      [{ catalog_item: rangedItem, reference: 'HS-X1', payer: { name: 'A' } }, ['amount']],
      [{ catalog_item: rangedItem, reference: 'HS-X2', payer: { name: 'A' }, amount: 600000 }, ['amount']],
      [{ catalog_item: fixedItem, reference: 'HS-X3', payer: { name: 'A' }, amount: 1000 }, ['amount']],
      [{ catalog_item: fixedItem, reusable: true, reference: 'HS-X4' }, ['reference']],
      [{ catalog_item: fixedItem, reusable: true, expires_at: '2001-01-01T00:00:00Z' }, ['expires_at']],
    ];
    for (const [body, fields] of bad) {
      const res = await finance.post('/admin/v1/payment_links', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields);
    }
    const foreign = await finance.post('/admin/v1/payment_links', {
      catalog_item: foreignItem,
      reusable: true,
    });
    expect(foreign.status).toBe(404);
    const auditor = await signedIn(hub, 'kiemtoan@tinh-a.gov.vn');
    expect(
      (await auditor.post('/admin/v1/payment_links', { catalog_item: fixedItem, reusable: true })).status,
    ).toBe(403);
    expect(await count(hub, 'payment_links')).toBe(before);
  });

  it('lists by cursor within the scope; deactivation is audited and another agency’s link is a 404', async () => {
    const { id } = await newLink({ catalog_item: fixedItem, reusable: true });
    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    const first = await finance.get('/admin/v1/payment_links?limit=1');
    expectContract(first, 'listPaymentLinks');
    expect(first.body).toMatchObject({ has_more: true });
    expect(first.body.data[0].id).toBe(id);
    const next = await finance.get(`/admin/v1/payment_links?limit=1&starting_after=${id}`);
    expect(next.body.data[0].id < id).toBe(true);
    const adminB = await signedIn(hub, 'admin@tinh-b.gov.vn');
    expect((await adminB.get('/admin/v1/payment_links')).body.data).toEqual([]);
    expect((await adminB.post(`/admin/v1/payment_links/${id}/deactivate`)).status).toBe(404);
    const off = await finance.post(`/admin/v1/payment_links/${id}/deactivate`);
    expect(off.status).toBe(200);
    expectContract(off, 'deactivatePaymentLink');
    expect(off.body.status).toBe('deactivated');
    const { rows } = await hub.db.query<{ action: string }>(
      'SELECT action FROM audit_log WHERE object_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual(['payment_links.create', 'payment_links.deactivate']);
  });
});

describe('a citizen opening a link', () => {
  it('a reusable link asks for the dossier reference and name, then 303s to an ordinary payment’s checkout', async () => {
    const { id, path } = await newLink({ catalog_item: fixedItem, reusable: true });
    const page = await request(hub.app).get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html lang="vi"');
    expect(page.text).toContain('Cấp Phiếu lý lịch tư pháp');
    expect(page.text).toContain('name="reference"');
    expect(page.text).toContain('name="name"');
    expect(page.text).not.toContain('name="amount"');
    const sent = await request(hub.app)
      .post(path)
      .type('form')
      .send({ reference: 'HS-2026-77', name: 'Trần Thị Bình' });
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toMatch(/^http:\/\/hub\.test\/checkout\/[A-Za-z0-9_-]{43}$/);
    const [payment] = await linkPayments(id);
    const api = (await hub.api().get(`/v1/payments/${payment!.id}`)).body;
    expect(api).toMatchObject({
      status: 'created',
      amount: 200000,
      reference: 'HS-2026-77',
      payer: { name: 'Trần Thị Bình' },
      obligation: { type: 'charge', catalog_code: '1.002309' },
      budget: ITEM.budget,
      metadata: { payment_link: id },
    });
    expect(api.checkout_url).toBe(sent.headers.location);
    // The same dossier again on the same link goes back to its open payment, not a second one.
    const again = await request(hub.app).post(path).type('form').send({ reference: 'HS-2026-77', name: 'T' });
    expect(again.headers.location).toBe(sent.headers.location);
    await complete(payment!.id);
    const paidAgain = await request(hub.app)
      .post(path)
      .type('form')
      .send({ reference: 'HS-2026-77', name: 'T' });
    expect(paidAgain.status).toBe(409);
    expect(paidAgain.text).toContain('Hồ sơ này đã được thanh toán');
    expect(await linkPayments(id)).toHaveLength(1);
    const { rows } = await hub.db.query<{ actor_type: string; action: string }>(
      "SELECT actor_type, action FROM audit_log WHERE object_id = $1 AND action = 'POST /v1/payments'",
      [payment!.id],
    );
    expect(rows[0]).toMatchObject({ actor_type: 'system', action: 'POST /v1/payments' });
  });

  it('a paid single-use link says so, in English on request', async () => {
    const { id, path } = await newLink({
      catalog_item: fixedItem,
      reference: 'HS-0100',
      payer: { name: 'Lê Văn Cường' },
    });
    const sent = await request(hub.app).post(`${path}?lang=en`).type('form').send({});
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toMatch(/\?lang=en$/);
    await complete((await linkPayments(id))[0]!.id);
    const page = await request(hub.app).get(`${path}?lang=en`);
    expect(page.status).toBe(409);
    expect(page.text).toContain('<html lang="en"');
    expect(page.text).toContain('This dossier has already been paid.');
  });

  it('refuses an amount outside the item’s range, naming the field in the page’s language, and writes nothing', async () => {
    const { id, path } = await newLink({ catalog_item: rangedItem, reusable: true });
    const page = await request(hub.app).get(path);
    expect(page.text).toContain('name="amount"');
    const before = await count(hub, 'payments');
    const low = await request(hub.app)
      .post(path)
      .type('form')
      .send({ reference: 'HS-R1', name: 'An', amount: '10000' });
    expect(low.status).toBe(200);
    expect(low.text).toContain('Số tiền nằm ngoài khoảng cho phép');
    expect(low.text).toContain('href="#amount"');
    expect(low.text).toContain('value="HS-R1"');
    const en = await request(hub.app)
      .post(`${path}?lang=en`)
      .type('form')
      .send({ reference: '', name: 'An', amount: 'abc' });
    expect(en.text).toContain('Enter the dossier reference.');
    expect(en.text).toContain('The amount must be a whole number of đồng.');
    expect(await count(hub, 'payments')).toBe(before);
    const ok = await request(hub.app)
      .post(path)
      .type('form')
      .send({ reference: 'HS-R2', name: 'An', amount: '120.000' });
    expect(ok.status).toBe(303);
    expect((await linkPayments(id))[0]!.amount).toBe('120000');
  });

  it('refuses a tampered token, an expired and a deactivated link, with nothing written', async () => {
    const { id, path } = await newLink({ catalog_item: fixedItem, reusable: true });
    const before = await count(hub, 'payments');
    const last = path.at(-1) === 'A' ? 'B' : 'A';
    const tampered = `${path.slice(0, -1)}${last}`;
    const t = await request(hub.app).post(tampered).type('form').send({ reference: 'HS-T', name: 'An' });
    expect(t.status).toBe(404);
    expect(t.text).toContain('Đường dẫn thanh toán không hợp lệ');
    expect((await request(hub.app).get('/l/short')).status).toBe(404);

    await hub.db.query(`UPDATE payment_links SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      id,
    ]);
    const expired = await request(hub.app).post(path).type('form').send({ reference: 'HS-E', name: 'An' });
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('đã hết hạn');
    await hub.db.query('UPDATE payment_links SET expires_at = NULL WHERE id = $1', [id]);

    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    await finance.post(`/admin/v1/payment_links/${id}/deactivate`);
    const off = await request(hub.app).get(`${path}?lang=en`);
    expect(off.status).toBe(410);
    expect(off.text).toContain('The agency has deactivated this payment link.');
    expect(
      (await request(hub.app).post(path).type('form').send({ reference: 'HS-D', name: 'An' })).status,
    ).toBe(410);
    expect(await count(hub, 'payments')).toBe(before);
  });

  it('refuses a reference another payment of the agency already holds', async () => {
    const held = await hub.api().post('/v1/payments', {
      amount: 200000,
      reference: 'HS-PORTAL-1',
      description: 'Portal payment',
      return_url: 'https://portal-a.example.vn/x',
      obligation: { type: 'charge' },
    });
    expect(held.status).toBe(201);
    const { id, path } = await newLink({ catalog_item: fixedItem, reusable: true });
    const res = await request(hub.app).post(path).type('form').send({ reference: 'HS-PORTAL-1', name: 'An' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('đang có một khoản thanh toán khác');
    expect(await linkPayments(id)).toHaveLength(0);
  });

  it('the agency page lists its active items, searchable, with the public link of each', async () => {
    const { path } = await newLink({ catalog_item: rangedItem, reusable: true });
    const page = await request(hub.app).get('/pay/PROV-A');
    expect(page.status).toBe(200);
    expect(page.text).toContain('1.002309');
    expect(page.text).toContain('2.000488');
    expect(page.text).toContain(`href="${path}"`);
    const found = await request(hub.app).get('/pay/PROV-A?q=th%E1%BA%A9m%20%C4%91%E1%BB%8Bnh&lang=en');
    expect(found.text).toContain('Dossier appraisal fee');
    expect(found.text).not.toContain('Criminal record certificate');
    expect((await request(hub.app).get('/pay/NO-SUCH')).status).toBe(404);
  });
});
