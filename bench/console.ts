import path from 'node:path';
import pg from 'pg';
import { createStaffUser } from '../src/admin/staff.ts';
import { createAgency } from '../src/agencies/service.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPg } from '../src/db/pg.ts';
import { FILE_PROVIDERS, PER_DAY, rebuildRollups, seedPayments, seedRuns } from './console-seed.ts';
import { benchSchema, ROOT, startProcess, stop } from './lib.ts';

const SMALL = Number(process.env.BENCH_CONSOLE_SMALL ?? 500_000);
const LARGE = Number(process.env.BENCH_CONSOLE_LARGE ?? 5_000_000);
/** Days with settlement files at the large size: 2 providers × ~5,000 lines × 100 days ≈ 1,000,000 lines. */
const RUN_DAYS = Number(process.env.BENCH_CONSOLE_RUN_DAYS ?? 100);
const REQUESTS = 40;
/** Untimed requests first: a just-started hub (JIT, plan caches, cold pages) is not what is measured. */
const WARMUP = 15;
const TARGET_RATIO = 1.5;
const TARGET_P95_MS = 300;
const PASSWORD = 'bench password 0123456789';
const CHILDREN = 20;

interface Timing {
  p50: number;
  p95: number;
}

function cookieJar() {
  const jar = new Map<string, string>();
  return {
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
    },
    header: () => [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

/** Signs in through the console's form, as a browser does, and returns a GET that carries the session. */
async function signedIn(base: string, email: string) {
  const jar = cookieJar();
  const form = await fetch(`${base}/console/login`);
  jar.take(form);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${base}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
    body: new URLSearchParams({ _csrf: csrf, email, password: PASSWORD, next: '/console' }),
  });
  if (res.status !== 303) throw new Error(`sign-in of ${email} answered ${res.status}`);
  jar.take(res);
  return async (pathAndQuery: string) => {
    const r = await fetch(`${base}${pathAndQuery}`, {
      headers: { cookie: jar.header() },
      redirect: 'manual',
    });
    const body = await r.text();
    if (r.status !== 200) throw new Error(`GET ${pathAndQuery} answered ${r.status}`);
    return body;
  };
}

async function time(
  get: (p: string) => Promise<string>,
  paths: (i: number) => string,
  expect: string,
): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await get(paths(i));
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const started = performance.now();
    const body = await get(paths(i + WARMUP));
    ms.push(performance.now() - started);
    if (!body.includes(expect)) throw new Error(`${paths(i + WARMUP)} did not show "${expect}"`);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95) };
}

/** The four pages, over HTTP, as the province's finance officer (its 20 children in scope). */
async function measure(base: string, payments: number, client: pg.Client) {
  const get = await signedIn(base, 'finance@bench.vn');
  const run = (
    await client.query<{ id: string }>(
      `SELECT id FROM recon_runs WHERE provider = $1 ORDER BY business_date DESC LIMIT 1 OFFSET 1`,
      [FILE_PROVIDERS[0]],
    )
  ).rows[0]!.id;
  const reportDay = (
    await client.query<{ d: string }>(
      `SELECT to_char((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date - 2, 'YYYY-MM-DD') AS d`,
    )
  ).rows[0]!.d;
  const step = Math.floor(payments / (REQUESTS + WARMUP));
  return {
    dashboard: await time(get, () => '/console', '<svg'),
    'payment search (reference)': await time(
      get,
      (i) => `/console/payments?reference=R${1 + i * step}`,
      '/console/payments/pay_',
    ),
    'payments, first page': await time(get, () => '/console/payments', '/console/payments/pay_'),
    "a run's breaks": await time(get, () => `/console/reconciliation/runs/${run}`, 'amount_mismatch'),
    'report page': await time(get, () => `/console/reports?business_date=${reportDay}`, '7111'),
  };
}

async function seedSize(
  client: pg.Client,
  from: number,
  to: number,
  prefix: string,
  agencies: string[],
  days: [number, number],
) {
  const started = performance.now();
  await seedPayments(client, { from, to, prefix, agencies });
  await seedRuns(client, days[0], days[1]);
  await rebuildRollups(client);
  const { rows } = await client.query<{ p: number; l: number }>(
    'SELECT (SELECT count(*) FROM payments)::int AS p, (SELECT count(*) FROM settlement_lines)::int AS l',
  );
  console.log(
    `  seeded to ${rows[0]!.p.toLocaleString('en')} payments, ${rows[0]!.l.toLocaleString('en')} settlement lines in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

/**
 * `npm run bench -- console`: the console's pages at 500,000 payments, then at 5,000,000 payments
 * and 1,000,000 settlement lines, in one run. The hub grows by history at PER_DAY payments a day,
 * so a day's report and a day's run are the same size at both; what must not grow is the cost
 * of the history (the dashboard's 30 days come from the daily roll-ups).
 */
export async function benchConsole(): Promise<boolean> {
  console.log(
    `\nconsole: ${SMALL.toLocaleString('en')} → ${LARGE.toLocaleString('en')} payments, ${PER_DAY.toLocaleString('en')} a day`,
  );
  const db = await benchSchema();
  const store = openPg({ connectionString: db.url, max: 2 });
  const client = new pg.Client({ connectionString: db.url });
  let hub: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    await migrate(store);
    await createAgency(store, {
      code: 'PROVINCE',
      name: 'Tỉnh Bench',
      returnOrigins: ['https://portal.example.vn'],
    });
    for (let i = 1; i <= CHILDREN; i++)
      await createAgency(store, {
        code: `SO-${i}`,
        name: `Sở ${i}`,
        parentCode: 'PROVINCE',
        returnOrigins: [],
      });
    await createStaffUser(store, {
      email: 'finance@bench.vn',
      role: 'finance',
      agencyCode: 'PROVINCE',
      password: PASSWORD,
    });
    const { rows } = await store.query<{ id: string }>(
      "SELECT id FROM agencies WHERE code LIKE 'SO-%' ORDER BY code",
    );
    const agencies = rows.map((r) => r.id);
    await client.connect();
    const smallDays = Math.floor(SMALL / PER_DAY);
    await seedSize(client, 0, SMALL, 'B', agencies, [1, smallDays]);

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const base = `http://127.0.0.1:${port}`;
    hub = await startProcess(
      path.join(ROOT, 'src/server.ts'),
      {
        DATABASE_URL: db.url,
        PAYHUB_SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmno',
        PORT: String(port),
        PUBLIC_URL: base,
        PAYHUB_RATE_LIMIT: '0',
        LOG_LEVEL: 'warn',
        PAYHUB_JOBS: 'off',
      },
      /PayHub listening/,
    );
    const small = await measure(base, SMALL, client);
    await seedSize(client, SMALL, LARGE, 'A', agencies, [smallDays + 1, RUN_DAYS]);
    const large = await measure(base, SMALL, client);

    let met = true;
    console.log(
      `  ${'page'.padEnd(28)} ${'p50/p95 @500k'.padStart(16)} ${'p50/p95 @5M'.padStart(16)}  ratio p95  ≤300 ms`,
    );
    for (const name of Object.keys(small) as (keyof typeof small)[]) {
      const s = small[name];
      const l = large[name];
      const ratio = l.p95 / s.p95;
      const ok = ratio <= TARGET_RATIO && l.p95 <= TARGET_P95_MS;
      met &&= ok;
      const f = (t: Timing) => `${t.p50.toFixed(1)}/${t.p95.toFixed(1)} ms`;
      console.log(
        `  ${name.padEnd(28)} ${f(s).padStart(16)} ${f(l).padStart(16)}  ${ratio.toFixed(2).padStart(9)}  ${l.p95 <= TARGET_P95_MS ? 'yes' : 'no'}${ok ? '' : '  (missed)'}`,
      );
    }
    console.log(
      `  targets: p95(5M)/p95(500k) ≤ ${TARGET_RATIO}, p95 ≤ ${TARGET_P95_MS} ms: ${met ? 'met' : 'missed'}`,
    );
    return met;
  } finally {
    if (hub) await stop(hub);
    await client.end().catch(() => {});
    await store.close();
    await db.drop();
  }
}
