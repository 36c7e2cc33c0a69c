import { type Request, type RequestHandler, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { BankService } from '../bank/service.ts';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems, sendProblem } from '../http/problem.ts';
import { jsonBody } from '../http/text.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import type { ReconciliationService } from '../reconciliation/service.ts';
import { bankCreditRoutes } from './bank-credit-routes.ts';
import { reconciliationRoutes } from './reconciliation-routes.ts';
import { reportRoutes } from './report-routes.ts';
import {
  csrfMatches,
  csrfTokenFor,
  SESSION_HOURS,
  signIn,
  signOut,
  staffForSession,
  staffOf,
} from './staff.ts';
import { staffUserRoutes } from './users.ts';
import { staffJson } from './view.ts';

export const SESSION_COOKIE = 'payhub_session';
export const CSRF_COOKIE = 'payhub_csrf';

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

export interface AdminDeps {
  db: Db;
  attempts: AttemptsService;
  recon: ReconciliationService;
  bank: BankService;
  secretKey: string;
  /** Secure cookies unless the hub is served over plain http (local development, tests). */
  secureCookies: boolean;
}

/** `/admin/v1`: staff sign in with a session cookie; every write also needs the CSRF header. */
export function adminRoutes(deps: AdminDeps): Router {
  const { db, recon, secretKey } = deps;
  const router = Router();

  router.use('/admin/v1', jsonBody({ limit: '100kb', type: ['application/json', 'application/*+json'] }));

  // Failed sign-ins count (staff signing in again are not slowed), per account and client IP: one
  // address guessing one account's password does not lock that account out elsewhere. A looser
  // limit per IP slows one address trying many accounts. Behind a load balancer the client IP is
  // X-Forwarded-For's, with PAYHUB_TRUST_PROXY.
  const limitSignIns = (limit: number, key: (req: Request) => string) =>
    rateLimit({
      windowMs: 60_000,
      limit,
      skipSuccessfulRequests: true,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: key,
      handler: (_req, res) => sendProblem(res, problems.rateLimited()),
    });
  const clientIp = (req: Request) => ipKeyGenerator(req.ip ?? '');
  const signInPerAccount = limitSignIns(10, (req) => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    return `${clientIp(req)} ${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
  });
  const signInPerIp = limitSignIns(50, clientIp);
  const signInLimit: RequestHandler = (req, res, next) =>
    signInPerIp(req, res, (error?: unknown) => (error ? next(error) : signInPerAccount(req, res, next)));

  router.post('/admin/v1/sessions', signInLimit, validateRequest('createStaffSession'), async (req, res) => {
    const { email, password } = req.body as { email: string; password: string };
    const session = await signIn(db, email, password);
    if (!session)
      throw new ApiError(
        401,
        'invalid_credentials',
        'Invalid credentials',
        'The e-mail or password is wrong.',
      );
    const csrf = csrfTokenFor(secretKey, session.token);
    const cookie = {
      sameSite: 'strict' as const,
      secure: deps.secureCookies,
      path: '/admin',
      maxAge: SESSION_HOURS * 3_600_000,
    };
    res.cookie(SESSION_COOKIE, session.token, { ...cookie, httpOnly: true });
    res.cookie(CSRF_COOKIE, csrf, cookie);
    res.status(201).json({
      object: 'staff_session',
      expires_at: session.expiresAt.toISOString(),
      csrf_token: csrf,
      user: staffJson(session.staff),
    });
  });

  const authenticated: RequestHandler = async (req, res, next) => {
    const token = cookieOf(req.headers.cookie, SESSION_COOKIE);
    const staff = token ? await staffForSession(db, token) : null;
    if (!token || !staff)
      throw new ApiError(
        401,
        'authentication_required',
        'Authentication required',
        'Sign in: POST /admin/v1/sessions.',
      );
    if (
      !['GET', 'HEAD', 'OPTIONS'].includes(req.method) &&
      !csrfMatches(secretKey, token, req.get('X-CSRF-Token'))
    ) {
      throw new ApiError(
        403,
        'csrf_failed',
        'CSRF check failed',
        "Send the session's CSRF token in the X-CSRF-Token header.",
      );
    }
    res.locals.staff = staff;
    res.locals.sessionToken = token;
    next();
  };
  router.use('/admin/v1', authenticated);

  router.delete('/admin/v1/sessions/current', validateRequest('deleteStaffSession'), async (_req, res) => {
    await signOut(db, res.locals.sessionToken as string);
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.clearCookie(CSRF_COOKIE, { path: '/admin' });
    res.status(204).end();
  });

  router.get('/admin/v1/me', validateRequest('getStaffMe'), (_req, res) => {
    res.json(staffJson(staffOf(res.locals)));
  });

  router.use(staffUserRoutes(db));
  router.use(reconciliationRoutes({ db, recon }));
  router.use(bankCreditRoutes({ db, attempts: deps.attempts, bank: deps.bank }));
  router.use(reportRoutes(db));

  return router;
}
