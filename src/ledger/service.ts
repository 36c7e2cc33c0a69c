import type { Principal } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { domainErrors } from '../errors.ts';
import { money, toJsonAmount } from '../money.ts';
import { paymentOf } from '../payments/records.ts';
import { accounts } from './postings.ts';
import * as q from './queries.ts';

function entryJson(row: q.EntryRow & { lines: q.LineRow[] }) {
  return {
    id: `je_${row.id}`,
    object: 'journal_entry' as const,
    kind: row.kind,
    attempt: row.attempt_id,
    refund: row.refund_id,
    memo: row.memo,
    posted_at: new Date(row.posted_at).toISOString(),
    lines: row.lines.map((l) => {
      const amount = money(l.amount);
      return {
        account: l.account,
        debit: amount.isPositive() ? toJsonAmount(amount) : 0,
        credit: amount.isNegative() ? toJsonAmount(amount.negated()) : 0,
      };
    }),
  };
}

export function ledgerService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /** The journal entries of one payment (its success, refunds, double payments), oldest first. */
    async ofPayment(principal: Principal, paymentId: string) {
      const payment = await paymentOf(db, principal, paymentId);
      if (!payment) throw domainErrors.notFound('payment', paymentId);
      const { rows } = await q.entriesOfPayment(db, payment.id);
      return { object: 'list' as const, data: rows.map(entryJson), has_more: false };
    },

    /** What the hub owes the agency in the key's mode, and what it holds for payers (double payments). */
    async balance(principal: Principal) {
      const payable = accounts.agencyPayable(principal.agencyId);
      const suspense = accounts.suspense(principal.agencyId);
      const { rows } = await q.balances(db, principal.mode, [payable, suspense]);
      // Both are credit balances: the hub owes them, so they are shown positive.
      const owed = (account: string) =>
        toJsonAmount(money(rows.find((r) => r.account === account)?.balance ?? '0').negated());
      return {
        object: 'balance' as const,
        livemode: principal.mode === 'live',
        currency: 'VND' as const,
        payable: owed(payable),
        held_for_refund: owed(suspense),
      };
    },
  };
}

export type LedgerService = ReturnType<typeof ledgerService>;

/** A payment's ledger entries and their lines, oldest first (the console's timeline). */
export const entriesOfPayment = (db: Queryable, paymentId: string) => q.entriesOfPayment(db, paymentId);
