import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import client from 'prom-client';
import { sharedStatementFailures } from '../db/batcher.ts';

/** Secrets and payer PII never reach the logs. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.payer',
  '*.secret',
  '*.key',
  '*.password',
  '*.credentials',
];

/**
 * Capability URLs never reach the logs: whoever holds a checkout token or a receipt code sees the
 * payment, and a provider's signed query string replays its outcome. The token becomes `:token`,
 * and a provider callback or sandbox page is logged without its query string.
 */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  const query = at < 0 ? '' : url.slice(at);
  if (/^\/(return|notify|sandbox)\//.test(path)) return path;
  const checkout = /^\/checkout\/[^/]+/.exec(path);
  if (checkout) return `/checkout/:token${path.slice(checkout[0].length)}${query}`;
  if (/^\/receipts\/[^/]+/.test(path)) return '/receipts/:code';
  return url;
}

/** The hub's logger; `destination` (default stdout) lets tests read what it writes. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}

/** Request ids: an incoming X-Request-Id (if sane) or a new one, echoed back as Request-Id. */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id =
        typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : `req_${randomUUID()}`;
      res.setHeader('Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
  });
}

export interface Metrics {
  registry: client.Registry;
  middleware: RequestHandler;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'payhub_' });
  const duration = new client.Histogram({
    name: 'payhub_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new client.Counter({
    name: 'payhub_shared_statement_failures_total',
    help: 'Shared statements (requests batched together) that failed, whose requests then ran one by one',
    labelNames: ['statement'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [statement, n] of sharedStatementFailures) this.inc({ statement }, n);
    },
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      // The route template, never the raw path: ids would explode the label set.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, middleware };
}
