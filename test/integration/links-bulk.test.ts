/**
 * POST /admin/v1/payment_links/bulk: a CSV of payers becomes single-use links, all or nothing;
 * each bad row is reported by number and field, and then no link exists.
 */
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { ITEM, linkStaff, pathOf, RANGED_ITEM, signedIn } from '../helpers/links.ts';

let hub: TestHub;
let fixedItem: string;
let rangedItem: string;
beforeAll(async () => {
  hub = await testHub();
  await linkStaff(hub);
  const admin = await signedIn(hub, 'admin@tinh-a.gov.vn');
  fixedItem = (await admin.post('/admin/v1/catalog_items', ITEM)).body.id;
  rangedItem = (await admin.post('/admin/v1/catalog_items', RANGED_ITEM)).body.id;
});
afterAll(() => hub.drop());

describe('bulk links', () => {
  it('turns each row into a single-use link and answers the rows with their URLs', async () => {
    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    const csv = [
      'reference,payer_name,amount,contact',
      'HS-B-1,Nguyễn Văn An,120000,an@example.vn',
      '"HS-B-2","Trần, Thị Bình",90.000,0912 345 678',
      'HS-B-3,Lê Cường,50000,',
    ].join('\n');
    const res = await finance.csv(`/admin/v1/payment_links/bulk?catalog_item=${rangedItem}&mode=test`, csv);
    expect(res.status, res.text).toBe(201);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.reference, r.payer_name, r.amount])).toEqual([
      ['HS-B-1', 'Nguyễn Văn An', '120000'],
      ['HS-B-2', 'Trần, Thị Bình', '90000'],
      ['HS-B-3', 'Lê Cường', '50000'],
    ]);
    const { rows: stored } = await hub.db.query<{ reference: string; payer: object; reusable: boolean }>(
      'SELECT reference, payer, reusable FROM payment_links WHERE id = $1',
      [rows[1]!.link_id],
    );
    expect(stored[0]).toEqual({
      reference: 'HS-B-2',
      payer: { name: 'Trần, Thị Bình', phone: '0912345678' },
      reusable: false,
    });
    const page = await request(hub.app).get(pathOf(rows[0]!.url!));
    expect(page.status).toBe(200);
    expect(page.text).toContain('HS-B-1');
    expect(page.text).toContain('120.000');
    const { rows: audited } = await hub.db.query<{ details: { count: number } }>(
      `SELECT details FROM audit_log WHERE action = 'payment_links.bulk_create'`,
    );
    expect(audited.map((a) => a.details.count)).toEqual([3]);
  });

  it('reports every bad row by number and field and creates no link at all', async () => {
    const finance = await signedIn(hub, 'ketoan@tinh-a.gov.vn');
    const before = await count(hub, 'payment_links');
    const csv = [
      'reference,payer_name,amount,contact',
      'HS-C-1,An,100000,',
      'HS-C-2,,100000,',
      'HS-C-3,Bình,999999999,',
      'HS-C-1,Cường,100000,',
      'HS-C-5,Dũng,100000,not-a-contact',
      'HS-B-1,Em,100000,',
      'HS-C-7,Giang',
    ].join('\n');
    const res = await finance.csv(`/admin/v1/payment_links/bulk?catalog_item=${rangedItem}&mode=test`, csv);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('bulk_csv_invalid');
    expect(res.body.rows.map((r: { row: number; field: string }) => [r.row, r.field])).toEqual([
      [3, 'payer_name'],
      [4, 'amount'],
      [5, 'reference'],
      [6, 'contact'],
      [7, 'reference'],
      [8, 'csv'],
      [8, 'amount'],
    ]);
    expect(await count(hub, 'payment_links')).toBe(before);

    const unreadable = await finance.csv(
      `/admin/v1/payment_links/bulk?catalog_item=${fixedItem}`,
      'reference,payer_name\n"HS-Q,An\n',
    );
    expect(unreadable.status).toBe(422);
    expect(unreadable.body.rows[0].field).toBe('csv');
    const badHeader = await finance.csv(
      `/admin/v1/payment_links/bulk?catalog_item=${fixedItem}`,
      'ref,name\nA,B\n',
    );
    expect(badHeader.body.rows.map((r: { row: number; field: string }) => [r.row, r.field])).toEqual([
      [1, 'ref'],
      [1, 'name'],
      [1, 'reference'],
      [1, 'payer_name'],
    ]);
    const json = await finance.post(`/admin/v1/payment_links/bulk?catalog_item=${fixedItem}`, { rows: [] });
    expect(json.status).toBe(415);
    const auditor = await signedIn(hub, 'kiemtoan@tinh-a.gov.vn');
    expect(
      (
        await auditor.csv(
          `/admin/v1/payment_links/bulk?catalog_item=${fixedItem}`,
          'reference,payer_name\nA,B\n',
        )
      ).status,
    ).toBe(403);
    const adminB = await signedIn(hub, 'admin@tinh-b.gov.vn');
    expect(
      (
        await adminB.csv(
          `/admin/v1/payment_links/bulk?catalog_item=${fixedItem}`,
          'reference,payer_name\nA,B\n',
        )
      ).status,
    ).toBe(404);
    expect(await count(hub, 'payment_links')).toBe(before);
  });
});
