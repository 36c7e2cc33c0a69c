import { objectTypeOf } from '../audit/service.ts';
import { raiseAfterCommit } from '../db/after-commit.ts';
import type { Queryable } from '../db/port.ts';

export interface OutboxEvent {
  id: string;
  agencyId: string;
  mode: string;
  type: string;
  objectId: string;
  data: unknown;
}

/**
 * The transactional outbox, in one statement: the event, one pending delivery per endpoint of the
 * agency and mode that subscribes to its type, and the transition's audit record. Called in the
 * transaction of the change, so all of it commits with the change or not at all.
 */
export async function insertEventWithOutbox(tx: Queryable, event: OutboxEvent): Promise<number> {
  const { rows } = await tx.query<{ deliveries: number }>(
    `WITH event AS (
       INSERT INTO events (id, agency_id, mode, type, object_id, data) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, agency_id, mode, type, object_id, created_at
     ), deliveries AS (
       INSERT INTO webhook_deliveries (endpoint_id, event_id, event_created_at)
       SELECT w.id, event.id, event.created_at
         FROM event JOIN webhook_endpoints w
           ON w.agency_id = event.agency_id AND w.mode = event.mode AND w.deleted_at IS NULL
          AND (w.events IS NULL OR event.type = ANY (w.events))
       RETURNING 1
     ), audited AS (
       INSERT INTO audit_log (actor_type, action, object_type, object_id, agency_id, mode, details)
       SELECT 'system', event.type, $7, event.object_id, event.agency_id, event.mode,
              jsonb_build_object('event', event.id)
         FROM event
     )
     SELECT count(*)::int AS deliveries FROM deliveries`,
    [
      event.id,
      event.agencyId,
      event.mode,
      event.type,
      event.objectId,
      JSON.stringify(event.data),
      objectTypeOf(event.objectId),
    ],
  );
  const deliveries = rows[0]?.deliveries ?? 0;
  if (deliveries > 0) raiseAfterCommit(tx, 'webhooks');
  return deliveries;
}
