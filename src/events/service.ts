import type { Queryable } from '../db/port.ts';
import { newId } from '../ids.ts';

export type EventType =
  | 'payment.succeeded'
  | 'payment.failed_attempt'
  | 'payment.expired'
  | 'payment.cancelled'
  | 'payment.double_paid'
  | 'refund.succeeded'
  | 'refund.failed';

export interface NewEvent {
  agencyId: string;
  mode: string;
  type: EventType;
  objectId: string;
  data: unknown;
}

/** Records an event; call it in the transaction of the change it reports (the outbox). */
export async function recordEvent(tx: Queryable, event: NewEvent): Promise<string> {
  const id = newId('evt');
  await tx.query(
    'INSERT INTO events (id, agency_id, mode, type, object_id, data) VALUES ($1, $2, $3, $4, $5, $6)',
    [id, event.agencyId, event.mode, event.type, event.objectId, JSON.stringify(event.data)],
  );
  return id;
}
