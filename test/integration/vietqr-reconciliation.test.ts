/**
 * A VietQR business day reconciled from the bank's camt.053 as banks send it: the hub's transfers
 * (already confirmed by the signed bank feed) among the bank's own entries, an interest credit that
 * names no payment and the account's fee debit. Uploaded by finance staff through the admin API.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransferReference } from '../../adapters/vietqr/reference.ts';
import { createStaffUser } from '../../src/admin/staff.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { addDays, localDate } from '../../src/dates.ts';
import { type CamtEntry, camt053, feedHeaders } from '../fakes/bank/camt.ts';
import {
  ACCOUNT_A as ACCOUNT,
  configureVietqrA,
  FEED_SECRET_A as FEED_SECRET,
} from '../helpers/bank-feed.ts';
import { expectContract, PUBLIC_URL, paymentBody, type TestHub, testHub } from '../helpers/hub.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';
import { transferReferenceOn } from '../helpers/transfer.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await configureVietqrA(hub.services.providers);
  await createStaffUser(hub.db, { email: 'hq@payhub.gov.vn', role: 'finance', password: STAFF_PASSWORD });
});
afterAll(() => hub.drop());

let refCounter = 0;
const bankRef = () => `FT26${Date.now().toString().slice(-7)}${String(++refCounter).padStart(3, '0')}`;

/** A payment whose citizen chose VietQR: its id and the transfer reference the checkout showed. */
async function transferPayment(amount: number) {
  const created = await hub.api().post('/v1/payments', paymentBody({ amount }));
  expect(created.status).toBe(201);
  const checkout = new URL(created.body.checkout_url, PUBLIC_URL).pathname;
  const chose = await request(hub.app).post(`${checkout}/attempts`).type('form').send({ method: 'vietqr' });
  expect(chose.status).toBe(303);
  const page = await request(hub.app).get(checkout);
  const reference = transferReferenceOn(page.text);
  expect(reference && isTransferReference(reference)).toBe(true);
  return { id: created.body.id as string, reference: reference!, amount: String(amount) };
}

/** The bank's signed feed reports the transfer: the payment succeeds (or the credit gets `expected`). */
async function feed(
  memo: string,
  amount: string,
  bankReference: string,
  bookedAt = new Date(),
  expected = 'matched',
) {
  const body = JSON.stringify({
    account: ACCOUNT,
    amount: Number(amount),
    memo,
    bank_reference: bankReference,
    booked_at: bookedAt.toISOString(),
  });
  const res = await request(hub.app).post('/bank-feed/vietqr').set(feedHeaders(FEED_SECRET, body)).send(body);
  expect(res.body.status).toBe(expected);
}

const statusOf = async (id: string) => (await hub.api().get(`/v1/payments/${id}`)).body.status as string;

describe('a VietQR day reconciled from the camt.053 statement', () => {
  it('matches fed transfers by reference, reports interest and fees, and leaves the unfed transfer to confirm', async () => {
    const date = localDate(new Date());
    const fed = [await transferPayment(150000), await transferPayment(320000), await transferPayment(50000)];
    const fedRefs = fed.map(() => bankRef());
    for (const [i, p] of fed.entries()) {
      // As banking apps write the memo: prefixes, lower case, the reference split by a space.
      await feed(
        `MBVCB.12345.${p.reference.slice(0, 6).toLowerCase()} ${p.reference.slice(6)}.CT`,
        p.amount,
        fedRefs[i]!,
      );
    }
    for (const p of fed) expect(await statusOf(p.id)).toBe('succeeded');
    const unfed = await transferPayment(75000);

    const transfers: CamtEntry[] = fed.map((p, i) => ({
      amount: p.amount,
      memo: `MBVCB.12345.${p.reference.slice(0, 6).toLowerCase()} ${p.reference.slice(6)}.CT`,
      bankReference: fedRefs[i],
      debtor: `NGUYEN VAN ${i}`,
    }));
    const interest: CamtEntry = {
      amount: '1234',
      memo: 'Tra lai tien gui khong ky han',
      bankReference: bankRef(),
    };
    const fee: CamtEntry = {
      amount: '11000',
      side: 'DBIT',
      memo: 'Phi quan ly tai khoan',
      bankReference: bankRef(),
    };
    const unfedLine: CamtEntry = {
      amount: unfed.amount,
      memo: `${unfed.reference} nop le phi`,
      bankReference: bankRef(),
    };

    const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const upload = (xml: string) =>
      agent
        .post(`/admin/v1/reconciliation/runs?provider=vietqr&business_date=${date}&file_name=camt053.xml`)
        .set('X-CSRF-Token', csrf)
        .set('Content-Type', 'application/xml')
        .send(xml);
    const breaksOf = async (runId: string) =>
      (await agent.get(`/admin/v1/reconciliation/items?run=${runId}&limit=100`)).body.data.filter(
        (i: { status: string }) => i.status === 'open' || i.status === 'carried',
      );

    // The day with every transfer fed: interest first, as banks list it, and the fee at the end.
    const day = await upload(camt053(ACCOUNT, [interest, ...transfers, fee]));
    expect(day.status).toBe(201);
    expectContract(day, 'createReconciliationRun');
    expect(day.body).toMatchObject({ status: 'completed', line_count: 5 });
    expect(day.body.summary).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ category: 'matched', status: 'ok', count: 3, line_amount: 520000 }),
        expect.objectContaining({ category: 'unrelated_credit', status: 'ok', count: 1, line_amount: 1234 }),
        expect.objectContaining({ category: 'bank_debit', status: 'ok', count: 1, line_amount: 11000 }),
      ]),
    );
    expect(day.body.summary.map((c: { category: string }) => c.category).sort()).toEqual([
      'bank_debit',
      'matched',
      'unrelated_credit',
    ]);
    expect(await breaksOf(day.body.id)).toEqual([]);
    // Every fed transfer settled by the statement: VietQR clearing is back at zero, in each mode.
    const clearing = await hub.db.query<{ balance: string; lines: number }>(
      `SELECT coalesce(sum(l.amount), 0)::text AS balance, count(*)::int AS lines FROM journal_lines l
        WHERE l.account = 'provider_clearing:vietqr'`,
    );
    expect(clearing.rows[0]).toEqual({ balance: '0', lines: 4 }); // three transfers in, the day's settlement out
    const lines = await agent.get(`/admin/v1/reconciliation/runs/${day.body.id}/lines?limit=100`);
    expect(lines.status).toBe(200);
    expectContract(lines, 'listReconciliationRunLines');
    expect(
      lines.body.data.map((l: { type: string; category: string; payment: string | null }) => [
        l.type,
        l.category,
        l.payment,
      ]),
    ).toEqual([
      ['credit', 'unrelated_credit', null],
      ...fed.map((p) => ['payment', 'matched', p.id]),
      ['debit', 'bank_debit', null],
    ]);

    // The bank's corrected statement also holds a transfer the feed never reported: the hub's attempt
    // still waits, so it is missing in the hub, with its attempt, and finance confirms it.
    const corrected = await upload(camt053(ACCOUNT, [interest, ...transfers, unfedLine, fee]));
    expect(corrected.status).toBe(201);
    expect(corrected.body.supersedes).toBe(day.body.id);
    const breaks = await breaksOf(corrected.body.id);
    expect(breaks).toEqual([
      expect.objectContaining({
        category: 'missing_in_hub',
        status: 'open',
        payment: unfed.id,
        type: 'payment',
      }),
    ]);
    const confirmed = await agent
      .post(`/admin/v1/reconciliation/items/${breaks[0].id}/actions`)
      .set('X-CSRF-Token', csrf)
      .send({
        action: 'confirm_payment',
        note: `Booked on the statement (${unfedLine.bankReference}); the feed missed it.`,
      });
    expect(confirmed.status).toBe(201);
    expect(await statusOf(unfed.id)).toBe('succeeded');

    // Matched by the bank reference too: a transfer naming a paid payment whose bank reference is
    // not the one that paid it is a second transfer (a duplicate), even alone in the file; the
    // confirmed transfer now matches.
    const second: CamtEntry = { ...transfers[0]!, bankReference: bankRef() };
    const third = await upload(camt053(ACCOUNT, [interest, second, ...transfers.slice(1), unfedLine, fee]));
    expect(third.status).toBe(201);
    expect(await breaksOf(third.body.id)).toEqual([
      expect.objectContaining({ category: 'duplicate', status: 'open', payment: fed[0]!.id }),
    ]);
    expect(third.body.summary).toContainEqual(expect.objectContaining({ category: 'matched', count: 3 }));
  });
});

describe("a reference paid into twice, in the day's statement", () => {
  it('matches both transfers: the second is the double payment the hub recorded from its bank credit', async () => {
    // Yesterday's business day, so this file holds every transfer of its day.
    const date = addDays(localDate(new Date()), -1);
    const bookedAt = new Date(`${date}T10:00:00+07:00`);
    const paid = await transferPayment(90000);
    const refs = [bankRef(), bankRef()];
    await feed(`${paid.reference} nop le phi`, paid.amount, refs[0]!, bookedAt);
    await feed(`${paid.reference} nop lai`, paid.amount, refs[1]!, bookedAt, 'duplicate');

    const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    const lines: CamtEntry[] = refs.map((bankReference) => ({
      amount: paid.amount,
      memo: `${paid.reference} chuyen khoan`,
      bankReference,
      bookedAt: bookedAt.toISOString(),
    }));
    const run = await agent
      .post(`/admin/v1/reconciliation/runs?provider=vietqr&business_date=${date}&file_name=camt053.xml`)
      .set('X-CSRF-Token', csrf)
      .set('Content-Type', 'application/xml')
      .send(camt053(ACCOUNT, lines));
    expect(run.status).toBe(201);
    expect(run.body.summary).toEqual([
      expect.objectContaining({ category: 'matched', status: 'ok', count: 2, line_amount: 180000 }),
    ]);
  });
});
