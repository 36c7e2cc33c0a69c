import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError } from '../http/problem.ts';
import { OpsError, type OpsErrorKind } from './errors.ts';
import { staffOf } from './staff.ts';

const STATUS: Record<OpsErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  upstream: 502,
};

export function apiErrorOf(error: OpsError): ApiError {
  return new ApiError(
    STATUS[error.kind],
    error.code,
    error.title,
    error.detail,
    error.fields.length ? error.fields : undefined,
    Object.keys(error.extensions).length ? error.extensions : undefined,
  );
}

/** Turns a staff service's refusal into problem+json (the app's problem handler sends it). */
export const opsProblems: ErrorRequestHandler = (error, _req, _res, next) =>
  next(error instanceof OpsError ? apiErrorOf(error) : error);

/** Auditors read; only finance and admin change anything. */
export const writer: RequestHandler = (_req, res, next) => {
  if (staffOf(res.locals).role === 'auditor')
    throw new ApiError(403, 'forbidden', 'Forbidden', 'Auditors can read but not change anything.');
  next();
};
