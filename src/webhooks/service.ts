import { fetch as undiciFetch } from 'undici';
import type { Principal } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { domainErrors } from '../errors.ts';
import { eventById } from '../events/service.ts';
import type { StoredResponse } from '../idempotency/store.ts';
import { newId } from '../ids.ts';
import type { Sealer } from '../secrets.ts';
import * as q from './queries.ts';
import { type DeliverOptions, deliverDue, type Sender } from './sender.ts';
import { newSecret } from './signature.ts';
import { checkEndpointUrl, publicOnlyAgent, type Resolve, systemResolve } from './urls.ts';

export { afterFailure, LEASE_SECONDS, MAX_TRIES, RETRY_DELAYS_SECONDS } from './sender.ts';

export const EVENT_TYPES = [
  'payment.succeeded',
  'payment.failed_attempt',
  'payment.expired',
  'payment.cancelled',
  'payment.double_paid',
  'payment.underpaid',
  'refund.succeeded',
  'refund.failed',
] as const;

export interface WebhooksDeps {
  db: Db;
  sealer: Sealer;
  resolve?: Resolve;
  /** Per request; a slower endpoint counts as a failed try. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** PAYHUB_ALLOW_PRIVATE_WEBHOOKS: test-mode endpoints may target loopback and private addresses. */
  allowPrivate?: boolean;
}

export function endpointJson(row: q.EndpointRow) {
  return {
    id: row.id,
    object: 'webhook_endpoint' as const,
    url: row.url,
    events: row.events,
    livemode: row.mode === 'live',
    created_at: new Date(row.created_at).toISOString(),
    previous_secret_expires_at:
      row.previous_secret_expires_at && row.previous_secret_expires_at > new Date()
        ? row.previous_secret_expires_at.toISOString()
        : null,
  };
}

function deliveryJson(row: q.DeliveryRow & { type?: string; tries?: q.TryRow[] }) {
  return {
    object: 'webhook_delivery' as const,
    endpoint: row.endpoint_id,
    event: row.event_id,
    ...(row.type ? { event_type: row.type } : {}),
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    delivered_at: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
    ...(row.tries
      ? {
          tries: row.tries.map((t) => ({
            attempted_at: new Date(t.attempted_at).toISOString(),
            status_code: t.status_code,
            duration_ms: t.duration_ms,
            error: t.error,
          })),
        }
      : {}),
  };
}

type Remember = (tx: Queryable, response: StoredResponse) => Promise<void>;

/** What every operation below needs: the database, the sealer, the URL rules and the delivery job's wake-up. */
interface Webhooks {
  db: Db;
  sealer: Sealer;
  resolve: Resolve;
  allowPrivate: boolean;
  listeners: Set<() => void>;
}

async function createEndpoint(
  w: Webhooks,
  owner: { agencyId: string; mode: 'test' | 'live' },
  input: { url: string; events?: string[] },
  remember?: Remember,
): Promise<StoredResponse> {
  await checkEndpointUrl(input.url, owner.mode, w.resolve, w.allowPrivate);
  const secret = newSecret();
  const events = input.events?.length ? [...new Set(input.events)].sort() : null;
  return w.db.transaction(async (tx) => {
    const row = (
      await q.insertEndpoint(tx, {
        id: newId('we'),
        agency_id: owner.agencyId,
        mode: owner.mode,
        url: input.url,
        events,
        secret: w.sealer.seal(secret),
      })
    ).rows[0]!;
    // The secret is shown in this response only; it is stored sealed (signing needs it back),
    // and an idempotent replay of the request returns the endpoint without it.
    await remember?.(tx, { status: 201, body: endpointJson(row) });
    return { status: 201, body: { ...endpointJson(row), secret } };
  });
}

/**
 * A new signing secret, shown in this response only. The old one keeps signing beside it for
 * `overlapSeconds` (default a day), so the portal can switch without missing a delivery.
 */
async function rotateSecret(
  w: Webhooks,
  principal: Principal,
  id: string,
  overlapSeconds: number,
  remember?: Remember,
): Promise<StoredResponse> {
  const secret = newSecret();
  return w.db.transaction(async (tx) => {
    const row = (await q.rotateSecret(tx, principal, id, w.sealer.seal(secret), overlapSeconds)).rows[0];
    if (!row) throw domainErrors.notFound('webhook endpoint', id);
    await remember?.(tx, { status: 200, body: endpointJson(row) });
    return { status: 200, body: { ...endpointJson(row), secret } };
  });
}

async function endpointOf(db: Queryable, principal: Principal, id: string) {
  const row = (await q.endpointById(db, principal.agencyId, principal.mode, id)).rows[0];
  if (!row) throw domainErrors.notFound('webhook endpoint', id);
  return row;
}

/** Nothing more is sent to it; `remember` records the request in the same transaction. */
async function deleteEndpoint(
  db: Db,
  principal: Principal,
  id: string,
  remember?: Remember,
): Promise<StoredResponse> {
  return db.transaction(async (tx) => {
    const row = (await q.deleteEndpoint(tx, principal.agencyId, principal.mode, id)).rows[0];
    if (!row) throw domainErrors.notFound('webhook endpoint', id);
    const response = { status: 200, body: { id: row.id, object: 'webhook_endpoint', deleted: true } };
    await remember?.(tx, response);
    return response;
  });
}

/** The delivery log of an endpoint: each event sent to it, newest first, with every try. */
async function deliveries(
  db: Queryable,
  principal: Principal,
  endpointId: string,
  page: { starting_after?: string; limit: number },
) {
  await endpointOf(db, principal, endpointId);
  const { rows } = await q.deliveriesOfEndpoint(db, endpointId, page.starting_after ?? null, page.limit + 1);
  return {
    object: 'list' as const,
    data: rows.slice(0, page.limit).map(deliveryJson),
    has_more: rows.length > page.limit,
  };
}

/** Replays an event to the agency's endpoints (or one of them), with a fresh schedule. */
async function redeliver(w: Webhooks, principal: Principal, eventId: string, endpointId: string | null) {
  const event = (await eventById(w.db, principal.agencyId, principal.mode, eventId)).rows[0];
  if (!event) throw domainErrors.notFound('event', eventId);
  if (endpointId) await endpointOf(w.db, principal, endpointId);
  await q.redeliver(w.db, eventId, endpointId);
  const { rows } = await q.deliveriesOfEvent(w.db, eventId);
  wake(w);
  return {
    object: 'list' as const,
    data: rows.filter((r) => !endpointId || r.endpoint_id === endpointId).map(deliveryJson),
    has_more: false,
  };
}

function subscribe(w: Webhooks, listener: () => void) {
  w.listeners.add(listener);
  return () => {
    w.listeners.delete(listener);
  };
}

function wake(w: Webhooks) {
  for (const listener of w.listeners) listener();
}

export function webhooksService(deps: WebhooksDeps) {
  const { db, sealer } = deps;
  const resolve = deps.resolve ?? systemResolve;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const send = deps.fetch ?? (undiciFetch as unknown as typeof fetch);
  const allowPrivate = deps.allowPrivate ?? false;
  // Endpoints held to public addresses connect only to addresses checked at connect time.
  const publicOnly = { live: publicOnlyAgent(resolve, 'live'), test: publicOnlyAgent(resolve, 'test') };
  const w: Webhooks = { db, sealer, resolve, allowPrivate, listeners: new Set() };
  const sender: Sender = { db, sealer, resolve, allowPrivate, timeoutMs, send, publicOnly };

  return {
    createEndpoint: (
      owner: { agencyId: string; mode: 'test' | 'live' },
      input: { url: string; events?: string[] },
      remember?: Remember,
    ) => createEndpoint(w, owner, input, remember),
    rotateSecret: (principal: Principal, id: string, overlapSeconds: number, remember?: Remember) =>
      rotateSecret(w, principal, id, overlapSeconds, remember),

    async listEndpoints(principal: Principal) {
      const { rows } = await q.endpoints(db, principal.agencyId, principal.mode);
      return { object: 'list' as const, data: rows.map(endpointJson), has_more: false };
    },

    getEndpoint: async (principal: Principal, id: string) =>
      endpointJson(await endpointOf(db, principal, id)),
    deleteEndpoint: (principal: Principal, id: string, remember?: Remember) =>
      deleteEndpoint(db, principal, id, remember),
    deliveries: (
      principal: Principal,
      endpointId: string,
      page: { starting_after?: string; limit: number },
    ) => deliveries(db, principal, endpointId, page),
    redeliver: (principal: Principal, eventId: string, endpointId: string | null) =>
      redeliver(w, principal, eventId, endpointId),

    /** Sends every due delivery until none is due (see sender.ts's deliverDue). */
    deliverDue: (options: Omit<DeliverOptions, 'onNudge'> = {}) =>
      deliverDue(sender, { ...options, onNudge: (listener) => subscribe(w, listener) }),

    /** Seconds until the next pending delivery is due (0: now), or null: the job schedules its next run. */
    async nextDueInSeconds(): Promise<number | null> {
      const inSeconds = (await q.nextDue(db)).rows[0]?.in_seconds;
      return inSeconds === null || inSeconds === undefined ? null : Number(inSeconds);
    },

    /** Called after a transaction that wrote outbox rows commits: wakes the delivery job. */
    nudge: () => wake(w),
    onNudge: (listener: () => void) => subscribe(w, listener),
  };
}

export type WebhooksService = ReturnType<typeof webhooksService>;

/** Each delivery of these events, with its endpoint and latest try: the console's payment timeline. */
export async function deliveriesOfEvents(db: Queryable, eventIds: string[]): Promise<q.TimelineDelivery[]> {
  return (await q.deliveriesOf(db, eventIds)).rows;
}

/** Endpoints of these agencies (null: all) and mode with a delivery pending after a failed try. */
export async function failingEndpointCount(db: Queryable, scope: string[] | null, mode: string) {
  return (await q.failingEndpointCount(db, scope, mode)).rows[0]!.count;
}
