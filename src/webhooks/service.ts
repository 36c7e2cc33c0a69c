import { fetch as undiciFetch } from 'undici';
import type { Principal } from '../agencies/service.ts';
import type { Db, Queryable } from '../db/port.ts';
import { eventById } from '../events/service.ts';
import { eventJson } from '../events/view.ts';
import type { StoredResponse } from '../http/idempotency.ts';
import { ApiError, problems } from '../http/problem.ts';
import { newId } from '../ids.ts';
import type { Sealer } from '../secrets.ts';
import * as q from './queries.ts';
import { newSecret, signatures } from './signature.ts';
import { checkEndpointUrl, publicOnlyAgent, type Resolve, systemResolve, WebhookUrlError } from './urls.ts';

/**
 * DESIGN.md's schedule: the first try at once, then retries after 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h and 10 h (about a day in all); a delivery whose eighth try fails is `failed`, and can be
 * replayed.
 */
export const RETRY_DELAYS_SECONDS = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000] as const;
export const MAX_TRIES = RETRY_DELAYS_SECONDS.length + 1;

/** What the try after `tries` failed tries is: due again after some seconds, or given up. */
export function afterFailure(tries: number): { outcome: 'retry'; inSeconds: number } | { outcome: 'failed' } {
  const delay = RETRY_DELAYS_SECONDS[tries - 1];
  return delay === undefined ? { outcome: 'failed' } : { outcome: 'retry', inSeconds: delay };
}

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

/**
 * A claimed delivery is leased this long, and the lease is renewed every LEASE_RENEW_MS while
 * its request is in flight: a crashed sender's claim expires within seconds.
 */
export const LEASE_SECONDS = 10;
const LEASE_RENEW_MS = 3_000;

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

export function webhooksService(deps: WebhooksDeps) {
  const { db, sealer } = deps;
  const resolve = deps.resolve ?? systemResolve;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const send = deps.fetch ?? (undiciFetch as unknown as typeof fetch);
  const allowPrivate = deps.allowPrivate ?? false;
  // Endpoints held to public addresses connect only to addresses checked at connect time.
  const publicOnly = { live: publicOnlyAgent(resolve, 'live'), test: publicOnlyAgent(resolve, 'test') };
  const listeners = new Set<() => void>();

  async function createEndpoint(
    owner: { agencyId: string; mode: 'test' | 'live' },
    input: { url: string; events?: string[] },
    remember?: (tx: Queryable, response: StoredResponse) => Promise<void>,
  ): Promise<StoredResponse> {
    try {
      await checkEndpointUrl(input.url, owner.mode, resolve, allowPrivate);
    } catch (error) {
      if (!(error instanceof WebhookUrlError)) throw error;
      throw new ApiError(
        422,
        'webhook_url_not_allowed',
        'Webhook URL not allowed',
        `The webhook URL ${error.message}.`,
        [{ field: 'url', message: error.message }],
      );
    }
    const secret = newSecret();
    const events = input.events?.length ? [...new Set(input.events)].sort() : null;
    return db.transaction(async (tx) => {
      const row = (
        await q.insertEndpoint(tx, {
          id: newId('we'),
          agency_id: owner.agencyId,
          mode: owner.mode,
          url: input.url,
          events,
          secret: sealer.seal(secret),
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
    principal: Principal,
    id: string,
    overlapSeconds: number,
    remember?: (tx: Queryable, response: StoredResponse) => Promise<void>,
  ): Promise<StoredResponse> {
    const secret = newSecret();
    return db.transaction(async (tx) => {
      const row = (await q.rotateSecret(tx, principal, id, sealer.seal(secret), overlapSeconds)).rows[0];
      if (!row) throw problems.notFound('webhook endpoint', id);
      await remember?.(tx, { status: 200, body: endpointJson(row) });
      return { status: 200, body: { ...endpointJson(row), secret } };
    });
  }

  async function endpointOf(principal: Principal, id: string) {
    const row = (await q.endpointById(db, principal.agencyId, principal.mode, id)).rows[0];
    if (!row) throw problems.notFound('webhook endpoint', id);
    return row;
  }

  /** One try of one claimed delivery; the outcome is logged whatever happens. */
  async function attempt(d: q.ClaimedRow): Promise<'delivered' | 'retry' | 'failed'> {
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      await checkEndpointUrl(d.url, d.endpoint_mode, resolve, allowPrivate);
      const secrets = [d.secret, ...(d.previous_secret ? [d.previous_secret] : [])].map((sealed) =>
        sealer.open<string>(sealed),
      );
      const body = JSON.stringify(
        eventJson({
          id: d.event_id,
          type: d.type,
          mode: d.event_mode,
          created_at: d.event_created_at,
          data: d.data,
        }),
      );
      const timestamp = Math.floor(Date.now() / 1000);
      const res = await send(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'PayHub-Webhooks/1.0',
          'webhook-id': d.event_id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatures(secrets, d.event_id, timestamp, body),
        },
        body,
        // A redirect is not followed: it could lead anywhere, including inside our network.
        redirect: 'manual',
        ...(d.endpoint_mode === 'live' || !allowPrivate ? { dispatcher: publicOnly[d.endpoint_mode] } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      // The log is read back by the API key's holder: it names what happened, never the raw
      // connection error (errno text and the address dialled would let one probe ports).
      const err = e as Error;
      const cause = err.cause as Error | undefined;
      error =
        err.name === 'TimeoutError'
          ? `timed out after ${timeoutMs} ms`
          : err instanceof WebhookUrlError
            ? `URL not allowed: ${err.message}`
            : cause instanceof WebhookUrlError
              ? `URL not allowed: ${cause.message}`
              : 'connection_failed';
    }
    const next = error === null ? { outcome: 'delivered' as const } : afterFailure(d.attempts);
    await q.recordTry(db, {
      endpointId: d.endpoint_id,
      eventId: d.event_id,
      statusCode,
      durationMs: Math.round(performance.now() - started),
      error: error?.slice(0, 500) ?? null,
      outcome: next.outcome,
      retryInSeconds: next.outcome === 'retry' ? next.inSeconds : 0,
      attempts: d.attempts,
    });
    return next.outcome;
  }

  return {
    createEndpoint,
    rotateSecret,

    async listEndpoints(principal: Principal) {
      const { rows } = await q.endpoints(db, principal.agencyId, principal.mode);
      return { object: 'list' as const, data: rows.map(endpointJson), has_more: false };
    },

    async getEndpoint(principal: Principal, id: string) {
      return endpointJson(await endpointOf(principal, id));
    },

    /** Nothing more is sent to it; `remember` records the request in the same transaction. */
    async deleteEndpoint(
      principal: Principal,
      id: string,
      remember?: (tx: Queryable, response: StoredResponse) => Promise<void>,
    ): Promise<StoredResponse> {
      return db.transaction(async (tx) => {
        const row = (await q.deleteEndpoint(tx, principal.agencyId, principal.mode, id)).rows[0];
        if (!row) throw problems.notFound('webhook endpoint', id);
        const response = { status: 200, body: { id: row.id, object: 'webhook_endpoint', deleted: true } };
        await remember?.(tx, response);
        return response;
      });
    },

    /** The delivery log of an endpoint: each event sent to it, newest first, with every try. */
    async deliveries(
      principal: Principal,
      endpointId: string,
      page: { starting_after?: string; limit: number },
    ) {
      await endpointOf(principal, endpointId);
      const { rows } = await q.deliveriesOfEndpoint(
        db,
        endpointId,
        page.starting_after ?? null,
        page.limit + 1,
      );
      return {
        object: 'list' as const,
        data: rows.slice(0, page.limit).map(deliveryJson),
        has_more: rows.length > page.limit,
      };
    },

    /** Replays an event to the agency's endpoints (or one of them), with a fresh schedule. */
    async redeliver(principal: Principal, eventId: string, endpointId: string | null) {
      const event = (await eventById(db, principal.agencyId, principal.mode, eventId)).rows[0];
      if (!event) throw problems.notFound('event', eventId);
      if (endpointId) await endpointOf(principal, endpointId);
      await q.redeliver(db, eventId, endpointId);
      const { rows } = await q.deliveriesOfEvent(db, eventId);
      wake();
      return {
        object: 'list' as const,
        data: rows.filter((r) => !endpointId || r.endpoint_id === endpointId).map(deliveryJson),
        has_more: false,
      };
    },

    /**
     * Sends every due delivery, oldest first, one at a time per endpoint, until none is due.
     * Safe to run on several instances at once (rows are claimed with SKIP LOCKED and leased).
     */
    async deliverDue(
      options: {
        batch?: number;
        maxRounds?: number;
        /** Called once claims are leased, before sending: the job plans a run for when leases would expire. */
        onClaimed?: () => Promise<void>;
      } = {},
    ) {
      const { batch = 20, maxRounds = 100 } = options;
      let planned = false;
      const totals = { delivered: 0, retry: 0, failed: 0 };
      for (let round = 0; round < maxRounds; round++) {
        const claimed = (await q.claimDue(db, batch, LEASE_SECONDS)).rows;
        if (claimed.length === 0) break;
        if (!planned && options.onClaimed) {
          planned = true;
          await options.onClaimed();
        }
        const inFlight = new Set(claimed);
        const renewing = setInterval(() => {
          q.renewLeases(db, [...inFlight], LEASE_SECONDS).catch(() => {
            // A lease not renewed expires: the delivery is at worst sent twice (at least once).
          });
        }, LEASE_RENEW_MS);
        try {
          const outcomes = await Promise.all(
            claimed.map((d) => attempt(d).finally(() => inFlight.delete(d))),
          );
          for (const outcome of outcomes) totals[outcome]++;
        } finally {
          clearInterval(renewing);
        }
      }
      return totals;
    },

    /** Seconds until the next pending delivery is due (0: now), or null: the job schedules its next run. */
    async nextDueInSeconds(): Promise<number | null> {
      const inSeconds = (await q.nextDue(db)).rows[0]?.in_seconds;
      return inSeconds === null || inSeconds === undefined ? null : Number(inSeconds);
    },

    /** Called after a transaction that wrote outbox rows commits: wakes the delivery job. */
    nudge: wake,
    onNudge(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  function wake() {
    for (const listener of listeners) listener();
  }
}

export type WebhooksService = ReturnType<typeof webhooksService>;
