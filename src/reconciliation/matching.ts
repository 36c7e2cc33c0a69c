/**
 * The set-based heart of reconciliation: one INSERT … SELECT classifies every line of a run
 * against the hub's attempts and refunds of that provider, and every hub item of the day the
 * provider did not settle. No row-by-row loop in Node.
 */

import type { SettlementLineType } from '../../adapters/types.ts';
import type { Queryable } from '../db/port.ts';
import { type FeeRule, INFORMATIONAL, SUCCESS_STATUSES } from './rules.ts';

export interface MatchParams {
  runId: string;
  provider: string;
  businessDate: string;
  fee: FeeRule | null;
  /** Last day an unsettled hub item waits before it becomes a break; null: a break at once. */
  carryUntil: string | null;
  dayStart: Date;
  dayEnd: Date;
  /** Keys the run's lines may share (repeats.ts): only lines with these are counted for duplicates. */
  repeats: { types: readonly string[]; keys: readonly string[] };
  /** What the lines' merchant reference names (the adapter's settlementReference). */
  reference: 'attempt_id' | 'provider_reference';
}

const CLASSIFY = `
WITH lines AS NOT MATERIALIZED (
  -- dedupe_key: what two lines must not share, as repeats.ts's dedupeKey says it in ingest.
  SELECT l.*, l.status = ANY($9::text[]) AS paid,
         CASE WHEN l.type = 'payment' AND NOT $12::boolean THEN l.merchant_reference
              ELSE l.provider_transaction_id END AS dedupe_key
  FROM settlement_lines l WHERE l.run_id = $1
),
repeated AS (
  -- Several payment lines for one attempt, or refund lines with one provider id: all but the
  -- first are duplicates. Only lines whose key ingest saw twice are counted: usually none, and
  -- then the lines are not read at all.
  SELECT l.type, l.dedupe_key, min(l.line_no) AS first_line
  FROM lines l JOIN unnest($10::text[], $11::text[]) AS seen (type, key) ON seen.type = l.type AND seen.key = l.dedupe_key
  GROUP BY l.type, l.dedupe_key HAVING count(*) > 1
),
repeats AS (
  -- Joined from the (usually empty) repeated side, so a file without duplicates is not read again.
  SELECT l.line_no FROM lines l JOIN repeated d ON d.type = l.type AND d.dedupe_key = l.dedupe_key
  WHERE l.line_no > d.first_line
),
earlier AS (
  -- Paid lines of this provider's other current runs (five weeks back): what they already settled.
  SELECT o.type, o.merchant_reference, o.provider_transaction_id FROM settlement_lines o
  WHERE o.run_id IN (SELECT id FROM recon_runs WHERE provider = $2 AND status = 'completed' AND id <> $1
                       AND business_date >= $3::date - 35)
    AND o.status = ANY($9::text[])
),
settled_attempts AS (SELECT DISTINCT merchant_reference AS id FROM earlier WHERE type = 'payment'),
-- A payer's transfers are told apart by the bank's reference: one reference may be paid into twice.
settled_transfers AS (SELECT DISTINCT provider_transaction_id AS id FROM earlier WHERE type = 'payment' AND $12::boolean),
settled_refunds AS (SELECT DISTINCT provider_transaction_id AS id FROM earlier WHERE type = 'refund'),
payment_side AS (
  -- One full join, as the bare floor does: each payment line with its attempt, and each attempt the
  -- hub recorded as done on this business day that no line settles (line_no NULL).
  SELECT l.line_no, l.provider_transaction_id, l.merchant_reference, 'payment' AS type, l.amount, l.fee,
         l.status, l.occurred_at, l.paid, a.id AS attempt_id, a.agency_id, a.payment_id, NULL::text AS refund_id,
         a.amount AS hub_amount, a.status AS hub_status, a.mode,
         CASE WHEN $4::numeric IS NULL OR l.amount IS NULL THEN NULL
              ELSE greatest($5::numeric, round(l.amount * $4::numeric / 100)) END AS expected_fee,
         (NOT $12::boolean AND l.merchant_reference IN (SELECT id FROM settled_attempts))
           -- Named by a reference the payer copied ($12): a transfer an earlier run settled, or one
           -- whose bank reference is not the one that paid the attempt — a second transfer for it,
           -- unless the hub already recorded that transfer as a double payment (its bank credit).
           OR ($12::boolean AND l.provider_transaction_id IN (SELECT id FROM settled_transfers))
           OR ($12::boolean AND l.line_no IS NOT NULL AND a.status = 'succeeded'
               AND a.provider_transaction_id IS DISTINCT FROM l.provider_transaction_id
               AND NOT EXISTS (SELECT 1 FROM bank_credits bc WHERE bc.attempt_id = a.id
                                 AND bc.bank_reference = l.provider_transaction_id AND bc.refund_id IS NOT NULL))
           AS settled_before,
         l.line_no IN (SELECT line_no FROM repeats) AS repeat
  FROM (SELECT * FROM lines WHERE type = 'payment') l
  FULL JOIN (SELECT id, agency_id, payment_id, amount, status, mode, completed_at, provider_transaction_id
             FROM attempts WHERE provider = $2) a
    ON a.id = l.merchant_reference
  WHERE l.line_no IS NOT NULL
     OR (a.status = 'succeeded' AND a.completed_at >= $7 AND a.completed_at < $8
         AND a.id NOT IN (SELECT id FROM settled_attempts))
),
refund_lines AS (
  SELECT l.line_no, l.provider_transaction_id, l.merchant_reference, l.type, l.amount, l.fee, l.status,
         l.occurred_at, l.paid, coalesce(r1.attempt_id, r2.attempt_id) AS attempt_id,
         coalesce(r1.agency_id, r2.agency_id) AS agency_id, coalesce(r1.payment_id, r2.payment_id) AS payment_id,
         coalesce(r1.id, r2.id) AS refund_id, coalesce(r1.amount, r2.amount) AS hub_amount,
         coalesce(r1.status, r2.status) AS hub_status, coalesce(r1.mode, r2.mode) AS mode,
         NULL::numeric AS expected_fee, l.provider_transaction_id IN (SELECT id FROM settled_refunds) AS settled_before,
         l.line_no IN (SELECT line_no FROM repeats) AS repeat
  FROM lines l
  LEFT JOIN refunds r1 ON r1.provider = $2 AND r1.provider_refund_id = l.provider_transaction_id
  LEFT JOIN refunds r2 ON r1.id IS NULL AND r2.provider = $2 AND r2.id = l.merchant_reference
  WHERE l.type = 'refund'
),
unsettled_refunds AS (
  SELECT NULL::integer, NULL::text, NULL::text, 'refund', NULL::numeric, NULL::numeric, NULL::text,
         NULL::timestamptz, NULL::boolean, r.attempt_id, r.agency_id, r.payment_id, r.id, r.amount, r.status, r.mode,
         NULL::numeric, false, false
  FROM refunds r
  WHERE r.provider = $2 AND r.status = 'succeeded' AND r.completed_at >= $7 AND r.completed_at < $8
    AND NOT EXISTS (SELECT 1 FROM refund_lines c WHERE c.refund_id = r.id)
    AND NOT EXISTS (SELECT 1 FROM settled_refunds s WHERE s.id = r.provider_refund_id)
),
bank_lines AS (
  -- A bank's own credits (naming no payment) and debits: reported with the run, matched to nothing.
  SELECT l.line_no, l.provider_transaction_id, l.merchant_reference, l.type, l.amount, l.fee, l.status,
         l.occurred_at, l.paid, NULL::text, NULL::text, NULL::text, NULL::text, NULL::numeric, NULL::text,
         NULL::text, NULL::numeric, false, false
  FROM lines l WHERE l.type IN ('credit', 'debit')
),
verdicts AS (
  SELECT x.*,
    CASE
      WHEN x.type = 'credit' THEN 'unrelated_credit'
      WHEN x.type = 'debit' THEN 'bank_debit'
      WHEN x.line_no IS NULL THEN 'missing_at_provider'
      WHEN x.repeat OR x.settled_before THEN 'duplicate'
      WHEN x.hub_status IS NULL THEN 'missing_in_hub'
      -- Paid at the provider while the hub still waits: the notification was lost.
      WHEN x.paid AND x.hub_status IN ('processing', 'pending') THEN 'missing_in_hub'
      WHEN x.paid <> (x.hub_status = 'succeeded') THEN 'status_mismatch'
      WHEN NOT x.paid AND x.hub_status IN ('processing', 'pending') THEN 'status_mismatch'
      WHEN x.amount <> x.hub_amount THEN 'amount_mismatch'
      WHEN x.paid AND x.expected_fee IS NOT NULL AND x.fee <> x.expected_fee THEN 'fee_mismatch'
      ELSE 'matched'
    END AS category
  FROM (SELECT * FROM payment_side UNION ALL SELECT * FROM refund_lines UNION ALL SELECT * FROM unsettled_refunds
        UNION ALL SELECT * FROM bank_lines) x
  -- Kept a subquery, so the category is worked out once per line, not once per use below.
  OFFSET 0
),
totals AS (
  -- Straight from the join, never stored row by row: matched lines fold into a few totals, and
  -- every other verdict is a group of its own that keeps the columns its item needs.
  SELECT category, mode, type, count(*)::int AS count, sum(amount) AS amount, sum(fee) AS fee,
         sum(hub_amount) AS hub_amount,
         min(line_no) FILTER (WHERE category <> 'matched') AS line_no,
         min(provider_transaction_id) FILTER (WHERE category <> 'matched') AS provider_transaction_id,
         min(merchant_reference) FILTER (WHERE category <> 'matched') AS merchant_reference,
         min(status) FILTER (WHERE category <> 'matched') AS status,
         min(occurred_at) FILTER (WHERE category <> 'matched') AS occurred_at,
         min(attempt_id) FILTER (WHERE category <> 'matched') AS attempt_id,
         min(agency_id) FILTER (WHERE category <> 'matched') AS agency_id,
         min(payment_id) FILTER (WHERE category <> 'matched') AS payment_id,
         min(refund_id) FILTER (WHERE category <> 'matched') AS refund_id,
         min(hub_status) FILTER (WHERE category <> 'matched') AS hub_status,
         min(expected_fee) FILTER (WHERE category <> 'matched') AS expected_fee
  FROM verdicts
  GROUP BY category, mode, type, CASE WHEN category <> 'matched' THEN line_no END,
           CASE WHEN category <> 'matched' THEN attempt_id END, CASE WHEN category <> 'matched' THEN refund_id END
),
items AS (
  -- Matched lines stay in settlement_lines only: items are what needs, or may need, a person.
  INSERT INTO recon_items (run_id, provider, business_date, category, status, carry_until, agency_id,
    attempt_id, payment_id, refund_id, type, line_no, provider_transaction_id, merchant_reference,
    line_amount, line_fee, line_status, occurred_at, hub_amount, hub_status, expected_fee)
  SELECT $1, $2, $3::date, t.category,
         CASE WHEN t.category = ANY($13::text[]) THEN 'ok'
              WHEN t.category = 'missing_at_provider' AND $6::date IS NOT NULL THEN 'carried' ELSE 'open' END,
         CASE WHEN t.category = 'missing_at_provider' THEN $6::date END,
         t.agency_id, t.attempt_id, t.payment_id, t.refund_id, t.type, t.line_no, t.provider_transaction_id,
         t.merchant_reference, t.amount, t.fee, t.status, t.occurred_at, t.hub_amount, t.hub_status, t.expected_fee
  FROM totals t WHERE t.category <> 'matched'
  RETURNING 1
)
SELECT category, status, mode, type, sum(count)::int AS count, coalesce(sum(amount), 0)::text AS line_amount,
       coalesce(sum(fee), 0)::text AS line_fee, coalesce(sum(hub_amount), 0)::text AS hub_amount
FROM (
  SELECT category, type, count, amount, fee, hub_amount,
         CASE WHEN category = 'matched' OR category = ANY($13::text[]) THEN 'ok'
              WHEN category = 'missing_at_provider' AND $6::date IS NOT NULL THEN 'carried' ELSE 'open' END AS status,
         CASE WHEN category <> 'missing_at_provider' THEN mode END AS mode
  FROM totals
) x
GROUP BY category, status, mode, type`;

/** Counts and totals of a run's lines by category, status, mode and line type. */
export interface ClassifiedTotal extends CategoryTotal {
  mode: 'test' | 'live' | null;
  type: SettlementLineType;
}

/** Classifies a run's lines, writes its items, and returns the counts and totals per category. */
export async function classify(tx: Queryable, p: MatchParams): Promise<ClassifiedTotal[]> {
  if (p.reference === 'provider_reference') {
    // The lines name the reference the payer copied into the memo: named by the attempt it is the
    // provider reference of (unique per provider), they match like every provider's lines.
    await tx.query(
      `UPDATE settlement_lines l SET merchant_reference = a.id FROM attempts a
       WHERE l.run_id = $1 AND l.type = 'payment' AND a.provider = $2 AND a.provider_reference = l.merchant_reference`,
      [p.runId, p.provider],
    );
  }
  // Sorting and hashing a million lines wants more than the default 4 MB (server memory, not ours).
  await tx.query(`SELECT set_config('work_mem', '256MB', true)`);
  // Fresh statistics of the lines just copied, and hash joins and hash aggregates only: the planner
  // misjudges CTE sizes and would probe the attempts index once per line or sort a million rows,
  // several times slower at this volume. JIT compiling costs more than it saves for one statement.
  await tx.exec('ANALYZE settlement_lines');
  await tx.query(
    `SELECT set_config('enable_nestloop', 'off', true), set_config('enable_mergejoin', 'off', true), set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`,
  );
  const result = await tx.query<ClassifiedTotal>(CLASSIFY, [
    p.runId,
    p.provider,
    p.businessDate,
    p.fee?.percent ?? null,
    p.fee?.min ?? null,
    p.carryUntil,
    p.dayStart,
    p.dayEnd,
    SUCCESS_STATUSES,
    p.repeats.types,
    p.repeats.keys,
    p.reference === 'provider_reference',
    INFORMATIONAL,
  ]);
  await tx.query(
    `SELECT set_config('enable_nestloop', 'on', true), set_config('enable_mergejoin', 'on', true), set_config('enable_sort', 'on', true)`,
  );
  return result.rows;
}

/**
 * After a run: hub items still waiting (missing_at_provider, carried) that a line of this run
 * settles are resolved as settled later, each with its action row; those whose wait ended are breaks.
 */
export async function settleCarried(tx: Queryable, runId: string, provider: string, date: string) {
  // Usually nothing waits: then the run's lines need not be read again.
  const waiting = await tx.query(
    `SELECT 1 FROM recon_items i JOIN recon_runs r ON r.id = i.run_id
     WHERE i.provider = $1 AND i.category = 'missing_at_provider' AND i.status IN ('open', 'carried')
       AND r.status = 'completed' AND i.run_id <> $2 LIMIT 1`,
    [provider, runId],
  );
  const settled =
    waiting.rowCount === 0
      ? { rowCount: 0 }
      : await tx.query(
          `WITH hits AS (
       SELECT l.merchant_reference AS hub_id FROM settlement_lines l
       WHERE l.run_id = $1 AND l.type = 'payment' AND l.status = ANY($4::text[])
       UNION
       SELECT r.id FROM settlement_lines l JOIN refunds r ON r.provider = $2 AND r.provider_refund_id = l.provider_transaction_id
       WHERE l.run_id = $1 AND l.type = 'refund' AND l.status = ANY($4::text[])
     ), done AS (
       UPDATE recon_items i SET status = 'resolved', resolution = 'settled_later'
       FROM hits, recon_runs r
       WHERE i.category = 'missing_at_provider' AND i.status IN ('open', 'carried') AND i.provider = $2
         AND coalesce(i.refund_id, i.attempt_id) = hits.hub_id AND r.id = i.run_id AND r.status = 'completed'
         AND i.run_id <> $1
       RETURNING i.id
     )
     INSERT INTO recon_actions (id, item_id, action, note, actor, result)
     SELECT 'ract_' || $1 || '_' || done.id, done.id, 'settled_later', 'Settled in the provider file of ' || $3, 'system',
            jsonb_build_object('run_id', $1)
     FROM done`,
          [runId, provider, date, SUCCESS_STATUSES],
        );
  const expired = await tx.query(
    `UPDATE recon_items i SET status = 'open'
     FROM recon_runs r
     WHERE i.provider = $1 AND i.status = 'carried' AND i.carry_until <= $2::date
       AND r.id = i.run_id AND r.status = 'completed'`,
    [provider, date],
  );
  return { settledLater: settled.rowCount, becameBreaks: expired.rowCount };
}

/** A corrected file: breaks already resolved in the run it replaces stay resolved if they recur. */
export async function inheritResolutions(tx: Queryable, runId: string, supersededId: string) {
  await tx.query(
    `UPDATE recon_items n SET status = o.status, resolution = o.resolution, carry_until = o.carry_until
     FROM recon_items o
     WHERE n.run_id = $1 AND o.run_id = $2 AND o.resolution IS NOT NULL AND o.status IN ('resolved', 'carried')
       AND n.category = o.category AND n.type = o.type
       AND n.attempt_id IS NOT DISTINCT FROM o.attempt_id AND n.refund_id IS NOT DISTINCT FROM o.refund_id
       AND n.provider_transaction_id IS NOT DISTINCT FROM o.provider_transaction_id`,
    [runId, supersededId],
  );
}

export interface CategoryTotal {
  category: string;
  status: string;
  count: number;
  line_amount: string;
  line_fee: string;
  hub_amount: string;
}

/**
 * A run's counts and totals per category and status, as they stand: items from recon_items, matched
 * lines from settlement_lines (for the whole hub, as counted when the run completed).
 */
export async function summarize(
  q: Queryable,
  runId: string,
  scope: string[] | null = null,
): Promise<CategoryTotal[]> {
  const items = await q.query<CategoryTotal>(
    `SELECT category, status, count(*)::int AS count, coalesce(sum(line_amount), 0)::text AS line_amount,
            coalesce(sum(line_fee), 0)::text AS line_fee, coalesce(sum(hub_amount), 0)::text AS hub_amount
     FROM recon_items WHERE run_id = $1 AND ($2::text[] IS NULL OR agency_id = ANY($2::text[]))
     GROUP BY category, status`,
    [runId, scope],
  );
  const matched =
    scope === null
      ? await q.query<CategoryTotal>(
          `SELECT c->>'category' AS category, c->>'status' AS status, (c->>'count')::int AS count,
                  c->>'line_amount' AS line_amount, c->>'line_fee' AS line_fee, c->>'hub_amount' AS hub_amount
           FROM recon_runs r, jsonb_array_elements(r.summary->'categories') c
           WHERE r.id = $1 AND c->>'category' = 'matched'`,
          [runId],
        )
      : await q.query<CategoryTotal>(
          `SELECT 'matched' AS category, 'ok' AS status, count(*)::int AS count,
                  coalesce(sum(l.amount), 0)::text AS line_amount, coalesce(sum(l.fee), 0)::text AS line_fee,
                  coalesce(sum(coalesce(a.amount, rf.amount)), 0)::text AS hub_amount
           FROM settlement_lines l
           JOIN recon_runs r ON r.id = l.run_id
           -- LATERAL: each line looks its attempt or refund up by key, never a scan of the whole history.
           -- OFFSET 0 keeps each lookup a lookup: flattened into a join, the planner hashed all the
           -- attempts (317 ms at 500,000 payments, against 27 ms by key).
           LEFT JOIN LATERAL (SELECT a.agency_id, a.amount FROM attempts a
                               WHERE l.type = 'payment' AND a.id = l.merchant_reference AND a.provider = r.provider
                               OFFSET 0) a ON true
           LEFT JOIN LATERAL (SELECT rf.agency_id, rf.amount FROM refunds rf
                               WHERE l.type = 'refund' AND rf.provider = r.provider
                                 AND rf.provider_refund_id = l.provider_transaction_id OFFSET 0) rf ON true
           WHERE l.run_id = $1 AND coalesce(a.agency_id, rf.agency_id) = ANY($2::text[])
             AND NOT EXISTS (SELECT 1 FROM recon_items i WHERE i.run_id = l.run_id AND i.line_no = l.line_no)
           HAVING count(*) > 0`,
          [runId, scope],
        );
  return [...matched.rows, ...items.rows].sort((a, b) =>
    a.category === b.category ? a.status.localeCompare(b.status) : a.category.localeCompare(b.category),
  );
}
