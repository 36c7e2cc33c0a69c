/**
 * Reconciliation's journal entries (src/ledger): when a provider's day is reconciled, what it
 * settled leaves provider_clearing:<provider> — the net payout to settlement_bank:<provider>,
 * the provider's fee to provider_fees — so clearing is zero for a fully reconciled day.
 */
import type { Queryable } from '../db/port.ts';
import { accounts, postEntry } from '../ledger/service.ts';
import { type Money, money } from '../money.ts';
import type { ClassifiedTotal } from './matching.ts';

interface Settled {
  mode: 'test' | 'live';
  payments: string;
  refunds: string;
  fees: string;
}

const memoOf = (runId: string) => `reconciliation run ${runId}`;

function settlementLines(provider: string, s: { payments: string; refunds: string; fees: string }) {
  const cleared = money(s.payments).minus(s.refunds);
  const fees = money(s.fees);
  return [
    { account: accounts.settlementBank(provider), amount: cleared.minus(fees) },
    { account: accounts.providerFees, amount: fees },
    { account: accounts.providerClearing(provider), amount: cleared.negated() },
  ].filter((l) => !l.amount.isZero());
}

async function post(tx: Queryable, provider: string, memo: string, s: Settled) {
  const lines = settlementLines(provider, s);
  if (lines.length < 2) return;
  await postEntry(tx, { kind: 'settlement', mode: s.mode, memo, lines });
}

/**
 * Posts a run's settlement entry, one per mode, from the matching's totals: the lines that settle
 * hub money as the hub expects (matched, or settled with another fee). Breaks post nothing until
 * resolved.
 */
export async function postRunSettlement(
  tx: Queryable,
  runId: string,
  provider: string,
  totals: readonly ClassifiedTotal[],
) {
  const byMode = new Map<'test' | 'live', { payments: Money; refunds: Money; fees: Money }>();
  for (const t of totals) {
    if (!t.mode || (t.category !== 'matched' && t.category !== 'fee_mismatch')) continue;
    const sums = byMode.get(t.mode) ?? { payments: money(0), refunds: money(0), fees: money(0) };
    if (t.type === 'payment') sums.payments = sums.payments.plus(t.line_amount);
    else sums.refunds = sums.refunds.plus(t.line_amount);
    sums.fees = sums.fees.plus(t.line_fee);
    byMode.set(t.mode, sums);
  }
  for (const [mode, sums] of byMode) {
    await post(tx, provider, memoOf(runId), {
      mode,
      payments: sums.payments.toFixed(0),
      refunds: sums.refunds.toFixed(0),
      fees: sums.fees.toFixed(0),
    });
  }
}

/** A corrected file replaced this run: its settlement entries are reversed by new ones (never edited). */
export async function reverseRunSettlement(tx: Queryable, runId: string, supersededBy: string) {
  const { rows } = await tx.query<{
    id: string;
    mode: 'test' | 'live';
    accounts: string[];
    amounts: string[];
  }>(
    `SELECT e.id::text, e.mode, array_agg(l.account ORDER BY l.line_no) AS accounts,
            array_agg(l.amount::text ORDER BY l.line_no) AS amounts
     FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
     WHERE e.kind = 'settlement' AND (e.memo = $1 OR e.memo LIKE $1 || ' line %')
     GROUP BY e.id, e.mode`,
    [memoOf(runId)],
  );
  for (const entry of rows) {
    await postEntry(tx, {
      kind: 'settlement_reversal',
      mode: entry.mode,
      memo: `${memoOf(runId)} superseded by ${supersededBy}`,
      lines: entry.accounts.map((account, i) => ({ account, amount: money(entry.amounts[i]!).negated() })),
    });
  }
}

/** A payment line confirmed by finance settles like a matched one. */
export async function postConfirmedLine(
  tx: Queryable,
  item: {
    run_id: string;
    provider: string;
    line_no: number | null;
    attempt_id: string | null;
    line_amount: string | null;
    line_fee: string | null;
  },
) {
  const mode = (
    await tx.query<{ mode: 'test' | 'live' }>('SELECT mode FROM attempts WHERE id = $1', [item.attempt_id])
  ).rows[0]?.mode;
  if (!mode || !item.line_amount) return;
  await post(tx, item.provider, `${memoOf(item.run_id)} line ${item.line_no}`, {
    mode,
    payments: item.line_amount,
    refunds: '0',
    fees: item.line_fee ?? '0',
  });
}
