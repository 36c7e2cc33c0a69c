import type { RequestHandler } from 'express';
import { ApiError } from '../http/problem.ts';
import { staffOf } from './staff.ts';

/** Auditors read; only finance and admin change anything. */
export const writer: RequestHandler = (_req, res, next) => {
  if (staffOf(res.locals).role === 'auditor')
    throw new ApiError(403, 'forbidden', 'Forbidden', 'Auditors can read but not change anything.');
  next();
};
