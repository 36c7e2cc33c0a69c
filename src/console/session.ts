import type { Request, RequestHandler } from 'express';
import { csrfMatches, csrfTokenFor, type Role, staffForSession } from '../admin/staff.ts';
import { type ConsoleDeps, cookieOf, SESSION_COOKIE, viewOf } from './context.ts';
import { ConsoleError, forbidden } from './errors.tsx';

/** The `_csrf` a POST carries: the urlencoded field, or for a multipart upload the X-CSRF-Token header. */
function sentCsrf(req: Request): string | undefined {
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof field === 'string') return field;
  return req.get('X-CSRF-Token') ?? undefined;
}

/** Where the sign-in page sends staff back to: the page they asked for (a GET), else the one they were on. */
function returnPath(req: Request): string {
  if (req.method === 'GET' || req.method === 'HEAD') return req.originalUrl;
  const referer = req.get('Referer');
  if (!referer) return '/console';
  try {
    const url = new URL(referer);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/console';
  }
}

/**
 * Every console page behind sign-in: a missing or expired session goes (303) to the sign-in page
 * and the request does nothing; a POST without this session's CSRF token is a 403 page.
 */
export function requireSession(deps: ConsoleDeps): RequestHandler {
  return async (req, res, next) => {
    const token = cookieOf(req, SESSION_COOKIE);
    const staff = token ? await staffForSession(deps.db, token) : null;
    if (!token || !staff) {
      const params = new URLSearchParams({ next: returnPath(req) });
      if (token) params.set('ended', '1');
      res.redirect(303, `/console/login?${params}`);
      return;
    }
    const view = viewOf(res);
    view.staff = staff;
    view.csrf = csrfTokenFor(deps.secretKey, token);
    res.locals.staff = staff;
    res.locals.sessionToken = token;
    if (
      !['GET', 'HEAD', 'OPTIONS'].includes(req.method) &&
      !csrfMatches(deps.secretKey, token, sentCsrf(req))
    )
      throw new ConsoleError('csrf');
    next();
  };
}

/** Only these roles may use the route; any other role in scope gets the 403 page. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const staff = viewOf(res).staff;
    if (!staff || !roles.includes(staff.role)) throw forbidden();
    next();
  };
}

/** Auditors read everything in scope and change nothing. */
export const writer: RequestHandler = requireRole('admin', 'finance');

/** The staff member may see this agency's objects (their agency and its children; hub-wide staff all). */
export function inScope(scope: string[] | null, agencyId: string | null | undefined): boolean {
  if (scope === null) return true;
  return typeof agencyId === 'string' && scope.includes(agencyId);
}
