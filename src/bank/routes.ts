import express, { type Request, Router } from 'express';
import { apiWriteRecord } from '../audit/http.ts';
import { audit } from '../audit/service.ts';
import { principalOf } from '../http/auth.ts';
import { validateRequest } from '../http/openapi.ts';
import { ApiError, problems } from '../http/problem.ts';
import { BankError, type BankService, bankAdapters } from './service.ts';

/** Statements are streamed, so this bounds the upload, not memory: a busy account's day fits. */
export const MAX_STATEMENT_BYTES = 256 * 1024 * 1024;
const PROVIDER = /^[a-z0-9_]{1,32}$/;

function toApiError(error: unknown): unknown {
  return error instanceof BankError
    ? new ApiError(error.status, error.code, error.title, error.message)
    : error;
}

async function* limited(req: Request, max: number): AsyncIterable<Buffer> {
  let size = 0;
  // Not destroyed on an early exit (a rejected file): the rest is drained, and the reply still goes out.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      throw new BankError(
        413,
        'payload_too_large',
        'Payload too large',
        `A statement is at most ${max} bytes.`,
      );
    }
    yield chunk;
  }
}

/**
 * The bank's side of bank transfers: the credit-notification feed (signed per agency, outside
 * /v1) and statement uploads by the agency (its API key, under /v1).
 */
export function bankRoutes(bank: BankService): Router {
  const router = Router();

  router.post('/bank-feed/:provider', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const provider = req.params.provider as string;
    if (!PROVIDER.test(provider)) throw problems.routeNotFound(req.method, req.path);
    try {
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
    } catch (error) {
      throw toApiError(error);
    }
  });

  router.post('/v1/bank_statements', validateRequest('uploadBankStatement'), async (req, res) => {
    if (!/^(application|text)\/xml\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        'Unsupported media type',
        'Send the ISO 20022 statement (camt.053 or camt.054) as application/xml.',
      );
    }
    const query = res.locals.query as { provider?: string };
    const provider = query.provider ?? bankAdapters()[0]?.name ?? '';
    const principal = principalOf(res.locals);
    try {
      const summary = await bank.ingestStatement({
        provider,
        source: 'upload',
        agencyId: principal.agencyId,
        mode: principal.mode === 'test' ? 'test' : undefined,
        body: limited(req, MAX_STATEMENT_BYTES),
        record: (tx, id) => audit(tx, apiWriteRecord(req, res, principal, 201, id)),
      });
      res.locals.audited = true;
      res.status(201).json(summary);
    } catch (error) {
      // What the client has not sent yet is drained, so the problem+json reaches it.
      req.resume();
      throw toApiError(error);
    }
  });

  return router;
}
