import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { problems, sendProblem } from './problem.ts';

/** Requests per second per API key (after auth) and per client IP (before it); 0 turns both off. */
export function rateLimits(perSecond: number): { perIp: RequestHandler; perKey: RequestHandler } {
  const pass: RequestHandler = (_req, _res, next) => next();
  if (perSecond === 0) return { perIp: pass, perKey: pass };
  const handler: RequestHandler = (_req, res) => sendProblem(res, problems.rateLimited());
  return {
    // An IP may front many portals (a provincial gateway): allow it several keys' worth.
    perIp: rateLimit({
      windowMs: 1_000,
      limit: perSecond * 5,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler,
    }),
    perKey: rateLimit({
      windowMs: 1_000,
      limit: perSecond,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (_req, res) => (res.locals.principal as { keyId: string }).keyId,
      handler,
    }),
  };
}
