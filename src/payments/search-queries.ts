/** The console's payment search and its scoped payment lookup: SQL over payments and their attempts. */
import type { Queryable } from '../db/port.ts';
import type { PaymentRow } from './model.ts';

export interface PaymentSearch {
  reference?: string;
  /** The start of the payer's name, any case. */
  payer?: string;
  status?: string;
  /** A provider any of the payment's attempts used. */
  provider?: string;
  /** Created on or after this day, and before the day after `to` (Vietnam), 'YYYY-MM-DD'. */
  from?: string;
  to?: string;
  amount?: string;
  mode: 'test' | 'live';
  after?: string;
  limit: number;
}

export type PaymentListRow = PaymentRow & { agency_code: string; provider: string | null };

/**
 * Newest first by id (time-ordered), a page from `after` on (never OFFSET); one extra row says
 * whether there is a next page. Every filter is a bound parameter.
 */
export async function searchPayments(db: Queryable, scope: string[] | null, f: PaymentSearch) {
  const where = ['p.mode = $1'];
  const params: unknown[] = [f.mode];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (scope !== null) add('p.agency_id = ANY (?::text[])', scope);
  if (f.reference) add('p.reference = ?', f.reference);
  if (f.payer) add("lower(p.payer ->> 'name') LIKE ?", `${escapeLike(f.payer.toLowerCase())}%`);
  if (f.status) add('p.status = ?', f.status);
  if (f.provider)
    add('EXISTS (SELECT 1 FROM attempts x WHERE x.payment_id = p.id AND x.provider = ?)', f.provider);
  if (f.from) add("p.created_at >= (?::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'", f.from);
  if (f.to) add("p.created_at < (?::date + 1)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'", f.to);
  if (f.amount) add('p.amount = ?::numeric', f.amount);
  if (f.after) add('p.id < ?', f.after);
  params.push(f.limit + 1);
  const { rows } = await db.query<PaymentListRow>(
    `SELECT p.*, a.code AS agency_code, s.provider
       FROM payments p JOIN agencies a ON a.id = p.agency_id
       LEFT JOIN attempts s ON s.id = p.succeeded_attempt_id
      WHERE ${where.join(' AND ')}
      ORDER BY p.id DESC LIMIT $${params.length}`,
    params,
  );
  return { rows: rows.slice(0, f.limit), hasMore: rows.length > f.limit };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A payment in the staff member's scope, any mode; undefined for another agency's (a 404). */
export async function paymentInScope(db: Queryable, scope: string[] | null, id: string) {
  const { rows } = await db.query<PaymentRow & { agency_code: string; agency_name: string }>(
    `SELECT p.*, a.code AS agency_code, a.name AS agency_name
       FROM payments p JOIN agencies a ON a.id = p.agency_id
      WHERE p.id = $1 AND ($2::text[] IS NULL OR p.agency_id = ANY ($2::text[]))`,
    [id, scope],
  );
  return rows[0];
}
