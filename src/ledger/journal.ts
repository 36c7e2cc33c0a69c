/**
 * The journal's write side: entries posted in the caller's transaction, or rendered as CTEs of a
 * one-statement change. It reads no other concept, so any transition may post through it.
 */
import type { Queryable } from '../db/port.ts';
import { isBalanced, type Line } from './postings.ts';
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
