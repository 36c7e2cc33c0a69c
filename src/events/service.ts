import type { Queryable } from '../db/port.ts';
import { newId } from '../ids.ts';
import { insertEventWithOutbox } from './outbox.ts';
import * as q from './queries.ts';

export type EventType =
  | 'payment.succeeded'
  | 'payment.failed_attempt'
  | 'payment.expired'
  | 'payment.cancelled'
  | 'payment.double_paid'
  | 'payment.underpaid'
  | 'refund.succeeded'
  | 'refund.failed';

export interface NewEvent {
  agencyId: string;
  mode: string;
  type: EventType;
  objectId: string;
  data: unknown;
}

/**
 * Records an event; call it in the transaction of the change it reports. With it go one webhook
 * delivery per subscribed endpoint (the outbox) and the transition's audit record.
 */
export async function recordEvent(tx: Queryable, event: NewEvent): Promise<string> {
  const id = newId('evt');
  await insertEventWithOutbox(tx, { id, ...event });
  return id;
}

/** recordEvent as CTEs of a one-statement change: one event per row of `source.from`. */
export { type EventSource, eventCtes } from './outbox.ts';

/** One event of an agency and mode, as the events API and a webhook's test delivery read it. */
export const eventById = (db: Queryable, agencyId: string, mode: string, id: string) =>
  q.eventById(db, agencyId, mode, id);

/** The events about a payment and its refunds, oldest first, for the console's timeline. */
export async function eventsAbout(db: Queryable, objectIds: string[]): Promise<q.TimelineEvent[]> {
  return (await q.eventsAbout(db, objectIds)).rows;
}
