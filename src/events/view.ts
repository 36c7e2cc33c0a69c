import type { EventRow } from './queries.ts';

/** An event as the API lists it and as webhooks carry it: the same shape for polling and push. */
export function eventJson(row: Pick<EventRow, 'id' | 'type' | 'mode' | 'created_at' | 'data'>) {
  return {
    id: row.id,
    object: 'event' as const,
    type: row.type,
    livemode: row.mode === 'live',
    created_at: new Date(row.created_at).toISOString(),
    data: row.data,
  };
}
