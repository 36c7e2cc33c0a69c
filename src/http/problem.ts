import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

export interface FieldError {
  field: string;
  message: string;
}

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
  internal: () =>
    new ApiError(
      500,
      'internal_error',
      'Internal error',
      'Something went wrong on our side; it has been logged.',
    ),
};

export function sendProblem(res: Response, error: ApiError): void {
  res
    .status(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(error.toProblem(res.req.originalUrl)));
}

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps anything thrown to problem+json: body-parser failures to 4xx, unknown errors to a bare 500. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  let apiError: ApiError;
  if (error instanceof ApiError) apiError = error;
  else {
    const parserError = error as BodyParserError;
    if (parserError?.type === 'entity.parse.failed') apiError = problems.invalidJson();
    else if (parserError?.type === 'entity.too.large') apiError = problems.payloadTooLarge();
    else if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported')
      apiError = problems.unsupportedMediaType();
    else {
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
