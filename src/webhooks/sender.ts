import type { Dispatcher } from 'undici';
import type { Db } from '../db/port.ts';
import { eventJson } from '../events/view.ts';
import type { Sealer } from '../secrets.ts';
import * as q from './queries.ts';
import { signatures } from './signature.ts';
import { checkEndpointUrl, type Resolve, refusalReason } from './urls.ts';

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

/**
 * A claimed delivery is leased this long, and the lease is renewed every LEASE_RENEW_MS while
 * its request is in flight: a crashed sender's claim expires within seconds.
 */
export const LEASE_SECONDS = 10;
const LEASE_RENEW_MS = 3_000;

/** What sending needs: the database, the endpoints' secrets, and how to reach them. */
export interface Sender {
  db: Db;
  sealer: Sealer;
  resolve: Resolve;
  allowPrivate: boolean;
  /** Per request; a slower endpoint counts as a failed try. */
  timeoutMs: number;
  send: typeof fetch;
  /** Endpoints held to public addresses connect only to addresses checked at connect time. */
  publicOnly: Record<'test' | 'live', Dispatcher>;
}

export interface DeliverOptions {
  /** Deliveries claimed and not yet recorded, at most, on this instance. */
  limit?: number;
  /** Deliveries of one endpoint claimed together: its batch, sent and recorded as one. */
  perEndpoint?: number;
  /** Requests in flight to one endpoint at once. */
  concurrency?: number;
  /** After this long no more is claimed: the job runs again rather than holding its slot. */
  budgetMs?: number;
  /** Called once claims are leased, before sending: the job plans a run for when leases would expire. */
  onClaimed?: () => Promise<void>;
  /** Wakes the loop when new deliveries are committed here (the service's nudge). */
  onNudge?: (listener: () => void) => () => void;
}

type Totals = Record<q.TryOutcome['outcome'], number>;

/**
 * Sends every due delivery until none is due (or the budget runs out). Each endpoint's due
 * deliveries are claimed as a batch, oldest first, sent `concurrency` at a time and recorded in
 * one statement; endpoints' batches run side by side, so a slow endpoint holds up only its own,
 * and a new claim is made whenever a batch finishes or new deliveries are committed. Safe on
 * several instances at once (rows are claimed with SKIP LOCKED and leased); a crash mid-batch
 * leaves its claims to expire and be sent again: at least once.
 */
export async function deliverDue(s: Sender, options: DeliverOptions = {}): Promise<Totals> {
  const { limit = 200, concurrency = 10, budgetMs = 60_000 } = options;
  const perEndpoint = Math.min(options.perEndpoint ?? 50, batchBound(concurrency, s.timeoutMs));
  const totals: Totals = { delivered: 0, retry: 0, failed: 0 };
  const inFlight = new Set<q.ClaimedRow>();
  const batches = new Set<Promise<void>>();
  let failure: unknown = null;
  let planned = false;
  const bell = doorbell();
  const unsubscribe = options.onNudge?.(bell.ring);
  const renewing = setInterval(() => {
    if (inFlight.size === 0) return;
    q.renewLeases(s.db, [...inFlight], LEASE_SECONDS).catch(() => {
      // A lease not renewed expires: the delivery is at worst sent twice (at least once).
    });
  }, LEASE_RENEW_MS);
  const until = Date.now() + budgetMs;
  try {
    while (failure === null && Date.now() < until) {
      bell.reset();
      const room = limit - inFlight.size;
      const claimed = room > 0 ? (await q.claimDue(s.db, room, LEASE_SECONDS, perEndpoint)).rows : [];
      if (claimed.length === 0 && batches.size === 0) break;
      if (claimed.length > 0 && !planned && options.onClaimed) {
        planned = true;
        await options.onClaimed();
      }
      for (const batch of byEndpoint(claimed)) {
        for (const d of batch) inFlight.add(d);
        const running: Promise<void> = sendAndRecord(s, batch, concurrency)
          .then(
            (outcomes) => {
              for (const o of outcomes) totals[o]++;
            },
            (error: unknown) => {
              failure ??= error;
            },
          )
          .finally(() => {
            for (const d of batch) inFlight.delete(d);
            batches.delete(running);
            bell.ring();
          });
        batches.add(running);
      }
      // Claim again when a batch is done, new deliveries are committed, or a second has passed
      // (a retry falling due, another instance's commit).
      await bell.rung(1_000);
    }
  } finally {
    await Promise.allSettled([...batches]);
    clearInterval(renewing);
    unsubscribe?.();
  }
  if (failure !== null) throw failure;
  return totals;
}

/** Rung since the last reset, or rung within `ms`: `rung` resolves at once, or at the ring, or after `ms`. */
function doorbell() {
  let rang = false;
  let answer: (() => void) | null = null;
  return {
    ring() {
      rang = true;
      answer?.();
    },
    reset() {
      rang = false;
    },
    rung(ms: number) {
      if (rang) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          answer = null;
          resolve();
        }
        answer = done;
      });
    },
  };
}

/** How many of one endpoint's deliveries a batch may take: hanging requests end it within the hold-back. */
function batchBound(concurrency: number, timeoutMs: number): number {
  const waves = Math.max(1, Math.floor(((q.HOLD_BACK_SECONDS - 10) * 1000) / timeoutMs));
  return concurrency * waves;
}

/** Claimed rows come ordered by endpoint: one batch per endpoint, oldest first. */
function byEndpoint(rows: q.ClaimedRow[]): q.ClaimedRow[][] {
  const batches = new Map<string, q.ClaimedRow[]>();
  for (const row of rows) {
    const batch = batches.get(row.endpoint_id);
    if (batch) batch.push(row);
    else batches.set(row.endpoint_id, [row]);
  }
  return [...batches.values()];
}

/** One endpoint's batch: its URL checked and secrets opened once, tries sent, outcomes recorded. */
async function sendAndRecord(s: Sender, batch: q.ClaimedRow[], concurrency: number) {
  const first = batch[0]!;
  let secrets: string[] = [];
  let refused: string | null = null;
  try {
    await checkEndpointUrl(first.url, first.endpoint_mode, s.resolve, s.allowPrivate);
    secrets = [first.secret, ...(first.previous_secret ? [first.previous_secret] : [])].map((sealed) =>
      s.sealer.open<string>(sealed),
    );
  } catch (e) {
    refused = tryError(e as Error, s.timeoutMs);
  }
  const tries: (Omit<q.TryOutcome, 'startedMsAgo'> & { started: number })[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < batch.length; i = next++) {
      const d = batch[i]!;
      const started = performance.now();
      const sent = refused === null ? await sendOne(s, d, secrets) : { statusCode: null, error: refused };
      const after = sent.error === null ? { outcome: 'delivered' as const } : afterFailure(d.attempts);
      tries.push({
        endpointId: d.endpoint_id,
        eventId: d.event_id,
        statusCode: sent.statusCode,
        error: sent.error?.slice(0, 500) ?? null,
        durationMs: Math.round(performance.now() - started),
        outcome: after.outcome,
        retryInSeconds: after.outcome === 'retry' ? after.inSeconds : 0,
        attempts: d.attempts,
        started,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
  const now = performance.now();
  await q.recordTries(
    s.db,
    tries.map(({ started, ...t }) => ({ ...t, startedMsAgo: now - started })),
  );
  return tries.map((t) => t.outcome);
}

/** One try of one claimed delivery: what the endpoint answered, or why there was no answer. */
async function sendOne(s: Sender, d: q.ClaimedRow, secrets: string[]) {
  let statusCode: number | null = null;
  try {
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
    const res = await s.send(d.url, {
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
      ...(d.endpoint_mode === 'live' || !s.allowPrivate ? { dispatcher: s.publicOnly[d.endpoint_mode] } : {}),
      signal: AbortSignal.timeout(s.timeoutMs),
    });
    statusCode = res.status;
    await discard(res);
    return { statusCode, error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}` };
  } catch (e) {
    return { statusCode, error: tryError(e as Error, s.timeoutMs) };
  }
}

/**
 * Reads a short answer to its end, so its connection is kept alive for the next delivery; a long
 * one is cut off (its connection closed) rather than read.
 */
async function discard(res: Response) {
  if (!res.body) return;
  let read = 0;
  for await (const chunk of res.body) {
    read += (chunk as Uint8Array).byteLength;
    if (read > 65_536) break;
  }
}

/**
 * The log is read back by the API key's holder: it names what happened, never the raw
 * connection error (errno text and the address dialled would let one probe ports).
 */
function tryError(err: Error, timeoutMs: number): string {
  const cause = err.cause as Error | undefined;
  if (err.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  const refused = refusalReason(err) ?? refusalReason(cause);
  if (refused !== undefined) return `URL not allowed: ${refused}`;
  return 'connection_failed';
}
