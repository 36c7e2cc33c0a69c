import type { Request, Response } from 'express';
import type { Principal } from '../agencies/service.ts';
import { apiWriteRecord } from '../audit/http.ts';
import { audit } from '../audit/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { begin, type Claim, complete, release, type StoredResponse } from '../idempotency/store.ts';
import { sha256 } from '../ids.ts';
import { problems } from './problem.ts';

export type { Claim, StoredResponse };

const KEY_SHAPE = /^[\x20-\x7E]{1,255}$/;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Reads the header; the fingerprint covers method, path and the parsed body (key order ignored). */
export function readClaim(req: Request): Claim | undefined {
  const key = req.get('Idempotency-Key');
  if (key === undefined) return undefined;
  if (!KEY_SHAPE.test(key)) throw problems.idempotencyKeyInvalid();
  return { key, requestHash: sha256(`${req.method} ${req.path}\n${canonical(req.body ?? null)}`) };
}

export function sendStored(res: Response, stored: StoredResponse) {
  if (stored.replayed) res.set('Idempotent-Replayed', 'true');
  const body = stored.body as { type?: string } | null;
  if (stored.status >= 400 && body?.type?.startsWith('/problems/')) res.type('application/problem+json');
  res.status(stored.status).json(stored.body);
}

/**
 * Runs a state-changing request at most once per Idempotency-Key. `work` receives a `remember`
 * callback to call inside its own transaction: it stores the response for the key and writes the
 * API write's audit record, so both commit with the change or not at all. A request that fails
 * changed nothing, so its key is released and a retry runs it again.
 */
export async function runIdempotent(
  db: Db,
  req: Request,
  res: Response,
  principal: Principal,
  work: (remember: (tx: Queryable, response: StoredResponse) => Promise<void>) => Promise<StoredResponse>,
): Promise<void> {
  const claim = readClaim(req);
  let audited = false;
  const remember = async (tx: Queryable, response: StoredResponse) => {
    if (claim) await complete(tx, principal, claim, response);
    // Once per request: a refund remembers its response again when the provider has settled it.
    if (audited) return;
    const id = (response.body as { id?: unknown } | null)?.id;
    await audit(
      tx,
      apiWriteRecord(req, res, principal, response.status, typeof id === 'string' ? id : undefined),
    );
    audited = true;
  };
  const stored = claim ? await begin(db, principal, claim) : null;
  if (stored) {
    sendStored(res, stored);
    return;
  }
  try {
    const response = await work(remember);
    if (audited) res.locals.audited = true;
    sendStored(res, response);
  } catch (error) {
    if (claim) await release(db, principal, claim).catch(() => {});
    throw error;
  }
}
