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
INSERT INTO recon_items (run_id, provider, business_date, category, status, carry_until, agency_id,
  attempt_id, payment_id, refund_id, type, line_no, provider_transaction_id, merchant_reference,
  line_amount, line_fee, line_status, occurred_at, hub_amount, hub_status, expected_fee)
WITH lines AS (
  SELECT l.*, l.status = ANY($9::text[]) AS paid,
         -- Several payment lines for one attempt, or refund lines with one provider id: all but the first are duplicates.
         row_number() OVER (PARTITION BY l.type,
           CASE WHEN l.type = 'payment' THEN l.merchant_reference ELSE l.provider_transaction_id END
           ORDER BY l.line_no) AS nth
  FROM settlement_lines l WHERE l.run_id = $1
),
settled AS (
  -- Hub items a line of another current run of this provider already settled.
  SELECT DISTINCT coalesce(i.refund_id, i.attempt_id) AS hub_id
  FROM recon_items i JOIN recon_runs r ON r.id = i.run_id
  WHERE r.status = 'completed' AND r.provider = $2 AND r.id <> $1 AND i.line_no IS NOT NULL
    AND i.category <> 'duplicate' AND coalesce(i.refund_id, i.attempt_id) IS NOT NULL
),
payment_lines AS (
  SELECT l.*, a.id AS attempt_id, a.agency_id, a.payment_id, NULL::text AS refund_id,
         a.amount AS hub_amount, a.status AS hub_status,
         CASE WHEN $4::numeric IS NULL THEN NULL
              ELSE greatest($5::numeric, round(l.amount * $4::numeric / 100)) END AS expected_fee,
         s.hub_id IS NOT NULL AS settled_before
  FROM lines l
  LEFT JOIN attempts a ON a.id = l.merchant_reference AND a.provider = $2
  LEFT JOIN settled s ON s.hub_id = l.merchant_reference
  WHERE l.type = 'payment'
),
refund_lines AS (
  SELECT l.*, coalesce(r1.attempt_id, r2.attempt_id) AS attempt_id,
         coalesce(r1.agency_id, r2.agency_id) AS agency_id,
         coalesce(r1.payment_id, r2.payment_id) AS payment_id, coalesce(r1.id, r2.id) AS refund_id,
         coalesce(r1.amount, r2.amount) AS hub_amount, coalesce(r1.status, r2.status) AS hub_status,
         NULL::numeric AS expected_fee, s.hub_id IS NOT NULL AS settled_before
  FROM lines l
  LEFT JOIN refunds r1 ON r1.provider = $2 AND r1.provider_refund_id = l.provider_transaction_id
  LEFT JOIN refunds r2 ON r1.id IS NULL AND r2.provider = $2 AND r2.id = l.merchant_reference
  LEFT JOIN settled s ON s.hub_id = coalesce(r1.id, r2.id)
  WHERE l.type = 'refund'
),
classified AS (
  SELECT x.*,
    CASE
      WHEN x.nth > 1 OR x.settled_before THEN 'duplicate'
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
),
unsettled AS (
  -- What the hub recorded as done on this business day and no line settles.
  SELECT a.id AS attempt_id, NULL::text AS refund_id, a.agency_id, a.payment_id, 'payment' AS type,
         a.amount AS hub_amount, a.status AS hub_status
  FROM attempts a
  WHERE a.provider = $2 AND a.status = 'succeeded' AND a.completed_at >= $7 AND a.completed_at < $8
    AND NOT EXISTS (SELECT 1 FROM lines l WHERE l.type = 'payment' AND l.merchant_reference = a.id)
    AND NOT EXISTS (SELECT 1 FROM settled s WHERE s.hub_id = a.id)
  UNION ALL
  SELECT r.attempt_id, r.id, r.agency_id, r.payment_id, 'refund', r.amount, r.status
  FROM refunds r
  WHERE r.provider = $2 AND r.status = 'succeeded' AND r.completed_at >= $7 AND r.completed_at < $8
    AND NOT EXISTS (SELECT 1 FROM classified c WHERE c.refund_id = r.id)
    AND NOT EXISTS (SELECT 1 FROM settled s WHERE s.hub_id = r.id)
)
SELECT $1, $2, $3::date, c.category, CASE c.category WHEN 'matched' THEN 'ok' ELSE 'open' END, NULL::date,
       c.agency_id, c.attempt_id, c.payment_id, c.refund_id, c.type, c.line_no, c.provider_transaction_id,
       c.merchant_reference, c.amount, c.fee, c.status, c.occurred_at, c.hub_amount, c.hub_status, c.expected_fee
FROM classified c
UNION ALL
SELECT $1, $2, $3::date, 'missing_at_provider', CASE WHEN $6::date IS NULL THEN 'open' ELSE 'carried' END, $6::date,
       u.agency_id, u.attempt_id, u.payment_id, u.refund_id, u.type, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       u.hub_amount, u.hub_status, NULL
FROM unsettled u`;

/** Classifies a run's lines; returns how many items it wrote. */
export async function classify(tx: Queryable, p: MatchParams): Promise<number> {
  // Sorting and hashing a million lines wants more than the default 4 MB (server memory, not ours).
  await tx.query(`SELECT set_config('work_mem', '128MB', true)`);
  const result = await tx.query(CLASSIFY, [
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
  return result.rowCount;
}

/**
 * After a run: hub items still waiting (missing_at_provider, carried) that a line of this run
 * settles are resolved as settled later, each with its action row; those whose wait ended are breaks.
 */
export async function settleCarried(tx: Queryable, runId: string, provider: string, date: string) {
  const settled = await tx.query(
    `WITH hits AS (
       SELECT DISTINCT coalesce(refund_id, attempt_id) AS hub_id FROM recon_items
       WHERE run_id = $1 AND line_no IS NOT NULL AND category <> 'duplicate'
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
    [runId, provider, date],
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

export async function summarize(q: Queryable, runId: string, scope: string[] | null = null) {
  const { rows } = await q.query<CategoryTotal>(
    `SELECT category, status, count(*)::int AS count, coalesce(sum(line_amount), 0)::text AS line_amount,
            coalesce(sum(line_fee), 0)::text AS line_fee, coalesce(sum(hub_amount), 0)::text AS hub_amount
     FROM recon_items WHERE run_id = $1 AND ($2::text[] IS NULL OR agency_id = ANY($2::text[]))
     GROUP BY category, status ORDER BY category, status`,
    [runId, scope],
  );
  return rows;
}
