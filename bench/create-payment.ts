import os from 'node:os';
import { benchDatabase, ceilingThenHub, load, row, startBareAndHub } from './lib.ts';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/**
 * POST /v1/payments on the real hub (auth, validation against openapi.yaml, Idempotency-Key,
 * one-statement insert) against a bare Express + pg app doing one INSERT per request.
 */
export async function benchCreatePayment(): Promise<boolean> {
  const { db, key } = await benchDatabase();

  const body = (i: number) => ({
    amount: 150000 + (i % 1000),
    reference: `B-${process.pid}-${i}`,
    description: 'Lệ phí cấp Phiếu lý lịch tư pháp',
    return_url: 'https://portal.example.vn/ho-so',
    obligation: { type: 'charge', catalog_code: '2.000488' },
    payer: { name: 'Nguyễn Văn An' },
  });

  const servers = await startBareAndHub(db.url);
  try {
    const auth = { authorization: `Bearer ${key}` };
    // Warm both up (JIT, pools, caches) before measuring.
    await load({
      url: `${servers.bareUrl}/payments`,
      headers: {},
      body: (i) => body(-i),
      connections: 10,
      seconds: 2,
    });
    await load({
      url: `${servers.hubUrl}/v1/payments`,
      headers: auth,
      body: (i) => body(-i),
      idempotent: true,
      connections: 10,
      seconds: 2,
    });
    const {
      ceiling,
      hub: hubResult,
      cpu,
    } = await ceilingThenHub(
      servers,
      { url: `${servers.bareUrl}/payments`, headers: {}, body, connections: CONNECTIONS, seconds: SECONDS },
      {
        url: `${servers.hubUrl}/v1/payments`,
        headers: auth,
        body: (i) => body(i + 10_000_000),
        idempotent: true,
        connections: CONNECTIONS,
        seconds: SECONDS,
      },
    );
    const ratio = hubResult.requestsPerSecond / ceiling.requestsPerSecond;
    const ok = ratio >= 0.6 && hubResult.p99Ms <= 50 && hubResult.non2xx === 0 && hubResult.errors === 0;
    console.log(
      `\ncreate payment — ${CONNECTIONS} connections, ${SECONDS} s each, ${os.cpus().length} cores, Postgres`,
    );
    console.log(row('bare Express + pg INSERT (ceiling)', ceiling));
    console.log(row('PayHub POST /v1/payments', hubResult));
    console.log(cpu);
    console.log(
      `ratio ${(ratio * 100).toFixed(1)} % of the ceiling (target ≥ 60 %), p99 ${hubResult.p99Ms} ms (target ≤ 50 ms): ${ok ? 'MET' : 'MISSED'}`,
    );
    return ok;
  } finally {
    await servers.stop();
    await db.drop();
  }
}
