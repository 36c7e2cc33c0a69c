import type { Queryable } from '../db/port.ts';
import type { ActionRow, ItemFilter, ItemRow, LineRow, RunRow } from './model.ts';

export type { ItemFilter };

/** Agency ids a staff member may see; null: the whole hub. */
export type Scope = string[] | null;

export async function runById(q: Queryable, id: string): Promise<RunRow | undefined> {
  return (await q.query<RunRow>('SELECT * FROM recon_runs WHERE id = $1', [id])).rows[0];
}

export interface RunFilter {
  provider?: string;
  date?: string;
  status?: string;
  limit: number;
  startingAfter?: string;
}

export async function listRuns(q: Queryable, f: RunFilter): Promise<RunRow[]> {
  const { rows } = await q.query<RunRow>(
    `SELECT * FROM recon_runs
     WHERE ($1::text IS NULL OR provider = $1) AND ($2::date IS NULL OR business_date = $2::date)
       AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [f.provider ?? null, f.date ?? null, f.status ?? null, f.startingAfter ?? null, f.limit + 1],
  );
  return rows;
}

const ITEM_COLUMNS = `i.id::text AS id, i.run_id, i.provider, i.business_date, i.category, i.status, i.carry_until,
  i.agency_id, i.attempt_id, i.payment_id, i.refund_id, i.type, i.line_no, i.provider_transaction_id,
  i.merchant_reference, i.line_amount, i.line_fee, i.line_status, i.occurred_at, i.hub_amount, i.hub_status,
  i.expected_fee, i.resolution, r.status AS run_status`;

/** A named run's items by its own index (run, state, id), never by a plan that scans every run's. */
export async function listItems(q: Queryable, scope: Scope, f: ItemFilter): Promise<ItemRow[]> {
  const { rows } = await q.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM recon_items i JOIN recon_runs r ON r.id = i.run_id
     WHERE ($1::text[] IS NULL OR i.agency_id = ANY($1::text[]))
       AND ${f.runId ? 'i.run_id = $2' : "$2::text IS NULL AND r.status = 'completed'"}
       AND ($3::text IS NULL OR i.category = $3) AND ($4::text IS NULL OR i.status = $4)
       AND ($5::text IS NULL OR i.provider = $5) AND ($6::date IS NULL OR i.business_date = $6::date)
       AND ($7::bigint IS NULL OR i.id > $7::bigint)
       AND ($9::numeric IS NULL OR coalesce(i.line_amount, i.hub_amount) >= $9::numeric)
       AND ($10::numeric IS NULL OR coalesce(i.line_amount, i.hub_amount) <= $10::numeric)
       AND ($11::int IS NULL OR i.business_date <= (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - $11::int)
     ORDER BY i.id LIMIT $8`,
    [
      scope,
      f.runId ?? null,
      f.category ?? null,
      f.status ?? null,
      f.provider ?? null,
      f.date ?? null,
      f.startingAfter ?? null,
      f.limit + 1,
      f.minAmount ?? null,
      f.maxAmount ?? null,
      f.minAgeDays ?? null,
    ],
  );
  return rows;
}

export async function itemById(
  q: Queryable,
  scope: Scope,
  id: string,
  lock = false,
): Promise<ItemRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await q.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM recon_items i JOIN recon_runs r ON r.id = i.run_id
     WHERE i.id = $1::bigint AND ($2::text[] IS NULL OR i.agency_id = ANY($2::text[]))${lock ? ' FOR UPDATE OF i' : ''}`,
    [id, scope],
  );
  return rows[0];
}

export async function actionsOf(q: Queryable, itemId: string): Promise<ActionRow[]> {
  const { rows } = await q.query<ActionRow>(
    `SELECT id, item_id::text AS item_id, action, note, actor, result, created_at
     FROM recon_actions WHERE item_id = $1::bigint ORDER BY created_at, id`,
    [itemId],
  );
  return rows;
}

export async function insertAction(
  q: Queryable,
  a: { id: string; itemId: string; action: string; note: string; actor: string; result: object },
) {
  const { rows } = await q.query<ActionRow>(
    `INSERT INTO recon_actions (id, item_id, action, note, actor, result) VALUES ($1, $2::bigint, $3, $4, $5, $6)
     RETURNING id, item_id::text AS item_id, action, note, actor, result, created_at`,
    [a.id, a.itemId, a.action, a.note, a.actor, JSON.stringify(a.result)],
  );
  return rows[0]!;
}

export async function setItemState(
  q: Queryable,
  id: string,
  state: { status: string; resolution: string | null; carryUntil: string | null },
) {
  await q.query(
    'UPDATE recon_items SET status = $2, resolution = $3, carry_until = $4 WHERE id = $1::bigint',
    [id, state.status, state.resolution, state.carryUntil],
  );
}

export interface LineFilter {
  /** A merchant reference (attempt id) or a provider transaction number. */
  reference?: string;
  category?: string;
  startingAfter?: number;
  limit: number;
}

/**
 * A run's settlement lines as the file had them, with the category each got (a line without an
 * item matched) and what it was tied to. Lines of agencies outside `scope` are left out, and so
 * are lines tied to no agency unless the scope is the whole hub.
 */
export async function runLines(q: Queryable, scope: Scope, runId: string, f: LineFilter): Promise<LineRow[]> {
  // A break category is found through its items (a few lines of a million); matched lines and
  // unfiltered pages walk the lines in file order.
  const byItems = f.category !== undefined && f.category !== 'matched';
  const source = byItems
    ? `(SELECT DISTINCT ON (line_no) id, category, run_id, line_no FROM recon_items
          WHERE run_id = $1 AND category = $4 AND line_no IS NOT NULL ORDER BY line_no, id) i
       JOIN settlement_lines l ON l.run_id = i.run_id AND l.line_no = i.line_no
       JOIN recon_runs r ON r.id = l.run_id`
    : `settlement_lines l
       JOIN recon_runs r ON r.id = l.run_id
       LEFT JOIN LATERAL (SELECT id, category FROM recon_items i
                           WHERE i.run_id = l.run_id AND i.line_no = l.line_no ORDER BY id LIMIT 1) i ON true`;
  const { rows } = await q.query<LineRow>(
    `SELECT l.line_no, l.provider_transaction_id, l.merchant_reference, l.type, l.amount::text AS amount,
            l.fee::text AS fee, l.status, l.occurred_at, coalesce(i.category, 'matched') AS category,
            i.id::text AS item_id, coalesce(a.payment_id, rf.payment_id) AS payment_id, ag.code AS agency_code
       FROM ${source}
       LEFT JOIN attempts a ON l.type = 'payment' AND a.id = l.merchant_reference AND a.provider = r.provider
       LEFT JOIN refunds rf ON l.type = 'refund' AND rf.provider = r.provider
                           AND rf.provider_refund_id = l.provider_transaction_id
       LEFT JOIN agencies ag ON ag.id = coalesce(a.agency_id, rf.agency_id)
      WHERE l.run_id = $1
        AND ($2::text[] IS NULL OR coalesce(a.agency_id, rf.agency_id) = ANY($2::text[]))
        AND ($3::text IS NULL OR l.merchant_reference = $3 OR l.provider_transaction_id = $3)
        AND ($4::text IS NULL OR coalesce(i.category, 'matched') = $4)
        AND ($5::integer IS NULL OR l.line_no > $5)
      ORDER BY l.line_no LIMIT $6`,
    [runId, scope, f.reference ?? null, f.category ?? null, f.startingAfter ?? null, f.limit + 1],
  );
  return rows;
}

export interface MovementRow {
  type: 'payment' | 'refund';
  transaction_id: string;
  reference: string;
  amount: string;
  completed_at: Date;
}

/** What a provider took and paid back in [from, to): its succeeded attempts and refunds, in time order. */
export async function movementsBetween(
  q: Queryable,
  provider: string,
  from: Date,
  to: Date,
): Promise<MovementRow[]> {
  const { rows } = await q.query<MovementRow>(
    `SELECT 'payment' AS type, provider_transaction_id AS transaction_id, id AS reference, amount::text AS amount, completed_at
       FROM attempts
      WHERE provider = $1 AND status = 'succeeded' AND completed_at >= $2 AND completed_at < $3
        AND provider_transaction_id IS NOT NULL
     UNION ALL
     SELECT 'refund', provider_refund_id, id, amount::text, completed_at
       FROM refunds
      WHERE provider = $1 AND status = 'succeeded' AND completed_at >= $2 AND completed_at < $3
        AND provider_refund_id IS NOT NULL
     ORDER BY completed_at, reference`,
    [provider, from, to],
  );
  return rows;
}

export const openBreakCount = (q: Queryable, scope: Scope) =>
  q.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM recon_items
      WHERE status = 'open' AND ($1::text[] IS NULL OR agency_id = ANY ($1))`,
    [scope],
  );
