import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enableProvider } from '../../src/agencies/service.ts';
import type { Services } from '../../src/app.ts';
import { audit } from '../../src/audit/service.ts';
import { postEntry } from '../../src/ledger/journal.ts';
import { money } from '../../src/money.ts';
import { onPglite } from '../helpers/db.ts';
import { type TestHub, testHub } from '../helpers/hub.ts';
import {
  doublyPaidPayment,
  ledgerChecks,
  paidPayment,
  sandboxRefusesRefunds,
} from '../helpers/money-flows.ts';

let hub: TestHub;
let services: Services;
beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  services = hub.services;
});
afterAll(() => hub.drop());

const line = (account: string, amount: string) => ({ account, amount: money(amount) });

describe('the database guards the journal', () => {
  it('an unbalanced entry is rejected at commit, a balanced one is posted', async () => {
    const insert = (amounts: string[]) =>
      hub.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO journal_entries (kind, mode) VALUES ('adjustment', 'test') RETURNING id`,
        );
        for (const [i, amount] of amounts.entries()) {
          await tx.query(
            'INSERT INTO journal_lines (entry_id, line_no, account, amount) VALUES ($1, $2, $3, $4)',
            [rows[0]!.id, i + 1, i % 2 ? 'provider_clearing:sandbox' : 'provider_fees', amount],
          );
        }
        return rows[0]!.id;
      });
    await expect(insert(['100'])).rejects.toThrow(/unbalanced/);
    await expect(insert(['100', '-99'])).rejects.toThrow(/unbalanced/);
    await expect(insert([])).rejects.toThrow(/unbalanced/);
    const before = (await hub.db.query('SELECT * FROM journal_entries')).rows.length;
    const id = await insert(['100', '-60', '-40']);
    expect((await hub.db.query('SELECT * FROM journal_entries')).rows.length).toBe(before + 1);
    expect(
      (await hub.db.query('SELECT sum(amount)::text AS s FROM journal_lines WHERE entry_id = $1', [id])).rows,
    ).toEqual([{ s: '0' }]);
  });

  it('postEntry refuses an unbalanced entry before it reaches the database', async () => {
    await expect(
      hub.db.transaction((tx) =>
        postEntry(tx, {
          kind: 'adjustment',
          mode: 'test',
          lines: [line('provider_fees', '5'), line('provider_clearing:x', '-4')],
        }),
      ),
    ).rejects.toThrow(/unbalanced/);
  });

  it('posted lines and entries can be neither changed nor deleted', async () => {
    await hub.db.transaction((tx) =>
      postEntry(tx, {
        kind: 'adjustment',
        mode: 'test',
        lines: [line('provider_fees', '7'), line('provider_clearing:x', '-7')],
      }),
    );
    await expect(hub.db.query(`UPDATE journal_lines SET amount = amount * 2`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query(`DELETE FROM journal_lines`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query(`UPDATE journal_entries SET memo = 'x'`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query(`DELETE FROM journal_entries`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query(`TRUNCATE journal_lines`)).rejects.toThrow(/append-only/);
  });

  it('the audit log can be neither changed nor deleted', async () => {
    await audit(hub.db, { actorType: 'system', action: 'test.append' });
    await expect(hub.db.query(`UPDATE audit_log SET action = 'rewritten'`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(hub.db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  });
});

type Op =
  | { t: 'pay'; amount: number }
  | { t: 'double'; amount: number }
  | { t: 'refund'; p: number; amount: number | null }
  | { t: 'concurrent'; p: number; amounts: number[] }
  | { t: 'refuse'; p: number };

const amount = fc.integer({ min: 1, max: 300_000 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('pay' as const), amount }),
  fc.record({ t: fc.constant('double' as const), amount }),
  fc.record({ t: fc.constant('refund' as const), p: fc.nat(), amount: fc.option(amount, { nil: null }) }),
  fc.record({
    t: fc.constant('concurrent' as const),
    p: fc.nat(),
    amounts: fc.array(amount, { minLength: 2, maxLength: 4 }),
  }),
  fc.record({ t: fc.constant('refuse' as const), p: fc.nat() }),
);

describe('property: any interleaving of payments, refunds and failures', () => {
  it('keeps every entry balanced, the trial balance at zero and refunds within what was captured', async () => {
    const paid: string[] = [];
    const refund = (p: number, body: object) =>
      hub.api().post(`/v1/payments/${paid[p % paid.length]}/refunds`, body);
    await fc.assert(
      fc.asyncProperty(amount, fc.array(op, { minLength: 1, maxLength: 6 }), async (first, ops) => {
        for (const o of [{ t: 'pay' as const, amount: first }, ...ops]) {
          if (o.t === 'pay') paid.push(await paidPayment(hub, o.amount));
          else if (o.t === 'double') paid.push((await doublyPaidPayment(hub, services, o.amount)).paymentId);
          else if (paid.length === 0) continue;
          else if (o.t === 'refuse') await sandboxRefusesRefunds(hub.db, paid[o.p % paid.length]!);
          else if (o.t === 'refund') {
            const res = await refund(
              o.p,
              o.amount === null ? { reason: 'p' } : { amount: o.amount, reason: 'p' },
            );
            expect([201, 422]).toContain(res.status);
          } else {
            // Concurrent on Postgres (several connections); PGlite serialises them, which is allowed.
            const results = await Promise.all(o.amounts.map((a) => refund(o.p, { amount: a, reason: 'c' })));
            for (const res of results) expect([201, 422]).toContain(res.status);
          }
        }
        await services.refunds.executeDue();

        const { unbalanced, trial } = await ledgerChecks(hub.db);
        expect(unbalanced).toEqual([]);
        expect(trial).toBe('0');
        const over = await hub.db.query(
          `SELECT p.id FROM payments p
            WHERE p.amount_refunded > p.amount
               OR p.amount_refunded <> (SELECT coalesce(sum(r.amount), 0) FROM refunds r
                                         WHERE r.payment_id = p.id AND r.kind = 'requested' AND r.status = 'succeeded')
               OR (SELECT coalesce(sum(r.amount), 0) FROM refunds r
                    WHERE r.payment_id = p.id AND r.kind = 'requested' AND r.status <> 'failed') > p.amount`,
        );
        expect(over.rows).toEqual([]);
        // What the hub owes the agency is exactly what it collected less what it gave back.
        const { rows } = await hub.db.query<{
          owed: string;
          payable: string;
          held: string;
          double_left: string;
        }>(
          `SELECT (SELECT coalesce(sum(amount - amount_refunded), 0) FROM payments
                    WHERE status = 'succeeded' AND mode = 'test' AND agency_id = a.id)::text AS owed,
                  (SELECT coalesce(-sum(amount), 0) FROM journal_lines WHERE account = 'agency_payable:' || a.id)::text AS payable,
                  (SELECT coalesce(-sum(amount), 0) FROM journal_lines WHERE account = 'suspense:' || a.id)::text AS held,
                  (SELECT coalesce(sum(amount), 0) FROM refunds
                    WHERE kind = 'double_payment' AND status <> 'succeeded' AND agency_id = a.id)::text AS double_left
             FROM agencies a WHERE a.code = 'PROV-A'`,
        );
        expect(rows[0]!.payable).toBe(rows[0]!.owed);
        expect(rows[0]!.held).toBe(rows[0]!.double_left);
      }),
      { numRuns: onPglite ? 6 : 12 },
    );
    // The runs did refund, succeed and fail (a property over nothing proves nothing).
    const { rows } = await hub.db.query<{ status: string }>('SELECT DISTINCT status FROM refunds');
    expect(rows.map((r) => r.status)).toContain('succeeded');
  });
});
