import { type Request, type RequestHandler, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { staffStatementUpload } from '../bank/routes.ts';
import { type BankService, bankAdapters } from '../bank/service.ts';
import type { Db } from '../db/port.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems, sendProblem } from '../http/problem.ts';
import { jsonBody } from '../http/text.ts';
import { toJsonAmount } from '../money.ts';
import type { AttemptsService } from '../payments/attempts.ts';
import { summarize } from '../reconciliation/matching.ts';
import type { ItemRow, RunRow } from '../reconciliation/model.ts';
import { reportContext, reportCsv, reportPdf, settlementReport, totalsOf } from '../reconciliation/report.ts';
import type { Action } from '../reconciliation/rules.ts';
import { type ReconciliationService, ReconError } from '../reconciliation/service.ts';
import { moneyRoutes } from './money.ts';
import {
  csrfMatches,
  csrfTokenFor,
  SESSION_HOURS,
  type Staff,
  signIn,
  signOut,
  staffForSession,
  staffOf,
} from './staff.ts';
import { staffUserRoutes } from './users.ts';
import { actionJson, itemJson, lineJson, runJson, staffJson } from './view.ts';

export const SESSION_COOKIE = 'payhub_session';
export const CSRF_COOKIE = 'payhub_csrf';

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

function reconProblem(error: unknown): never {
  if (!(error instanceof ReconError)) throw error;
  switch (error.code) {
    case 'not_found':
      throw new ApiError(404, 'resource_missing', 'No such resource', error.message);
    case 'unknown_provider':
    case 'invalid_date':
      throw problems.invalidRequest([
        { field: error.code === 'invalid_date' ? 'business_date' : 'provider', message: error.message },
      ]);
    case 'provider_refused':
      throw new ApiError(502, 'provider_refused', 'Provider refused', error.message);
    default:
      throw new ApiError(409, error.code, 'Action not allowed', error.message);
  }
}

interface BankCreditRow {
  id: string;
  agency_code: string;
  source: string;
  bank_reference: string;
  amount: string;
  memo: string;
  payer_name: string | null;
  booked_at: Date;
  status: string;
  transfer_reference: string | null;
  payment_id: string | null;
  attempt_id: string | null;
  detail: string | null;
  refund_id: string | null;
  received_at: Date;
}

function bankCreditJson(c: BankCreditRow) {
  return {
    id: c.id,
    object: 'bank_credit' as const,
    agency: c.agency_code,
    source: c.source,
    bank_reference: c.bank_reference,
    amount: toJsonAmount(c.amount),
    currency: 'VND' as const,
    memo: c.memo,
    payer_name: c.payer_name,
    booked_at: new Date(c.booked_at).toISOString(),
    status: c.status,
    transfer_reference: c.transfer_reference,
    payment: c.payment_id,
    attempt: c.attempt_id,
    detail: c.detail,
    refund: c.refund_id,
    received_at: new Date(c.received_at).toISOString(),
  };
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

  /** Auditors read; only finance and admin change anything. */
  const writer: RequestHandler = (_req, res, next) => {
    if (staffOf(res.locals).role === 'auditor')
      throw problems.forbidden('Auditors can read but not change anything.');
    next();
  };

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
  router.use(moneyRoutes({ db, attempts: deps.attempts }));

  /**
   * A run is one provider file for the whole hub. Staff of an agency see a run only if it holds
   * lines or items of their agencies, with counts (and line_count) over those alone; a rejected
   * run kept nothing of the file, so only hub-wide staff see it. Null: not theirs to see.
   */
  async function runView(run: RunRow, staff: Staff) {
    if (staff.scope === null)
      return runJson(run, run.status === 'rejected' ? [] : await summarize(db, run.id, null));
    if (run.status === 'rejected') return null;
    const summary = await summarize(db, run.id, staff.scope);
    if (!summary.some((c) => c.count > 0)) return null;
    // Hub items the file lacks (missing_at_provider) are no line of it.
    const lineCount = summary
      .filter((c) => c.category !== 'missing_at_provider')
      .reduce((n, c) => n + c.count, 0);
    return runJson({ ...run, line_count: lineCount }, summary);
  }

  router.get(
    '/admin/v1/reconciliation/runs',
    validateRequest('listReconciliationRuns'),
    async (_req, res) => {
      const query = res.locals.query as {
        provider?: string;
        business_date?: string;
        status?: string;
        limit?: number;
        starting_after?: string;
      };
      const limit = query.limit ?? 20;
      const staff = staffOf(res.locals);
      // Runs out of the staff's scope are skipped, so a page is filled from further rows.
      const data: NonNullable<Awaited<ReturnType<typeof runView>>>[] = [];
      let after = query.starting_after;
      let exhausted = false;
      while (data.length <= limit && !exhausted) {
        const rows = await recon.listRuns({
          provider: query.provider,
          date: query.business_date,
          status: query.status,
          limit,
          startingAfter: after,
        });
        exhausted = rows.length <= limit;
        after = rows.at(-1)?.id;
        for (const view of await Promise.all(rows.map((r) => runView(r, staff)))) if (view) data.push(view);
      }
      res.json({ object: 'list', data: data.slice(0, limit), has_more: data.length > limit });
    },
  );

  router.get(
    '/admin/v1/reconciliation/runs/:id',
    validateRequest('getReconciliationRun'),
    async (req, res) => {
      const run = await recon.runById(req.params.id as string);
      const view = run && (await runView(run, staffOf(res.locals)));
      if (!view) throw problems.notFound('reconciliation run', req.params.id as string);
      res.json(view);
    },
  );

  router.get(
    '/admin/v1/reconciliation/runs/:id/lines',
    validateRequest('listReconciliationRunLines'),
    async (req, res) => {
      const runId = req.params.id as string;
      const run = await recon.runById(runId);
      if (!run || !(await runView(run, staffOf(res.locals))))
        throw problems.notFound('reconciliation run', runId);
      const query = res.locals.query as {
        reference?: string;
        category?: string;
        limit?: number;
        starting_after?: number;
      };
      const limit = query.limit ?? 20;
      const rows = await recon.runLines(staffOf(res.locals).scope, runId, {
        reference: query.reference,
        category: query.category,
        startingAfter: query.starting_after,
        limit,
      });
      res.json({
        object: 'list',
        data: rows.slice(0, limit).map((l) => lineJson(runId, l)),
        has_more: rows.length > limit,
      });
    },
  );

  router.post(
    '/admin/v1/reconciliation/runs',
    writer,
    validateRequest('createReconciliationRun'),
    async (req, res) => {
      const staff = staffOf(res.locals);
      // A provider's file holds every agency's lines: only hub-wide staff may reconcile it.
      if (staff.scope !== null)
        throw problems.forbidden('Only hub-wide finance staff can reconcile a provider file.');
      // CSV from the providers; a bank's camt.053 statement (VietQR) as XML.
      if (!req.is(['text/csv', 'application/xml', 'text/xml'])) throw problems.unsupportedMediaType();
      const query = res.locals.query as { provider: string; business_date: string; file_name?: string };
      const result = await recon
        .reconcile({
          provider: query.provider,
          date: query.business_date,
          input: req,
          origin: 'upload',
          actor: staff.id,
          fileName: query.file_name,
        })
        .catch(reconProblem);
      if (result.run.status === 'rejected') {
        const r = result.run.rejection!;
        throw new ApiError(422, 'settlement_file_rejected', 'Settlement file rejected', r.detail, undefined, {
          run: result.run.id,
          reason: r.code,
          ...(r.line ? { line: r.line } : {}),
        });
      }
      res.status(result.idempotent ? 200 : 201).json(await runView(result.run, staff));
    },
  );

  router.get(
    '/admin/v1/reconciliation/items',
    validateRequest('listReconciliationItems'),
    async (_req, res) => {
      const query = res.locals.query as {
        run?: string;
        category?: string;
        status?: string;
        provider?: string;
        business_date?: string;
        limit?: number;
        starting_after?: string;
      };
      const limit = query.limit ?? 20;
      const rows = await recon.listItems(staffOf(res.locals).scope, {
        runId: query.run,
        category: query.category,
        status: query.status,
        provider: query.provider,
        date: query.business_date,
        limit,
        startingAfter: query.starting_after?.replace(/^ri_/, ''),
      });
      res.json({
        object: 'list',
        data: rows.slice(0, limit).map((r: ItemRow) => itemJson(r)),
        has_more: rows.length > limit,
      });
    },
  );

  router.post(
    '/admin/v1/bank_statements',
    writer,
    validateRequest('uploadStaffBankStatement'),
    staffStatementUpload(deps.bank),
  );

  router.get('/admin/v1/bank_credits', validateRequest('listBankCredits'), async (_req, res) => {
    const query = res.locals.query as { status?: string; limit?: number; starting_after?: string };
    const limit = query.limit ?? 20;
    const { rows } = await db.query<BankCreditRow>(
      `SELECT c.*, a.code AS agency_code FROM bank_credits c JOIN agencies a ON a.id = c.agency_id
        WHERE ($1::text[] IS NULL OR c.agency_id = ANY ($1))
          AND (CASE WHEN $2::text IS NULL THEN c.status IN ('unmatched', 'amount_mismatch', 'late', 'duplicate')
                    ELSE c.status = $2 END)
          AND ($3::text IS NULL OR c.id < $3)
        ORDER BY c.id DESC LIMIT $4`,
      [staffOf(res.locals).scope, query.status ?? null, query.starting_after ?? null, limit + 1],
    );
    res.json({
      object: 'list',
      data: rows.slice(0, limit).map(bankCreditJson),
      has_more: rows.length > limit,
    });
  });

  router.get(
    '/admin/v1/reconciliation/items/:id',
    validateRequest('getReconciliationItem'),
    async (req, res) => {
      const id = (req.params.id as string).replace(/^ri_/, '');
      const item = await recon.item(staffOf(res.locals).scope, id).catch(reconProblem);
      const actions = await recon.actionsOf(item.id);
      res.json({ ...itemJson(item), actions: actions.map(actionJson) });
    },
  );

  router.post(
    '/admin/v1/reconciliation/items/:id/actions',
    writer,
    validateRequest('createReconciliationAction'),
    async (req, res) => {
      const staff = staffOf(res.locals);
      const body = req.body as { action: Action; note: string; days?: number };
      if (!body.note.trim()) throw problems.invalidRequest([{ field: 'note', message: 'must not be blank' }]);
      const done = await recon
        .resolve({
          itemId: (req.params.id as string).replace(/^ri_/, ''),
          action: body.action,
          note: body.note.trim(),
          days: body.days,
          actor: staff.id,
          scope: staff.scope,
        })
        .catch(reconProblem);
      const actions = await recon.actionsOf(done.item.id);
      res.status(201).json({ ...itemJson(done.item), actions: actions.map(actionJson) });
    },
  );

  router.get('/admin/v1/reports/settlement', validateRequest('getSettlementReport'), async (_req, res) => {
    const query = res.locals.query as {
      business_date: string;
      provider?: string;
      mode?: 'test' | 'live';
      format?: 'json' | 'csv' | 'pdf';
    };
    const filter = {
      date: query.business_date,
      provider: query.provider,
      mode: query.mode ?? 'live',
      scope: staffOf(res.locals).scope,
      bankProviders: bankAdapters().map((a) => a.name),
    };
    const rows = await settlementReport(db, filter);
    const name = `settlement-${query.business_date}${query.provider ? `-${query.provider}` : ''}`;
    if (query.format === 'csv') {
      res.attachment(`${name}.csv`).type('text/csv; charset=utf-8').send(reportCsv(rows));
      return;
    }
    const context = await reportContext(db, filter, new Date());
    if (query.format === 'pdf') {
      res
        .attachment(`${name}.pdf`)
        .type('application/pdf')
        .send(await reportPdf(rows, { date: query.business_date, provider: query.provider, context }));
    } else {
      const totals = totalsOf(rows);
      const amount = toJsonAmount;
      const nullable = (v: string | null) => (v === null ? null : amount(v));
      res.json({
        object: 'settlement_report',
        business_date: query.business_date,
        provider: query.provider ?? null,
        mode: context.mode,
        generated_at: context.generated_at,
        rows: rows.map((r) => ({
          ...r,
          gross: amount(r.gross),
          refunds: amount(r.refunds),
          fees: amount(r.fees),
          net: amount(r.net),
        })),
        totals: {
          count: totals.count,
          gross: amount(totals.gross),
          refunds: amount(totals.refunds),
          fees: amount(totals.fees),
          net: amount(totals.net),
          unremittable: amount(totals.unremittable),
        },
        providers: context.providers.map((p) => ({
          ...p,
          gross: amount(p.gross),
          refunds: amount(p.refunds),
          fees: amount(p.fees),
          net: amount(p.net),
        })),
        open_breaks: context.open_breaks.map((b) => ({ ...b, amount: nullable(b.amount) })),
        unsettled_refunds: context.unsettled_refunds.map((r) => ({ ...r, amount: amount(r.amount) })),
        sources: context.sources,
      });
    }
  });

  return router;
}
