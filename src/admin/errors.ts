import { DomainError, type FieldError } from '../errors.ts';

/**
 * A staff operation refused (the services under `src/admin/` that `/admin/v1` and `/console`
 * share) is a DomainError: a stable `code` (src/http/problem.ts gives its status), a sentence
 * for staff, and the fields at fault when the input is.
 */
export const refuse = {
  invalid: (fields: FieldError[]) =>
    new DomainError('invalid_request', 'The request has invalid fields; see errors.', fields),
  forbidden: (detail: string) => new DomainError('forbidden', detail),
  /** With `field`: the object was named in that input field (a form shows it there, not as a missing page). */
  notFound: (what: string, id: string, field?: string) =>
    new DomainError(
      'resource_missing',
      `No such ${what}: '${id}'.`,
      field ? [{ field, message: `no such ${what} in your scope` }] : undefined,
    ),
};

/** A note is required on every staff action that changes money or access. */
export function noteOf(note: string | undefined): string {
  const trimmed = (note ?? '').trim();
  if (!trimmed) throw refuse.invalid([{ field: 'note', message: 'must not be blank' }]);
  if (trimmed.length > 2000)
    throw refuse.invalid([{ field: 'note', message: 'must be at most 2000 characters' }]);
  return trimmed;
}

/** Auditors read everything in scope and change nothing. */
export function mustWrite(staff: { role: string }): void {
  if (staff.role === 'auditor') throw refuse.forbidden('Auditors can read but not change anything.');
}

export function mustAdmin(staff: { role: string }, what: string): void {
  if (staff.role !== 'admin') throw refuse.forbidden(`Only admins manage ${what}.`);
}
