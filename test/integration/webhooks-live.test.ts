import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createApiKey, enableProvider } from '../../src/agencies/service.ts';
import type { Db } from '../../src/db/port.ts';
import { onPglite, type TestDatabase, testDatabase } from '../helpers/db.ts';
import { freePort, startServer } from '../helpers/spawn.ts';

/**
 * Webhooks as they run in production: `src/server.ts` started with its jobs on, a payment paid
 * through the sandbox over HTTP, the receiver a real HTTP server, on both database drivers.
 */

interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A portal's receiver on 127.0.0.1: answers each request with what `answer` says. */
async function receiver(answer: (r: Received, n: number) => number) {
  const received: Received[] = [];
  const waiters: { until: () => boolean; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = { at: performance.now(), headers: req.headers, body };
      received.push(r);
      res.statusCode = answer(r, received.length);
      res.end();
      for (const w of [...waiters]) if (w.until()) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface LiveHub {
  base: string;
  key: string;
  /** The hub's database, on Postgres only (PGlite's one connection belongs to the server). */
  db: Db | null;
  stop(): Promise<void>;
}

const SECRET_KEY = 'live-webhooks-secret-key-0123456789abcdef';

/** Starts the hub as `npm start` does, jobs on, on Postgres (a fresh schema) or on PGlite. */
async function startLiveHub(driver: 'pg' | 'pglite'): Promise<LiveHub> {
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
    db: database?.db ?? null,
    async stop() {
      await server.stop();
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function client(hub: LiveHub) {
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

const eventOf = (r: Received) => JSON.parse(r.body) as { id: string; type: string; data: { id: string } };

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
        process.stdout.write(
          `webhooks-live ${driver}: first try ${Math.round(first.at - paid.at)} ms after the success, retry after ${Math.round(gap)} ms\n`,
        );
      } finally {
        await portal.close();
      }
    },
    40_000,
  );
});
