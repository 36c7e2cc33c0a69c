/** The bank's signed feed as tests drive it: a credit into an agency's VietQR collection account. */
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { feedHeaders } from '../fakes/bank/camt.ts';
import { PUBLIC_URL, paymentBody, type TestHub } from './hub.ts';

let n = 0;
/** A bank reference no other credit of this test run carries. */
export const bankReference = () => `FT26${Date.now().toString().slice(-7)}${++n}`;

export interface FeedCredit {
  account: string;
  amount: number;
  memo: string;
  bank_reference?: string;
  booked_at?: Date;
}

/** POSTs one credit to /bank-feed/vietqr, signed with the account's feed secret; the hub's answer. */
export function sendFeedCredit(app: Express, secret: string, credit: FeedCredit) {
  const body = JSON.stringify({
    account: credit.account,
    amount: credit.amount,
    memo: credit.memo,
    bank_reference: credit.bank_reference ?? bankReference(),
    booked_at: (credit.booked_at ?? new Date()).toISOString(),
  });
  return request(app).post('/bank-feed/vietqr').set(feedHeaders(secret, body)).send(body);
}

/** A credit the hub accepted (whatever it matched); its body (credit_id, status). */
export async function feedCredit(app: Express, secret: string, credit: FeedCredit) {
  const res = await sendFeedCredit(app, secret, credit);
  expect(res.status).toBeLessThan(300);
  return res.body as { credit_id: string; status: string };
}

/**
 * A test-mode payment whose checkout the citizen opened with VietQR `times` times: its id and
 * the transfer reference of each attempt, oldest first.
 */
export async function vietqrPayment(hub: TestHub, amount: number, times = 1) {
  const created = await hub.api().post('/v1/payments', paymentBody({ amount }));
  expect(created.status).toBe(201);
  const checkout = new URL(created.body.checkout_url, PUBLIC_URL).pathname;
  for (let i = 0; i < times; i++) {
    const chose = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vietqr' });
    expect(chose.status).toBe(303);
  }
  const { rows } = await hub.db.query<{ provider_reference: string }>(
    'SELECT provider_reference FROM attempts WHERE payment_id = $1 ORDER BY created_at',
    [created.body.id],
  );
  return { id: created.body.id as string, references: rows.map((r) => r.provider_reference) };
}

/** Agency A's VietQR collection account and the secret its bank feed signs with. */
export const ACCOUNT_A = '0011001932418';
export const FEED_SECRET_A = 'feed-secret-of-agency-a-0123456789';

/** Agency A (PROV-A) collects by VietQR into ACCOUNT_A, its bank feed signed with FEED_SECRET_A. */
export function configureVietqrA(providers: Pick<TestHub['services']['providers'], 'configure'>) {
  return providers.configure('PROV-A', 'vietqr', {
    bank_bin: '970415',
    account_no: ACCOUNT_A,
    account_name: 'SO TU PHAP TINH A',
    feed_secret: FEED_SECRET_A,
  });
}
