import type { Principal } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { domainErrors } from '../errors.ts';
import { money, toJsonAmount } from '../money.ts';
import { paymentOf } from '../payments/records.ts';
import { accounts, isBalanced, type Line } from './postings.ts';
import * as q from './queries.ts';

export { accounts } from './postings.ts';

export interface NewEntry {
  /** payment, refund, double_payment, provider_fee, settlement, write_off… */
  kind: string;
  mode: 'test' | 'live';
  agencyId?: string | null;
  paymentId?: string | null;
  attemptId?: string | null;
  refundId?: string | null;
  memo?: string | null;
  lines: readonly Line[];
}

/**
 * Posts one balanced entry in the caller's transaction (the one that changes the state it
 * records). Refuses an unbalanced entry here; the database refuses it again at commit.
 */
export async function postEntry(tx: Queryable, entry: NewEntry): Promise<string> {
  checkBalanced(entry);
  const { rows } = await q.insertEntry(
    tx,
    {
      kind: entry.kind,
      mode: entry.mode,
      agency_id: entry.agencyId ?? null,
      payment_id: entry.paymentId ?? null,
      attempt_id: entry.attemptId ?? null,
      refund_id: entry.refundId ?? null,
      memo: entry.memo ?? null,
    },
    entry.lines.map((l) => l.account),
    entry.lines.map((l) => l.amount.toFixed(0)),
  );
  return rows[0]!.entry_id;
}

export function checkBalanced(entry: NewEntry): void {
  if (!isBalanced(entry.lines)) {
    throw new Error(`unbalanced journal entry (${entry.kind}): ${JSON.stringify(entry.lines)}`);
  }
}

/** Entries as CTEs of a one-statement change (check each with checkBalanced first). */
export { type EntrySource, entryCtes } from './queries.ts';

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
