import type { SettlementLineType } from '../../adapters/types.ts';
/**
 * Reconciliation's journal entries (src/ledger): when a provider's day is reconciled, what it
 * settled leaves provider_clearing:<provider> — the net payout to settlement_bank:<provider>,
 * the provider's fee to provider_fees — so clearing is zero for a fully reconciled day.
 */
import type { Queryable } from '../db/port.ts';
import { accounts, postEntry } from '../ledger/service.ts';
import { type Money, money } from '../money.ts';
import type { ClassifiedTotal } from './matching.ts';
import { SUCCESS_STATUSES } from './rules.ts';

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
export const confirmedLines = (item: {
  provider: string;
  line_amount: string | null;
  line_fee: string | null;
}) =>
  item.line_amount
    ? settlementLines(item.provider, { payments: item.line_amount, refunds: '0', fees: item.line_fee ?? '0' })
    : [];

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
  const lines = confirmedLines(item);
  if (!mode || lines.length < 2) return;
  await postEntry(tx, {
    kind: 'settlement',
    mode,
    memo: `${memoOf(item.run_id)} line ${item.line_no}`,
    lines,
  });
}

/** A reconciliation item as the resolution entries need it. */
export interface ResolvedItem {
  id: string;
  run_id: string;
  provider: string;
  category: string;
  type: SettlementLineType;
  line_no: number | null;
  line_amount: string | null;
  line_fee: string | null;
  line_status: string | null;
  attempt_id: string | null;
  refund_id: string | null;
  agency_id: string | null;
}

/** The item's mode: its attempt's or refund's; a line naming nothing the hub knows is live unless the provider is the sandbox. */
async function modeOf(tx: Queryable, item: ResolvedItem): Promise<'test' | 'live'> {
  const { rows } = await tx.query<{ mode: 'test' | 'live' }>(
    `SELECT mode FROM attempts WHERE id = $1 UNION ALL SELECT mode FROM refunds WHERE id = $2 LIMIT 1`,
    [item.attempt_id, item.refund_id],
  );
  return rows[0]?.mode ?? (item.provider === 'sandbox' ? 'test' : 'live');
}

/**
 * What the line says the provider moved: a paid payment line +amount, a paid refund line −amount,
 * else 0 (a bank's own credits and debits are informational: no hub money passed through them).
 */
function lineMoved(item: ResolvedItem): Money {
  if (
    (item.type !== 'payment' && item.type !== 'refund') ||
    !item.line_amount ||
    !item.line_status ||
    !(SUCCESS_STATUSES as readonly string[]).includes(item.line_status)
  )
    return money(0);
  return item.type === 'payment' ? money(item.line_amount) : money(item.line_amount).negated();
}

/** The settlement of one paid line (net to the bank, fee to provider_fees, out of clearing). */
export function lineSettlementLines(item: ResolvedItem) {
  const moved = lineMoved(item);
  if (moved.isZero()) return [];
  const lines = settlementLines(item.provider, {
    payments: moved.isPositive() ? moved.toFixed(0) : '0',
    refunds: moved.isNegative() ? moved.negated().toFixed(0) : '0',
    fees: item.line_fee ?? '0',
  });
  return lines.length < 2 ? [] : lines;
}

async function postLineSettlement(
  tx: Queryable,
  item: ResolvedItem,
  mode: 'test' | 'live',
): Promise<string[]> {
  const lines = lineSettlementLines(item);
  if (lines.length === 0) return [];
  return [
    await postEntry(tx, {
      kind: 'settlement',
      mode,
      memo: `${memoOf(item.run_id)} line ${item.line_no}`,
      lines,
    }),
  ];
}

/**
 * A refund resolution: the provider collected the line's money and paid it out with its
 * settlement; the hub receives it into suspense (refundUnkept) and refunds it from there.
 * This posts the line's settlement, so clearing returns to zero once the refund settles.
 */
export async function postRefundedLine(tx: Queryable, item: ResolvedItem): Promise<string[]> {
  return postLineSettlement(tx, item, await modeOf(tx, item));
}

/**
 * A write-off accepts the provider's side of a break as final, in one entry: what the line
 * settled reaches the bank (net) and provider_fees (fee) as for a matched line, what the hub had
 * put in provider clearing for the item leaves it, and the difference goes to `write_off` (a
 * credit: money the hub holds and cannot attribute; a debit: money the hub counted on and will
 * not get). A fee mismatch was settled with the run already, and a break where neither side
 * moved money posts nothing. Returns the ids of the entries posted (kept in the action's result,
 * so reopen, or a corrected file, can reverse them).
 */
export async function writeOffLines(q: Queryable, item: ResolvedItem) {
  if (item.category === 'fee_mismatch') return [];
  // What the hub itself put in clearing for this item; a duplicate line's money was counted once already.
  let hub = money(0);
  if (item.category !== 'duplicate') {
    const { rows } = await q.query<{ amount: string }>(
      `SELECT amount::text FROM attempts WHERE id = $1 AND $3 = 'payment' AND status = 'succeeded'
       UNION ALL
       SELECT (-amount)::text FROM refunds WHERE id = $2 AND $3 = 'refund' AND status = 'succeeded'`,
      [item.attempt_id, item.refund_id, item.type],
    );
    if (rows[0]) hub = money(rows[0].amount);
  }
  const moved = lineMoved(item);
  const fee = moved.isZero() ? money(0) : money(item.line_fee ?? '0');
  const lines = [
    { account: accounts.settlementBank(item.provider), amount: moved.minus(fee) },
    { account: accounts.providerFees, amount: fee },
    { account: accounts.providerClearing(item.provider), amount: hub.negated() },
    { account: accounts.writeOff, amount: hub.minus(moved) },
  ].filter((l) => !l.amount.isZero());
  return lines.length < 2 ? [] : lines;
}

export async function postWriteOff(tx: Queryable, item: ResolvedItem): Promise<string[]> {
  const lines = await writeOffLines(tx, item);
  if (lines.length === 0) return [];
  return [
    await postEntry(tx, {
      kind: 'write_off',
      mode: await modeOf(tx, item),
      agencyId: item.agency_id,
      attemptId: item.type === 'payment' ? item.attempt_id : null,
      refundId: item.refund_id,
      memo: `${memoOf(item.run_id)} item ri_${item.id} written off`,
      lines,
    }),
  ];
}

const lastWriteOffEntries = async (tx: Queryable, itemId: string) => {
  const { rows } = await tx.query<{ result: { entries?: string[] } }>(
    `SELECT result FROM recon_actions WHERE item_id = $1::bigint AND action = 'write_off' ORDER BY created_at DESC, id DESC LIMIT 1`,
    [itemId],
  );
  return rows[0]?.result.entries ?? [];
};

/**
 * A corrected file superseded `previousId` (its settlement entries, confirmed lines included, were
 * reversed): the write-offs standing in it are reversed too, and the resolutions the new run
 * inherited post their entries again, against the new run's lines. An inherited write-off gets an
 * action row of its own with the entries, so it can be reopened like any other.
 */
export async function carryResolutionEntries(tx: Queryable, previousId: string, runId: string) {
  const standing = await tx.query<{ id: string }>(
    `SELECT id::text FROM recon_items WHERE run_id = $1 AND status = 'resolved' AND resolution = 'write_off'`,
    [previousId],
  );
  for (const { id } of standing.rows)
    await reverseEntries(tx, await lastWriteOffEntries(tx, id), `ri_${id} superseded by ${runId}`);
  const inherited = await tx.query<ResolvedItem & { resolution: string }>(
    `SELECT id::text, run_id, provider, category, type, line_no, line_amount::text, line_fee::text, line_status,
            attempt_id, refund_id, agency_id, resolution
       FROM recon_items WHERE run_id = $1 AND status = 'resolved'
        AND resolution IN ('write_off', 'confirm_payment', 'refund')`,
    [runId],
  );
  for (const item of inherited.rows) {
    if (item.resolution === 'confirm_payment') await postConfirmedLine(tx, item);
    else if (item.resolution === 'refund') await postRefundedLine(tx, item);
    else {
      const entries = await postWriteOff(tx, item);
      await tx.query(
        `INSERT INTO recon_actions (id, item_id, action, note, actor, result)
         VALUES ('ract_' || $1 || '_' || $2, $2::bigint, 'write_off', $3, 'system', $4)`,
        [
          runId,
          item.id,
          `Written off in ${previousId}, which this run's file corrects`,
          JSON.stringify({ entries, moved_money: entries.length > 0, inherited_from: previousId }),
        ],
      );
    }
  }
}

/** Reopening a write-off: each entry it posted is reversed by a new one (never edited). */
export async function reverseEntries(
  tx: Queryable,
  entryIds: readonly string[],
  memo: string,
): Promise<string[]> {
  if (entryIds.length === 0) return [];
  const { rows } = await tx.query<{
    id: string;
    mode: 'test' | 'live';
    agency_id: string | null;
    accounts: string[];
    amounts: string[];
  }>(
    `SELECT e.id::text, e.mode, e.agency_id, array_agg(l.account ORDER BY l.line_no) AS accounts,
            array_agg(l.amount::text ORDER BY l.line_no) AS amounts
     FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
     WHERE e.id = ANY($1::bigint[]) GROUP BY e.id ORDER BY e.id`,
    [entryIds],
  );
  const reversed: string[] = [];
  for (const entry of rows) {
    reversed.push(
      await postEntry(tx, {
        kind: 'write_off_reversal',
        mode: entry.mode,
        agencyId: entry.agency_id,
        memo: `${memo} (reverses entry ${entry.id})`,
        lines: entry.accounts.map((account, i) => ({ account, amount: money(entry.amounts[i]!).negated() })),
      }),
    );
  }
  return reversed;
}
