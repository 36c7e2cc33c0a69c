import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { VNode } from 'preact';
import { renderPage } from '../views/render.ts';
import { viewOf } from './context.ts';
import { WORDS } from './i18n.ts';
import { ConsolePage } from './layout.tsx';

/** Sends a console page (never cached: it shows money and personal data). */
export function sendPage(res: Response, page: VNode, status = 200): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(renderPage(page));
}

type ErrorKind = 'notFound' | 'forbidden' | 'csrf';
const STATUS: Record<ErrorKind, number> = { notFound: 404, forbidden: 403, csrf: 403 };

/** Thrown by a console route: the error page in the page's language, nothing changed. */
export class ConsoleError extends Error {
  constructor(readonly kind: ErrorKind) {
    super(kind);
  }
  get status() {
    return STATUS[this.kind];
  }
}

/** Another agency's object, or no such object: the same 404, so nothing leaks about what exists. */
export const notFound = () => new ConsoleError('notFound');
/** A role in scope that may not act. */
export const forbidden = () => new ConsoleError('forbidden');

function ErrorPage({ res, kind }: { res: Response; kind: ErrorKind | 'error' }) {
  const t = WORDS[viewOf(res).lang];
  const title = {
    notFound: t.notFoundTitle,
    forbidden: t.forbiddenTitle,
    csrf: t.csrfTitle,
    error: t.errorTitle,
  }[kind];
  const text = { notFound: t.notFound, forbidden: t.forbidden, csrf: t.csrf, error: t.error }[kind];
  return (
    <ConsolePage view={viewOf(res)} title={title}>
      <p>{text}</p>
      {viewOf(res).staff && (
        <p>
          <a href="/console">{t.backHome}</a>
        </p>
      )}
    </ConsolePage>
  );
}

/** Unknown console paths. */
export const consoleNotFound: RequestHandler = (_req, res) => {
  sendPage(res, <ErrorPage res={res} kind="notFound" />, 404);
};

/** Console errors as pages (problem+json is the API's; staff in a browser read a page). */
export const consoleErrors: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  if (error instanceof ConsoleError) {
    sendPage(res, <ErrorPage res={res} kind={error.kind} />, error.status);
    return;
  }
  const status = (error as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A body the parser refused (too large, malformed): the request changed nothing.
    sendPage(res, <ErrorPage res={res} kind="error" />, status);
    return;
  }
  req.log?.error({ err: error }, 'console page failed');
  sendPage(res, <ErrorPage res={res} kind="error" />, 500);
};
