import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPglite } from '../helpers/db.ts';
import { freePort, startServer } from '../helpers/spawn.ts';
import {
  client,
  deliveryCounts,
  eventOf,
  insertBacklog,
  type LiveHub,
  receiver,
  startLiveHub,
} from '../helpers/webhooks-live.ts';

const BACKLOG = 1_000;
/** The sender's per-endpoint bound on requests in flight (sender.ts). */
const PER_ENDPOINT_CONCURRENCY = 10;
const after = (ms: number, status: number) =>
  new Promise<number>((resolve) => setTimeout(() => resolve(status), ms));
const idsOf = (received: { headers: Record<string, unknown> }[]) =>
  received.map((r) => r.headers['webhook-id'] as string);

/**
 * Webhooks as they run in production: `src/server.ts` started with its jobs on, a payment paid
 * through the sandbox over HTTP, the receiver a real HTTP server, on both database drivers.
 */

describe.each(['pg', 'pglite'] as const)('webhooks through the running hub (%s)', (driver) => {
  const skip = driver === 'pg' && onPglite ? 'needs the local Postgres' : false;
  let hub: LiveHub;
  beforeAll(async () => {
    if (!skip) hub = await startLiveHub(driver);
  }, 90_000);
  afterAll(async () => {
    await hub?.stop();
  });

  it.skipIf(skip)(
    'sends the first try within 2 s of the success and the retry on schedule (5 s)',
    async () => {
      const portal = await receiver((_r, n) => (n === 1 ? 500 : 200));
      try {
        const api = client(hub);
        const endpoint = await api.endpoint(portal.url);
        const paid = await api.pay(`HS-LIVE-${driver}-1`);
        await portal.when(() => portal.received.length >= 1, 10_000);
        const first = portal.received[0]!;
        expect(first.at - paid.at).toBeLessThan(2_000);
        await portal.when(() => portal.received.length >= 2, 15_000);
        const retry = portal.received[1]!;
        const gap = retry.at - first.at;
        expect(gap).toBeGreaterThan(4_000);
        expect(gap).toBeLessThan(9_000);
        const wh = new Webhook(endpoint.secret);
        for (const r of [first, retry]) {
          const event = wh.verify(r.body, r.headers as Record<string, string>) as {
            type: string;
            data: { id: string };
          };
          expect(event.type).toBe('payment.succeeded');
          expect(event.data.id).toBe(paid.id);
        }
        expect(first.headers['webhook-id']).toBe(retry.headers['webhook-id']);
        await api.deleteEndpoint(endpoint.id);
        process.stdout.write(
          `webhooks-live ${driver}: first try ${Math.round(first.at - paid.at)} ms after the success, retry after ${Math.round(gap)} ms\n`,
        );
      } finally {
        await portal.close();
      }
    },
    40_000,
  );

  it.skipIf(skip)(
    'an event failing with its next retry minutes away does not hold back a later one to its endpoint',
    async () => {
      let failing = '';
      const portal = await receiver((r) => (eventOf(r).data.id === failing ? 500 : 200));
      try {
        const api = client(hub);
        const endpoint = await api.endpoint(portal.url);
        const first = await api.pay(`HS-LIVE-${driver}-held-1`);
        failing = first.id;
        // Two tries (at once, then 5 s later) fail: its next retry is 5 minutes away.
        await portal.when(() => portal.received.length >= 2, 15_000);
        expect(portal.received.map((r) => eventOf(r).data.id)).toEqual([first.id, first.id]);
        const second = await api.pay(`HS-LIVE-${driver}-held-2`);
        await portal.when(() => portal.received.some((r) => eventOf(r).data.id === second.id), 10_000);
        const delivered = portal.received.find((r) => eventOf(r).data.id === second.id)!;
        expect(delivered.at - second.at).toBeLessThan(2_000);
        new Webhook(endpoint.secret).verify(delivered.body, delivered.headers as Record<string, string>);
        await api.deleteEndpoint(endpoint.id);
      } finally {
        await portal.close();
      }
    },
    40_000,
  );

  it.skipIf(skip)(
    `drains a backlog of ${BACKLOG} events completely, each exactly once, several at a time but no more than the bound`,
    async () => {
      const portal = await receiver(() => after(10, 200));
      try {
        const api = client(hub);
        const endpoint = await api.endpoint(portal.url);
        const backlog = await hub.withDb((db) => insertBacklog(db, endpoint.id, BACKLOG, `${driver}b`));
        // A payment's commit wakes the sender; its event comes after the backlog's.
        const started = performance.now();
        const paid = await api.pay(`HS-LIVE-${driver}-backlog`);
        await portal.when(() => portal.received.length >= BACKLOG + 1, 90_000);
        const seconds = (performance.now() - started) / 1000;
        const ids = idsOf(portal.received);
        const paidEvent = portal.received.find((r) => eventOf(r).data.id === paid.id)!;
        expect([...ids].sort()).toEqual([...backlog, paidEvent.headers['webhook-id']].sort());
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of [portal.received[0]!, paidEvent])
          new Webhook(endpoint.secret).verify(r.body, r.headers as Record<string, string>);
        expect(portal.concurrency.max).toBeGreaterThan(1);
        expect(portal.concurrency.max).toBeLessThanOrEqual(PER_ENDPOINT_CONCURRENCY);
        // Recorded as the hub sees it: each delivered at its first try, one try logged each.
        const until = performance.now() + 10_000;
        let counts = await hub.withDb((db) => deliveryCounts(db, endpoint.id));
        while (counts.first_try < BACKLOG + 1 && performance.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          counts = await hub.withDb((db) => deliveryCounts(db, endpoint.id));
        }
        expect(counts).toEqual({
          deliveries: BACKLOG + 1,
          delivered: BACKLOG + 1,
          first_try: BACKLOG + 1,
          tries: BACKLOG + 1,
        });
        await api.deleteEndpoint(endpoint.id);
        process.stdout.write(
          `webhooks-live ${driver}: ${BACKLOG + 1} events drained in ${seconds.toFixed(1)} s (${Math.round((BACKLOG + 1) / seconds)}/s), at most ${portal.concurrency.max} at once\n`,
        );
      } finally {
        await portal.close();
      }
    },
    120_000,
  );

  it.skipIf(skip)(
    "an endpoint that never answers holds up only its own deliveries: another endpoint's first try leaves within 2 s",
    async () => {
      const stuck = await receiver(() => 'hang');
      const portal = await receiver(() => 200);
      try {
        const api = client(hub);
        const hanging = await api.endpoint(stuck.url);
        const endpoint = await api.endpoint(portal.url);
        await hub.withDb((db) => insertBacklog(db, hanging.id, 100, `${driver}h`));
        await api.pay(`HS-LIVE-${driver}-fair-1`);
        // The stuck endpoint's batch is in flight (its requests time out only after 10 s)…
        await stuck.when(() => stuck.received.length >= PER_ENDPOINT_CONCURRENCY, 10_000);
        await portal.when(() => portal.received.length >= 1, 10_000);
        // …and a new event to the other endpoint does not wait for it.
        const paid = await api.pay(`HS-LIVE-${driver}-fair-2`);
        await portal.when(() => portal.received.some((r) => eventOf(r).data.id === paid.id), 10_000);
        const delivered = portal.received.find((r) => eventOf(r).data.id === paid.id)!;
        expect(delivered.at - paid.at).toBeLessThan(2_000);
        expect(stuck.concurrency.now).toBeGreaterThan(0);
        await api.deleteEndpoint(hanging.id);
        await api.deleteEndpoint(endpoint.id);
      } finally {
        await stuck.close();
        await portal.close();
      }
    },
    40_000,
  );
});

describe('a crashed sender (Postgres: two instances in turn on one database)', () => {
  const skip = onPglite ? 'needs the local Postgres' : false;

  it.skipIf(skip)(
    'its lease expires within seconds: the next instance sends the delivery it was sending',
    async () => {
      const first = await startLiveHub('pg');
      let next: Awaited<ReturnType<typeof startServer>> | null = null;
      let crashedAt = 0;
      // The first request never gets an answer: its sender dies while it is in flight.
      const portal = await receiver((_r, n) => {
        if (n > 1) return 200;
        crashedAt = performance.now();
        first.crash();
        return 'hang';
      });
      try {
        const api = client(first);
        const endpoint = await api.endpoint(portal.url);
        const paid = await api.pay('HS-LIVE-crash-1');
        await portal.when(() => portal.received.length >= 1, 10_000);
        next = await startServer({ ...first.env, PORT: String(await freePort()) }, /background jobs started/);
        const readyAt = performance.now();
        // Due once the 10 s lease has run out, or at once if the next instance took longer to start;
        // the next instance's own timer (or the queue's poll) then runs it (about 10 s after the
        // crash measured here).
        const bound = Math.max(crashedAt + 10_000, readyAt) + 8_000;
        await portal.when(() => portal.received.length >= 2, bound - performance.now());
        const redelivered = portal.received[1]!;
        expect(redelivered.at).toBeLessThan(bound);
        expect(eventOf(redelivered).data.id).toBe(paid.id);
        new Webhook(endpoint.secret).verify(redelivered.body, redelivered.headers as Record<string, string>);
        process.stdout.write(
          `webhooks-live crash: redelivered ${Math.round(redelivered.at - crashedAt)} ms after the crash (next instance ready after ${Math.round(readyAt - crashedAt)} ms)\n`,
        );
      } finally {
        await portal.close();
        await next?.stop();
        await first.stop();
      }
    },
    120_000,
  );

  it.skipIf(skip)(
    'a crash mid-drain loses nothing: the next instance delivers the rest, resending at most what was in flight',
    async () => {
      const total = 2_000;
      const crashAfter = 300;
      const first = await startLiveHub('pg');
      let next: Awaited<ReturnType<typeof startServer>> | null = null;
      let sentBeforeCrash = 0;
      const portal = await receiver((_r, n) => {
        if (n === crashAfter) {
          sentBeforeCrash = new Set(idsOf(portal.received)).size;
          first.crash();
        }
        return after(5, 200);
      });
      try {
        const api = client(first);
        const endpoint = await api.endpoint(portal.url);
        const backlog = await insertBacklog(first.db!, endpoint.id, total, 'crash');
        const paid = await api.pay('HS-LIVE-crash-drain');
        await portal.when(() => portal.received.length >= crashAfter, 30_000);
        expect(sentBeforeCrash).toBeLessThan(total);
        next = await startServer({ ...first.env, PORT: String(await freePort()) }, /background jobs started/);
        await portal.when(() => new Set(idsOf(portal.received)).size >= total + 1, 90_000);
        const ids = idsOf(portal.received);
        const paidEvent = portal.received.find((r) => eventOf(r).data.id === paid.id)!;
        expect([...new Set(ids)].sort()).toEqual([...backlog, paidEvent.headers['webhook-id']].sort());
        // Sent twice: only deliveries the crashed instance had claimed (one batch of its endpoint, at most 50).
        const twice = ids.length - new Set(ids).size;
        expect(twice).toBeLessThanOrEqual(50);
        const until = performance.now() + 15_000;
        let counts = await deliveryCounts(first.db!, endpoint.id);
        while (counts.delivered < total + 1 && performance.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          counts = await deliveryCounts(first.db!, endpoint.id);
        }
        expect(counts.delivered).toBe(total + 1);
        process.stdout.write(
          `webhooks-live crash mid-drain: ${sentBeforeCrash} sent before the crash, all ${total + 1} after it, ${twice} sent twice\n`,
        );
      } finally {
        await portal.close();
        await next?.stop();
        await first.stop();
      }
    },
    150_000,
  );
});
