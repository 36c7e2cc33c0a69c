import type { Queryable } from '../db/port.ts';
import type { PaymentLinkRow } from './model.ts';

const SELECT = `SELECT l.*, a.code AS agency_code FROM payment_links l JOIN agencies a ON a.id = l.agency_id`;

export interface NewLink {
  id: string;
  agency_id: string;
  catalog_item_id: string;
  mode: string;
  nonce: string;
  reusable: boolean;
  amount: string | null;
  reference: string | null;
  payer: unknown;
  expires_at: string | null;
  created_by: string;
}

const COLUMNS = [
  'id',
  'agency_id',
  'catalog_item_id',
  'mode',
  'nonce',
  'reusable',
  'amount',
  'reference',
  'payer',
  'expires_at',
  'created_by',
] as const;

const SPECIAL = /[\\\t\n\r]/;

/** COPY text format: backslash, tab and line breaks escaped; \N is null. */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

export const COPY_LINKS = `COPY payment_links (${COLUMNS.join(', ')}) FROM STDIN`;

/** The links as COPY lines, a few hundred rows a chunk. */
export async function* copyLines(links: readonly NewLink[]): AsyncIterable<string> {
  for (let i = 0; i < links.length; i += 500) {
    yield links
      .slice(i, i + 500)
      .map((l) => `${COLUMNS.map((c) => copyField(l[c])).join('\t')}\n`)
      .join('');
  }
}

type SharedColumns = Pick<NewLink, 'agency_id' | 'catalog_item_id' | 'mode' | 'expires_at' | 'created_by'>;
type OwnColumns = Pick<NewLink, 'id' | 'nonce' | 'amount' | 'reference' | 'payer'>;

/**
 * The COPY line of each single-use link of a bulk file, in COPY_LINKS' column order: the columns
 * its links share are escaped once. Ids, nonces and amounts need no escaping (ULID, base64url and
 * digits).
 */
export function bulkLinkLine(shared: SharedColumns): (link: OwnColumns) => string {
  const middle = `\t${copyField(shared.agency_id)}\t${copyField(shared.catalog_item_id)}\t${copyField(shared.mode)}\t`;
  const tail = `\t${copyField(shared.expires_at)}\t${copyField(shared.created_by)}\n`;
  return (link) =>
    `${link.id}${middle}${link.nonce}\tf\t${link.amount}\t${copyField(link.reference)}\t${copyField(link.payer)}${tail}`;
}

/** A bulk file's links as COPY lines (from bulkLinkLine), streamed into payment_links. */
export async function copyLinks(tx: Queryable, lines: AsyncIterable<string>): Promise<number> {
  if (!tx.copyFrom) throw new Error('this database driver cannot COPY');
  return tx.copyFrom(COPY_LINKS, lines);
}

/** Many links in one set-based write: COPY where the driver has it, else one multi-row insert. */
export async function insertLinks(tx: Queryable, links: readonly NewLink[]): Promise<number> {
  if (tx.copyFrom) return tx.copyFrom(COPY_LINKS, copyLines(links));
  const { rowCount } = await tx.query(
    `INSERT INTO payment_links (${COLUMNS.join(', ')})
     SELECT ${COLUMNS.join(', ')} FROM jsonb_populate_recordset(NULL::payment_links, $1::jsonb)`,
    [JSON.stringify(links)],
  );
  return rowCount;
}

export async function linkInScope(db: Queryable, scope: string[] | null, id: string, lock = false) {
  const { rows } = await db.query<PaymentLinkRow>(
    `${SELECT} WHERE l.id = $1 AND ($2::text[] IS NULL OR l.agency_id = ANY ($2))${lock ? ' FOR UPDATE OF l' : ''}`,
    [id, scope],
  );
  return rows[0];
}

export async function linkByNonce(db: Queryable, nonce: string) {
  const { rows } = await db.query<PaymentLinkRow>(`${SELECT} WHERE l.nonce = $1`, [nonce]);
  return rows[0];
}

export async function listLinks(
  db: Queryable,
  scope: string[] | null,
  filter: { after?: string; limit: number; mode?: string },
) {
  const { rows } = await db.query<PaymentLinkRow>(
    `${SELECT} WHERE ($1::text[] IS NULL OR l.agency_id = ANY ($1)) AND ($2::text IS NULL OR l.id < $2)
        AND ($3::text IS NULL OR l.mode = $3)
      ORDER BY l.id DESC LIMIT $4`,
    [scope, filter.after ?? null, filter.mode ?? null, filter.limit + 1],
  );
  return rows;
}

export async function deactivate(tx: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    'UPDATE payment_links SET deactivated_at = now() WHERE id = $1 AND deactivated_at IS NULL',
    [id],
  );
  return rowCount > 0;
}

/**
 * References (of those given) held by the agency's active links in a mode: one query for a whole
 * file, joined from the list so the plan stays an index probe per reference however many links exist.
 */
export async function referencesHeld(db: Queryable, agencyId: string, mode: string, references: string[]) {
  const { rows } = await db.query<{ reference: string }>(
    `SELECT DISTINCT l.reference FROM unnest($3::text[]) AS r (reference)
       JOIN payment_links l ON l.agency_id = $1 AND l.mode = $2 AND l.reference = r.reference
      WHERE l.deactivated_at IS NULL AND (l.expires_at IS NULL OR l.expires_at > now())`,
    [agencyId, mode, references],
  );
  return new Set(rows.map((r) => r.reference));
}

/** For the agency's public page: each item's newest open reusable link (a live one first). */
export async function publicLinksOf(db: Queryable, agencyId: string, itemIds: string[]) {
  const { rows } = await db.query<{ catalog_item_id: string; nonce: string }>(
    `SELECT DISTINCT ON (catalog_item_id) catalog_item_id, nonce FROM payment_links
      WHERE agency_id = $1 AND catalog_item_id = ANY ($2::text[]) AND reusable AND deactivated_at IS NULL
        AND (expires_at IS NULL OR expires_at > now())
      ORDER BY catalog_item_id, (mode = 'live') DESC, id DESC`,
    [agencyId, itemIds],
  );
  return new Map(rows.map((r) => [r.catalog_item_id, r.nonce]));
}

/** The payments made through a link, newest first (the console's link page). */
export async function paymentsOfLink(db: Queryable, linkId: string, limit = 50) {
  const { rows } = await db.query<{
    id: string;
    reference: string;
    status: string;
    amount: string;
    payer: { name?: string } | null;
    created_at: Date;
  }>(
    `SELECT id, reference, status, amount, payer, created_at FROM payments
      WHERE metadata->>'payment_link' = $1 ORDER BY id DESC LIMIT $2`,
    [linkId, limit],
  );
  return rows;
}
