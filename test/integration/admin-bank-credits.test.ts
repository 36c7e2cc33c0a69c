import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { feedCredit } from '../helpers/bank-feed.ts';
import { expectContract, type TestHub, testHub } from '../helpers/hub.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

const PASSWORD = STAFF_PASSWORD;
const AGENCIES = {
  'PROV-A': { account: '0011001932418', secret: 'feed-secret-of-agency-a-0123456789' },
  'PROV-B': { account: '19036655001011', secret: 'feed-secret-of-agency-b-0123456789' },
} as const;

let hub: TestHub;

/** A credit the bank feed pushes for the agency's account. */
async function credit(agency: keyof typeof AGENCIES, memo: string) {
  const { account, secret } = AGENCIES[agency];
  await feedCredit(hub.app, secret, { account, amount: 150000, memo });
}

async function signIn(email: string) {
  const { agent, res } = await staffSession(hub.app, email);
  expect(res.status).toBe(201);
  return agent;
}

beforeAll(async () => {
  hub = await testHub();
  const services = hub.services;
  for (const [code, { account, secret }] of Object.entries(AGENCIES)) {
    await services.providers.configure(code, 'vietqr', {
      bank_bin: '970415',
      account_no: account,
      account_name: code,
      feed_secret: secret,
    });
  }
  await createStaffUser(hub.db, {
    email: 'a@tinh-a.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-A',
    password: PASSWORD,
  });
  await createStaffUser(hub.db, { email: 'hq@payhub.gov.vn', role: 'auditor', password: PASSWORD });
  await credit('PROV-A', 'chuyen tien hoc phi');
  await credit('PROV-A', 'ung ho');
  await credit('PROV-B', 'nop phat');
});
afterAll(() => hub.drop());

describe('bank credits finance must handle', () => {
  it('lists the exceptions of the staff member’s agencies only, newest first, with paging', async () => {
    const a = await signIn('a@tinh-a.gov.vn');
    const res = await a.get('/admin/v1/bank_credits');
    expect(res.status).toBe(200);
    expectContract(res, 'listBankCredits');
    expect(res.body.data.map((c: { memo: string }) => c.memo)).toEqual(['ung ho', 'chuyen tien hoc phi']);
    expect(res.body.data.every((c: { agency: string; status: string }) => c.agency === 'PROV-A')).toBe(true);
    expect(res.body.data[0]).toMatchObject({ status: 'unmatched', amount: 150000, payment: null });

    const first = await a.get('/admin/v1/bank_credits?limit=1');
    expect(first.body).toMatchObject({ has_more: true });
    const next = await a.get(`/admin/v1/bank_credits?limit=1&starting_after=${first.body.data[0].id}`);
    expect(next.body.data.map((c: { memo: string }) => c.memo)).toEqual(['chuyen tien hoc phi']);
    expect((await a.get('/admin/v1/bank_credits?status=matched')).body.data).toEqual([]);
  });

  it('hub-wide staff see every agency; bad filters and no session are refused', async () => {
    const hq = await signIn('hq@payhub.gov.vn');
    const all = await hq.get('/admin/v1/bank_credits');
    expect(all.body.data.map((c: { agency: string }) => c.agency).sort()).toEqual([
      'PROV-A',
      'PROV-A',
      'PROV-B',
    ]);
    const bad = await hq.get('/admin/v1/bank_credits?status=lost');
    expect(bad.status).toBe(400);
    expectContract(bad, 'listBankCredits');
    expect((await request(hub.app).get('/admin/v1/bank_credits')).status).toBe(401);
  });
});
