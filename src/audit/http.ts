import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Principal } from '../agencies/service.ts';
import type { Db } from '../db/port.ts';
import { principalOf } from '../http/auth.ts';
import { type AuditEntry, audit } from './service.ts';

const OBJECT_ID = /^(pay|re|we|evt|att|bst)_[0-9A-Z]{26}$/;

/** An API write's audit action: the method and the route as declared ("POST /v1/payments"). */
export function auditAction(req: Request): string {
  const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : req.path;
  return `${req.method} ${route}`;
}

/** The audit record of an API write: who (the API key), what (the route and outcome), which object, from where. */
export function apiWriteRecord(
  req: Request,
  res: Response,
  principal: Principal | null,
  status: number,
  responseId?: string,
): AuditEntry {
  const fromPath = req.path.split('/').find((part) => OBJECT_ID.test(part));
  return {
    actorType: 'api_key',
    actorId: principal?.keyId ?? null,
    action: auditAction(req),
    objectId: responseId && OBJECT_ID.test(responseId) ? responseId : (fromPath ?? null),
    agencyId: principal?.agencyId ?? null,
    mode: principal?.mode ?? null,
    ip: req.ip ?? null,
    requestId: typeof req.id === 'string' ? req.id : null,
    details: { status, ...(res.get('Idempotent-Replayed') ? { replayed: true } : {}) },
  };
}

/**
 * Records every API write (POST, DELETE…) once its response is sent. A route that wrote the
 * record in the transaction of its change (runIdempotent's `remember`, a payment created) sets
 * `res.locals.audited`, and this leaves it alone.
 */
export function auditApiWrites(db: Db, logger: Pick<Logger, 'error'>): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    let responseId: string | undefined;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const id = (body as { id?: unknown } | null)?.id;
      if (typeof id === 'string') responseId = id;
      return json(body);
    };
    res.on('finish', () => {
      if (res.locals.audited === true) return;
      const principal = res.locals.principal ? principalOf(res.locals) : null;
      audit(db, apiWriteRecord(req, res, principal, res.statusCode, responseId)).catch((err) =>
        logger.error({ err }, 'audit record not written'),
      );
    });
    next();
  };
}
