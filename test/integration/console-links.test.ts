/**
 * /console/links and its catalogue pages, for each role and a foreign agency: the forms go
 * through the same services as /admin/v1 (same checks, same audit actions), errors sit next to
 * their fields in the page's language, and another agency's link is a 404.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_STAFF, consoleSession, createConsoleStaff } from '../helpers/console.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  await createConsoleStaff(hub.db);
});
afterAll(() => hub.drop());

const ITEM_FORM = {
  agency: 'PROV-A',
  code: '1.002309',
  name_vi: 'Cấp Phiếu lý lịch tư pháp',
  name_en: 'Criminal record certificate',
  obligation_type: 'charge',
  amount: '200.000',
  treasury_code: '0011',
  treasury_account: '7111',
  chapter_code: '418',
  economic_code: '2652',
  active: 'true',
};

async function itemId(code: string) {
  const { rows } = await hub.db.query<{ id: string }>('SELECT id FROM catalog_items WHERE code = $1', [code]);
  return rows[0]!.id;
}

describe('catalogue pages', () => {
  it('an admin adds an item through the form; a bad form keeps what was typed and names each field', async () => {
    const admin = await consoleSession(hub.app, CONSOLE_STAFF.admin);
    const form = await admin.agent.get('/console/links/catalog/new');
    expect(form.status).toBe(200);
    const bad = await admin.post('/console/links/catalog', {
      ...ITEM_FORM,
      chapter_code: '41',
      amount_min: '5',
    });
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('href="#f-chapter_code"');
    expect(bad.text).toContain('Chương gồm 3 chữ số.');
    expect(bad.text).toContain('Nhập số tiền cố định hoặc khoảng số tiền, không nhập cả hai.');
    expect(bad.text).toContain('value="Cấp Phiếu lý lịch tư pháp"');
    expect(await count(hub, 'catalog_items')).toBe(0);
    const ok = await admin.post('/console/links/catalog', ITEM_FORM);
    expect(ok.status).toBe(303);
    const list = await admin.agent.get('/console/links/catalog');
    expect(list.text).toContain('1.002309');
    expect(list.text).toContain('200.000 ₫');
    const { rows } = await hub.db.query<{ action: string; actor_id: string }>(
      `SELECT action FROM audit_log WHERE object_id = $1`,
      [await itemId('1.002309')],
    );
    expect(rows.map((r) => r.action)).toEqual(['catalog_items.create']);
  });

  it('finance and auditors read the catalogue but may not change it; the foreign agency sees none of it', async () => {
    const finance = await consoleSession(hub.app, CONSOLE_STAFF.finance);
    expect((await finance.agent.get('/console/links/catalog')).text).toContain('1.002309');
    expect((await finance.agent.get('/console/links/catalog/new')).status).toBe(403);
    expect((await finance.post('/console/links/catalog', { ...ITEM_FORM, code: '1.000001' })).status).toBe(
      403,
    );
    const auditor = await consoleSession(hub.app, CONSOLE_STAFF.auditor);
    expect((await auditor.post('/console/links/catalog', { ...ITEM_FORM, code: '1.000002' })).status).toBe(
      403,
    );
    const foreign = await consoleSession(hub.app, CONSOLE_STAFF.foreign);
    expect((await foreign.agent.get('/console/links/catalog')).text).not.toContain('1.002309');
    expect(await count(hub, 'catalog_items')).toBe(1);
  });
});

describe('link pages', () => {
  it('finance makes a reusable test link; its page shows the URL, the QR code and the TEST MODE banner', async () => {
    const finance = await consoleSession(hub.app, CONSOLE_STAFF.finance);
    const form = await finance.agent.get('/console/links/new?mode=test');
    expect(form.status).toBe(200);
    expect(form.text).toContain('CHẾ ĐỘ THỬ NGHIỆM');
    const made = await finance.post('/console/links', {
      catalog_item: await itemId('1.002309'),
      kind: 'reusable',
      mode: 'test',
    });
    expect(made.status).toBe(303);
    const page = await finance.agent.get(made.headers.location!);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/http:\/\/hub\.test\/l\/[A-Za-z0-9_-]{44}/);
    expect(page.text).toContain('src="data:image/png;base64,');
    expect(page.text).toContain('CHẾ ĐỘ THỬ NGHIỆM');
    const list = await finance.agent.get('/console/links?mode=test');
    expect(list.text).toContain(made.headers.location!.split('/').at(-1));
    expect((await finance.agent.get('/console/links')).text).not.toContain(
      made.headers.location!.split('/').at(-1),
    );
  });

  it('a bad single-use link is refused next to its fields, in English on request, and nothing is made', async () => {
    const finance = await consoleSession(hub.app, CONSOLE_STAFF.finance);
    await finance.agent.get('/console/links?lang=en');
    const before = await count(hub, 'payment_links');
    const bad = await finance.post('/console/links', {
      catalog_item: await itemId('1.002309'),
      kind: 'single',
      reference: '',
      payer_name: '',
      contact: 'nobody',
      amount: '1000',
    });
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('<html lang="en"');
    expect(bad.text).toContain('Enter the dossier reference.');
    expect(bad.text).toContain("The amount must be the item's fixed amount.");
    expect(bad.text).toContain('Not a Vietnamese phone number (0 or +84 and 9–10 digits).');
    expect(await count(hub, 'payment_links')).toBe(before);
  });

  it('the auditor reads links but cannot make or stop one; the foreign agency gets a 404; deactivation is audited', async () => {
    const { rows } = await hub.db.query<{ id: string }>('SELECT id FROM payment_links LIMIT 1');
    const id = rows[0]!.id;
    const auditor = await consoleSession(hub.app, CONSOLE_STAFF.auditor);
    expect((await auditor.agent.get(`/console/links/${id}`)).status).toBe(200);
    expect((await auditor.agent.get('/console/links/new')).status).toBe(403);
    expect((await auditor.post(`/console/links/${id}/deactivate`)).status).toBe(403);
    const foreign = await consoleSession(hub.app, CONSOLE_STAFF.foreign);
    expect((await foreign.agent.get(`/console/links/${id}`)).status).toBe(404);
    expect((await foreign.post(`/console/links/${id}/deactivate`)).status).toBe(404);
    const finance = await consoleSession(hub.app, CONSOLE_STAFF.finance);
    const noCsrf = await finance.agent.post(`/console/links/${id}/deactivate`).type('form').send({});
    expect(noCsrf.status).toBe(403);
    const off = await finance.post(`/console/links/${id}/deactivate`);
    expect(off.status).toBe(303);
    expect((await finance.agent.get(`/console/links/${id}`)).text).toContain('Đã ngừng');
    const actions = await hub.db.query<{ action: string }>(
      'SELECT action FROM audit_log WHERE object_id = $1 ORDER BY id',
      [id],
    );
    expect(actions.rows.map((r) => r.action)).toEqual(['payment_links.create', 'payment_links.deactivate']);
    expect((await request(hub.app).get('/console/links')).status).toBe(303);
  });
});

describe('bulk links page', () => {
  const upload = (
    session: Awaited<ReturnType<typeof consoleSession>>,
    fields: Record<string, string>,
    csv: string,
  ) =>
    session.agent
      .post('/console/links/bulk')
      .field('_csrf', session.csrf)
      .field(fields)
      .attach('csv', Buffer.from(csv), { filename: 'payers.csv', contentType: 'text/csv' });

  it('turns an uploaded CSV into links (a CSV download) and shows each bad row in the page’s language', async () => {
    const finance = await consoleSession(hub.app, CONSOLE_STAFF.finance);
    expect((await finance.agent.get('/console/links/bulk')).status).toBe(200);
    const item = await itemId('1.002309');
    const before = await count(hub, 'payment_links');
    const bad = await upload(
      finance,
      { catalog_item: item, mode: 'test' },
      'reference,payer_name\nHS-K1,An\nHS-K1,Bình\n',
    );
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('Mã hồ sơ trùng với một dòng trước.');
    expect(bad.text).toContain('<td>3</td>');
    expect(await count(hub, 'payment_links')).toBe(before);
    const ok = await upload(
      finance,
      { catalog_item: item, mode: 'test' },
      'reference,payer_name,contact\nHS-K1,An,0912345678\nHS-K2,Bình,\n',
    );
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/csv/);
    expect(ok.headers['content-disposition']).toContain('payment-links.csv');
    expect(ok.text.trim().split('\n')).toHaveLength(3);
    expect(ok.text).toMatch(/HS-K2,Bình,200000,,plk_[0-9A-Z]{26},http:\/\/hub\.test\/l\//);
    expect(await count(hub, 'payment_links')).toBe(before + 2);
    const auditor = await consoleSession(hub.app, CONSOLE_STAFF.auditor);
    expect((await auditor.agent.get('/console/links/bulk')).status).toBe(403);
    const noCsrf = await finance.agent
      .post('/console/links/bulk')
      .field('catalog_item', item)
      .attach('csv', Buffer.from('reference,payer_name\nHS-K9,An\n'), {
        filename: 'p.csv',
        contentType: 'text/csv',
      });
    expect(noCsrf.status).toBe(403);
    const foreign = await consoleSession(hub.app, CONSOLE_STAFF.foreign);
    const theirs = await upload(foreign, { catalog_item: item }, 'reference,payer_name\nHS-K8,An\n');
    expect(theirs.text).toContain('href="#f-catalog_item"');
    expect(await count(hub, 'payment_links')).toBe(before + 2);
  });
});
