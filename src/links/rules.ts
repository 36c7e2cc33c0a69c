import type { Staff } from '../admin/staff.ts';
import { type CatalogItemRow, catalogErrors, type FieldProblem } from '../catalog/model.ts';
import { itemInScope } from '../catalog/service.ts';
import { parseAmount, problem } from '../catalog/validation.ts';
import type { Queryable } from '../db/port.ts';
import type { LinkPayer } from './model.ts';

/** The dossier reference as POST /v1/payments takes it: 1–64 printable ASCII characters. */
export const REFERENCE = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/;
const EMAIL = /^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$/;
const PHONE = /^(\+84|0)\d{9,10}$/;

export function checkReference(value: unknown, problems: FieldProblem[], field = 'reference') {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) problems.push(problem(field, 'reference_required', 'is required'));
  else if (text.length > 64 || !REFERENCE.test(text))
    problems.push(problem(field, 'reference_invalid', 'must be 1–64 printable ASCII characters'));
  return text;
}

export function checkName(value: unknown, problems: FieldProblem[], field = 'payer.name') {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) problems.push(problem(field, 'name_required', 'is required'));
  else if (text.length > 200)
    problems.push(problem(field, 'name_too_long', 'must be at most 200 characters'));
  return text;
}

/** An e-mail address or a phone number, either or neither; what it is decides its field. */
export function checkContact(value: unknown, problems: FieldProblem[], field = 'contact') {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) return {};
  if (EMAIL.test(text) && text.length <= 254) return { email: text };
  const phone = text.replace(/[\s.-]/g, '');
  if (PHONE.test(phone)) return { phone };
  problems.push(
    problem(field, 'contact_invalid', 'is neither an e-mail address nor a Vietnamese phone number'),
  );
  return {};
}

export function checkPayer(value: unknown, problems: FieldProblem[]): LinkPayer {
  const payer = (value ?? {}) as { name?: unknown; email?: unknown; phone?: unknown };
  const name = checkName(payer.name, problems);
  const email = typeof payer.email === 'string' && payer.email ? payer.email.trim() : undefined;
  const phone =
    typeof payer.phone === 'string' && payer.phone ? payer.phone.replace(/[\s.-]/g, '') : undefined;
  if (email && !EMAIL.test(email))
    problems.push(problem('payer.email', 'email_invalid', 'is not an e-mail address'));
  if (phone && !PHONE.test(phone))
    problems.push(problem('payer.phone', 'phone_invalid', 'is not a Vietnamese phone number'));
  return { name, ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

const fmt = (v: string) => v.replace(/\B(?=(\d{3})+(?!\d))/g, '.');

/**
 * The amount a payment of this item may be: the item's fixed amount (anything else refused), or a
 * whole amount within its range. Null (with a problem) when none was given where one is needed.
 */
export function checkAmount(
  item: CatalogItemRow,
  value: unknown,
  problems: FieldProblem[],
  options: { required: boolean; field?: string },
): string | null {
  const field = options.field ?? 'amount';
  const given = value !== undefined && value !== null && value !== '';
  if (item.amount !== null) {
    if (given && parseAmount(value) !== BigInt(item.amount).toString())
      problems.push(problem(field, 'amount_fixed', `must be the item's amount, ${fmt(item.amount)} ₫`));
    return item.amount;
  }
  if (!given) {
    if (options.required) problems.push(problem(field, 'amount_required', 'is required'));
    return null;
  }
  const amount = parseAmount(value);
  if (!amount) {
    problems.push(problem(field, 'amount_invalid', 'is not a whole amount of đồng'));
    return null;
  }
  const exact = BigInt(amount);
  if (exact < BigInt(item.amount_min!) || exact > BigInt(item.amount_max!)) {
    problems.push(
      problem(
        field,
        'amount_out_of_range',
        `must be between ${fmt(item.amount_min!)} ₫ and ${fmt(item.amount_max!)} ₫`,
      ),
    );
    return null;
  }
  return amount;
}

export function linkWriter(staff: Staff) {
  if (staff.role === 'auditor') throw catalogErrors.forbidden('Auditors can read but not change anything.');
}

/** The item a link is for: in the staff member's scope (another agency's is "no such item") and active. */
export async function linkableItem(db: Queryable, staff: Staff, id: unknown): Promise<CatalogItemRow> {
  const item = typeof id === 'string' ? await itemInScope(db, staff, id) : undefined;
  if (!item) throw catalogErrors.notFound(`No such catalog item: '${String(id)}'.`);
  if (!item.active)
    throw catalogErrors.invalid('The item is not active.', [
      problem('catalog_item', 'item_inactive', 'is not active: activate it before making links'),
    ]);
  return item;
}

/** An expiry as sent: a future instant, or none. */
export function checkExpiry(value: unknown, now: Date, problems: FieldProblem[], field = 'expires_at') {
  if (value === undefined || value === null || value === '') return null;
  const at = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) problems.push(problem(field, 'expiry_invalid', 'is not a date and time'));
  else if (at <= now) problems.push(problem(field, 'expiry_past', 'is in the past'));
  else return at.toISOString();
  return null;
}
