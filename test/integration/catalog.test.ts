/**
 * The service catalogue through /admin/v1/catalog_items: admins of an agency manage its items
 * (national procedure code, names, fixed amount or range, obligation type, budget codes); every
 * bad field is named and nothing is written; another agency's item is a 404; every change audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import { ITEM, linkStaff, RANGED_ITEM, signedIn } from '../helpers/links.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  await linkStaff(hub);
});
afterAll(() => hub.drop());

const fieldsOf = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field).sort();

describe('catalogue items', () => {
  it('an admin adds a fixed and a ranged item, audited, and every role of the agency reads them', async () => {
    const admin = await signedIn(hub, 'admin@tinh-a.gov.vn');
    const fixed = await admin.post('/admin/v1/catalog_items', ITEM);
    expect(fixed.status).toBe(201);
    expectContract(fixed, 'createCatalogItem');
    expect(fixed.body).toMatchObject({
      agency: 'PROV-A',
      code: '1.002309',
      amount: 200000,
      amount_min: null,
    });
    const ranged = await admin.post('/admin/v1/catalog_items', { ...RANGED_ITEM, agency: 'PROV-A-TP' });
    expect(ranged.status).toBe(201);
    expect(ranged.body).toMatchObject({
      agency: 'PROV-A-TP',
      amount: null,
      amount_min: 50000,
      amount_max: 500000,
    });

    const { rows } = await hub.db.query<{ action: string; actor_id: string }>(
      `SELECT action, actor_id FROM audit_log WHERE object_id = $1`,
      [fixed.body.id],
    );
    expect(rows.map((r) => r.action)).toEqual(['catalog_items.create']);

    const auditor = await signedIn(hub, 'kiemtoan@tinh-a.gov.vn');
    const list = await auditor.get('/admin/v1/catalog_items');
    expect(list.status).toBe(200);
    expectContract(list, 'listCatalogItems');
    expect(list.body.data.map((i: { code: string }) => i.code).sort()).toEqual(['1.002309', '2.000488']);

    const page1 = await auditor.get('/admin/v1/catalog_items?limit=1');
    expect(page1.body).toMatchObject({ has_more: true });
    const page2 = await auditor.get(
      `/admin/v1/catalog_items?limit=1&starting_after=${page1.body.data[0].id}`,
    );
    expect(page2.body.has_more).toBe(false);
    expect(page2.body.data[0].id).not.toBe(page1.body.data[0].id);

    const otherAdmin = await signedIn(hub, 'admin@tinh-b.gov.vn');
    expect((await otherAdmin.get('/admin/v1/catalog_items')).body.data).toEqual([]);
    expect((await otherAdmin.get(`/admin/v1/catalog_items/${fixed.body.id}`)).status).toBe(404);
  });

  it('refuses each bad field by name and writes nothing', async () => {
    const admin = await signedIn(hub, 'admin@tinh-a.gov.vn');
    const before = await count(hub, 'catalog_items');
    const cases: [object, string[]][] = [
      [{ ...ITEM, code: '1002309' }, ['code']],
      [{ ...ITEM, amount_min: 1000, amount_max: 2000 }, ['amount']],
      [{ ...RANGED_ITEM, code: '2.000001', amount_min: 600000 }, ['amount_max']],
      [{ ...RANGED_ITEM, code: '2.000002', amount_max: undefined }, ['amount_max']],
      [{ ...ITEM, code: '1.000003', amount: undefined }, ['amount']],
      [
        { ...ITEM, code: '1.000004', budget: { ...ITEM.budget, chapter_code: '41', economic_code: '26520' } },
        ['budget.chapter_code', 'budget.economic_code'],
      ],
      [
        { ...ITEM, code: '1.000005', budget: { ...ITEM.budget, treasury_account: '9999' } },
        ['budget.treasury_account'],
      ],
      [
        { ...ITEM, code: '1.000006', budget: { treasury_account: '7111' } },
        ['budget.chapter_code', 'budget.economic_code', 'budget.treasury_code'],
      ],
      [{ ...ITEM, code: '1.000007', name: { vi: '  ' } }, ['name.vi']],
      [{ ...ITEM, code: '1.000008', obligation_type: 'fine' }, ['obligation_type']],
    ];
    for (const [body, fields] of cases) {
      const res = await admin.post('/admin/v1/catalog_items', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expectContract(res, 'createCatalogItem');
      expect(fieldsOf(res.body), JSON.stringify(res.body)).toEqual(fields);
    }
    const taken = await admin.post('/admin/v1/catalog_items', ITEM);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('code_taken');
    expect(await count(hub, 'catalog_items')).toBe(before);
  });

  it('only admins change the catalogue; another agency cannot reach it', async () => {
    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    const auditor = await signedIn(hub, 'kiemtoan@tinh-a.gov.vn');
    expect((await finance.post('/admin/v1/catalog_items', { ...ITEM, code: '1.000010' })).status).toBe(403);
    expect((await auditor.post('/admin/v1/catalog_items', { ...ITEM, code: '1.000011' })).status).toBe(403);
    const otherAdmin = await signedIn(hub, 'admin@tinh-b.gov.vn');
    const foreign = await otherAdmin.post('/admin/v1/catalog_items', {
      ...ITEM,
      code: '1.000012',
      agency: 'PROV-A',
    });
    expect(foreign.status).toBe(400);
    expect(fieldsOf(foreign.body)).toEqual(['agency']);
    const noCsrf = await finance.agent.post('/admin/v1/catalog_items').send({ ...ITEM, code: '1.000013' });
    expect(noCsrf.status).toBe(403);
    expect(await count(hub, "catalog_items WHERE code LIKE '1.00001%'")).toBe(0);
  });

  it('an update changes only what is sent, checks the whole item and is audited', async () => {
    const admin = await signedIn(hub, 'admin@tinh-a.gov.vn');
    const created = await admin.post('/admin/v1/catalog_items', { ...ITEM, code: '1.000020' });
    const id = created.body.id as string;
    const toRange = await admin.post(`/admin/v1/catalog_items/${id}`, { amount_min: 1000, amount_max: 9000 });
    expect(toRange.status).toBe(200);
    expectContract(toRange, 'updateCatalogItem');
    expect(toRange.body).toMatchObject({ amount: null, amount_min: 1000, amount_max: 9000, name: ITEM.name });
    const reversed = await admin.post(`/admin/v1/catalog_items/${id}`, { amount_min: 10000 });
    expect(reversed.status).toBe(400);
    expect(fieldsOf(reversed.body)).toEqual(['amount_max']);
    const off = await admin.post(`/admin/v1/catalog_items/${id}`, { active: false });
    expect(off.body.active).toBe(false);
    expect((await admin.get(`/admin/v1/catalog_items/${id}`)).body.amount_min).toBe(1000);
    const otherAdmin = await signedIn(hub, 'admin@tinh-b.gov.vn');
    expect((await otherAdmin.post(`/admin/v1/catalog_items/${id}`, { active: true })).status).toBe(404);
    const { rows } = await hub.db.query<{ action: string }>(
      'SELECT action FROM audit_log WHERE object_id = $1 ORDER BY id',
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'catalog_items.create',
      'catalog_items.update',
      'catalog_items.update',
    ]);
  });
});

describe('catalogue refusals', () => {
  it('are problem+json: each field named with its message, the status and title of the refusal', async () => {
    const admin = await signedIn(hub, 'admin@tinh-a.gov.vn');
    expect((await admin.post('/admin/v1/catalog_items', { ...ITEM, code: '1.000030' })).status).toBe(201);
    const taken = await admin.post('/admin/v1/catalog_items', { ...ITEM, code: '1.000030' });
    expect(taken.body).toEqual({
      type: '/problems/code_taken',
      title: 'Conflict',
      status: 409,
      detail: 'The agency already has an item with code 1.000030.',
      code: 'code_taken',
      instance: '/admin/v1/catalog_items',
      errors: [{ field: 'code', message: 'is already in this agency’s catalogue' }],
    });
    const invalid = await admin.post('/admin/v1/catalog_items', {
      ...ITEM,
      code: '1.000031',
      obligation_type: 'fine',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: 'invalid_request', title: 'Invalid request' });
    for (const error of invalid.body.errors) expect(Object.keys(error)).toEqual(['field', 'message']);

    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    const refused = await finance.post('/admin/v1/catalog_items', { ...ITEM, code: '1.000032' });
    expect(refused.body).toEqual({
      type: '/problems/forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'Only admins manage the catalogue.',
      code: 'forbidden',
      instance: '/admin/v1/catalog_items',
    });
    const missing = `cat_${'0'.repeat(26)}`;
    const unknown = await admin.post(`/admin/v1/catalog_items/${missing}`, { name: { vi: 'Tên' } });
    expect(unknown.body).toEqual({
      type: '/problems/resource_missing',
      title: 'No such resource',
      status: 404,
      detail: `No such catalog item: '${missing}'.`,
      code: 'resource_missing',
      instance: `/admin/v1/catalog_items/${missing}`,
    });
  });
});
