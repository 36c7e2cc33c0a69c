import express, { type Request, type RequestHandler } from 'express';
import { type FieldError, problems } from './problem.ts';

/**
 * Text the hub accepts is valid Unicode without NUL: Postgres refuses NUL in text (a 500), a lone
 * surrogate becomes U+FFFD on its way to the database (stored changed), and invalid UTF-8 is
 * replaced by the decoder before JSON.parse sees it. Each is a 400 naming the field instead.
 */
const LONE_SURROGATE_SOURCE =
  '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const UNPRINTABLE = new RegExp(`\\u0000|${LONE_SURROGATE_SOURCE}`, 'g');

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired surrogate (not valid Unicode)';
  return undefined;
}

/** A field name fit to echo back: NUL and lone surrogates written as \uXXXX. */
function printable(name: string): string {
  return name.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every key and string of a parsed JSON value (or query object) that is not acceptable text. */
export function textErrors(value: unknown, path: string[] = []): FieldError[] {
  const field = () => path.map(printable).join('.') || 'body';
  if (typeof value === 'string') {
    const message = textProblem(value);
    return message ? [{ field: field(), message }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => textErrors(item, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const message = textProblem(key);
      if (message) return [{ field: [...path, key].map(printable).join('.'), message: `name ${message}` }];
      return textErrors(item, [...path, key]);
    });
  }
  return [];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The first field whose decoded text holds a replacement character (where the bad bytes were). */
function fieldOfBadBytes(raw: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return 'body';
  }
  const walk = (value: unknown, path: string[]): string | undefined => {
    if (typeof value === 'string') return value.includes('\uFFFD') ? path.join('.') : undefined;
    if (!value || typeof value !== 'object') return undefined;
    for (const [key, item] of Object.entries(value)) {
      const found = key.includes('\uFFFD') ? [...path, key].join('.') : walk(item, [...path, key]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(parsed, []) || 'body';
}

/** express.json, refusing bodies that are not UTF-8 or hold NUL or lone surrogates, before any route. */
export function jsonBody(options: { limit: string; type?: string[] }): RequestHandler[] {
  const parse = express.json({
    limit: options.limit,
    type: options.type,
    verify: (_req, _res, raw, encoding) => {
      if (encoding !== 'utf-8' && encoding !== 'utf8') return;
      try {
        strictUtf8.decode(raw);
      } catch {
        throw problems.invalidRequest([{ field: fieldOfBadBytes(raw), message: 'is not valid UTF-8' }]);
      }
    },
  });
  const check: RequestHandler = (req, _res, next) => {
    const errors = req.body === undefined ? [] : textErrors(req.body);
    if (errors.length) throw problems.invalidRequest(errors);
    next();
  };
  return [parse, check];
}

/**
 * The query string's own bytes: `simple` parsing replaces invalid UTF-8 with U+FFFD, so each
 * name and value is decoded strictly here first.
 */
export function queryTextErrors(req: Request): FieldError[] {
  const url = req.originalUrl ?? req.url;
  const at = url.indexOf('?');
  if (at < 0) return [];
  const errors: FieldError[] = [];
  for (const pair of url.slice(at + 1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const [name, value] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    let decodedName: string;
    try {
      decodedName = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      errors.push({ field: 'query', message: 'a parameter name is not valid UTF-8' });
      continue;
    }
    try {
      decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      errors.push({ field: printable(decodedName), message: 'is not valid UTF-8' });
    }
  }
  return errors.length ? errors : textErrors(req.query);
}
