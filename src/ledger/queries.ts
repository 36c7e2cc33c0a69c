import type { Queryable } from '../db/port.ts';
import { Params } from '../db/statement.ts';

export interface EntryRow {
  id: string;
  kind: string;
  mode: 'test' | 'live';
  agency_id: string | null;
  payment_id: string | null;
  attempt_id: string | null;
  refund_id: string | null;
  memo: string | null;
  posted_at: Date;
}

export interface LineRow {
  entry_id: string;
  line_no: number;
  account: string;
  amount: string;
}

/** An entry's columns as SQL expressions: parameters for one entry, or columns of `from` for many. */
export interface EntrySource {
  from?: string;
  kind: string;
  mode: string;
  agencyId: string;
  paymentId: string;
  attemptId: string;
  refundId: string;
  memo: string;
  /** FROM clause yielding l.line_no, l.account, l.amount for each row of `entry` (its id, attempt_id). */
  lines: string;
}

/**
 * Entries and their lines as CTEs (`entry`, `entry_lines`) for a statement of the caller's
 * (balance is checked by the database at commit).
 */
export function entryCtes(src: EntrySource): string {
  return `entry AS (
       INSERT INTO journal_entries (kind, mode, agency_id, payment_id, attempt_id, refund_id, memo)
       SELECT ${src.kind}, ${src.mode}, ${src.agencyId}, ${src.paymentId}, ${src.attemptId}, ${src.refundId}, ${src.memo}
       ${src.from ? `FROM ${src.from}` : ''}
       RETURNING id, attempt_id
     ), entry_lines AS (
       INSERT INTO journal_lines (entry_id, line_no, account, amount)
       SELECT entry.id, l.line_no::smallint, l.account, l.amount FROM ${src.lines}
     )`;
}

export function insertEntry(
  tx: Queryable,
  e: Omit<EntryRow, 'id' | 'posted_at'>,
  accounts: string[],
  amounts: string[],
) {
  const p = new Params();
  const src: EntrySource = {
    kind: p.add(e.kind, 'text'),
    mode: p.add(e.mode, 'text'),
    agencyId: p.add(e.agency_id, 'text'),
    paymentId: p.add(e.payment_id, 'text'),
    attemptId: p.add(e.attempt_id, 'text'),
    refundId: p.add(e.refund_id, 'text'),
    memo: p.add(e.memo, 'text'),
    lines: `entry, unnest(${p.add(accounts, 'text[]')}, ${p.add(amounts, 'numeric[]')}) WITH ORDINALITY AS l (account, amount, line_no)`,
  };
  return tx.query<{ entry_id: string }>(`WITH ${entryCtes(src)} SELECT id AS entry_id FROM entry`, p.values);
}

export const entriesOfPayment = (db: Queryable, paymentId: string) =>
  db.query<EntryRow & { lines: LineRow[] }>(
    `SELECT e.*, coalesce(
              (SELECT json_agg(json_build_object('line_no', l.line_no, 'account', l.account, 'amount', l.amount::text)
                               ORDER BY l.line_no)
                 FROM journal_lines l WHERE l.entry_id = e.id), '[]') AS lines
       FROM journal_entries e WHERE e.payment_id = $1 ORDER BY e.id`,
    [paymentId],
  );

/** Balance of accounts by name, in one mode: the sum of their lines (debit positive). */
export const balances = (db: Queryable, mode: string, accountNames: string[]) =>
  db.query<{ account: string; balance: string }>(
    `SELECT l.account, sum(l.amount)::text AS balance
       FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
      WHERE e.mode = $1 AND l.account = ANY ($2::text[])
      GROUP BY l.account`,
    [mode, accountNames],
  );
