import type { Queryable } from '../db/port.ts';
import type { CatalogItemFields, CatalogItemRow } from './model.ts';

const SELECT = `SELECT c.*, a.code AS agency_code FROM catalog_items c JOIN agencies a ON a.id = c.agency_id`;

export async function insertItem(tx: Queryable, id: string, agencyId: string, f: CatalogItemFields) {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO catalog_items (id, agency_id, code, name_vi, name_en, amount, amount_min, amount_max,
                                obligation_type, budget, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (agency_id, code) DO NOTHING RETURNING id`,
    [
      id,
      agencyId,
      f.code,
      f.name_vi,
      f.name_en,
      f.amount,
      f.amount_min,
      f.amount_max,
      f.obligation_type,
      f.budget ? JSON.stringify(f.budget) : null,
      f.active,
    ],
  );
  return rows[0] !== undefined;
}

export async function updateItem(tx: Queryable, id: string, f: CatalogItemFields) {
  await tx.query(
    `UPDATE catalog_items SET code = $2, name_vi = $3, name_en = $4, amount = $5, amount_min = $6,
            amount_max = $7, obligation_type = $8, budget = $9, active = $10, updated_at = now()
      WHERE id = $1`,
    [
      id,
      f.code,
      f.name_vi,
      f.name_en,
      f.amount,
      f.amount_min,
      f.amount_max,
      f.obligation_type,
      f.budget ? JSON.stringify(f.budget) : null,
      f.active,
    ],
  );
}

/** One item in the staff member's scope (null scope: the whole hub); FOR UPDATE inside a change. */
export async function itemInScope(db: Queryable, scope: string[] | null, id: string, lock = false) {
  const { rows } = await db.query<CatalogItemRow>(
    `${SELECT} WHERE c.id = $1 AND ($2::text[] IS NULL OR c.agency_id = ANY ($2))${lock ? ' FOR UPDATE OF c' : ''}`,
    [id, scope],
  );
  return rows[0];
}

/** Newest first, by cursor; one row more than asked says whether there is a next page. */
export async function listItems(
  db: Queryable,
  scope: string[] | null,
  filter: { after?: string; limit: number; active?: boolean },
) {
  const { rows } = await db.query<CatalogItemRow>(
    `${SELECT} WHERE ($1::text[] IS NULL OR c.agency_id = ANY ($1))
        AND ($2::text IS NULL OR c.id < $2) AND ($3::boolean IS NULL OR c.active = $3)
      ORDER BY c.id DESC LIMIT $4`,
    [scope, filter.after ?? null, filter.active ?? null, filter.limit + 1],
  );
  return rows;
}

/** What the public page lists: an agency's active items, optionally matching a search. */
export async function activeItemsOf(db: Queryable, agencyId: string, search: string | null) {
  const { rows } = await db.query<CatalogItemRow>(
    `${SELECT} WHERE c.agency_id = $1 AND c.active
        AND ($2::text IS NULL OR c.code ILIKE '%' || $2 || '%' OR c.name_vi ILIKE '%' || $2 || '%'
             OR c.name_en ILIKE '%' || $2 || '%')
      ORDER BY c.code LIMIT 200`,
    [agencyId, search],
  );
  return rows;
}

export async function treasuryAccountInForce(db: Queryable, code: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM budget_codes WHERE kind = 'treasury_account' AND code = $1
        AND valid_from <= current_date AND (valid_to IS NULL OR valid_to >= current_date)`,
    [code],
  );
  return rows.length > 0;
}
