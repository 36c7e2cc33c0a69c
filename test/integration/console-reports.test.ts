import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadSettlement } from '../../src/admin/reconciliation.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { consoleSessions, createConsoleStaff } from '../helpers/console.ts';
import { type TestHub, testHub } from '../helpers/hub.ts';
import { paidPayment } from '../helpers/money-flows.ts';
import { pdfText } from '../helpers/pdf.ts';
import { seedAttempt } from '../helpers/recon.ts';

const D = '2026-05-04';
const BUDGET = {
  treasury_code: '0011',
  treasury_account: '7111',
  chapter_code: '418',
  economic_code: '2662',
};
let hub: TestHub;
const signedIn = consoleSessions();
const { as } = signedIn;

const binary = (res: import('superagent').Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await createConsoleStaff(hub.db);
  const at = `${D}T10:00:00+07:00`;
  const a1 = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at, budget: BUDGET });
  const a2 = await seedAttempt(hub.db, { agencyCode: 'PROV-A', completedAt: at, budget: BUDGET });
  const b = await seedAttempt(hub.db, { agencyCode: 'PROV-B', completedAt: at, budget: BUDGET });
  const csv = sandboxSettlementCsv(D, [
    { transactionId: 'S1', attemptId: a1.attemptId, amount: 150000, fee: 1500 },
    { transactionId: 'S2', attemptId: a2.attemptId, amount: 150000, fee: 1500 },
    { transactionId: 'S3', attemptId: b.attemptId, amount: 150000, fee: 1500 },
  ]);
  const staff = {
    id: 'usr_x',
    email: 'x',
    role: 'finance' as const,
    agencyId: null,
    agencyCode: null,
    scope: null,
  };
  await uploadSettlement({ db: hub.db, recon: hub.services.recon }, staff, {
    provider: 'sandbox',
    date: D,
    input: (async function* () {
      yield Buffer.from(csv);
    })(),
  });
  await signedIn.signIn(hub.app);
});
afterAll(() => hub.drop());

describe('/console/reports', () => {
  it('shows the day’s report by agency and budget codes, within the staff member’s scope', async () => {
    const page = await as('finance').agent.get(`/console/reports?business_date=${D}&mode=test`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('PROV-A · Tỉnh A');
    expect(page.text).toContain('297.000 ₫');
    expect(page.text).toContain('CHẾ ĐỘ THỬ NGHIỆM');
    expect(page.text).not.toContain('PROV-B');
    const b = await as('foreign').agent.get(`/console/reports?business_date=${D}&mode=test`);
    expect(b.text).toContain('PROV-B');
    expect(b.text).not.toContain('PROV-A ·');
    expect((await as('auditor').agent.get(`/console/reports?business_date=${D}&mode=test`)).text).toContain(
      '297.000 ₫',
    );
  });

  it('a bad day is an error next to the field, in the page’s language', async () => {
    const vi = await as('finance').agent.get('/console/reports?business_date=2026-02-30');
    expect(vi.text).toContain('id="f-business_date-error"');
    expect(vi.text).toContain('Nhập ngày theo dạng YYYY-MM-DD.');
    const en = await as('finance').agent.get('/console/reports?business_date=05/04/2026&lang=en');
    expect(en.text).toContain('Enter the date as YYYY-MM-DD.');
    await as('finance').agent.get('/console?lang=vi');
  });

  it('downloads the same report as CSV and PDF as /admin/v1/reports/settlement gives', async () => {
    const csv = await as('finance').agent.get(`/console/reports/settlement.csv?business_date=${D}&mode=test`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toContain(`settlement-${D}.csv`);
    expect(csv.text).toContain('2026-05-04,PROV-A,Tỉnh A,0011,7111,418,2662,2,300000,0,3000,297000');
    expect(csv.text).not.toContain('PROV-B');
    const pdf = await as('finance')
      .agent.get(`/console/reports/settlement.pdf?business_date=${D}&mode=test`)
      .buffer(true)
      .parse(binary);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.body as Buffer);
    expect(text).toContain('PROV-A Tỉnh A');
    expect(text).toMatch(/297.000 ₫/);
    expect(text).not.toContain('PROV-B');
    const foreign = await as('foreign').agent.get(
      `/console/reports/settlement.csv?business_date=${D}&mode=test`,
    );
    expect(foreign.text).toContain('PROV-B');
    expect(foreign.text).not.toContain('PROV-A');
  });
});

describe('/console/refunds', () => {
  it('lists the agency’s refunds with filters; another agency sees none of them', async () => {
    const payment = await paidPayment(hub, 90_000);
    const refund = await hub
      .api()
      .post(`/v1/payments/${payment}/refunds`, { amount: 40_000, reason: 'nộp thừa' }, 'r-1');
    expect(refund.status).toBe(201);
    const a = await as('finance').agent.get('/console/refunds');
    expect(a.status).toBe(200);
    expect(a.text).toContain(refund.body.id);
    expect(a.text).toContain('40.000 ₫');
    expect((await as('finance').agent.get('/console/refunds?manual=1')).text).not.toContain(refund.body.id);
    expect((await as('finance').agent.get('/console/refunds?kind=double_payment')).text).not.toContain(
      refund.body.id,
    );
    expect((await as('auditor').agent.get('/console/refunds')).text).toContain(refund.body.id);
    expect((await as('foreign').agent.get('/console/refunds')).text).not.toContain(refund.body.id);
  });
});
