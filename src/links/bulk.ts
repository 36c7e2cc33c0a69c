import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Staff } from '../admin/staff.ts';
import type { Mode } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import { CatalogError, type FieldProblem } from '../catalog/model.ts';
import { ulid } from '../ids.ts';
import type { RowProblem } from './model.ts';
import * as q from './queries.ts';
import {
  checkAmount,
  checkContact,
  checkExpiry,
  checkName,
  checkReference,
  linkableItem,
  linkWriter,
} from './rules.ts';
import type { LinksDeps } from './service.ts';
import { newNonces, tokenFor } from './token.ts';

export const BULK_MAX_ROWS = 50_000;
const COLUMNS = ['reference', 'payer_name', 'amount', 'contact'] as const;
const REQUIRED = ['reference', 'payer_name'];

/** A bulk file with bad rows: each is named, and no link was created. */
export class BulkRefused extends Error {
  constructor(readonly rows: RowProblem[]) {
    super(`${rows.length} row(s) of the file are invalid; no link was created.`);
  }
}

export interface BulkOptions {
  catalogItem: string;
  expiresAt?: string;
  mode?: Mode;
}

interface Row {
  line: number;
  cells: Cells;
}

/** A row's cells by column name (the header may order the columns any way). */
type Cells = Partial<Record<(typeof COLUMNS)[number], string>>;

/** The file's rows by header name, or the problems that make it unreadable (row 1: the header). */
function readRows(csv: string): { rows: Row[]; problems: RowProblem[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(csv, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    throw new BulkRefused([
      { row: line, field: 'csv', code: 'csv_unreadable', message: (error as Error).message },
    ]);
  }
  const [head, ...body] = records;
  const header = (head?.record ?? []).map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'));
  const problems: RowProblem[] = [];
  for (const name of header)
    if (!(COLUMNS as readonly string[]).includes(name))
      problems.push({
        row: 1,
        field: name || '(blank)',
        code: 'column_unknown',
        message: `is not a column; use ${COLUMNS.join(', ')}`,
      });
  for (const name of REQUIRED)
    if (!header.includes(name))
      problems.push({ row: 1, field: name, code: 'column_missing', message: 'column is missing' });
  if (body.length === 0)
    problems.push({ row: 1, field: 'csv', code: 'no_rows', message: 'the file has no rows' });
  if (body.length > BULK_MAX_ROWS)
    problems.push({
      row: 1,
      field: 'csv',
      code: 'too_many_rows',
      message: `the file has more than ${BULK_MAX_ROWS} rows`,
    });
  if (problems.length) throw new BulkRefused(problems);
  const positions = header.map((h, i) => [h as (typeof COLUMNS)[number], i] as const);
  const rows = body.map(({ record, info }) => {
    if (record.length !== header.length)
      problems.push({
        row: info.lines,
        field: 'csv',
        code: 'field_count',
        message: `has ${record.length} fields, the header ${header.length}`,
      });
    const cells: Cells = {};
    for (const [name, at] of positions) cells[name] = record[at] ?? '';
    return { line: info.lines, cells };
  });
  return { rows, problems };
}

/**
 * POST /admin/v1/payment_links/bulk: every row is checked before anything is written; then all
 * the links go in with one COPY inside one transaction, and the rows come back with their URLs.
 */
export async function bulkCreate(deps: LinksDeps, staff: Staff, options: BulkOptions, csv: string) {
  const { db, publicUrl, secretKey } = deps;
  linkWriter(staff);
  const item = await linkableItem(db, staff, options.catalogItem);
  const optionProblems: FieldProblem[] = [];
  const expiresAt = checkExpiry(options.expiresAt, (deps.now ?? (() => new Date()))(), optionProblems);
  if (optionProblems.length) throw new CatalogError('invalid', 'The options are invalid.', optionProblems);
  const mode = options.mode ?? 'live';
  const { rows, problems } = readRows(csv);
  const seen = new Map<string, number>();
  const nonces = newNonces(rows.length);
  const links = rows.map(({ line, cells }, index) => {
    const fieldProblems: FieldProblem[] = [];
    const reference = checkReference(cells.reference, fieldProblems);
    const name = checkName(cells.payer_name, fieldProblems, 'payer_name');
    const amount = checkAmount(item, cells.amount, fieldProblems, { required: true });
    const contact = checkContact(cells.contact, fieldProblems);
    const first = seen.get(reference);
    if (reference && first !== undefined)
      fieldProblems.push({ field: 'reference', code: 'reference_repeated', message: `repeats row ${first}` });
    else if (reference) seen.set(reference, line);
    for (const p of fieldProblems)
      problems.push({ row: line, field: p.field, code: p.code, message: p.message });
    const link: q.NewLink = {
      id: `plk_${ulid()}`,
      agency_id: item.agency_id,
      catalog_item_id: item.id,
      mode,
      nonce: nonces[index]!,
      reusable: false,
      amount,
      reference,
      payer: { name, ...contact },
      expires_at: expiresAt,
      created_by: staff.id,
    };
    return { line, cells, link };
  });
  await db.transaction(async (tx) => {
    // A plan cached for some other file's size would scan every link once per reference.
    await tx.query('SET LOCAL plan_cache_mode = force_custom_plan');
    const held = await q.referencesHeld(tx, item.agency_id, mode, [...seen.keys()]);
    for (const { line, link } of links)
      if (held.has(link.reference!) && seen.get(link.reference!) === line)
        problems.push({
          row: line,
          field: 'reference',
          code: 'reference_held',
          message: 'is already held by an active link',
        });
    if (problems.length) throw new BulkRefused(problems.sort((a, b) => a.row - b.row));
    await q.insertLinks(
      tx,
      links.map((l) => l.link),
    );
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'payment_links.bulk_create',
      objectType: 'catalog_item',
      objectId: item.id,
      agencyId: item.agency_id,
      mode,
      details: { count: links.length, first: links[0]!.link.id, last: links.at(-1)!.link.id },
    });
  });
  return stringify(
    // Cells are not trimmed by the parser (a costly pass); each check trims what it reads.
    links.map(({ cells, link }) => [
      link.reference,
      (link.payer as { name: string }).name,
      link.amount,
      (cells.contact ?? '').trim(),
      link.id,
      `${publicUrl}/l/${tokenFor(secretKey, link.nonce)}`,
    ]),
    { header: true, columns: ['reference', 'payer_name', 'amount', 'contact', 'link_id', 'url'] },
  );
}
