import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Citizens' pages: strict CSP (only the hub's own stylesheet and enhancing script, no inline
 * anything, nothing third-party), no caching.
 */
export function citizenPageHeaders(formTargets: string[] = []): RequestHandler[] {
  return [
    helmet.contentSecurityPolicy({
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // The status check the enhancing script makes, to this hub only.
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // The payment form redirects (303) to the chosen provider's own site.
        formAction: ["'self'", 'https:', ...formTargets],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    }),
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
  ];
}

/** The language the citizen chose for a payment, kept for its pages only (Path=/checkout/<token>). */
export const LANG_COOKIE = 'payhub_lang';

export function langCookieOf(header: string | undefined): string | undefined {
  return /(?:^|;\s*)payhub_lang=(vi|en)(?:;|$)/.exec(header ?? '')?.[1];
}
