import type { Staff } from '../admin/staff.ts';
import { findAgencyByCode } from '../agencies/service.ts';
import { audit } from '../audit/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { ulid } from '../ids.ts';
import { money } from '../money.ts';
import {
  type CatalogItemFields,
  type CatalogItemRow,
  catalogErrors,
  type FieldProblem,
  OBLIGATION_TYPES,
  type ObligationType,
} from './model.ts';
import * as q from './queries.ts';
import { PROCEDURE_CODE, parseAmount, parseBudget, problem } from './validation.ts';

/** What staff send for an item (the API's JSON or the console's form, mapped to the same names). */
export interface CatalogItemInput {
  agency?: string;
  code?: unknown;
  name?: { vi?: unknown; en?: unknown };
  amount?: unknown;
  amount_min?: unknown;
  amount_max?: unknown;
  obligation_type?: unknown;
  budget?: unknown;
  active?: unknown;
}

function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return t.length >= 1 && t.length <= max ? t : null;
}

function checkAmounts(input: CatalogItemInput, problems: FieldProblem[]) {
  const given = (v: unknown) => v !== undefined && v !== null && v !== '';
  const amount = given(input.amount) ? parseAmount(input.amount) : null;
  const min = given(input.amount_min) ? parseAmount(input.amount_min) : null;
  const max = given(input.amount_max) ? parseAmount(input.amount_max) : null;
  const bad = 'is not a whole amount of đồng between 1 and 999 999 999 999';
  if (given(input.amount) && !amount) problems.push(problem('amount', 'amount_invalid', bad));
  if (given(input.amount_min) && !min) problems.push(problem('amount_min', 'amount_invalid', bad));
  if (given(input.amount_max) && !max) problems.push(problem('amount_max', 'amount_invalid', bad));
  const ranged = given(input.amount_min) || given(input.amount_max);
  if (given(input.amount) && ranged)
    problems.push(problem('amount', 'amount_or_range', 'give a fixed amount or a range, not both'));
  else if (!given(input.amount) && !ranged)
    problems.push(problem('amount', 'amount_required', 'give a fixed amount or a minimum and maximum'));
  else if (ranged && (!given(input.amount_min) || !given(input.amount_max)))
    problems.push(
      problem(given(input.amount_min) ? 'amount_max' : 'amount_min', 'range_incomplete', 'is required'),
    );
  else if (min && max && money(min).gt(money(max)))
    problems.push(problem('amount_max', 'range_reversed', 'is below the minimum'));
  return { amount, amount_min: ranged ? min : null, amount_max: ranged ? max : null };
}

/** Checks every field of an item; the whole list of problems, or the fields to store. */
export async function checkItem(db: Queryable, input: CatalogItemInput): Promise<CatalogItemFields> {
  const problems: FieldProblem[] = [];
  const code = typeof input.code === 'string' ? input.code.trim() : '';
  if (!PROCEDURE_CODE.test(code))
    problems.push(problem('code', 'code_invalid', 'is not a national procedure code such as 1.002309'));
  const nameVi = text(input.name?.vi, 300);
  if (!nameVi) problems.push(problem('name.vi', 'name_invalid', 'must be 1–300 characters'));
  const nameEn = input.name?.en === undefined || input.name.en === '' ? null : text(input.name.en, 300);
  if (input.name?.en && !nameEn)
    problems.push(problem('name.en', 'name_invalid', 'must be 1–300 characters'));
  const amounts = checkAmounts(input, problems);
  const type = input.obligation_type as ObligationType;
  if (!OBLIGATION_TYPES.includes(type))
    problems.push(
      problem('obligation_type', 'obligation_invalid', `must be one of ${OBLIGATION_TYPES.join(', ')}`),
    );
  const budget = parseBudget(input.budget, problems);
  if (budget?.treasury_account && !(await q.treasuryAccountInForce(db, budget.treasury_account)))
    problems.push(
      problem('budget.treasury_account', 'treasury_account_unknown', 'is not a treasury account in force'),
    );
  const active = input.active === undefined ? true : input.active === true || input.active === 'true';
  if (problems.length) throw catalogErrors.invalid('The item has invalid fields.', problems);
  return { code, name_vi: nameVi!, name_en: nameEn, ...amounts, obligation_type: type, budget, active };
}

/** The agency an item or link is made for: the one named (in scope), or the staff member's own. */
export async function targetAgency(db: Queryable, staff: Staff, code: string | undefined) {
  if (!code) {
    if (!staff.agencyId)
      throw catalogErrors.invalid('Name the agency.', [
        problem('agency', 'agency_required', 'is required for hub-wide staff'),
      ]);
    return staff.agencyId;
  }
  const agency = await findAgencyByCode(db, code);
  if (!agency || (staff.scope && !staff.scope.includes(agency.id)))
    throw catalogErrors.invalid(`Agency ${code} is not one of yours.`, [
      problem('agency', 'agency_unknown', 'is not an agency in your scope'),
    ]);
  return agency.id;
}

function adminOnly(staff: Staff) {
  if (staff.role !== 'admin') throw catalogErrors.forbidden('Only admins manage the catalogue.');
}

const itemDetails = (f: CatalogItemFields) => ({ code: f.code, amount: f.amount, active: f.active });

export async function createItem(db: Db, staff: Staff, input: CatalogItemInput): Promise<CatalogItemRow> {
  adminOnly(staff);
  return db.transaction(async (tx) => {
    const agencyId = await targetAgency(tx, staff, input.agency);
    const fields = await checkItem(tx, input);
    const id = `cat_${ulid()}`;
    if (!(await q.insertItem(tx, id, agencyId, fields)))
      throw catalogErrors.conflict(
        `The agency already has an item with code ${fields.code}.`,
        problem('code', 'code_taken', 'is already in this agency’s catalogue'),
      );
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'catalog_items.create',
      objectType: 'catalog_item',
      objectId: id,
      agencyId,
      details: itemDetails(fields),
    });
    return (await q.itemInScope(tx, null, id))!;
  });
}

/** An update sends only what changes; the merged item is checked as a whole. */
export async function updateItem(
  db: Db,
  staff: Staff,
  id: string,
  input: CatalogItemInput,
): Promise<CatalogItemRow> {
  adminOnly(staff);
  return db.transaction(async (tx) => {
    const current = await q.itemInScope(tx, staff.scope, id, true);
    if (!current) throw catalogErrors.notFound(`No such catalog item: '${id}'.`);
    const ranged = input.amount_min !== undefined || input.amount_max !== undefined;
    const merged: CatalogItemInput = {
      code: input.code ?? current.code,
      name: { vi: input.name?.vi ?? current.name_vi, en: input.name?.en ?? current.name_en ?? undefined },
      amount: input.amount ?? (ranged ? undefined : (current.amount ?? undefined)),
      amount_min: input.amount_min ?? (input.amount !== undefined ? undefined : current.amount_min),
      amount_max: input.amount_max ?? (input.amount !== undefined ? undefined : current.amount_max),
      obligation_type: input.obligation_type ?? current.obligation_type,
      budget: input.budget === undefined ? current.budget : input.budget,
      active: input.active ?? current.active,
    };
    const fields = await checkItem(tx, merged);
    try {
      await q.updateItem(tx, id, fields);
    } catch (error) {
      if ((error as { code?: string }).code === '23505')
        throw catalogErrors.conflict(
          `The agency already has an item with code ${fields.code}.`,
          problem('code', 'code_taken', 'is already in this agency’s catalogue'),
        );
      throw error;
    }
    await audit(tx, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'catalog_items.update',
      objectType: 'catalog_item',
      objectId: id,
      agencyId: current.agency_id,
      details: itemDetails(fields),
    });
    return (await q.itemInScope(tx, null, id))!;
  });
}

export const itemInScope = (db: Queryable, staff: Staff, id: string) => q.itemInScope(db, staff.scope, id);

/** Any agency's item: for the citizen's side, where the link already names it. */
export const itemById = (db: Queryable, id: string) => q.itemInScope(db, null, id);

export const listItems = (db: Queryable, staff: Staff, filter: { after?: string; limit: number }) =>
  q.listItems(db, staff.scope, filter);

/** The public page's list; the search is literal text (no LIKE wildcards). */
export function activeItems(db: Queryable, agencyId: string, search: string) {
  const literal = search
    .trim()
    .slice(0, 100)
    .replace(/[\\%_]/g, (c) => `\\${c}`);
  return q.activeItemsOf(db, agencyId, literal || null);
}
