import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createAgency, createApiKey, enableProvider } from '../../src/agencies/service.ts';
import { openDatabase } from '../../src/db/open.ts';
import type { Db } from '../../src/db/port.ts';
import { type TestDatabase, testDatabase } from './db.ts';
import { freePort, killTree, startServer } from './spawn.ts';

/** For webhooks-live tests: `src/server.ts` started with its jobs on, and a portal's receiver. */

export interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A portal's receiver on 127.0.0.1: answers each request with what `answer` says (a status, at
 * once or when its promise settles; 'hang': never), and counts the requests it holds at once.
 */
export async function receiver(answer: (r: Received, n: number) => number | 'hang' | Promise<number>) {
  const received: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const waiters: { until: () => boolean; resolve: () => void }[] = [];
  const concurrency = { now: 0, max: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const r = { at: performance.now(), headers: req.headers, body };
      received.push(r);
      concurrency.max = Math.max(concurrency.max, ++concurrency.now);
      for (const w of [...waiters]) if (w.until()) w.resolve();
      const status = await answer(r, received.length);
      if (status === 'hang') hanging.push(res);
      else {
        concurrency.now--;
        res.statusCode = status;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Requests held at once: now, and the most seen. */
    concurrency,
    /** Resolves once `until` holds (checked on every request), rejects after `ms`. */
    when(until: () => boolean, ms: number) {
      if (until()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver: condition not met in ${ms} ms`)), ms);
        waiters.push({
          until,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface LiveHub {
  base: string;
  key: string;
  env: Record<string, string>;
  /** Kills the server as a crash would (SIGKILL: nothing is finished or released). */
  crash(): void;
  /** The hub's database, on Postgres only (PGlite's one connection belongs to the server). */
  db: Db | null;
  /** Runs `fn` on the hub's database: the pool on Postgres, the running hub's socket on PGlite. */
  withDb<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export const SECRET_KEY = 'live-webhooks-secret-key-0123456789abcdef';

/** Starts the hub as `npm start` does, jobs on, on Postgres (a fresh schema) or on PGlite. */
export async function startLiveHub(driver: 'pg' | 'pglite'): Promise<LiveHub> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `payhub-live-${driver}-`));
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    PAYHUB_DATA_DIR: dataDir,
    PAYHUB_JOBS: 'on',
    PAYHUB_ALLOW_PRIVATE_WEBHOOKS: 'on',
    PAYHUB_SECRET_KEY: SECRET_KEY,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
  };
  let database: TestDatabase | null = null;
  let key: string | undefined;
  if (driver === 'pg') {
    database = await testDatabase();
    await createAgency(database.db, {
      code: 'LIVE',
      name: 'Tỉnh Live',
      returnOrigins: [`http://127.0.0.1:${port}`],
    });
    await enableProvider(database.db, 'LIVE', 'sandbox');
    key = (await createApiKey(database.db, 'LIVE', 'test')).key;
    const url = new URL(database.url!);
    url.searchParams.set('options', `-c search_path=${database.schema}`);
    env.DATABASE_URL = url.toString();
  } else {
    env.DATABASE_URL = '';
  }
  const server = await startServer(env, /background jobs started/);
  key ??= /test API key: (phk_test_\S+)/.exec(server.output())![1]!;
  return {
    base: `http://127.0.0.1:${port}`,
    key,
    env,
    crash: () => killTree(server.child.pid!),
    db: database?.db ?? null,
    async withDb(fn) {
      if (database) return fn(database.db);
      const db = await openDatabase({ databaseUrl: undefined, dataDir });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    async stop() {
      if (server.child.signalCode === null) await server.stop();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function client(hub: LiveHub) {
  let n = 0;
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${hub.base}${route}`, {
      method,
      headers: {
        Authorization: `Bearer ${hub.key}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': `live-${process.pid}-${++n}-${Date.now()}`,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    call,
    async endpoint(url: string) {
      const created = await call('POST', '/v1/webhook_endpoints', { url, events: ['payment.succeeded'] });
      expect(created.status).toBe(201);
      return created.body as { id: string; secret: string };
    },
    async deleteEndpoint(id: string) {
      expect((await call('DELETE', `/v1/webhook_endpoints/${id}`)).status).toBe(200);
    },
    /** Creates a payment and pays it through the sandbox; resolves at the success response. */
    async pay(reference: string) {
      const created = await call('POST', '/v1/payments', {
        amount: 150000,
        reference,
        description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
        return_url: `${hub.base}/`,
        obligation: { type: 'charge' },
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const paid = await call('POST', `/v1/test_helpers/payments/${id}/complete`, { outcome: 'succeeded' });
      expect(paid.status).toBe(200);
      return { id, at: performance.now() };
    },
  };
}

export const eventOf = (r: Received) =>
  JSON.parse(r.body) as { id: string; type: string; data: { id: string } };

/**
 * A backlog, as if the hub had been unable to send for a while: `n` payment.succeeded events of
 * the endpoint's agency, each with its pending delivery to the endpoint, committed at once.
 */
export async function insertBacklog(db: Db, endpointId: string, n: number, tag: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH e AS (
       INSERT INTO events (id, agency_id, mode, type, object_id, data)
       SELECT 'evt_' || $3 || lpad(g::text, 6, '0'), w.agency_id, w.mode, 'payment.succeeded',
              'pay_' || $3 || g, jsonb_build_object('id', 'pay_' || $3 || g)
         FROM webhook_endpoints w, generate_series(1, $2::int) g WHERE w.id = $1
       RETURNING id, created_at)
     INSERT INTO webhook_deliveries (endpoint_id, event_id, event_created_at)
     SELECT $1, e.id, e.created_at FROM e RETURNING event_id AS id`,
    [endpointId, n, tag],
  );
  return rows.map((r) => r.id).sort();
}

/** How the hub recorded the endpoint's deliveries: how many delivered (at the first try), and tries logged. */
export async function deliveryCounts(db: Db, endpointId: string) {
  const { rows } = await db.query<{
    deliveries: number;
    delivered: number;
    first_try: number;
    tries: number;
  }>(
    `SELECT count(*)::int AS deliveries,
            count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE status = 'delivered' AND attempts = 1)::int AS first_try,
            (SELECT count(*)::int FROM webhook_delivery_attempts WHERE endpoint_id = $1) AS tries
       FROM webhook_deliveries WHERE endpoint_id = $1`,
    [endpointId],
  );
  return rows[0]!;
}
