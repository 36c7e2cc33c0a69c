import express, { type Request, type RequestHandler, Router } from 'express';
import { staffOf } from '../admin/staff.ts';
import { apiWriteRecord } from '../audit/http.ts';
import { audit } from '../audit/service.ts';
import { DomainError } from '../errors.ts';
import { principalOf } from '../http/auth.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import { type BankService, bankAdapters } from './service.ts';

/** Statements are streamed, so this bounds the upload, not memory: a busy account's day fits. */
export const MAX_STATEMENT_BYTES = 256 * 1024 * 1024;
const PROVIDER = /^[a-z0-9_]{1,32}$/;

const XML = /^(application|text)\/xml\s*(;|$)/i;
const NOT_XML = () =>
  new ApiError(
    415,
    'unsupported_media_type',
    'Unsupported media type',
    'Send the ISO 20022 statement (camt.053 or camt.054) as application/xml.',
  );

/**
 * To staff acting for some agencies, a statement for an account none of theirs collects into is
 * as if it did not exist: 404, where hub-wide staff and portals are told 422.
 */
function scopedRefusal(error: unknown): unknown {
  return error instanceof DomainError && error.code === 'statement_account_unknown'
    ? new ApiError(404, error.code, 'Unknown account', error.detail)
    : error;
}

async function* limited(req: Request, max: number): AsyncIterable<Buffer> {
  let size = 0;
  // Not destroyed on an early exit (a rejected file): the rest is drained, and the reply still goes out.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      // A DomainError, so the statement's reader passes it on as it is.
      throw new DomainError('payload_too_large', `A statement is at most ${max} bytes.`);
    }
    yield chunk;
  }
}

/**
 * The bank's side of bank transfers: the credit-notification feed (signed per agency, outside
 * /v1) and test statements uploaded by a portal (its test API key, under /v1). A portal's word is
 * not the bank's: with a live key a statement is refused (the bank's statements come from finance
 * staff, the drop folder or the signed feed).
 */
export function bankRoutes(bank: BankService): Router {
  const router = Router();

  router.post('/bank-feed/:provider', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const provider = req.params.provider as string;
    if (!PROVIDER.test(provider)) throw problems.routeNotFound(req.method, req.path);
    const reply = await bank.receiveFeed(provider, {
      method: req.method,
      query: {},
      body: undefined,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      ),
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    res.status(200).json(reply);
  });

  router.post('/v1/bank_statements', validateRequest('uploadBankStatement'), async (req, res) => {
    const principal = principalOf(res.locals);
    if (principal.mode !== 'test') {
      req.resume();
      throw new ApiError(
        403,
        'test_mode_only',
        'Test mode only',
        "A live key cannot upload bank statements: the bank's statements come from finance staff " +
          '(POST /admin/v1/bank_statements), the drop folder or the signed bank feed.',
      );
    }
    if (!XML.test(req.headers['content-type'] ?? '')) throw NOT_XML();
    const query = res.locals.query as { provider?: string };
    const provider = query.provider ?? bankAdapters()[0]?.name ?? '';
    try {
      const summary = await bank.ingestStatement({
        provider,
        source: 'upload',
        agencyId: principal.agencyId,
        mode: 'test',
        body: limited(req, MAX_STATEMENT_BYTES),
        record: (tx, id) => audit(tx, apiWriteRecord(req, res, principal, 201, id)),
      });
      res.locals.audited = true;
      res.status(201).json(summary);
    } catch (error) {
      // What the client has not sent yet is drained, so the problem+json reaches it.
      req.resume();
      throw error;
    }
  });

  return router;
}

/**
 * POST /admin/v1/bank_statements, behind the staff session, CSRF check and writer role: a
 * statement finance staff took from the bank, the bank's word, for the agencies in their scope
 * (the agency is the one whose collection account the file names). Audited with the statement.
 */
export function staffStatementUpload(bank: BankService): RequestHandler {
  return async (req, res) => {
    const staff = staffOf(res.locals);
    if (!XML.test(req.headers['content-type'] ?? '')) throw NOT_XML();
    const query = res.locals.query as { provider?: string; file_name?: string };
    try {
      const summary = await bank.ingestStatement({
        provider: query.provider ?? bankAdapters()[0]?.name ?? '',
        source: 'upload',
        scope: staff.scope,
        fileName: query.file_name,
        body: limited(req, MAX_STATEMENT_BYTES),
        record: (tx, id, agencyId) =>
          audit(tx, {
            actorType: 'staff',
            actorId: staff.id,
            action: 'bank_statements.upload',
            objectId: id,
            agencyId,
            ip: req.ip ?? null,
            requestId: typeof req.id === 'string' ? req.id : null,
            details: { file_name: query.file_name ?? null },
          }),
      });
      res.status(201).json(summary);
    } catch (error) {
      req.resume();
      throw staff.scope ? scopedRefusal(error) : error;
    }
  };
}
