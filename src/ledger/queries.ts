import type { Queryable } from '../db/port.ts';

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

/** One statement: the entry and its lines (balance is checked by the database at commit). */
export const insertEntry = (
  tx: Queryable,
  e: Omit<EntryRow, 'id' | 'posted_at'>,
  accounts: string[],
  amounts: string[],
) =>
  tx.query<{ entry_id: string }>(
    `WITH entry AS (
       INSERT INTO journal_entries (kind, mode, agency_id, payment_id, attempt_id, refund_id, memo)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
     )
     INSERT INTO journal_lines (entry_id, line_no, account, amount)
     SELECT entry.id, l.n::smallint, l.account, l.amount
       FROM entry, unnest($8::text[], $9::numeric[]) WITH ORDINALITY AS l (account, amount, n)
     RETURNING entry_id`,
    [e.kind, e.mode, e.agency_id, e.payment_id, e.attempt_id, e.refund_id, e.memo, accounts, amounts],
  );

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
