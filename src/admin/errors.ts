import type { FieldError } from '../http/problem.ts';

/** What kind of refusal: the API maps it to a status, the console to a page. */
export type OpsErrorKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'upstream';

/**
 * A staff operation refused (the services under `src/admin/` that `/admin/v1` and `/console`
 * share): a stable `code`, a sentence for staff, and the fields at fault when the input is.
 */
export class OpsError extends Error {
  constructor(
    readonly kind: OpsErrorKind,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly fields: FieldError[] = [],
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const refuse = {
  invalid: (fields: FieldError[]) =>
    new OpsError(
      'invalid',
      'invalid_request',
      'Invalid request',
      'The request has invalid fields; see errors.',
      fields,
    ),
  forbidden: (detail: string) => new OpsError('forbidden', 'forbidden', 'Forbidden', detail),
  /** With `field`: the object was named in that input field (a form shows it there, not as a missing page). */
  notFound: (what: string, id: string, field?: string) =>
    new OpsError(
      'not_found',
      'resource_missing',
      'No such resource',
      `No such ${what}: '${id}'.`,
      field ? [{ field, message: `no such ${what} in your scope` }] : [],
    ),
  conflict: (code: string, title: string, detail: string) => new OpsError('conflict', code, title, detail),
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
