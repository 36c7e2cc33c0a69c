import type { Request, RequestHandler, Response } from 'express';
import type { Staff } from '../admin/staff.ts';
import type { Db } from '../db/port.ts';
import type { Services } from '../services.ts';
import { isLang, type Lang, WORDS } from './i18n.ts';

/** What every console page family is built from (the same services as `/admin/v1`). */
export interface ConsoleDeps {
  db: Db;
  services: Services;
  secretKey: string;
  /** Secure cookies unless the hub is served over plain http (local development, tests). */
  secureCookies: boolean;
  /** PAYHUB_PUBLIC_URL: links that leave the console (a receipt's verification page). */
  publicUrl: string;
  now?: () => Date;
}

/** A family: a module exporting `(deps) => Router`, mounted under `/console` by routes.ts. */
export type ConsoleFamily = (deps: ConsoleDeps) => import('express').Router;

export const SESSION_COOKIE = 'payhub_console';
export const LANG_COOKIE = 'payhub_console_lang';
/** Before sign-in there is no session: the sign-in form's CSRF token hangs on this random nonce. */
export const LOGIN_COOKIE = 'payhub_console_login';

/** What a page needs to know about its request: set on res.locals.console by the console's middleware. */
export interface ConsoleView {
  lang: Lang;
  /** Null on the sign-in page only. */
  staff: Staff | null;
  /** The `_csrf` value of this session's forms. */
  csrf: string;
  /** The request's path and query (`/console/payments?status=failed`), for the language switch. */
  path: string;
}

export function viewOf(res: Response): ConsoleView {
  return res.locals.console as ConsoleView;
}

/** The signed-in staff member of a console page behind the session guard. */
export function staffOfView(res: Response): Staff {
  const staff = viewOf(res).staff;
  if (!staff) throw new Error('console page without a session');
  return staff;
}

export function wordsOf(res: Response) {
  return WORDS[viewOf(res).lang];
}

export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

/**
 * `?lang=en` (or `vi`) switches the console's language and a cookie keeps it across pages and
 * forms, so no link or form has to carry the parameter.
 */
export function consoleLanguage(secure: boolean): RequestHandler {
  return (req, res, next) => {
    const asked = req.query.lang;
    let lang: Lang = 'vi';
    if (isLang(asked)) {
      lang = asked;
      res.cookie(LANG_COOKIE, lang, { path: '/console', sameSite: 'lax', secure, httpOnly: true });
    } else {
      const kept = cookieOf(req, LANG_COOKIE);
      if (isLang(kept)) lang = kept;
    }
    res.locals.console = { lang, staff: null, csrf: '', path: req.originalUrl } satisfies ConsoleView;
    next();
  };
}

/** A console URL with query parameters (empty ones left out): `href('/console/payments', {after})`. */
export function href(path: string, params: Record<string, string | number | undefined | null> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The current page in the other language (the switch keeps the page and its query). */
export function langSwitchHref(path: string, lang: Lang): string {
  const url = new URL(path, 'http://console.invalid');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

/** A `next` target after sign-in: only a console path (never another site, never `//host`). */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.includes('\\')) return '/console';
  // Resolved as a browser would ("/console/../admin" is /admin), then checked.
  const url = new URL(value, 'http://console.invalid');
  if (url.origin !== 'http://console.invalid' || !/^\/console(?:\/|$)/.test(url.pathname)) return '/console';
  return `${url.pathname}${url.search}`;
}

/** The string query parameters of a request (repeated or nested ones are ignored). */
export function queryOf(req: Request): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
