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
 * Claims due deliveries, up to `perEndpoint` of each endpoint (its oldest first) and `limit` in
 * all, the endpoints taking turns (each one's first, then each one's second…) so one endpoint's
 * backlog cannot crowd out the others. A delivery is held back (see HOLD_BACK_SECONDS) while an
 * earlier one of its endpoint is in flight (leased) or due again within the hold-back: an
 * endpoint has one claimed batch at a time, and its batches go in creation order. The claim is a
 * lease: next_attempt_at moves `leaseSeconds` ahead, renewed while the sends are in flight
 * (renewLeases), so no other instance takes the rows meanwhile and a crashed sender's claim
 * expires within seconds. `attempts` is the claim's token. SKIP LOCKED lets instances claim at
 * once; the due test is repeated where rows are locked, so a row another instance has just
 * claimed is not claimed twice. Rows come back by endpoint, oldest first.
 */
export const claimDue = (db: Queryable, limit: number, leaseSeconds: number, perEndpoint = limit) =>
  db.query<ClaimedRow>(
    `WITH held AS (
       SELECT DISTINCT ON (endpoint_id) endpoint_id, event_created_at, event_id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at > now()
          AND next_attempt_at < now() + make_interval(secs => ${HOLD_BACK_SECONDS})
        ORDER BY endpoint_id, event_created_at, event_id
     ), due AS (
       SELECT DISTINCT endpoint_id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
     ), pick AS (
       SELECT head.* FROM due LEFT JOIN held ON held.endpoint_id = due.endpoint_id
        CROSS JOIN LATERAL (
          SELECT d.endpoint_id, d.event_id, d.event_created_at,
                 row_number() OVER (ORDER BY d.event_created_at, d.event_id) AS turn
            FROM webhook_deliveries d
           WHERE d.endpoint_id = due.endpoint_id AND d.status = 'pending' AND d.next_attempt_at <= now()
             AND (held.endpoint_id IS NULL
                  OR (d.event_created_at, d.event_id) < (held.event_created_at, held.event_id))
           ORDER BY d.event_created_at, d.event_id
           LIMIT $3
        ) head
        ORDER BY head.turn, head.event_created_at, head.event_id
        LIMIT $1
     ), locked AS (
       SELECT d.endpoint_id, d.event_id FROM webhook_deliveries d
         JOIN pick ON pick.endpoint_id = d.endpoint_id AND pick.event_id = d.event_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        FOR UPDATE OF d SKIP LOCKED
     ), claimed AS (
       UPDATE webhook_deliveries d
          SET next_attempt_at = now() + make_interval(secs => $2), attempts = d.attempts + 1, updated_at = now()
         FROM locked WHERE d.endpoint_id = locked.endpoint_id AND d.event_id = locked.event_id
       RETURNING d.*
     )
     SELECT c.*, e.type, e.data, e.mode AS event_mode, w.url, w.secret, w.mode AS endpoint_mode,
            CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous_secret
       FROM claimed c JOIN events e ON e.id = c.event_id JOIN webhook_endpoints w ON w.id = c.endpoint_id
      ORDER BY c.endpoint_id, c.event_created_at, c.event_id`,
    [limit, leaseSeconds, perEndpoint],
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

/** One try's outcome: delivered, due again after `retryInSeconds`, or failed. */
export interface TryOutcome {
  endpointId: string;
  eventId: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  outcome: 'delivered' | 'retry' | 'failed';
  retryInSeconds: number;
  /** The claim's token: a claim whose lease was lost (and taken again) no longer moves the row. */
  attempts: number;
  /** How long before the batch is recorded the try started (attempted_at by the database's clock). */
  startedMsAgo: number;
}

/** Logs a batch of tries and moves each delivery on, in one statement. */
export const recordTries = (db: Queryable, tries: TryOutcome[]) =>
  db.query(
    `WITH t AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[])
                  AS t(endpoint_id, event_id, status_code, duration_ms, error, outcome, retry_in, attempts, ago)
     ), logged AS (
       INSERT INTO webhook_delivery_attempts (endpoint_id, event_id, attempted_at, status_code, duration_ms, error)
       SELECT endpoint_id, event_id, now() - make_interval(secs => ago / 1000.0), status_code, duration_ms, error
         FROM t
     )
     UPDATE webhook_deliveries d SET
        status = CASE t.outcome WHEN 'delivered' THEN 'delivered' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
        delivered_at = CASE WHEN t.outcome = 'delivered' THEN now() ELSE d.delivered_at END,
        next_attempt_at = CASE WHEN t.outcome = 'retry' THEN now() + make_interval(secs => t.retry_in)
                               ELSE d.next_attempt_at END,
        updated_at = now()
       FROM t
      WHERE d.endpoint_id = t.endpoint_id AND d.event_id = t.event_id AND d.status = 'pending'
        AND d.attempts = t.attempts`,
    [
      tries.map((t) => t.endpointId),
      tries.map((t) => t.eventId),
      tries.map((t) => t.statusCode),
      tries.map((t) => t.durationMs),
      tries.map((t) => t.error),
      tries.map((t) => t.outcome),
      tries.map((t) => t.retryInSeconds),
      tries.map((t) => t.attempts),
      tries.map((t) => Math.round(t.startedMsAgo)),
    ],
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

export interface TimelineDelivery {
  event_id: string;
  endpoint_id: string;
  url: string;
  status: string;
  attempts: number;
  delivered_at: Date | null;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
}

/** Each delivery of these events, with its endpoint's URL and its latest try's outcome. */
export const deliveriesOf = (db: Queryable, eventIds: string[]) =>
  db.query<TimelineDelivery>(
    `SELECT d.event_id, d.endpoint_id, w.url, d.status, d.attempts, d.delivered_at, d.next_attempt_at,
            t.status_code AS last_status_code, t.error AS last_error
       FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
       LEFT JOIN LATERAL (SELECT status_code, error FROM webhook_delivery_attempts x
                           WHERE x.endpoint_id = d.endpoint_id AND x.event_id = d.event_id
                           ORDER BY x.id DESC LIMIT 1) t ON true
      WHERE d.event_id = ANY ($1)
      ORDER BY d.event_id, d.endpoint_id`,
    [eventIds],
  );

export const failingEndpointCount = (db: Queryable, scope: string[] | null, mode: string) =>
  db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM webhook_endpoints e
      WHERE e.deleted_at IS NULL AND e.mode = $2 AND ($1::text[] IS NULL OR e.agency_id = ANY ($1))
        AND EXISTS (SELECT 1 FROM webhook_deliveries d
                     WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.attempts > 0)`,
    [scope, mode],
  );
