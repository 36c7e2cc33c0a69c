/** A field of the request and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one domain error: a stable `code`, a sentence for a person, the fields at fault and any
 * extra members the answer carries. The domain never knows an HTTP status: src/http/problem.ts
 * maps each code to one.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly fields?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail);
  }
}

export const domainErrors = {
  invalid: (fields: FieldError[], detail = 'The request has invalid fields; see errors.') =>
    new DomainError('invalid_request', detail, fields),
  notFound: (what: string, id: string) => new DomainError('resource_missing', `No such ${what}: '${id}'.`),
  idempotencyKeyReused: () =>
    new DomainError(
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request; use a new key for a new request.',
    ),
  idempotencyKeyInUse: () =>
    new DomainError(
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still being processed; retry after it finishes.',
    ),
};
