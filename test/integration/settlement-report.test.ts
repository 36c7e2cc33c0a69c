import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { localDate } from '../../src/dates.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
  feedCredit,
} from '../helpers/bank-feed.ts';
import { expectContract, PUBLIC_URL, paymentBody, type TestHub, testHub } from '../helpers/hub.ts';
import { sandboxRefusesRefunds } from '../helpers/money-flows.ts';
import { pdfText } from '../helpers/pdf.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

const BUDGET = {
  treasury_code: '0011',
  treasury_account: '7111',
  chapter_code: '418',
  economic_code: '2662',
};
const today = localDate(new Date());

let hub: TestHub;
const s: Record<string, string> = {};

async function pay(amount: number, budget?: typeof BUDGET) {
  const created = await hub
    .api()
    .post('/v1/payments', paymentBody({ amount, ...(budget ? { budget } : {}) }));
  expect(created.status).toBe(201);
  const paid = await hub
    .api()
    .post(`/v1/test_helpers/payments/${created.body.id}/complete`, { outcome: 'succeeded' });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id as string;
}

const feed = (amount: number, memo: string) =>
  feedCredit(hub.app, FEED_SECRET, { account: ACCOUNT, amount, memo });

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await configureVietqrA(hub.services.providers);
  await createStaffUser(hub.db, { email: 'hq@payhub.gov.vn', role: 'finance', password: STAFF_PASSWORD });

  // Card/wallet collections settled by the sandbox's file; one payment carries no budget codes.
  s.coded = await pay(150_000, BUDGET);
  s.uncoded = await pay(80_000);
  s.refundRefused = await pay(60_000, BUDGET);
  await sandboxRefusesRefunds(hub.db, s.refundRefused);
  const refund = await hub
    .api()
    .post(`/v1/payments/${s.refundRefused}/refunds`, { reason: 'hủy hồ sơ' }, 'refund-refused');
  expect(refund.body.status).toBe('failed');
  s.refund = refund.body.id;
  // A VietQR transfer that paid its payment, and one that named nothing.
  const transfer = await hub.api().post('/v1/payments', paymentBody({ amount: 200_000, budget: BUDGET }));
  const checkout = new URL(transfer.body.checkout_url, PUBLIC_URL).pathname;
  await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vietqr' });
  const { rows } = await hub.db.query<{ provider_reference: string }>(
    'SELECT provider_reference FROM attempts WHERE payment_id = $1',
    [transfer.body.id],
  );
  expect((await feed(200_000, `CK ${rows[0]!.provider_reference}`)).status).toBe('matched');
  s.unmatchedCredit = (await feed(99_000, 'khong ro noi dung')).credit_id;

  const attempts = await hub.db.query<{ id: string; provider_transaction_id: string; amount: string }>(
    `SELECT id, provider_transaction_id, amount::text FROM attempts
      WHERE payment_id = ANY($1) AND status = 'succeeded' ORDER BY amount DESC`,
    [[s.coded, s.uncoded, s.refundRefused]],
  );
  const csv = sandboxSettlementCsv(today, [
    ...attempts.rows.map((a) => ({
      transactionId: a.provider_transaction_id,
      attemptId: a.id,
      amount: a.amount,
      fee: Math.round(Number(a.amount) / 100),
    })),
    { transactionId: 'UNKNOWN-9', attemptId: 'att_NOTOURS', amount: 45_000, fee: 450 },
  ]);
  const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
  const run = await agent
    .post(
      `/admin/v1/reconciliation/runs?provider=sandbox&business_date=${today}&file_name=sandbox-${today}.csv`,
    )
    .set('X-CSRF-Token', csrf)
    .set('Content-Type', 'text/csv')
    .send(csv);
  expect(run.status).toBe(201);
  s.run = run.body.id;
  const sha = await hub.db.query<{ file_sha256: string }>(
    'SELECT file_sha256 FROM recon_runs WHERE id = $1',
    [s.run],
  );
  s.sha256 = sha.rows[0]!.file_sha256;
  const items = await agent.get(`/admin/v1/reconciliation/items?run=${s.run}&status=open`);
  s.break = items.body.data[0].id;
});
afterAll(() => hub.drop());

describe('the settlement report one could remit from', () => {
  it('JSON: every provider incl. VietQR, uncoded rows not remittable, breaks, unsettled refunds, sources, mode', async () => {
    const { agent } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const res = await agent.get(`/admin/v1/reports/settlement?business_date=${today}&mode=test`);
    expect(res.status).toBe(200);
    expectContract(res, 'getSettlementReport');
    expect(res.body).toMatchObject({ mode: 'test', business_date: today });
    expect(Date.parse(res.body.generated_at)).not.toBeNaN();
    const coded = res.body.rows.find((r: { treasury_account: string }) => r.treasury_account === '7111');
    // 150.000 + 60.000 by the sandbox (fees 1.500 + 600), 200.000 by VietQR (no fee).
    expect(coded).toMatchObject({ count: 3, gross: 410_000, fees: 2_100, net: 407_900, remittable: true });
    const uncoded = res.body.rows.find((r: { treasury_account: string }) => r.treasury_account === '');
    expect(uncoded).toMatchObject({ count: 1, gross: 80_000, net: 79_200, remittable: false });
    expect(res.body.totals).toMatchObject({ count: 4, gross: 490_000, net: 407_900, unremittable: 79_200 });
    expect(res.body.providers).toEqual([
      { provider: 'sandbox', count: 3, gross: 290_000, refunds: 0, fees: 2_900, net: 287_100 },
      { provider: 'vietqr', count: 1, gross: 200_000, refunds: 0, fees: 0, net: 200_000 },
    ]);
    expect(res.body.open_breaks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: 'reconciliation',
          id: s.break,
          category: 'missing_in_hub',
          amount: 45_000,
        }),
        expect.objectContaining({
          source: 'bank_credit',
          id: s.unmatchedCredit,
          category: 'unmatched',
          amount: 99_000,
        }),
      ]),
    );
    expect(res.body.unsettled_refunds).toEqual([
      expect.objectContaining({ id: s.refund, status: 'failed', amount: 60_000, payment: s.refundRefused }),
    ]);
    expect(res.body.sources).toEqual([
      {
        kind: 'settlement_run',
        id: s.run,
        provider: 'sandbox',
        file_name: `sandbox-${today}.csv`,
        sha256: s.sha256,
      },
    ]);
    // Live money is reported apart: none today.
    const live = await agent.get(`/admin/v1/reports/settlement?business_date=${today}`);
    expect(live.body).toMatchObject({ mode: 'live', rows: [], unsettled_refunds: [] });
    const csv = await agent.get(`/admin/v1/reports/settlement?business_date=${today}&mode=test&format=csv`);
    expect(csv.text).toContain(`${today},PROV-A,Tỉnh A,,,,,1,80000,0,800,79200,no`);
  });

  it('PDF: read as text, it says the mode, flags the uncoded row, lists breaks, refunds, files and has the signature blocks', async () => {
    const { agent } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const pdf = await agent
      .get(`/admin/v1/reports/settlement?business_date=${today}&mode=test&format=pdf`)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('THỬ NGHIỆM / TEST');
    expect(text).toMatch(/Lập lúc \/ Generated at: \d{4}-\d{2}-\d{2}T/);
    expect(text).toContain('! PROV-A Tỉnh A');
    expect(text).toMatch(/Tổng cộng \/ Total\s+4\s+490.000 ₫.*407.900 ₫/);
    expect(text).toContain('not counted as remittable: 79.200 ₫');
    expect(text).toMatch(/vietqr: 1 GD, thu \/ gross 200.000 ₫/);
    expect(text).toContain(s.break);
    expect(text).toContain(s.unmatchedCredit);
    expect(text).toContain(s.refund);
    expect(text).toContain(s.run);
    expect(text).toContain(s.sha256);
    for (const block of ['Người lập', 'Kế toán trưởng', 'Thủ trưởng đơn vị']) expect(text).toContain(block);
  });
});
