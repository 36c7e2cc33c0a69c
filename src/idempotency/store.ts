/**
 * The Idempotency-Key store, below the domain: a key is claimed for a request, answered with
 * its response in the transaction of the change, or released when the request changed nothing.
 * The one claim statement serves a single request (claimed without its response yet) and a batch
 * of creates (claimed with their final response, in the statement that inserts them).
 */
import type { Principal } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { domainErrors } from '../errors.ts';

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

/** The claim's columns as SQL expressions: parameters for one key, or columns of `from` for many. */
export interface ClaimSource {
  from: string;
  agencyId: string;
  mode: string;
  key: string;
  requestHash: string;
  responseStatus: string;
  responseBody: string;
}

/**
 * Claims keys, returning (agency_id, mode, key) of each one taken. Keys live 24 h; a claim left
 * unanswered for 5 minutes was abandoned by a crashed node and may be taken again.
 */
export function claimStatement(src: ClaimSource): string {
  return `INSERT INTO idempotency_keys (agency_id, mode, key, request_hash, response_status, response_body)
       SELECT ${src.agencyId}, ${src.mode}, ${src.key}, ${src.requestHash}, ${src.responseStatus}, ${src.responseBody}
         FROM ${src.from}
       ON CONFLICT (agency_id, mode, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, response_status = EXCLUDED.response_status,
              response_body = EXCLUDED.response_body, created_at = now()
        WHERE idempotency_keys.created_at < now() - interval '24 hours'
           OR (idempotency_keys.response_status IS NULL
               AND idempotency_keys.created_at < now() - interval '5 minutes')
       RETURNING agency_id, mode, key`;
}

const CLAIM_ONE = claimStatement({
  from: '(SELECT 1) AS one',
  agencyId: '$1',
  mode: '$2',
  key: '$3',
  requestHash: '$4',
  responseStatus: 'NULL::integer',
  responseBody: 'NULL::jsonb',
});

interface Row {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/** The existing record of a key decides: replay, another request (reused) or still in flight. */
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
  if (row.request_hash !== claim.requestHash) throw domainErrors.idempotencyKeyReused();
  if (row.response_status === null) throw domainErrors.idempotencyKeyInUse();
  return { status: row.response_status, body: row.response_body, replayed: true };
}

/** Takes the key for this request, or returns the response stored for it. */
export async function begin(db: Db, principal: Principal, claim: Claim): Promise<StoredResponse | null> {
  const claimed = await db.query(CLAIM_ONE, [
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
