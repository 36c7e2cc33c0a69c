import type { Queryable } from '../db/port.ts';
import type { PaymentRow } from '../payments/queries.ts';

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

export interface TimelineEvent {
  id: string;
  type: string;
  object_id: string;
  created_at: Date;
}

export interface TimelineDelivery {
  event_id: string;
  endpoint_id: string;
  url: string;
  status: string;
  attempts: number;
  delivered_at: Date | null;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
}

/** The events of a payment and of its refunds, oldest first, with their webhook deliveries. */
export async function eventsAndDeliveries(db: Queryable, objectIds: string[]) {
  const events = await db.query<TimelineEvent>(
    'SELECT id, type, object_id, created_at FROM events WHERE object_id = ANY ($1) ORDER BY id',
    [objectIds],
  );
  const ids = events.rows.map((e) => e.id);
  const deliveries = await db.query<TimelineDelivery>(
    `SELECT d.event_id, d.endpoint_id, w.url, d.status, d.attempts, d.delivered_at, d.next_attempt_at,
            t.status_code AS last_status_code, t.error AS last_error
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
       LEFT JOIN LATERAL (SELECT status_code, error FROM webhook_delivery_attempts x
                           WHERE x.endpoint_id = d.endpoint_id AND x.event_id = d.event_id
                           ORDER BY x.id DESC LIMIT 1) t ON true
      WHERE d.event_id = ANY ($1)
      ORDER BY d.event_id, d.endpoint_id`,
    [ids],
  );
  return { events: events.rows, deliveries: deliveries.rows };
}
