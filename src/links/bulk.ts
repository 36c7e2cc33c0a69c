import type { Staff } from '../admin/staff.ts';
import type { Mode } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import { type CatalogItemRow, catalogErrors, type FieldProblem } from '../catalog/model.ts';
import { ulid } from '../ids.ts';
import { type CsvRecord, CsvUnreadable, csvField, readCsv } from './csv.ts';
import type { LinksDeps, RowProblem } from './model.ts';
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

/** A column's position in the file's header (-1: the file has no such column). */
type Positions = Record<(typeof COLUMNS)[number], number>;

/** The file's records after the header, and where each column is (row 1: the header). */
function readRows(csv: string) {
  let records: CsvRecord[];
  try {
    records = readCsv(csv);
  } catch (error) {
    if (!(error instanceof CsvUnreadable)) throw error;
    throw new BulkRefused([
      { row: error.line, field: 'csv', code: 'csv_unreadable', message: error.message },
    ]);
  }
  const header = (records[0]?.fields ?? []).map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'));
  const body = records.slice(1);
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
  const at = Object.fromEntries(COLUMNS.map((name) => [name, header.lastIndexOf(name)])) as Positions;
  return { records: body, at, width: header.length, problems };
}

/** A row as checked: the values its link stores, and the contact as the file gave it (trimmed). */
interface CheckedRow {
  line: number;
  reference: string;
  name: string;
  amount: string | null;
  contact: { email?: string; phone?: string };
  contactText: string;
}

/** Every row checked against the item; each problem is added to `problems` under its row. */
function checkRows(
  item: CatalogItemRow,
  file: { records: CsvRecord[]; at: Positions; width: number },
  problems: RowProblem[],
) {
  const { at, width } = file;
  const cell = (fields: string[], i: number) => (i < 0 ? undefined : (fields[i] ?? ''));
  const seen = new Map<string, number>();
  const rows = file.records.map(({ fields, line }): CheckedRow => {
    if (fields.length !== width)
      problems.push({
        row: line,
        field: 'csv',
        code: 'field_count',
        message: `has ${fields.length} fields, the header ${width}`,
      });
    const fieldProblems: FieldProblem[] = [];
    const reference = checkReference(cell(fields, at.reference), fieldProblems);
    const name = checkName(cell(fields, at.payer_name), fieldProblems, 'payer_name');
    const amount = checkAmount(item, cell(fields, at.amount), fieldProblems, { required: true });
    const contactText = (cell(fields, at.contact) ?? '').trim();
    const contact = checkContact(contactText, fieldProblems);
    const first = seen.get(reference);
    if (reference && first !== undefined)
      fieldProblems.push({ field: 'reference', code: 'reference_repeated', message: `repeats row ${first}` });
    else if (reference) seen.set(reference, line);
    for (const p of fieldProblems)
      problems.push({ row: line, field: p.field, code: p.code, message: p.message });
    return { line, reference, name, amount, contact, contactText };
  });
  return { rows, firstLineOf: seen };
}

const OUT_HEADER = 'reference,payer_name,amount,contact,link_id,url\n';
const CHUNK = 1_000;

/**
 * POST /admin/v1/payment_links/bulk: every row is checked before anything is written; then all
 * the links go in with one COPY inside one transaction, and the rows come back with their URLs.
 * Each chunk's answer lines (token MACs, CSV) are made while Postgres takes the chunk before.
 */
export async function bulkCreate(deps: LinksDeps, staff: Staff, options: BulkOptions, csv: string) {
  const { db, publicUrl, secretKey } = deps;
  linkWriter(staff);
  const item = await linkableItem(db, staff, options.catalogItem);
  const optionProblems: FieldProblem[] = [];
  const expiresAt = checkExpiry(options.expiresAt, (deps.now ?? (() => new Date()))(), optionProblems);
  if (optionProblems.length) throw catalogErrors.invalid('The options are invalid.', optionProblems);
  const mode = options.mode ?? 'live';
  const file = readRows(csv);
  const { problems } = file;
  const { rows, firstLineOf } = checkRows(item, file, problems);
  const nonces = newNonces(rows.length);
  const ids: string[] = [];
  const answer: string[] = [OUT_HEADER];
  const lineOf = q.bulkLinkLine({
    agency_id: item.agency_id,
    catalog_item_id: item.id,
    mode,
    expires_at: expiresAt,
    created_by: staff.id,
  });
  async function* copyText() {
    for (let from = 0; from < rows.length; from += CHUNK) {
      let copy = '';
      let out = '';
      for (let i = from; i < Math.min(from + CHUNK, rows.length); i++) {
        const row = rows[i]!;
        const id = `plk_${ulid()}`;
        const nonce = nonces[i]!;
        ids.push(id);
        copy += lineOf({
          id,
          nonce,
          amount: row.amount,
          reference: row.reference,
          payer: { name: row.name, ...row.contact },
        });
        out += `${csvField(row.reference)},${csvField(row.name)},${row.amount},${csvField(row.contactText)},${id},${publicUrl}/l/${tokenFor(secretKey, nonce)}\n`;
      }
      answer.push(out);
      yield copy;
    }
  }
  await db.transaction(async (tx) => {
    // A plan cached for some other file's size would scan every link once per reference.
    await tx.query('SET LOCAL plan_cache_mode = force_custom_plan');
    const held = await q.referencesHeld(tx, item.agency_id, mode, [...firstLineOf.keys()]);
    for (const reference of held)
      problems.push({
        row: firstLineOf.get(reference)!,
        field: 'reference',
        code: 'reference_held',
        message: 'is already held by an active link',
      });
    if (problems.length) throw new BulkRefused(problems.sort((a, b) => a.row - b.row));
    await q.copyLinks(tx, copyText());
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'payment_links.bulk_create',
      objectType: 'catalog_item',
      objectId: item.id,
      agencyId: item.agency_id,
      mode,
      details: { count: ids.length, first: ids[0], last: ids.at(-1) },
    });
  });
  return answer.join('');
}
