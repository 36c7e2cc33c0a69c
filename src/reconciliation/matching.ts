/**
 * The set-based heart of reconciliation: one INSERT … SELECT classifies every line of a run
 * against the hub's attempts and refunds of that provider, and every hub item of the day the
 * provider did not settle. No row-by-row loop in Node.
 */
import type { Queryable } from '../db/port.ts';
import { type FeeRule, SUCCESS_STATUSES } from './rules.ts';

export interface MatchParams {
  runId: string;
  provider: string;
  businessDate: string;
  fee: FeeRule | null;
  /** Last day an unsettled hub item waits before it becomes a break; null: a break at once. */
  carryUntil: string | null;
  dayStart: Date;
  dayEnd: Date;
}

const CLASSIFY = `
WITH lines AS NOT MATERIALIZED (
  SELECT l.*, l.status = ANY($9::text[]) AS paid,
         CASE WHEN l.type = 'payment' THEN l.merchant_reference ELSE l.provider_transaction_id END AS dedupe_key
  FROM settlement_lines l WHERE l.run_id = $1
),
repeated AS (
  -- Several payment lines for one attempt, or refund lines with one provider id: all but the
  -- first are duplicates. A hash aggregate: files rarely have any, and sorting a million lines costs.
  SELECT type, dedupe_key, min(line_no) AS first_line FROM lines GROUP BY type, dedupe_key HAVING count(*) > 1
),
earlier AS (
  -- Paid lines of this provider's other current runs (five weeks back): what they already settled.
  SELECT o.type, o.merchant_reference, o.provider_transaction_id FROM settlement_lines o
  WHERE o.run_id IN (SELECT id FROM recon_runs WHERE provider = $2 AND status = 'completed' AND id <> $1
                       AND business_date >= $3::date - 35)
    AND o.status = ANY($9::text[])
),
settled_attempts AS (SELECT DISTINCT merchant_reference AS id FROM earlier WHERE type = 'payment'),
settled_refunds AS (SELECT DISTINCT provider_transaction_id AS id FROM earlier WHERE type = 'refund'),
payment_lines AS (
  SELECT l.*, a.id AS attempt_id, a.agency_id, a.payment_id, NULL::text AS refund_id,
         a.amount AS hub_amount, a.status AS hub_status, a.mode,
         CASE WHEN $4::numeric IS NULL THEN NULL
              ELSE greatest($5::numeric, round(l.amount * $4::numeric / 100)) END AS expected_fee,
         s.id IS NOT NULL AS settled_before, l.line_no > coalesce(d.first_line, l.line_no) AS repeat
  FROM lines l
  LEFT JOIN attempts a ON a.id = l.merchant_reference AND a.provider = $2
  LEFT JOIN settled_attempts s ON s.id = l.merchant_reference
  LEFT JOIN repeated d ON d.type = l.type AND d.dedupe_key = l.dedupe_key
  WHERE l.type = 'payment'
),
refund_lines AS (
  SELECT l.*, coalesce(r1.attempt_id, r2.attempt_id) AS attempt_id,
         coalesce(r1.agency_id, r2.agency_id) AS agency_id,
         coalesce(r1.payment_id, r2.payment_id) AS payment_id, coalesce(r1.id, r2.id) AS refund_id,
         coalesce(r1.amount, r2.amount) AS hub_amount, coalesce(r1.status, r2.status) AS hub_status,
         coalesce(r1.mode, r2.mode) AS mode, NULL::numeric AS expected_fee, s.id IS NOT NULL AS settled_before,
         l.line_no > coalesce(d.first_line, l.line_no) AS repeat
  FROM lines l
  LEFT JOIN refunds r1 ON r1.provider = $2 AND r1.provider_refund_id = l.provider_transaction_id
  LEFT JOIN refunds r2 ON r1.id IS NULL AND r2.provider = $2 AND r2.id = l.merchant_reference
  LEFT JOIN settled_refunds s ON s.id = l.provider_transaction_id
  LEFT JOIN repeated d ON d.type = l.type AND d.dedupe_key = l.dedupe_key
  WHERE l.type = 'refund'
),
classified AS (
  -- Narrow on purpose: a million verdicts are kept for the summary; the columns an item needs are
  -- kept only for lines that become items (NULL costs nothing).
  SELECT y.line_no, y.type, y.mode, y.amount, y.fee, y.hub_amount, y.refund_id, y.expected_fee, y.category,
         CASE WHEN y.category <> 'matched' THEN y.provider_transaction_id END AS provider_transaction_id,
         CASE WHEN y.category <> 'matched' THEN y.merchant_reference END AS merchant_reference,
         CASE WHEN y.category <> 'matched' THEN y.status END AS status,
         CASE WHEN y.category <> 'matched' THEN y.occurred_at END AS occurred_at,
         CASE WHEN y.category <> 'matched' THEN y.attempt_id END AS attempt_id,
         CASE WHEN y.category <> 'matched' THEN y.agency_id END AS agency_id,
         CASE WHEN y.category <> 'matched' THEN y.payment_id END AS payment_id,
         CASE WHEN y.category <> 'matched' THEN y.hub_status END AS hub_status
  FROM (
    SELECT x.*,
      CASE
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
    FROM (SELECT * FROM payment_lines UNION ALL SELECT * FROM refund_lines) x
  ) y
),
unsettled AS (
  -- What the hub recorded as done on this business day and no line settles.
  SELECT a.id AS attempt_id, NULL::text AS refund_id, a.agency_id, a.payment_id, 'payment' AS type,
         a.amount AS hub_amount, a.status AS hub_status
  FROM attempts a
  WHERE a.provider = $2 AND a.status = 'succeeded' AND a.completed_at >= $7 AND a.completed_at < $8
    AND NOT EXISTS (SELECT 1 FROM lines l WHERE l.type = 'payment' AND l.merchant_reference = a.id)
    AND NOT EXISTS (SELECT 1 FROM settled_attempts s WHERE s.id = a.id)
  UNION ALL
  SELECT r.attempt_id, r.id, r.agency_id, r.payment_id, 'refund', r.amount, r.status
  FROM refunds r
  WHERE r.provider = $2 AND r.status = 'succeeded' AND r.completed_at >= $7 AND r.completed_at < $8
    AND NOT EXISTS (SELECT 1 FROM classified c WHERE c.refund_id = r.id)
    AND NOT EXISTS (SELECT 1 FROM settled_refunds s WHERE s.id = r.provider_refund_id)
),
items AS (
  -- Matched lines stay in settlement_lines only: items are what needs, or may need, a person.
  INSERT INTO recon_items (run_id, provider, business_date, category, status, carry_until, agency_id,
    attempt_id, payment_id, refund_id, type, line_no, provider_transaction_id, merchant_reference,
    line_amount, line_fee, line_status, occurred_at, hub_amount, hub_status, expected_fee)
  SELECT $1, $2, $3::date, c.category, 'open', NULL::date, c.agency_id, c.attempt_id, c.payment_id, c.refund_id,
         c.type, c.line_no, c.provider_transaction_id, c.merchant_reference, c.amount, c.fee, c.status,
         c.occurred_at, c.hub_amount, c.hub_status, c.expected_fee
  FROM classified c WHERE c.category <> 'matched'
  UNION ALL
  SELECT $1, $2, $3::date, 'missing_at_provider', CASE WHEN $6::date IS NULL THEN 'open' ELSE 'carried' END, $6::date,
         u.agency_id, u.attempt_id, u.payment_id, u.refund_id, u.type, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         u.hub_amount, u.hub_status, NULL
  FROM unsettled u
  RETURNING 1
)
SELECT category, status, mode, type, count(*)::int AS count, coalesce(sum(amount), 0)::text AS line_amount,
       coalesce(sum(fee), 0)::text AS line_fee, coalesce(sum(hub_amount), 0)::text AS hub_amount
FROM (
  SELECT category, CASE WHEN category = 'matched' THEN 'ok' ELSE 'open' END AS status, mode, type, amount, fee, hub_amount
  FROM classified
  UNION ALL
  SELECT 'missing_at_provider', CASE WHEN $6::date IS NULL THEN 'open' ELSE 'carried' END, NULL, type, NULL, NULL, hub_amount
  FROM unsettled
) x
GROUP BY category, status, mode, type`;

/** Counts and totals of a run's lines by category, status, mode and line type. */
export interface ClassifiedTotal extends CategoryTotal {
  mode: 'test' | 'live' | null;
  type: 'payment' | 'refund';
}

/** Classifies a run's lines, writes its items, and returns the counts and totals per category. */
export async function classify(tx: Queryable, p: MatchParams): Promise<ClassifiedTotal[]> {
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
           LEFT JOIN attempts a ON l.type = 'payment' AND a.id = l.merchant_reference AND a.provider = r.provider
           LEFT JOIN refunds rf ON l.type = 'refund' AND rf.provider = r.provider AND rf.provider_refund_id = l.provider_transaction_id
           WHERE l.run_id = $1 AND coalesce(a.agency_id, rf.agency_id) = ANY($2::text[])
             AND NOT EXISTS (SELECT 1 FROM recon_items i WHERE i.run_id = l.run_id AND i.line_no = l.line_no)
           HAVING count(*) > 0`,
          [runId, scope],
        );
  return [...matched.rows, ...items.rows].sort((a, b) =>
    a.category === b.category ? a.status.localeCompare(b.status) : a.category.localeCompare(b.category),
  );
}
