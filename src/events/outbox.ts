import { objectTypeOf } from '../audit/service.ts';
import { raiseAfterCommit } from '../db/after-commit.ts';
import type { Queryable } from '../db/port.ts';
import { Params } from '../db/statement.ts';

export interface OutboxEvent {
  id: string;
  agencyId: string;
  mode: string;
  type: string;
  objectId: string;
  data: unknown;
}

/** The event's columns as SQL expressions: parameters for one event, or columns of `from` for many. */
export interface EventSource {
  from?: string;
  id: string;
  agencyId: string;
  mode: string;
  type: string;
  objectId: string;
  data: string;
  objectType: string;
}

/**
 * Events own the outbox: the webhooks' delivery rows are written here, with the event, and
 * src/webhooks only reads and sends them.
 *
 * The transactional outbox as CTEs (`event`, `deliveries`, `audited`) for a statement of the
 * caller's: each event, one pending delivery per endpoint of the agency and mode that subscribes
 * to its type, and the transition's audit record. With `from`, one event per row it yields (none
 * when a change made earlier in the same statement did not happen).
 */
export function eventCtes(src: EventSource): string {
  return `event AS (
       INSERT INTO events (id, agency_id, mode, type, object_id, data)
       SELECT ${src.id}, ${src.agencyId}, ${src.mode}, ${src.type}, ${src.objectId}, ${src.data}
       ${src.from ? `FROM ${src.from}` : ''}
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
       SELECT 'system', event.type, ${src.objectType}, event.object_id,
              event.agency_id, event.mode, jsonb_build_object('event', event.id)
         FROM event
     )`;
}

/** One event's columns as parameters of `p`. */
export function eventParams(p: Params, event: OutboxEvent, from?: string): EventSource {
  return {
    from,
    id: p.add(event.id, 'text'),
    agencyId: p.add(event.agencyId, 'text'),
    mode: p.add(event.mode, 'text'),
    type: p.add(event.type, 'text'),
    objectId: p.add(event.objectId, 'text'),
    data: p.add(JSON.stringify(event.data), 'jsonb'),
    objectType: p.add(objectTypeOf(event.objectId), 'text'),
  };
}

/** The event and its outbox in one statement, in the transaction of the change it reports. */
export async function insertEventWithOutbox(tx: Queryable, event: OutboxEvent): Promise<number> {
  const p = new Params();
  const { rows } = await tx.query<{ deliveries: number }>(
    `WITH ${eventCtes(eventParams(p, event))} SELECT count(*)::int AS deliveries FROM deliveries`,
    p.values,
  );
  const deliveries = rows[0]?.deliveries ?? 0;
  if (deliveries > 0) raiseAfterCommit(tx, 'webhooks');
  return deliveries;
}
