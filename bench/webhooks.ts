import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { enableProvider } from '../src/agencies/service.ts';
import { sealer } from '../src/secrets.ts';
import { webhooksService } from '../src/webhooks/service.ts';
import { freePort } from '../test/helpers/spawn.ts';
import { benchDatabase, load, ROOT, row, startProcess, stop } from './lib.ts';

const BACKLOG = Number(process.env.BENCH_WEBHOOK_BACKLOG ?? 10_000);
const PAID = Number(process.env.BENCH_WEBHOOK_PAID ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SECRET = 'bench-secret-key-0123456789abcdefghijklmno';
const DRAIN_LIMIT_S = 180;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/**
 * Webhook delivery by the running hub (jobs on, Postgres) to a receiver on 127.0.0.1: the rate at
 * which it drains a backlog of BACKLOG events, beside the bare receiver's own requests/s; then
 * the time from a success response to its delivery (p50/p99) while create-payment load runs.
 */
export async function benchWebhooks(): Promise<boolean> {
  const arrivals = new Map<string, number>();
  let received = 0;
  let firstAt = 0;
  // Keep-alive shows as few connections for many deliveries; each event should arrive once.
  let connections = 0;
  const seen = new Set<string>();
  let duplicates = 0;
  let drained: (() => void) | null = null;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end();
      const id = req.headers['webhook-id'];
      if (typeof id !== 'string') return;
      if (seen.has(id)) {
        duplicates++;
        return;
      }
      seen.add(id);
      received++;
      if (received === 1) firstAt = performance.now();
      const paymentId = (JSON.parse(body) as { data?: { id?: string } }).data?.id;
      if (paymentId) arrivals.set(paymentId, performance.now());
      if (received === BACKLOG) drained?.();
    });
  });
  receiver.on('connection', () => connections++);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  const { db, key } = await benchDatabase(async (store) => {
    await enableProvider(store, 'BENCH', 'sandbox');
    const agency = (await store.query<{ id: string }>(`SELECT id FROM agencies WHERE code = 'BENCH'`))
      .rows[0]!;
    const hooks = webhooksService({ db: store, sealer: sealer(SECRET), allowPrivate: true });
    await hooks.createEndpoint({ agencyId: agency.id, mode: 'test' }, { url: hookUrl });
    // The backlog: events with their outbox rows, as if the hub had been unable to send for a while.
    await store.query(
      `WITH e AS (
         INSERT INTO events (id, agency_id, mode, type, object_id, data)
         SELECT 'evt_bench' || lpad(g::text, 8, '0'), $1, 'test', 'payment.expired', 'pay_bench' || g, '{}'
           FROM generate_series(1, $2::int) g
         RETURNING id, created_at)
       INSERT INTO webhook_deliveries (endpoint_id, event_id, event_created_at)
       SELECT w.id, e.id, e.created_at FROM e, webhook_endpoints w WHERE w.agency_id = $1`,
      [agency.id, BACKLOG],
    );
  });

  let hub: Awaited<ReturnType<typeof startProcess>> | null = null;
  try {
    // Baseline: the bare receiver's own requests/s, driven by the same load generator.
    const bare = await load({ url: hookUrl, headers: {}, body: () => ({}), connections: 10, seconds: 3 });

    const port = await freePort();
    connections = 0;
    const hubUrl = `http://127.0.0.1:${port}`;
    const backlogDone = new Promise<void>((resolve) => {
      drained = resolve;
    });
    hub = await startProcess(
      path.join(ROOT, 'src/server.ts'),
      {
        DATABASE_URL: db.url,
        PORT: String(port),
        PUBLIC_URL: hubUrl,
        PAYHUB_RATE_LIMIT: '0',
        LOG_LEVEL: 'warn',
        PAYHUB_JOBS: 'on',
        PAYHUB_SECRET_KEY: SECRET,
        PAYHUB_ALLOW_PRIVATE_WEBHOOKS: 'on',
      },
      /PayHub listening/,
    );
    // Bounded: a hub that cannot drain the backlog in DRAIN_LIMIT_S is reported, not waited for.
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      backlogDone.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), DRAIN_LIMIT_S * 1000);
      }),
    ]);
    clearTimeout(timer);
    const drainSeconds = (performance.now() - firstAt) / 1000;
    const perSecond = received / drainSeconds;
    const drainConnections = connections;
    if (!finished) {
      console.log(`\nwebhooks: only ${received} of ${BACKLOG} events delivered in ${DRAIN_LIMIT_S} s`);
      return false;
    }

    // Commit-to-delivery under create-payment load: payments paid one after another through the
    // sandbox test helper, while autocannon creates payments beside them.
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = (i: number) => ({
      amount: 150000,
      reference: `BW-${process.pid}-${i}`,
      description: 'Lệ phí',
      return_url: 'https://portal.example.vn/ho-so',
      obligation: { type: 'charge' },
    });
    const background = load({
      url: `${hubUrl}/v1/payments`,
      headers: { authorization: `Bearer ${key}` },
      body: (i) => body(i + 10_000_000),
      idempotent: true,
      connections: 20,
      seconds: SECONDS,
    });
    const latencies: number[] = [];
    const paidAt = new Map<string, number>();
    const until = performance.now() + (SECONDS - 1) * 1000;
    for (let i = 0; i < PAID && performance.now() < until; i++) {
      const created = await fetch(`${hubUrl}/v1/payments`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': `bw-${i}` },
        body: JSON.stringify(body(i)),
      });
      const { id } = (await created.json()) as { id: string };
      const paid = await fetch(`${hubUrl}/v1/test_helpers/payments/${id}/complete`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': `bw-pay-${i}` },
        body: JSON.stringify({ outcome: 'succeeded' }),
      });
      await paid.arrayBuffer();
      paidAt.set(id, performance.now());
    }
    const loadResult = await background;
    // Deliveries still on their way get a moment (bounded) to arrive.
    const deadline = performance.now() + 5_000;
    while ([...paidAt.keys()].some((id) => !arrivals.has(id)) && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    let missing = 0;
    for (const [id, at] of paidAt) {
      const arrived = arrivals.get(id);
      if (arrived === undefined) missing++;
      else latencies.push(arrived - at);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const ok = missing === 0 && p99 <= 2_000;
    console.log(`\nwebhooks — ${os.cpus().length} cores, Postgres, receiver on 127.0.0.1`);
    console.log(row('bare receiver (baseline)', bare));
    console.log(
      `PayHub draining ${BACKLOG} events          ${perSecond.toFixed(0).padStart(8)} deliveries/s   (${drainSeconds.toFixed(1)} s, ${drainConnections} connections, ${duplicates} sent twice)`,
    );
    console.log(
      `drain / bare receiver: ${(perSecond / bare.requestsPerSecond).toFixed(3)} (${(bare.requestsPerSecond / perSecond).toFixed(1)}× slower than the receiver alone)`,
    );
    console.log(row('create-payment load beside it', loadResult));
    console.log(
      `success → delivery: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over ${latencies.length} payments (${missing} not delivered; target p99 ≤ 2000 ms): ${ok ? 'MET' : 'MISSED'}`,
    );
    return ok;
  } finally {
    if (hub) await stop(hub);
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await db.drop();
  }
}
