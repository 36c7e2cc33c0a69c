import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sandboxAdapter } from '../../adapters/sandbox/index.ts';
import { enableProvider } from '../../src/agencies/service.ts';
import { createServices, type Services } from '../../src/app.ts';
import { recordEvent } from '../../src/events/service.ts';
import { startHubJobs } from '../../src/jobs/hub.ts';
import { sealer } from '../../src/secrets.ts';
import { claimDue } from '../../src/webhooks/queries.ts';
import { MAX_TRIES, webhooksService } from '../../src/webhooks/service.ts';
import {
  expectContract,
  PUBLIC_URL,
  paymentBody,
  TEST_SECRET,
  type TestHub,
  testHub,
} from '../helpers/hub.ts';
import { paidPayment } from '../helpers/money-flows.ts';
import { freePort } from '../helpers/spawn.ts';
import { insertBacklog } from '../helpers/webhooks-live.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; created_at: string; data: { id: string } };
}

/** A portal's webhook receiver on 127.0.0.1: answers with the scripted statuses, then 200. */
function receiver() {
  const received: Received[] = [];
  const script: (number | 'hang')[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body, event: JSON.parse(body) });
      const next = script.shift() ?? 200;
      if (next === 'hang') return; // never answers: the hub's timeout must cut it
      res.writeHead(next).end();
    });
  });
  return {
    received,
    script,
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/payhub`,
  };
}

let hub: TestHub;
let services: Services;
const portal = receiver();
let endpoint: { id: string; secret: string };

beforeAll(async () => {
  // The portal's receiver listens on 127.0.0.1: the setting for local development is on.
  hub = await testHub({ allowPrivateWebhooks: true });
  await enableProvider(hub.db, 'PROV-A', 'sandbox');
  await new Promise<void>((resolve) => portal.server.listen(0, '127.0.0.1', resolve));
  services = createServices({
    db: hub.db,
    publicUrl: PUBLIC_URL,
    secretKey: TEST_SECRET,
    webhookTimeoutMs: 300,
    allowPrivateWebhooks: true,
  });
  const res = await hub.api().post('/v1/webhook_endpoints', { url: portal.url() }, 'endpoint-1');
  expectContract(res, 'createWebhookEndpoint');
  endpoint = res.body;
});
afterAll(async () => {
  portal.server.closeAllConnections();
  await new Promise((resolve) => portal.server.close(resolve));
  await hub.drop();
});
beforeEach(async () => {
  // Each test starts with nothing pending and a fresh receiver log.
  await hub.db.query(`UPDATE webhook_deliveries SET status = 'cancelled' WHERE status = 'pending'`);
  portal.received.length = 0;
  portal.script.length = 0;
});

/** Independent check with the official Standard Webhooks library. */
function verified(r: Received, secret = endpoint.secret) {
  const headers = {
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  };
  return new Webhook(secret).verify(r.body, headers) as Received['event'];
}

const deliveriesOf = async (endpointId = endpoint.id) => {
  const res = await hub.api().get(`/v1/webhook_endpoints/${endpointId}/deliveries?limit=100`);
  expectContract(res, 'listWebhookDeliveries');
  return res.body.data as {
    event: string;
    status: string;
    attempts: number;
    tries: { status_code: number | null; error: string | null; duration_ms: number }[];
  }[];
};
const deliveryOf = async (eventId: string) => (await deliveriesOf()).find((d) => d.event === eventId)!;
/** The clock moves on: every pending delivery is due now. */
const retriesFallDue = () =>
  hub.db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'`);
const eventIdOf = async (objectId: string, type = 'payment.succeeded') =>
  (
    await hub.db.query<{ id: string }>('SELECT id FROM events WHERE object_id = $1 AND type = $2', [
      objectId,
      type,
    ])
  ).rows[0]!.id;

describe('webhook endpoints', () => {
  it('are created with a whsec_ secret shown once, listed, read and deleted without it', async () => {
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const replay = await hub.api().post('/v1/webhook_endpoints', { url: portal.url() }, 'endpoint-1');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(endpoint.id);
    expect(replay.body.secret).toBeUndefined();
    const list = await hub.api().get('/v1/webhook_endpoints');
    expectContract(list, 'listWebhookEndpoints');
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([endpoint.id]);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');

    const other = await hub
      .api()
      .post('/v1/webhook_endpoints', { url: portal.url(), events: ['refund.failed'] });
    const got = await hub.api().get(`/v1/webhook_endpoints/${other.body.id}`);
    expectContract(got, 'getWebhookEndpoint');
    expect(got.body.events).toEqual(['refund.failed']);
    expect((await hub.api(hub.keys.b).get(`/v1/webhook_endpoints/${other.body.id}`)).status).toBe(404);
    const deleted = await hub.api().delete(`/v1/webhook_endpoints/${other.body.id}`);
    expectContract(deleted, 'deleteWebhookEndpoint');
    expect(deleted.body).toEqual({ id: other.body.id, object: 'webhook_endpoint', deleted: true });
    expect((await hub.api().get(`/v1/webhook_endpoints/${other.body.id}`)).status).toBe(404);
  });

  it('in live mode must be https and must not resolve to a private, loopback or link-local address', async () => {
    const live = hub.api(hub.keys.aLive);
    for (const url of [
      'http://hooks.example.vn/payhub',
      'https://127.0.0.1/payhub',
      'https://10.1.2.3/payhub',
      'https://192.168.1.10/payhub',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/payhub',
      'https://[fd12:3456::1]/payhub',
      'https://[::ffff:10.0.0.1]/payhub',
      'https://localhost/payhub',
    ]) {
      const res = await live.post('/v1/webhook_endpoints', { url });
      expectContract(res, 'createWebhookEndpoint');
      expect(res.status, url).toBe(422);
      expect(res.body.code).toBe('webhook_url_not_allowed');
    }
    const plain = await live.post('/v1/webhook_endpoints', { url: 'http://8.8.8.8/payhub' });
    expect(plain.body).toEqual({
      type: '/problems/webhook_url_not_allowed',
      title: 'Webhook URL not allowed',
      status: 422,
      detail: 'The webhook URL must be https in live mode.',
      code: 'webhook_url_not_allowed',
      instance: '/v1/webhook_endpoints',
      errors: [{ field: 'url', message: 'must be https in live mode' }],
    });
    const ok = await live.post('/v1/webhook_endpoints', { url: 'https://8.8.8.8/payhub' });
    expect(ok.status).toBe(201);
    await live.delete(`/v1/webhook_endpoints/${ok.body.id}`);
  });

  it('in live mode are checked again before each delivery (DNS may have changed)', async () => {
    let address = '93.184.215.14';
    const sent: string[] = [];
    const webhooks = webhooksService({
      db: hub.db,
      sealer: sealer(TEST_SECRET),
      resolve: async () => [address],
      fetch: (async (url: string) => {
        sent.push(url);
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    const agency = (await hub.db.query<{ id: string }>(`SELECT id FROM agencies WHERE code = 'PROV-A'`))
      .rows[0]!;
    const created = await webhooks.createEndpoint(
      { agencyId: agency.id, mode: 'live' },
      { url: 'https://hooks.portal.example/in' },
    );
    const liveEndpoint = (created.body as { id: string }).id;
    address = '10.0.0.7';
    const eventId = await hub.db.transaction((tx) =>
      recordEvent(tx, {
        agencyId: agency.id,
        mode: 'live',
        type: 'payment.expired',
        objectId: 'pay_X',
        data: {},
      }),
    );
    expect(await webhooks.deliverDue()).toMatchObject({ retry: 1 });
    expect(sent).toEqual([]);
    const log = await hub.api(hub.keys.aLive).get(`/v1/webhook_endpoints/${liveEndpoint}/deliveries`);
    expect(log.body.data[0]).toMatchObject({ event: eventId, status: 'pending' });
    expect(log.body.data[0].tries[0].error).toMatch(/10\.0\.0\.7.*not allowed in live mode/);
    address = '93.184.215.14';
    await retriesFallDue();
    expect(await webhooks.deliverDue()).toMatchObject({ delivered: 1 });
    expect(sent).toEqual(['https://hooks.portal.example/in']);
    await hub.api(hub.keys.aLive).delete(`/v1/webhook_endpoints/${liveEndpoint}`);
  });

  it('in live mode connect only to the address checked: a DNS answer that turns private after the check is refused', async () => {
    // The first answer passes the check; the resolver then answers with a loopback address (a
    // rebinding attack). Without the pinned lookup the hub would dial 127.0.0.1:443.
    const answers = ['93.184.215.14', '127.0.0.1'];
    const asked: string[] = [];
    const webhooks = webhooksService({
      db: hub.db,
      sealer: sealer(TEST_SECRET),
      resolve: async (host) => {
        asked.push(host);
        return [answers[Math.min(asked.length - 1, answers.length - 1)]!];
      },
    });
    const agency = (await hub.db.query<{ id: string }>(`SELECT id FROM agencies WHERE code = 'PROV-A'`))
      .rows[0]!;
    const created = await webhooks.createEndpoint(
      { agencyId: agency.id, mode: 'live' },
      { url: 'https://rebind.portal.example/in' },
    );
    const liveEndpoint = (created.body as { id: string }).id;
    asked.length = 0;
    await hub.db.transaction((tx) =>
      recordEvent(tx, {
        agencyId: agency.id,
        mode: 'live',
        type: 'payment.expired',
        objectId: 'pay_Y',
        data: {},
      }),
    );
    expect(await webhooks.deliverDue()).toMatchObject({ retry: 1 });
    // Asked twice: by the check before sending, and when connecting; the second answer was refused.
    expect(asked).toEqual(['rebind.portal.example', 'rebind.portal.example']);
    const log = await hub.api(hub.keys.aLive).get(`/v1/webhook_endpoints/${liveEndpoint}/deliveries`);
    expect(log.body.data[0].tries[0].error).toMatch(/127\.0\.0\.1.*not allowed in live mode/);
    await hub.api(hub.keys.aLive).delete(`/v1/webhook_endpoints/${liveEndpoint}`);
  });
});

describe('private addresses (PAYHUB_ALLOW_PRIVATE_WEBHOOKS off, the default with DATABASE_URL)', () => {
  it("a test key cannot point an endpoint at the hub's own network, at creation or at send, nor probe ports through the log", async () => {
    const strict = await testHub();
    try {
      for (const url of [
        'http://127.0.0.1:5432/',
        'http://169.254.169.254/latest/meta-data/',
        'http://10.0.0.8:6379/',
        'http://[::1]:22/',
      ]) {
        const res = await strict.api().post('/v1/webhook_endpoints', { url });
        expectContract(res, 'createWebhookEndpoint');
        expect(res.status, url).toBe(422);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.code).toBe('webhook_url_not_allowed');
      }
      expect((await strict.api().get('/v1/webhook_endpoints')).body.data).toEqual([]);

      // An endpoint made while the setting was on (or whose DNS turned private) is refused at send.
      const agency = (await strict.db.query<{ id: string }>(`SELECT id FROM agencies WHERE code = 'PROV-A'`))
        .rows[0]!;
      const lenient = webhooksService({ db: strict.db, sealer: sealer(TEST_SECRET), allowPrivate: true });
      const toPortal = (
        (await lenient.createEndpoint({ agencyId: agency.id, mode: 'test' }, { url: portal.url() })).body as {
          id: string;
        }
      ).id;
      // And a closed port: the log says connection_failed, not the errno text with the address.
      const closed = await freePort();
      const toClosed = (
        (
          await lenient.createEndpoint(
            { agencyId: agency.id, mode: 'test' },
            { url: `http://127.0.0.1:${closed}/x` },
          )
        ).body as { id: string }
      ).id;
      await strict.db.transaction((tx) =>
        recordEvent(tx, {
          agencyId: agency.id,
          mode: 'test',
          type: 'payment.expired',
          objectId: 'pay_P',
          data: {},
        }),
      );
      expect(await strict.services.webhooks.deliverDue()).toMatchObject({ delivered: 0, retry: 2 });
      expect(portal.received).toEqual([]);
      const triesOf = async (id: string) =>
        (await strict.api().get(`/v1/webhook_endpoints/${id}/deliveries`)).body.data[0].tries as {
          error: string;
        }[];
      expect((await triesOf(toPortal))[0]!.error).toMatch(
        /^URL not allowed: .*not allowed unless PAYHUB_ALLOW_PRIVATE_WEBHOOKS is on/,
      );
      await strict.db.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE endpoint_id = $1`, [
        toClosed,
      ]);
      expect(await lenient.deliverDue()).toMatchObject({ retry: 1 });
      const tries = await triesOf(toClosed);
      expect(tries.map((t) => t.error)).toEqual([
        'URL not allowed: resolves to 127.0.0.1, a private, loopback or reserved address: not allowed unless PAYHUB_ALLOW_PRIVATE_WEBHOOKS is on',
        'connection_failed',
      ]);
      for (const t of tries) expect(t.error).not.toMatch(new RegExp(`ECONNREFUSED|${closed}`));
    } finally {
      await strict.drop();
    }
  });
});

describe('delivery', () => {
  it('a payment outcome reaches the portal, signed per Standard Webhooks, and is logged', async () => {
    const paymentId = await paidPayment(hub);
    const eventId = await eventIdOf(paymentId);
    expect((await deliveryOf(eventId)).status).toBe('pending');
    expect(await services.webhooks.deliverDue()).toEqual({ delivered: 1, retry: 0, failed: 0 });
    expect(portal.received).toHaveLength(1);
    const [got] = portal.received;
    const event = verified(got!);
    expect(event).toMatchObject({
      id: eventId,
      type: 'payment.succeeded',
      data: { id: paymentId, status: 'succeeded' },
    });
    expect(got!.headers['webhook-id']).toBe(eventId);
    expect(Number(got!.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    // A tampered body fails the library's check: the signature covers it.
    expect(() => verified({ ...got!, body: got!.body.replace('succeeded', 'cancelled') })).toThrow();
    const delivery = await deliveryOf(eventId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(delivery.tries).toEqual([
      { status_code: 200, error: null, duration_ms: expect.any(Number), attempted_at: expect.any(String) },
    ]);
    // Nothing left to send.
    expect(await services.webhooks.deliverDue()).toEqual({ delivered: 0, retry: 0, failed: 0 });
  });

  it('a 500 is retried on the schedule (5 s first), then delivered', async () => {
    portal.script.push(500);
    const eventId = await eventIdOf(await paidPayment(hub));
    expect(await services.webhooks.deliverDue()).toMatchObject({ retry: 1 });
    const waiting = await hub.db.query<{ wait: number }>(
      `SELECT extract(epoch FROM next_attempt_at - now())::float AS wait FROM webhook_deliveries WHERE event_id = $1`,
      [eventId],
    );
    expect(waiting.rows[0]!.wait).toBeGreaterThan(3);
    expect(waiting.rows[0]!.wait).toBeLessThanOrEqual(5);
    // Not due yet: nothing is sent.
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 0, retry: 0 });
    await retriesFallDue();
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 1 });
    expect(portal.received.map((r) => verified(r).id)).toEqual([eventId, eventId]);
    expect((await deliveryOf(eventId)).tries.map((t) => [t.status_code, t.error])).toEqual([
      [500, 'HTTP 500'],
      [200, null],
    ]);
  });

  it('an endpoint that does not answer in time is a failed try, retried', async () => {
    portal.script.push('hang');
    const eventId = await eventIdOf(await paidPayment(hub));
    expect(await services.webhooks.deliverDue()).toMatchObject({ retry: 1 });
    await retriesFallDue();
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 1 });
    const tries = (await deliveryOf(eventId)).tries;
    expect(tries[0]).toMatchObject({ status_code: null, error: 'timed out after 300 ms' });
    expect(tries[0]!.duration_ms).toBeGreaterThanOrEqual(290);
    expect(tries[1]).toMatchObject({ status_code: 200 });
  });

  it(`gives up after ${MAX_TRIES} tries (failed), and a replay delivers it`, async () => {
    portal.script.push(...Array(MAX_TRIES).fill(503));
    const eventId = await eventIdOf(await paidPayment(hub));
    for (let i = 0; i < MAX_TRIES; i++) {
      await services.webhooks.deliverDue();
      await retriesFallDue();
    }
    expect(await deliveryOf(eventId)).toMatchObject({ status: 'failed', attempts: MAX_TRIES });
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 0, retry: 0, failed: 0 });
    expect(portal.received).toHaveLength(MAX_TRIES);

    const replay = await hub.api().post(`/v1/events/${eventId}/redeliver`, {});
    expectContract(replay, 'redeliverEvent');
    expect(replay.body.data).toMatchObject([
      { endpoint: endpoint.id, event: eventId, status: 'pending', attempts: 0 },
    ]);
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 1 });
    const delivery = await deliveryOf(eventId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(delivery.tries).toHaveLength(MAX_TRIES + 1);
    expect((await hub.api(hub.keys.b).post(`/v1/events/${eventId}/redeliver`, {})).status).toBe(404);
  });

  it('per endpoint, a later event waits while an earlier one is being retried', async () => {
    portal.script.push(500);
    const first = await eventIdOf(await paidPayment(hub));
    expect(await services.webhooks.deliverDue()).toMatchObject({ retry: 1, delivered: 0 });
    const second = await eventIdOf(await paidPayment(hub));
    // The first is due again in 5 s, within the hold-back: the second waits for it.
    expect(await services.webhooks.deliverDue()).toMatchObject({ retry: 0, delivered: 0 });
    expect(portal.received.map((r) => r.event.id)).toEqual([first]);
    expect((await deliveryOf(second)).status).toBe('pending');
    await retriesFallDue();
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 2 });
    expect(portal.received.map((r) => r.event.id).slice(0, 1)).toEqual([first]);
    expect(
      portal.received
        .map((r) => r.event.id)
        .slice(1)
        .sort(),
    ).toEqual([first, second].sort());
  });

  it("per endpoint, deliveries due together go out as one batch, each carrying its event's created_at", async () => {
    portal.script.push(500);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await eventIdOf(await paidPayment(hub)));
    // One claim takes the three: the first's failure does not stop the two sent beside it.
    expect(await services.webhooks.deliverDue()).toMatchObject({ retry: 1, delivered: 2 });
    expect(portal.received.map((r) => r.event.id).sort()).toEqual([...ids].sort());
    // Sent side by side, they may arrive in any order: created_at puts them back in the portal's.
    const byCreatedAt = [...portal.received].sort(
      (a, b) => Date.parse(a.event.created_at) - Date.parse(b.event.created_at),
    );
    expect(byCreatedAt.map((r) => r.event.id)).toEqual(ids);
    await retriesFallDue();
    expect(await services.webhooks.deliverDue()).toMatchObject({ delivered: 1 });
    for (const id of ids) expect((await deliveryOf(id)).status).toBe('delivered');
  });

  it("endpoints take turns in a claim: one endpoint's backlog does not crowd out another's", async () => {
    await services.webhooks.deliverDue();
    // Live mode, never sent: the events stay out of the test-mode lists other tests read.
    const live = hub.api(hub.keys.aLive);
    const busy = (await live.post('/v1/webhook_endpoints', { url: 'https://8.8.8.8/busy' })).body.id;
    const quiet = (await live.post('/v1/webhook_endpoints', { url: 'https://8.8.8.8/quiet' })).body.id;
    const backlog = await insertBacklog(hub.db, busy, 100, 'turns');
    const few = await insertBacklog(hub.db, quiet, 3, 'quiet');
    const claimed = (await claimDue(hub.db, 20, 60, 50)).rows;
    const of = (id: string) => claimed.filter((r) => r.endpoint_id === id).map((r) => r.event_id);
    // Each endpoint's oldest, in order; the quiet one gets all three although the busy one's are older.
    expect(of(quiet)).toEqual(few);
    expect(of(busy)).toEqual(backlog.slice(0, 17));
    // While a batch is out, nothing more of that endpoint is claimed: its later events wait.
    expect((await claimDue(hub.db, 20, 60, 50)).rows).toEqual([]);
    await live.delete(`/v1/webhook_endpoints/${busy}`);
    await live.delete(`/v1/webhook_endpoints/${quiet}`);
  });

  it('a hub that dies between the commit and the send loses nothing: a fresh instance delivers', async () => {
    // No worker runs in this test: the commit alone leaves the delivery in the outbox.
    const eventId = await eventIdOf(await paidPayment(hub));
    // An instance claims it, then dies mid-send (never records a try).
    expect((await claimDue(hub.db, 10, 60)).rows.map((r) => r.event_id)).toEqual([eventId]);
    const restarted = createServices({
      db: hub.db,
      publicUrl: PUBLIC_URL,
      secretKey: TEST_SECRET,
      allowPrivateWebhooks: true,
    });
    // The lease keeps others off while the first might still be sending…
    expect(await restarted.webhooks.deliverDue()).toMatchObject({ delivered: 0 });
    // …and once it has run out, the restarted hub sends it.
    await retriesFallDue();
    expect(await restarted.webhooks.deliverDue()).toMatchObject({ delivered: 1 });
    expect(portal.received.map((r) => verified(r).id)).toEqual([eventId]);
  });

  it('an endpoint receives only the event types it subscribed to', async () => {
    const only = await hub
      .api()
      .post('/v1/webhook_endpoints', { url: `${portal.url()}/refunds`, events: ['refund.succeeded'] });
    const paymentId = await paidPayment(hub);
    await hub.api().post(`/v1/payments/${paymentId}/refunds`, { amount: 1000, reason: 'x' });
    await services.webhooks.deliverDue();
    const mine = await deliveriesOf(only.body.id);
    expect(mine.map((d) => d.status)).toEqual(['delivered']);
    const toOnly = portal.received.filter((r) => r.path === '/payhub/refunds');
    expect(toOnly.map((r) => verified(r, only.body.secret).type)).toEqual(['refund.succeeded']);
    // Each endpoint signs with its own secret.
    expect(() => verified(toOnly[0]!)).toThrow();
    expect(portal.received.filter((r) => r.path === '/payhub').map((r) => verified(r).type)).toEqual([
      'payment.succeeded',
      'refund.succeeded',
    ]);
    await hub.api().delete(`/v1/webhook_endpoints/${only.body.id}`);
  });
});

describe('events', () => {
  it('can be polled: listed newest first, filtered by type, paged, read one by one, per agency', async () => {
    const paymentId = await paidPayment(hub);
    const eventId = await eventIdOf(paymentId);
    const list = await hub.api().get('/v1/events?type=payment.succeeded&limit=2');
    expectContract(list, 'listEvents');
    expect(list.body.data[0]).toMatchObject({
      id: eventId,
      object: 'event',
      type: 'payment.succeeded',
      livemode: false,
    });
    expect(list.body.data.every((e: { type: string }) => e.type === 'payment.succeeded')).toBe(true);
    expect(list.body.has_more).toBe(true);
    const next = await hub
      .api()
      .get(`/v1/events?type=payment.succeeded&limit=2&starting_after=${list.body.data[1].id}`);
    expect(next.body.data[0].id < list.body.data[1].id).toBe(true);
    const one = await hub.api().get(`/v1/events/${eventId}`);
    expectContract(one, 'getEvent');
    expect(one.body.data.id).toBe(paymentId);
    expect((await hub.api(hub.keys.b).get(`/v1/events/${eventId}`)).status).toBe(404);
    expect((await hub.api(hub.keys.b).get('/v1/events')).body.data).toEqual([]);
    expect((await hub.api().get('/v1/events?type=nope')).status).toBe(400);
  });
});

describe('signing secret rotation', () => {
  it('signs with both secrets while the previous one overlaps, then with the new one only', async () => {
    const url = `${portal.url()}/rotated`;
    const created = await hub.api().post('/v1/webhook_endpoints', { url, events: ['payment.succeeded'] });
    const { id, secret: previous } = created.body as { id: string; secret: string };
    const rotate = (body: object, key?: string, apiKey?: string) =>
      hub.api(apiKey).post(`/v1/webhook_endpoints/${id}/rotate_secret`, body, key);

    const rotated = await rotate({ expires_in: 3600 }, 'rotate-1');
    expectContract(rotated, 'rotateWebhookSecret');
    expect(rotated.status).toBe(200);
    const current = rotated.body.secret as string;
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(current).not.toBe(previous);
    expect(Date.parse(rotated.body.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 3_500_000);
    const audited = await hub.db.query('SELECT action, object_id FROM audit_log WHERE request_id = $1', [
      rotated.headers['request-id'],
    ]);
    expect(audited.rows).toEqual([{ action: 'POST /v1/webhook_endpoints/:id/rotate_secret', object_id: id }]);
    // A retried request gets the same answer without the secret, and rotates nothing more.
    const replay = await rotate({ expires_in: 3600 }, 'rotate-1');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.secret).toBeUndefined();
    // Another agency's endpoint does not exist for it; a bad overlap changes nothing.
    expect((await rotate({}, undefined, hub.keys.b)).status).toBe(404);
    expect((await rotate({ expires_in: 8 * 86_400 })).status).toBe(400);
    expect((await rotate({ expires_in: 'soon' })).status).toBe(400);

    const deliveredTo = async () => {
      const paymentId = await paidPayment(hub);
      await services.webhooks.deliverDue();
      return portal.received.find((r) => r.path === '/payhub/rotated' && r.event.data.id === paymentId)!;
    };
    const during = await deliveredTo();
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(during, current).type).toBe('payment.succeeded');
    expect(verified(during, previous).type).toBe('payment.succeeded');

    // The overlap ends: only the new secret signs.
    await hub.db.query(
      `UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect((await hub.api().get(`/v1/webhook_endpoints/${id}`)).body.previous_secret_expires_at).toBeNull();
    const after = await deliveredTo();
    expect(verified(after, current).type).toBe('payment.succeeded');
    expect(() => verified(after, previous)).toThrow();

    // expires_in 0 retires the old secret at once.
    const immediate = await rotate({ expires_in: 0 });
    expect(immediate.body.previous_secret_expires_at).toBeNull();
    const last = await deliveredTo();
    expect(verified(last, immediate.body.secret).type).toBe('payment.succeeded');
    expect(() => verified(last, current)).toThrow();
    await hub.api().delete(`/v1/webhook_endpoints/${id}`);
  });
});

describe('audit log', () => {
  it('records API writes with the key, route, object and request id, and state transitions', async () => {
    const res = await hub.api().post('/v1/webhook_endpoints', { url: portal.url() });
    const requestId = res.headers['request-id'];
    const row = async () =>
      (
        await hub.db.query<{
          actor_type: string;
          actor_id: string;
          action: string;
          object_id: string;
          ip: string;
          details: unknown;
        }>('SELECT * FROM audit_log WHERE request_id = $1', [requestId])
      ).rows[0];
    // Written in the transaction that created the endpoint: there by the time the answer is.
    expect(await row()).toMatchObject({
      actor_type: 'api_key',
      actor_id: hub.keyIds.a,
      action: 'POST /v1/webhook_endpoints',
      object_id: res.body.id,
      details: { status: 201 },
    });
    const paymentId = await paidPayment(hub);
    const transition = await hub.db.query(
      'SELECT actor_type, action FROM audit_log WHERE object_id = $1 AND actor_type = $2',
      [paymentId, 'system'],
    );
    expect(transition.rows).toEqual([{ actor_type: 'system', action: 'payment.succeeded' }]);
    const deleted = await hub.api().delete(`/v1/webhook_endpoints/${res.body.id}`);
    expect(deleted.status).toBe(200);
    const deletion = await hub.db.query(
      'SELECT action, object_id, details FROM audit_log WHERE request_id = $1',
      [deleted.headers['request-id']],
    );
    expect(deletion.rows).toEqual([
      { action: 'DELETE /v1/webhook_endpoints/:id', object_id: res.body.id, details: { status: 200 } },
    ]);
  });
});

describe('with the job queue running', () => {
  it('a committed outcome is delivered at once, and a retry when it falls due', async () => {
    const jobs = await startHubJobs({
      db: hub.db,
      services,
      logger: pino({ level: 'silent' }),
      work: true,
      schema: hub.schema ? `${hub.schema}_boss` : undefined,
    });
    try {
      const until = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!check()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      // Settled through the services the queue serves: their commit nudges the delivery job.
      const pay = async () => {
        const created = await hub.api().post('/v1/payments', paymentBody());
        const token = (
          await hub.db.query<{ checkout_token: string }>(
            'SELECT checkout_token FROM payments WHERE id = $1',
            [created.body.id],
          )
        ).rows[0]!.checkout_token;
        const { attemptId } = await services.attempts.start(token, 'sandbox', '127.0.0.1');
        const ctx = services.providers.context({}, 'test', 'sandbox');
        await sandboxAdapter.completeForTest!(
          services.attempts.host,
          ctx,
          { id: attemptId, amount: '150000' },
          'succeeded',
        );
        return eventIdOf(created.body.id);
      };
      const first = await pay();
      await until('the first delivery', () => portal.received.length === 1);
      expect(verified(portal.received[0]!).id).toBe(first);

      portal.script.push(500);
      const second = await pay();
      await until('the retry after 5 s', () => portal.received.length === 3);
      expect(portal.received.map((r) => verified(r).id)).toEqual([first, second, second]);
      expect((await deliveryOf(second)).tries.map((t) => t.status_code)).toEqual([500, 200]);
    } finally {
      await jobs.stop();
      if (hub.schema) await hub.db.exec(`DROP SCHEMA IF EXISTS ${hub.schema}_boss CASCADE`);
    }
  }, 40_000);
});
