import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { DomainError, type FieldError } from '../errors.ts';

export type { FieldError };

/**
 * The one error type: every failure a client can see carries a stable `code` and becomes an
 * RFC 9457 application/problem+json body. Routes throw these; they never build error bodies.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }

  toProblem(instance?: string) {
    return {
      type: `/problems/${this.code}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      code: this.code,
      ...(instance ? { instance } : {}),
      ...(this.errors?.length ? { errors: this.errors } : {}),
      ...this.extensions,
    };
  }
}

export const problems = {
  invalidRequest: (errors: FieldError[], detail = 'The request has invalid fields; see errors.') =>
    new ApiError(400, 'invalid_request', 'Invalid request', detail, errors),
  invalidJson: () =>
    new ApiError(400, 'invalid_json', 'Malformed JSON', 'The request body is not valid JSON.'),
  payloadTooLarge: () =>
    new ApiError(413, 'payload_too_large', 'Payload too large', 'The request body is larger than 100 kB.'),
  unsupportedMediaType: () =>
    new ApiError(
      415,
      'unsupported_media_type',
      'Unsupported media type',
      'Send the body as application/json.',
    ),
  authenticationRequired: () =>
    new ApiError(
      401,
      'authentication_required',
      'Authentication required',
      'Send "Authorization: Bearer phk_…".',
    ),
  invalidApiKey: () =>
    new ApiError(401, 'invalid_api_key', 'Invalid API key', 'The API key is unknown or has been revoked.'),
  forbidden: (detail: string) => new ApiError(403, 'forbidden', 'Forbidden', detail),
  notFound: (what: string, id: string) =>
    new ApiError(404, 'resource_missing', 'No such resource', `No such ${what}: '${id}'.`),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, 'route_not_found', 'Not found', `${method} ${path} is not a PayHub route.`),
  idempotencyKeyInvalid: () =>
    new ApiError(
      400,
      'invalid_request',
      'Invalid request',
      'Idempotency-Key must be 1–255 printable ASCII characters.',
      [{ field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters' }],
    ),
  idempotencyKeyReused: () =>
    new ApiError(
      422,
      'idempotency_key_reused',
      'Idempotency key reused',
      'This Idempotency-Key was already used with a different request; use a new key for a new request.',
    ),
  idempotencyKeyInUse: () =>
    new ApiError(
      409,
      'idempotency_key_in_use',
      'Request in progress',
      'A request with this Idempotency-Key is still being processed; retry after it finishes.',
    ),
  rateLimited: () =>
    new ApiError(429, 'rate_limited', 'Too many requests', 'Slow down and retry after a second.'),
  databaseUnavailable: () =>
    new ApiError(
      503,
      'database_unavailable',
      'Service unavailable',
      'The database cannot be reached right now; nothing was changed. Retry shortly.',
    ),
  internal: () =>
    new ApiError(
      500,
      'internal_error',
      'Internal error',
      'Something went wrong on our side; it has been logged.',
    ),
};

/** Each domain error code's status and title: the one place the domain meets HTTP. */
export const DOMAIN_STATUS: Record<string, [number, string]> = {
  invalid_request: [400, 'Invalid request'],
  resource_missing: [404, 'No such resource'],
  idempotency_key_reused: [422, 'Idempotency key reused'],
  idempotency_key_in_use: [409, 'Request in progress'],
  return_url_not_allowed: [422, 'Return URL not allowed'],
  unknown_budget_code: [422, 'Unknown budget code'],
  amount_too_large: [422, 'Amount too large'],
  reference_in_use: [409, 'Reference in use'],
  payment_not_cancellable: [409, 'Payment cannot be cancelled'],
  payment_not_refundable: [409, 'Payment cannot be refunded'],
  refund_not_supported: [422, 'Refunds not supported'],
  amount_exceeds_refundable: [422, 'Amount exceeds what can be refunded'],
  partial_refund_not_supported: [422, 'Partial refunds not supported'],
  webhook_url_not_allowed: [422, 'Webhook URL not allowed'],
  unknown_provider: [404, 'Unknown provider'],
  provider_not_configured: [409, 'Provider not configured'],
  invalid_signature: [401, 'Invalid signature'],
  stale_timestamp: [401, 'Stale timestamp'],
  invalid_statement: [422, 'Invalid statement'],
  statement_account_unknown: [422, 'Unknown account'],
  payload_too_large: [413, 'Payload too large'],
  // Reconciliation (src/reconciliation/refusals.ts): src/admin/reconciliation.ts answers these as before
  // (its unknown_provider as an invalid field; the bank's above is a 404).
  invalid_date: [400, 'Invalid request'],
  not_found: [404, 'No such resource'],
  run_superseded: [409, 'Action not allowed'],
  action_not_allowed: [409, 'Action not allowed'],
  resolution_moved_money: [409, 'Action not allowed'],
  provider_refused: [502, 'Provider refused'],
  // Receipts (src/receipts/cancel.ts): the CLI's today.
  receipt_reason_invalid: [400, 'Invalid request'],
  receipt_number_invalid: [400, 'Invalid request'],
  receipt_missing: [404, 'No such resource'],
  receipt_already_cancelled: [409, 'Receipt already cancelled'],
  // Staff operations (src/admin/, shared by /admin/v1 and /console) and the folders they call.
  forbidden: [403, 'Forbidden'],
  staff_invalid: [400, 'Invalid request'],
  staff_user_exists: [409, 'Staff user exists'],
  cannot_disable_self: [409, 'Cannot disable yourself'],
  cannot_change_self: [409, 'Cannot change yourself'],
  agency_invalid: [400, 'Invalid request'],
  agency_missing: [404, 'No such resource'],
  agency_exists: [409, 'Agency exists'],
  api_key_missing: [404, 'No such resource'],
  api_key_revoked: [409, 'Key already revoked'],
  provider_invalid: [400, 'Invalid request'],
  refund_not_manual: [409, 'Refund cannot be recorded by hand'],
  credit_not_open: [409, 'Bank credit is settled'],
  credit_not_assignable: [409, 'Bank credit cannot be assigned'],
  no_transfer_attempt: [409, 'Payment has no transfer attempt'],
  amount_mismatch: [422, 'Amount does not match'],
  payment_already_paid: [409, 'Payment already paid'],
  // The catalogue and payment links (staff), and the citizen's checkout (its pages take the status).
  code_taken: [409, 'Conflict'],
  checkout_missing: [404, 'No such resource'],
  payment_not_payable: [409, 'Payment not payable'],
  method_unavailable: [409, 'Payment method unavailable'],
  provider_unavailable: [502, 'Provider unavailable'],
};

/** A domain error as the API answers it; an unmapped code is a bug, answered 500 as one. */
export function problemOf(error: DomainError): ApiError {
  const known = DOMAIN_STATUS[error.code];
  if (!known) return problems.internal();
  const [status, title] = known;
  return new ApiError(status, error.code, title, error.detail, error.fields, error.extensions);
}

export function sendProblem(res: Response, error: ApiError): void {
  res
    .status(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(error.toProblem(res.req.originalUrl)));
}

/** Seconds a client is told to wait (Retry-After) when the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);
// What pg says, without a code, when a pooled connection cannot be had or dies mid-query.
const CONNECTION_ERROR_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connection error|Client was closed|Cannot use a pool after calling end/i;

/** A failure to reach Postgres (not a failing statement): the request may be retried as it is. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { code, message, errors, cause } = error as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
    return true;
  if (typeof code !== 'string' && typeof message === 'string' && CONNECTION_ERROR_MESSAGES.test(message))
    return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps anything thrown to problem+json: body-parser failures to 4xx, unknown errors to a bare 500. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  let apiError: ApiError;
  if (error instanceof ApiError) apiError = error;
  else if (error instanceof DomainError) {
    apiError = problemOf(error);
    if (apiError.code === 'internal_error') req.log?.error({ err: error }, 'unmapped domain error');
  } else {
    const parserError = error as BodyParserError;
    if (parserError?.type === 'entity.parse.failed') apiError = problems.invalidJson();
    else if (parserError?.type === 'entity.too.large') apiError = problems.payloadTooLarge();
    else if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported')
      apiError = problems.unsupportedMediaType();
    else if (isDatabaseUnavailable(error)) {
      req.log?.warn({ err: error }, 'database unavailable');
      apiError = problems.databaseUnavailable();
      if (!res.headersSent) res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    } else {
      req.log?.error({ err: error }, 'unhandled error');
      apiError = problems.internal();
    }
  }
  if (res.headersSent) return;
  sendProblem(res, apiError);
};

export const notFoundHandler: RequestHandler = (req) => {
  throw problems.routeNotFound(req.method, req.path);
};
