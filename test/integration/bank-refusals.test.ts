import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { camt054, feedHeaders } from '../fakes/bank/camt.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
} from '../helpers/bank-feed.ts';
import { count, type TestHub, testHub } from '../helpers/hub.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

const FOREIGN_ACCOUNT = '99990000111';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  // Only agency A collects by VietQR: agency B has no collection account.
  await configureVietqrA(hub.services.providers);
  await createStaffUser(hub.db, {
    email: 'finance@tinh-a.gov.vn',
    role: 'finance',
    agencyCode: 'PROV-A',
    password: STAFF_PASSWORD,
  });
  await createStaffUser(hub.db, { email: 'root@payhub.gov.vn', role: 'admin', password: STAFF_PASSWORD });
});
afterAll(() => hub.drop());

/** The whole problem+json answer: status, media type and body. */
const answer = (res: request.Response) => ({
  status: res.status,
  type: res.headers['content-type'],
  body: res.body,
});

const problem = (status: number, code: string, title: string, detail: string, instance: string) => ({
  status,
  type: 'application/problem+json; charset=utf-8',
  body: { type: `/problems/${code}`, title, status, detail, code, instance },
});

const sendFeed = (provider: string, body: string, headers = feedHeaders(FEED_SECRET, body)) =>
  request(hub.app).post(`/bank-feed/${provider}`).set(headers).send(body);

const feedBody = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    account: ACCOUNT,
    amount: 150000,
    memo: '',
    bank_reference: `FT26${Date.now()}`,
    booked_at: new Date().toISOString(),
    ...fields,
  });

const upload = (xml: string, key: string) =>
  request(hub.app)
    .post('/v1/bank_statements')
    .set('Authorization', `Bearer ${key}`)
    .set('Content-Type', 'application/xml')
    .send(xml);

async function staffUpload(email: string, xml: string) {
  const session = await staffSession(hub.app, email);
  expect(session.res.status).toBe(201);
  return session.agent
    .post('/admin/v1/bank_statements')
    .set('Content-Type', 'application/xml')
    .set('X-CSRF-Token', session.csrf)
    .send(xml);
}

describe('what the bank routes refuse, answered as problem+json', () => {
  it('a feed call: unknown provider, no account, a bad body, a bad signature, a stale timestamp', async () => {
    const before = await count(hub, 'bank_credits');
    expect(answer(await sendFeed('nobank', feedBody()))).toEqual(
      problem(
        404,
        'unknown_provider',
        'Unknown provider',
        'nobank is not a bank-transfer provider.',
        '/bank-feed/nobank',
      ),
    );
    expect(answer(await sendFeed('vietqr', '{"amount":1}'))).toEqual(
      problem(
        400,
        'invalid_request',
        'Invalid request',
        'The body must be a JSON object with an account.',
        '/bank-feed/vietqr',
      ),
    );
    expect(answer(await sendFeed('vietqr', feedBody({ amount: -5 })))).toEqual(
      problem(
        400,
        'invalid_request',
        'Invalid request',
        'amount: a positive whole number of đồng.',
        '/bank-feed/vietqr',
      ),
    );
    const body = feedBody();
    expect(answer(await sendFeed('vietqr', body, feedHeaders('not-the-secret', body)))).toEqual(
      problem(
        401,
        'invalid_signature',
        'Invalid signature',
        'The signature does not verify.',
        '/bank-feed/vietqr',
      ),
    );
    const stale = await sendFeed(
      'vietqr',
      body,
      feedHeaders(FEED_SECRET, body, Math.floor(Date.now() / 1000) - 600),
    );
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: 'stale_timestamp', title: 'Stale timestamp', status: 401 });
    expect(await count(hub, 'bank_credits')).toBe(before);
  });

  it('a test upload: an agency without the provider, a broken file, another account', async () => {
    const before = await count(hub, 'bank_statements');
    const file = camt054(ACCOUNT, [{ amount: '150000', bankReference: `FT26${Date.now()}` }]);
    expect(answer(await upload(file, hub.keys.b))).toEqual(
      problem(
        409,
        'provider_not_configured',
        'Provider not configured',
        'The agency has no vietqr collection account configured (payhub providers:configure).',
        '/v1/bank_statements',
      ),
    );
    const broken = answer(await upload('<Document', hub.keys.a));
    expect(broken).toMatchObject({
      status: 422,
      body: { code: 'invalid_statement', title: 'Invalid statement' },
    });
    expect(answer(await upload(camt054(FOREIGN_ACCOUNT, []), hub.keys.a))).toEqual(
      problem(
        422,
        'statement_account_unknown',
        'Unknown account',
        `The statement is for account ${FOREIGN_ACCOUNT}, not the agency's vietqr collection account.`,
        '/v1/bank_statements',
      ),
    );
    expect(await count(hub, 'bank_statements')).toBe(before);
  });

  it('a staff upload for an account no agency collects into: 404 to scoped staff, 422 hub-wide', async () => {
    const file = camt054(FOREIGN_ACCOUNT, []);
    expect(answer(await staffUpload('finance@tinh-a.gov.vn', file))).toEqual(
      problem(
        404,
        'statement_account_unknown',
        'Unknown account',
        `No agency of yours collects into account ${FOREIGN_ACCOUNT}.`,
        '/admin/v1/bank_statements',
      ),
    );
    expect(answer(await staffUpload('root@payhub.gov.vn', file))).toEqual(
      problem(
        422,
        'statement_account_unknown',
        'Unknown account',
        `No agency collects into account ${FOREIGN_ACCOUNT}.`,
        '/admin/v1/bank_statements',
      ),
    );
  });
});
