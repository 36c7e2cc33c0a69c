import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import { issuePending } from '../../src/receipts/service.ts';
import { onPglite } from '../helpers/db.ts';
import { paymentBody, type TestHub, testHub } from '../helpers/hub.ts';

let hub: TestHub;
beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
});
afterAll(() => hub.drop());

async function paidPayment(): Promise<string> {
  const created = await hub.api().post('/v1/payments', paymentBody());
  expect(created.status).toBe(201);
  const paid = await hub
    .api()
    .post(`/v1/test_helpers/payments/${created.body.id}/complete`, { outcome: 'succeeded' });
  expect(paid.body.status).toBe('succeeded');
  return created.body.id;
}

const receipts = async () =>
  (
    await hub.db.query<{ payment_id: string; number: number; paid_at: Date }>(
      `SELECT r.payment_id, r.number, p.paid_at FROM receipts r JOIN payments p ON p.id = r.payment_id
        ORDER BY r.number`,
    )
  ).rows;

describe('e-receipt numbering', () => {
  it('numbers queued receipts after the success, gapless and in the order the payments succeeded', async () => {
    const paid: string[] = [];
    for (let i = 0; i < 24; i++) paid.push(await paidPayment());
    // The successes committed with their receipts queued, not yet numbered.
    expect(await receipts()).toEqual([]);
    const queued = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM receipt_queue');
    expect(queued.rows[0]!.n).toBe(24);

    // Two instances number at once (on Postgres); they take turns per agency.
    const other = onPglite ? hub.db : hub.another();
    const [a, b] = await Promise.all([issuePending(hub.db), issuePending(other)]);
    expect(a + b).toBe(24);
    const issued = await receipts();
    expect(issued.map((r) => r.number)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(issued.map((r) => r.payment_id)).toEqual(paid);
    expect(await issuePending(hub.db)).toBe(0);
    const left = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM receipt_queue');
    expect(left.rows[0]!.n).toBe(0);
  });

  it('a receipt asked for before the numbering job ran is numbered on the spot', async () => {
    const id = await paidPayment();
    const pdf = await hub.api().get(`/v1/payments/${id}/receipt`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const mine = (await receipts()).find((r) => r.payment_id === id);
    expect(mine?.number).toBe(25);
  });
});
