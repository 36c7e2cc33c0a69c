import type { Queryable } from '../db/port.ts';

export interface EndpointRow {
  id: string;
  agency_id: string;
  mode: 'test' | 'live';
  url: string;
  events: string[] | null;
  secret: Uint8Array;
  previous_secret: Uint8Array | null;
  /** Until when the previous secret signs beside the current one (past: it no longer does). */
  previous_secret_expires_at: Date | null;
  created_at: Date;
  deleted_at: Date | null;
}

export interface DeliveryRow {
  endpoint_id: string;
  event_id: string;
  event_created_at: Date;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  next_attempt_at: Date;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface TryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempted_at: Date;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

/** A claimed delivery, with what sending it needs. */
export interface ClaimedRow extends DeliveryRow {
  type: string;
  data: unknown;
  event_mode: 'test' | 'live';
  url: string;
  secret: Uint8Array;
  /** The previous secret while it still signs, else null. */
  previous_secret: Uint8Array | null;
  endpoint_mode: 'test' | 'live';
}

/**
 * A new signing secret; the current one becomes the previous, signing beside it for
 * `overlapSeconds` (0: at once no more).
 */
export const rotateSecret = (
  tx: Queryable,
  owner: { agencyId: string; mode: string },
  id: string,
  sealed: Buffer,
  overlapSeconds: number,
) =>
  tx.query<EndpointRow>(
    `UPDATE webhook_endpoints
        SET previous_secret = CASE WHEN $5 > 0 THEN secret END,
            previous_secret_expires_at = CASE WHEN $5 > 0 THEN now() + make_interval(secs => $5) END,
            secret = $4
      WHERE id = $1 AND agency_id = $2 AND mode = $3 AND deleted_at IS NULL
      RETURNING *`,
    [id, owner.agencyId, owner.mode, sealed, overlapSeconds],
  );

export const insertEndpoint = (
  db: Queryable,
  e: { id: string; agency_id: string; mode: string; url: string; events: string[] | null; secret: Buffer },
) =>
  db.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, agency_id, mode, url, events, secret)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [e.id, e.agency_id, e.mode, e.url, e.events, e.secret],
  );

export const endpoints = (db: Queryable, agencyId: string, mode: string) =>
  db.query<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE agency_id = $1 AND mode = $2 AND deleted_at IS NULL
      ORDER BY id DESC LIMIT 100`,
    [agencyId, mode],
  );

export const endpointById = (db: Queryable, agencyId: string, mode: string, id: string) =>
  db.query<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE id = $1 AND agency_id = $2 AND mode = $3 AND deleted_at IS NULL`,
    [id, agencyId, mode],
  );

/** Deleting an endpoint cancels what it has pending; its log stays. */
export const deleteEndpoint = (db: Queryable, agencyId: string, mode: string, id: string) =>
  db.query<EndpointRow>(
    `WITH gone AS (
       UPDATE webhook_endpoints SET deleted_at = now()
        WHERE id = $1 AND agency_id = $2 AND mode = $3 AND deleted_at IS NULL RETURNING *
     ), cancelled AS (
       UPDATE webhook_deliveries SET status = 'cancelled', updated_at = now()
        WHERE endpoint_id IN (SELECT id FROM gone) AND status = 'pending'
     )
     SELECT * FROM gone`,
    [id, agencyId, mode],
  );

/**
 * How far ahead an earlier pending delivery's next try may be and still hold later events to the
 * same endpoint back: while it is in flight (leased) or due within this, events go in creation
 * order; once its next retry is further away, later events pass it (portals order by created_at).
 */
export const HOLD_BACK_SECONDS = 60;

/**
 * Claims up to `limit` due deliveries, each the oldest of its endpoint that nothing earlier holds
 * back (see HOLD_BACK_SECONDS). The claim is a lease: next_attempt_at moves `leaseSeconds` ahead,
 * renewed while the send is in flight (renewLeases), so no other instance takes the row meanwhile
 * and a crashed sender's claim expires within seconds. `attempts` is the claim's token.
 * SKIP LOCKED lets instances claim at once.
 */
export const claimDue = (db: Queryable, limit: number, leaseSeconds: number) =>
  db.query<ClaimedRow>(
    `WITH pick AS (
       SELECT d.endpoint_id, d.event_id FROM webhook_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          AND NOT EXISTS (
            SELECT 1 FROM webhook_deliveries p
             WHERE p.endpoint_id = d.endpoint_id AND p.status = 'pending'
               AND (p.event_created_at, p.event_id) < (d.event_created_at, d.event_id)
               AND p.next_attempt_at < now() + make_interval(secs => ${HOLD_BACK_SECONDS}))
        ORDER BY d.event_created_at, d.event_id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_deliveries d
          SET next_attempt_at = now() + make_interval(secs => $2), attempts = d.attempts + 1, updated_at = now()
         FROM pick WHERE d.endpoint_id = pick.endpoint_id AND d.event_id = pick.event_id
       RETURNING d.*
     )
     SELECT c.*, e.type, e.data, e.mode AS event_mode, w.url, w.secret, w.mode AS endpoint_mode,
            CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret
       FROM claimed c JOIN events e ON e.id = c.event_id JOIN webhook_endpoints w ON w.id = c.endpoint_id`,
    [limit, leaseSeconds],
  );

/** Extends the leases of claims still in flight (each matched by its claim's attempts count). */
export const renewLeases = (
  db: Queryable,
  claims: { endpoint_id: string; event_id: string; attempts: number }[],
  leaseSeconds: number,
) =>
  db.query(
    `UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $4)
       FROM unnest($1::text[], $2::text[], $3::int[]) AS c(endpoint_id, event_id, attempts)
      WHERE d.endpoint_id = c.endpoint_id AND d.event_id = c.event_id AND d.attempts = c.attempts
        AND d.status = 'pending'`,
    [
      claims.map((c) => c.endpoint_id),
      claims.map((c) => c.event_id),
      claims.map((c) => c.attempts),
      leaseSeconds,
    ],
  );

/** Logs one try and moves the delivery on: delivered, due again after `retryInSeconds`, or failed. */
export const recordTry = (
  db: Queryable,
  t: {
    endpointId: string;
    eventId: string;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
    outcome: 'delivered' | 'retry' | 'failed';
    retryInSeconds: number;
    /** The claim's token: a claim whose lease was lost (and taken again) no longer moves the row. */
    attempts: number;
  },
) =>
  db.query(
    `WITH logged AS (
       INSERT INTO webhook_delivery_attempts (endpoint_id, event_id, status_code, duration_ms, error)
       VALUES ($1, $2, $3, $4, $5)
     )
     UPDATE webhook_deliveries SET
        status = CASE $6::text WHEN 'delivered' THEN 'delivered' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
        delivered_at = CASE WHEN $6::text = 'delivered' THEN now() ELSE delivered_at END,
        next_attempt_at = CASE WHEN $6::text = 'retry' THEN now() + make_interval(secs => $7) ELSE next_attempt_at END,
        updated_at = now()
      WHERE endpoint_id = $1 AND event_id = $2 AND status = 'pending' AND attempts = $8`,
    [t.endpointId, t.eventId, t.statusCode, t.durationMs, t.error, t.outcome, t.retryInSeconds, t.attempts],
  );

/**
 * Seconds until the soonest pending delivery is due (0 if one is), by the database's clock like
 * every next_attempt_at, so the hub's own clock being off cannot shift the next run; null if none.
 */
export const nextDue = (db: Queryable) =>
  db.query<{ in_seconds: number | null }>(
    `SELECT greatest(0, extract(epoch FROM min(next_attempt_at) - now()))::float8 AS in_seconds
       FROM webhook_deliveries WHERE status = 'pending'`,
  );

export const deliveriesOfEndpoint = (
  db: Queryable,
  endpointId: string,
  startingAfter: string | null,
  limit: number,
) =>
  db.query<DeliveryRow & { type: string; tries: TryRow[] }>(
    `SELECT d.*, e.type, coalesce(
              (SELECT json_agg(json_build_object('attempted_at', t.attempted_at, 'status_code', t.status_code,
                                                 'duration_ms', t.duration_ms, 'error', t.error) ORDER BY t.id)
                 FROM webhook_delivery_attempts t
                WHERE t.endpoint_id = d.endpoint_id AND t.event_id = d.event_id), '[]') AS tries
       FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.event_id < $2)
      ORDER BY d.event_id DESC LIMIT $3`,
    [endpointId, startingAfter, limit],
  );

/**
 * Replay: the event's deliveries (to one endpoint, or all of them) start a new schedule at once.
 * An endpoint subscribed to the event's type that never had a delivery (created later) gets one.
 */
export const redeliver = (db: Queryable, eventId: string, endpointId: string | null) =>
  db.query<DeliveryRow>(
    `WITH event AS (SELECT * FROM events WHERE id = $1)
     INSERT INTO webhook_deliveries (endpoint_id, event_id, event_created_at)
     SELECT w.id, event.id, event.created_at
       FROM event JOIN webhook_endpoints w
         ON w.agency_id = event.agency_id AND w.mode = event.mode AND w.deleted_at IS NULL
        AND (w.events IS NULL OR event.type = ANY (w.events))
      WHERE $2::text IS NULL OR w.id = $2
     ON CONFLICT (endpoint_id, event_id) DO UPDATE
        SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL, updated_at = now()
      WHERE webhook_deliveries.status <> 'pending'
     RETURNING *`,
    [eventId, endpointId],
  );

export const deliveriesOfEvent = (db: Queryable, eventId: string) =>
  db.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE event_id = $1 ORDER BY endpoint_id', [
    eventId,
  ]);
