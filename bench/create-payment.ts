import os from 'node:os';
import path from 'node:path';
import { createAgency, createApiKey } from '../src/agencies/service.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPg } from '../src/db/pg.ts';
import { benchSchema, freePort, load, ROOT, row, startProcess, stop } from './lib.ts';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/**
 * POST /v1/payments on the real hub (auth, validation against openapi.yaml, Idempotency-Key,
 * one-statement insert) against a bare Express + pg app doing one INSERT per request.
 */
export async function benchCreatePayment(): Promise<boolean> {
  const db = await benchSchema();
  const store = openPg({ connectionString: db.url, max: 2 });
  await migrate(store);
  await store.query(
    'CREATE TABLE bare_payments (id text PRIMARY KEY, amount numeric(15,0), reference text, body jsonb, created_at timestamptz DEFAULT now())',
  );
  await createAgency(store, { code: 'BENCH', name: 'Bench', returnOrigins: ['https://portal.example.vn'] });
  const { key } = await createApiKey(store, 'BENCH', 'test');
  await store.close();

  const body = (i: number) => ({
    amount: 150000 + (i % 1000),
    reference: `B-${process.pid}-${i}`,
    description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
    return_url: 'https://portal.example.vn/ho-so',
    obligation: { type: 'charge', catalog_code: '2.000488' },
    payer: { name: 'Nguyễn Văn An' },
  });

  const [barePort, hubPort] = [await freePort(), await freePort()];
  const bare = await startProcess(
    path.join(ROOT, 'bench/bare-server.ts'),
    { BENCH_DATABASE_URL: db.url, PORT: String(barePort) },
    /ready/,
  );
  const hub = await startProcess(
    path.join(ROOT, 'src/server.ts'),
    {
      DATABASE_URL: db.url,
      PORT: String(hubPort),
      PAYHUB_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      PAYHUB_JOBS: 'off',
    },
    /PayHub listening/,
  ).catch(async (error) => {
    await stop(bare);
    throw error;
  });
  try {
    const auth = { authorization: `Bearer ${key}` };
    // Warm both up (JIT, pools, caches) before measuring.
    await load({
      url: `http://127.0.0.1:${barePort}/payments`,
      headers: {},
      body: (i) => body(-i),
      connections: 10,
      seconds: 2,
    });
    await load({
      url: `http://127.0.0.1:${hubPort}/v1/payments`,
      headers: auth,
      body: (i) => body(-i),
      idempotent: true,
      connections: 10,
      seconds: 2,
    });
    const ceiling = await load({
      url: `http://127.0.0.1:${barePort}/payments`,
      headers: {},
      body,
      connections: CONNECTIONS,
      seconds: SECONDS,
    });
    const hubResult = await load({
      url: `http://127.0.0.1:${hubPort}/v1/payments`,
      headers: auth,
      body: (i) => body(i + 10_000_000),
      idempotent: true,
      connections: CONNECTIONS,
      seconds: SECONDS,
    });
    const ratio = hubResult.requestsPerSecond / ceiling.requestsPerSecond;
    const ok = ratio >= 0.6 && hubResult.p99Ms <= 50 && hubResult.non2xx === 0 && hubResult.errors === 0;
    console.log(
      `\ncreate payment — ${CONNECTIONS} connections, ${SECONDS} s each, ${os.cpus().length} cores, Postgres`,
    );
    console.log(row('bare Express + pg INSERT (ceiling)', ceiling));
    console.log(row('PayHub POST /v1/payments', hubResult));
    console.log(
      `ratio ${(ratio * 100).toFixed(1)} % of the ceiling (target ≥ 60 %), p99 ${hubResult.p99Ms} ms (target ≤ 50 ms): ${ok ? 'MET' : 'MISSED'}`,
    );
    return ok;
  } finally {
    await Promise.all([stop(hub), stop(bare)]);
    await db.drop();
  }
}
