import type { RequestHandler } from 'express';
import { type Principal, principalForKey } from '../agencies/service.ts';
import type { Db } from '../db/port.ts';
import { sha256 } from '../ids.ts';
import { problems } from './problem.ts';

/**
 * Bearer API keys. Lookups are cached for a few seconds per node: the hot path saves a round
 * trip, and a revoked key still stops working within `ttlMs`.
 */
export function apiKeyAuth(db: Db, ttlMs = 5_000): RequestHandler {
  const cache = new Map<string, { principal: Principal | null; until: number }>();
  return async (req, res, next) => {
    const header = req.get('Authorization');
    if (!header) throw problems.authenticationRequired();
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw problems.invalidApiKey();
    const key = match[1] as string;
    const cacheKey = sha256(key);
    const now = Date.now();
    let entry = cache.get(cacheKey);
    if (!entry || entry.until <= now) {
      if (cache.size > 10_000) cache.clear();
      entry = { principal: await principalForKey(db, key), until: now + ttlMs };
      cache.set(cacheKey, entry);
    }
    if (!entry.principal) throw problems.invalidApiKey();
    res.locals.principal = entry.principal;
    next();
  };
}

export function principalOf(locals: Record<string, unknown>): Principal {
  return locals.principal as Principal;
}
