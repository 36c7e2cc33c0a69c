import { type Request, type RequestHandler, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import {
  csrfMatches,
  csrfTokenFor,
  SESSION_HOURS,
  signIn,
  signOut,
  staffForSession,
} from '../admin/staff.ts';
import { audit } from '../audit/service.ts';
import { newToken } from '../ids.ts';
import {
  type ConsoleDeps,
  type ConsoleView,
  cookieOf,
  LOGIN_COOKIE,
  queryOf,
  SESSION_COOKIE,
  safeNext,
  viewOf,
} from './context.ts';
import { ConsoleError, sendPage } from './errors.tsx';
import { WORDS } from './i18n.ts';
import { ConsolePage, ErrorSummary, Field, type FieldErrors } from './layout.tsx';
import { requireSession } from './session.ts';

function LoginPage(props: {
  view: ConsoleView;
  next: string;
  email: string;
  errors: FieldErrors;
  notice?: string;
}) {
  const t = WORDS[props.view.lang];
  return (
    <ConsolePage view={props.view} title={t.signIn}>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <ErrorSummary errors={props.errors} />
      <form method="post" action="/console/login" class="login" novalidate>
        <input type="hidden" name="_csrf" value={props.view.csrf} />
        <input type="hidden" name="next" value={props.next} />
        <Field
          name="email"
          label={t.email}
          type="email"
          autocomplete="username"
          value={props.email}
          error={props.errors.email}
        />
        <Field
          name="password"
          label={t.password}
          type="password"
          autocomplete="current-password"
          error={props.errors.password}
        />
        <button type="submit">{t.signIn}</button>
      </form>
    </ConsolePage>
  );
}

/** The same limits as `/admin/v1/sessions`: failed sign-ins per account and client IP, and per IP. */
function signInLimits(onLimited: RequestHandler): RequestHandler {
  const clientIp = (req: Request) => ipKeyGenerator(req.ip ?? '');
  const limit = (max: number, key: (req: Request) => string) =>
    rateLimit({
      windowMs: 60_000,
      limit: max,
      skipSuccessfulRequests: true,
      // The form's answer is 200 either way (a browser logs any 4xx page as an error): what
      // counts is whether a session was made.
      requestWasSuccessful: (_req, res) => res.locals.signedIn === true,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: key,
      handler: onLimited,
    });
  const perAccount = limit(10, (req) => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    return `${clientIp(req)} ${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
  });
  const perIp = limit(50, clientIp);
  return (req, res, next) =>
    perIp(req, res, (error?: unknown) => (error ? next(error) : perAccount(req, res, next)));
}

/** Sign-in (`GET|POST /console/login`) and sign-out (`POST /console/logout`) on the admin API's staff sessions. */
export function loginRoutes(deps: ConsoleDeps): Router {
  const { db, secretKey } = deps;
  const router = Router();
  const cookie = { sameSite: 'lax' as const, secure: deps.secureCookies, path: '/console', httpOnly: true };

  // Before sign-in there is no session to bind the form's token to: a random nonce in a cookie is.
  function loginCsrf(req: Request, res: import('express').Response): string {
    let nonce = cookieOf(req, LOGIN_COOKIE);
    if (!nonce || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
      nonce = newToken();
      res.cookie(LOGIN_COOKIE, nonce, { ...cookie, maxAge: SESSION_HOURS * 3_600_000 });
    }
    return csrfTokenFor(secretKey, `login:${nonce}`);
  }

  router.get('/login', async (req, res) => {
    const query = queryOf(req);
    const next = safeNext(query.next);
    const token = cookieOf(req, SESSION_COOKIE);
    if (token && (await staffForSession(db, token))) {
      res.redirect(303, next);
      return;
    }
    const view = viewOf(res);
    view.csrf = loginCsrf(req, res);
    const t = WORDS[view.lang];
    const notice = query.ended ? t.sessionEnded : query.signed_out ? t.signedOut : undefined;
    sendPage(res, <LoginPage view={view} next={next} email="" errors={{}} notice={notice} />);
  });

  const tooMany: RequestHandler = (req, res) => {
    const view = viewOf(res);
    view.csrf = loginCsrf(req, res);
    const body = req.body as { email?: unknown; next?: unknown };
    const email = typeof body.email === 'string' ? body.email : '';
    const errors = { email: WORDS[view.lang].tooManyAttempts };
    sendPage(res, <LoginPage view={view} next={safeNext(body.next)} email={email} errors={errors} />, 429);
  };

  router.post('/login', signInLimits(tooMany), async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const nonce = cookieOf(req, LOGIN_COOKIE);
    const sent = typeof body._csrf === 'string' ? body._csrf : undefined;
    if (!nonce || !csrfMatches(secretKey, `login:${nonce}`, sent)) throw new ConsoleError('csrf');
    const view = viewOf(res);
    view.csrf = loginCsrf(req, res);
    const t = WORDS[view.lang];
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    const errors: FieldErrors = {};
    if (!email) errors.email = t.emailRequired;
    if (!password) errors.password = t.passwordRequired;
    if (password.length > 1024) errors.password = t.wrongPassword;
    if (Object.keys(errors).length > 0) {
      sendPage(res, <LoginPage view={view} next={next} email={email} errors={errors} />);
      return;
    }
    const session = await signIn(db, email, password);
    if (!session) {
      sendPage(res, <LoginPage view={view} next={next} email={email} errors={{ email: t.wrongPassword }} />);
      return;
    }
    await audit(db, {
      actorType: 'staff',
      actorId: session.staff.id,
      action: 'staff.sign_in',
      objectId: session.staff.id,
      agencyId: session.staff.agencyId,
      ip: req.ip ?? null,
      details: { via: 'console' },
    });
    res.locals.signedIn = true;
    res.cookie(SESSION_COOKIE, session.token, { ...cookie, maxAge: SESSION_HOURS * 3_600_000 });
    res.clearCookie(LOGIN_COOKIE, { path: '/console' });
    res.redirect(303, next);
  });

  router.post('/logout', requireSession(deps), async (req, res) => {
    const staff = viewOf(res).staff!;
    await signOut(db, res.locals.sessionToken as string);
    await audit(db, {
      actorType: 'staff',
      actorId: staff.id,
      action: 'staff.sign_out',
      objectId: staff.id,
      agencyId: staff.agencyId,
      ip: req.ip ?? null,
      details: { via: 'console' },
    });
    res.clearCookie(SESSION_COOKIE, { path: '/console' });
    res.redirect(303, '/console/login?signed_out=1');
  });

  return router;
}
