import type { Request, Response } from 'express';
import type { Principal } from '../agencies/service.ts';
import { apiWriteRecord } from '../audit/http.ts';
import { audit } from '../audit/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { sha256 } from '../ids.ts';
import { problems } from './problem.ts';

/** An Idempotency-Key as sent, with the fingerprint of the request it came with. */
export interface Claim {
  key: string;
  requestHash: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
  /** True when this is the response stored for an earlier request with the same key. */
  replayed?: boolean;
}

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

interface Row {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/** Keys live 24 h; a claim left unanswered for 5 minutes was abandoned by a crashed node. */
const CLAIM_SQL = `
  INSERT INTO idempotency_keys (agency_id, mode, key, request_hash) VALUES ($1, $2, $3, $4)
  ON CONFLICT (agency_id, mode, key) DO UPDATE
     SET request_hash = EXCLUDED.request_hash, response_status = NULL, response_body = NULL, created_at = now()
   WHERE idempotency_keys.created_at < now() - interval '24 hours'
      OR (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < now() - interval '5 minutes')
  RETURNING 1`;

/** The existing record of a key decides: replay, 422 (other request) or 409 (still in flight). */
export async function existing(
  db: Queryable,
  principal: Principal,
  claim: Claim,
): Promise<StoredResponse | null> {
  const row = (
    await db.query<Row>(
      `SELECT request_hash, response_status, response_body FROM idempotency_keys
        WHERE agency_id = $1 AND mode = $2 AND key = $3 AND created_at >= now() - interval '24 hours'`,
      [principal.agencyId, principal.mode, claim.key],
    )
  ).rows[0];
  if (!row) return null;
  if (row.request_hash !== claim.requestHash) throw problems.idempotencyKeyReused();
  if (row.response_status === null) throw problems.idempotencyKeyInUse();
  return { status: row.response_status, body: row.response_body, replayed: true };
}

/** Takes the key for this request, or returns the response stored for it. */
export async function begin(db: Db, principal: Principal, claim: Claim): Promise<StoredResponse | null> {
  const claimed = await db.query(CLAIM_SQL, [
    principal.agencyId,
    principal.mode,
    claim.key,
    claim.requestHash,
  ]);
  if (claimed.rowCount > 0) return null;
  const stored = await existing(db, principal, claim);
  // The row vanished between the two statements (a failed twin released it): it is free again.
  if (!stored) return begin(db, principal, claim);
  return stored;
}

/** Stores the response; called inside the transaction that made the change, so both or neither last. */
export async function complete(tx: Queryable, principal: Principal, claim: Claim, response: StoredResponse) {
  await tx.query(
    `UPDATE idempotency_keys SET response_status = $4, response_body = $5
      WHERE agency_id = $1 AND mode = $2 AND key = $3`,
    [principal.agencyId, principal.mode, claim.key, response.status, JSON.stringify(response.body)],
  );
}

export async function release(db: Db, principal: Principal, claim: Claim) {
  await db.query(
    'DELETE FROM idempotency_keys WHERE agency_id = $1 AND mode = $2 AND key = $3 AND response_status IS NULL',
    [principal.agencyId, principal.mode, claim.key],
  );
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
