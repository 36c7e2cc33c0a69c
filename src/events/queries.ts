import type { Queryable } from '../db/port.ts';

export interface EventRow {
  id: string;
  agency_id: string;
  mode: 'test' | 'live';
  type: string;
  object_id: string;
  data: unknown;
  created_at: Date;
}

export const eventById = (db: Queryable, agencyId: string, mode: string, id: string) =>
  db.query<EventRow>('SELECT * FROM events WHERE id = $1 AND agency_id = $2 AND mode = $3', [
    id,
    agencyId,
    mode,
  ]);

/** Newest first by id (time-ordered); one extra row tells whether there is a next page. */
export const listEvents = (
  db: Queryable,
  agencyId: string,
  mode: string,
  filter: { type?: string; starting_after?: string; limit: number },
) =>
  db.query<EventRow>(
    `SELECT * FROM events
      WHERE agency_id = $1 AND mode = $2 AND ($3::text IS NULL OR type = $3) AND ($4::text IS NULL OR id < $4)
      ORDER BY id DESC LIMIT $5`,
    [agencyId, mode, filter.type ?? null, filter.starting_after ?? null, filter.limit + 1],
  );

export interface TimelineEvent {
  id: string;
  type: string;
  object_id: string;
  created_at: Date;
}

/** The events about these objects (a payment and its refunds), oldest first. */
export const eventsAbout = (db: Queryable, objectIds: string[]) =>
  db.query<TimelineEvent>(
    'SELECT id, type, object_id, created_at FROM events WHERE object_id = ANY ($1) ORDER BY id',
    [objectIds],
  );
