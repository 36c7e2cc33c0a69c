/**
 * Property: whatever mix of payments, partial refunds, double payments, lost notifications,
 * unknown lines, short settlements and unsettled payments a business day holds, once its
 * settlement file is reconciled and every break resolved (confirm, write-off), every provider
 * clearing account is zero and every journal entry balances. Each run is a business day of its
 * own; what the hub did through the API is dated to that day before the file is uploaded.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffUser } from '../../src/admin/staff.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { addDays } from '../../src/dates.ts';
import { type SandboxSettlementLine, sandboxSettlementCsv } from '../fakes/settlement/sandbox.ts';
import { paymentBody, type TestHub, testHub } from '../helpers/hub.ts';
import { doublyPaidPayment, ledgerChecks, paidPayment } from '../helpers/money-flows.ts';
import { STAFF_PASSWORD, staffSession } from '../helpers/staff.ts';

let hub: TestHub;
let day = 0;

beforeAll(async () => {
  hub = await testHub();
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await createStaffUser(hub.db, { email: 'hq@payhub.gov.vn', role: 'finance', password: STAFF_PASSWORD });
});
afterAll(() => hub.drop());

const amount = fc.integer({ min: 10, max: 500 }).map((k) => k * 1_000);
const op = fc.oneof(
  fc.record({
    kind: fc.constant('payment' as const),
    amount,
    refunds: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 2 }),
    settled: fc.constantFrom('in_file', 'short', 'missing'),
  }),
  fc.record({ kind: fc.constant('double_payment' as const), amount }),
  fc.record({ kind: fc.constant('lost_notification' as const), amount }),
  fc.record({ kind: fc.constant('unknown_line' as const), amount }),
);

interface Attempt {
  id: string;
  provider_transaction_id: string;
  amount: string;
}

async function succeededAttempts(paymentId: string) {
  return (
    await hub.db.query<Attempt>(
      `SELECT id, provider_transaction_id, amount::text FROM attempts WHERE payment_id = $1 AND status = 'succeeded'`,
      [paymentId],
    )
  ).rows;
}

const feeOf = (a: string | number) => Math.round(Number(a) / 100);

async function clearing() {
  const { rows } = await hub.db.query<{ account: string; mode: string; balance: string }>(
    `SELECT l.account, e.mode, sum(l.amount)::text AS balance FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
      WHERE l.account LIKE 'provider_clearing:%' GROUP BY 1, 2 HAVING sum(l.amount) <> 0`,
  );
  return rows;
}

describe('ledger property', () => {
  it('a fully reconciled day leaves every clearing account at zero and every entry balanced', async () => {
    const { agent, csrf } = await staffSession(hub.app, 'hq@payhub.gov.vn');
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 5 }), async (ops) => {
        const date = addDays('2026-01-05', day++);
        const lines: SandboxSettlementLine[] = [];
        const payments: string[] = [];
        const line = (a: Attempt, extra: Partial<SandboxSettlementLine> = {}) =>
          lines.push({
            transactionId: a.provider_transaction_id,
            attemptId: a.id,
            amount: a.amount,
            fee: feeOf(a.amount),
            ...extra,
          });
        let n = 0;
        for (const o of ops) {
          n++;
          if (o.kind === 'payment') {
            const id = await paidPayment(hub, o.amount);
            payments.push(id);
            const [a] = await succeededAttempts(id);
            if (o.settled === 'in_file') line(a!);
            if (o.settled === 'short') line(a!, { amount: o.amount - 1_000, fee: feeOf(o.amount - 1_000) });
            let left = o.amount;
            for (const share of o.refunds) {
              const refund = Math.min(
                left,
                Math.max(1_000, Math.round((o.amount * share) / 100 / 1_000) * 1_000),
              );
              if (refund <= 0) break;
              left -= refund;
              const r = await hub
                .api()
                .post(
                  `/v1/payments/${id}/refunds`,
                  { amount: refund, reason: 'một phần' },
                  `p-${date}-${n}-${left}`,
                );
              expect(r.body.status).toBe('succeeded');
              lines.push({
                transactionId: r.body.provider_refund_id ?? r.body.id,
                attemptId: r.body.id,
                type: 'refund',
                amount: refund,
                fee: 0,
              });
            }
          } else if (o.kind === 'double_payment') {
            const d = await doublyPaidPayment(hub, hub.services, o.amount);
            payments.push(d.paymentId);
            await hub.services.refunds.executeDue();
            for (const a of await succeededAttempts(d.paymentId)) line(a);
            const { rows } = await hub.db.query<{ id: string; provider_refund_id: string | null }>(
              `SELECT id, provider_refund_id FROM refunds WHERE payment_id = $1 AND kind = 'double_payment' AND status = 'succeeded'`,
              [d.paymentId],
            );
            lines.push({
              transactionId: rows[0]!.provider_refund_id ?? rows[0]!.id,
              attemptId: rows[0]!.id,
              type: 'refund',
              amount: o.amount,
            });
          } else if (o.kind === 'lost_notification') {
            const created = await hub.api().post('/v1/payments', paymentBody({ amount: o.amount }));
            const { rows } = await hub.db.query<{ checkout_token: string }>(
              'SELECT checkout_token FROM payments WHERE id = $1',
              [created.body.id],
            );
            const started = await hub.services.attempts.start(
              rows[0]!.checkout_token,
              'sandbox',
              '127.0.0.1',
            );
            lines.push({
              transactionId: `LOST-${date}-${n}`,
              attemptId: started.attemptId,
              amount: o.amount,
              fee: feeOf(o.amount),
            });
          } else {
            lines.push({
              transactionId: `UNK-${date}-${n}`,
              attemptId: `att_UNKNOWN${day}x${n}`,
              amount: o.amount,
              fee: feeOf(o.amount),
            });
          }
        }
        // What the hub did today happened, for this property, on `date`.
        await hub.db.query(
          `UPDATE attempts SET completed_at = $2::timestamptz WHERE payment_id = ANY($1) AND completed_at IS NOT NULL`,
          [payments, `${date}T12:00:00+07:00`],
        );
        await hub.db.query(`UPDATE refunds SET completed_at = $2::timestamptz WHERE payment_id = ANY($1)`, [
          payments,
          `${date}T12:00:00+07:00`,
        ]);
        const run = await agent
          .post(`/admin/v1/reconciliation/runs?provider=sandbox&business_date=${date}`)
          .set('X-CSRF-Token', csrf)
          .set('Content-Type', 'text/csv')
          .send(sandboxSettlementCsv(date, lines));
        expect(run.status).toBe(201);
        const open = await hub.db.query<{ id: string; hub_status: string | null; category: string }>(
          `SELECT id::text, hub_status, category FROM recon_items WHERE run_id = $1 AND status IN ('open', 'carried')`,
          [run.body.id],
        );
        for (const item of open.rows) {
          const action =
            item.category === 'missing_in_hub' && item.hub_status === 'processing'
              ? 'confirm_payment'
              : 'write_off';
          const done = await agent
            .post(`/admin/v1/reconciliation/items/ri_${item.id}/actions`)
            .set('X-CSRF-Token', csrf)
            .send({ action, note: 'property' });
          expect(done.status, JSON.stringify(done.body)).toBe(201);
        }
        expect(await clearing()).toEqual([]);
        expect(await ledgerChecks(hub.db)).toEqual({ unbalanced: [], trial: '0' });
      }),
      { numRuns: 15, endOnFailure: true },
    );
    // Each run was a reconciled day of its own.
    const runs = await hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM recon_runs WHERE status = 'completed'`,
    );
    expect(runs.rows[0]!.n).toBe(day);
  }, 60_000);
});
