import pg from 'pg';
import { createStaffUser } from '../src/admin/staff.ts';
import { createAgency } from '../src/agencies/service.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPg } from '../src/db/pg.ts';
import { FILE_PROVIDERS, PER_DAY, rebuildRollups, seedPayments, seedRuns } from './console-seed.ts';
import { benchSchema, startBenchHub, stop } from './lib.ts';

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

/** 500000 → '500k', 5000000 → '5M'. */
const size = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

type Get = (p: string) => Promise<string>;

/** One timed GET: its milliseconds, after checking the page shows what it must. */
async function timed(get: Get, pathAndQuery: string, expect: string): Promise<number> {
  const started = performance.now();
  const body = await get(pathAndQuery);
  const ms = performance.now() - started;
  if (!body.includes(expect)) throw new Error(`${pathAndQuery} did not show "${expect}"`);
  return ms;
}

function percentiles(ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95) };
}

/** A scale's hub as the bench drives it: a signed-in GET and the pages' paths on its data. */
interface Scale {
  get: Get;
  pages: Record<PageName, { path: (i: number) => string; expect: string }>;
}
type PageName =
  | 'dashboard'
  | 'payment search (reference)'
  | 'payments, first page'
  | "a run's breaks"
  | 'report page';

/**
 * Each page at both sizes, request by request in turn (small, large, small, …): a machine whose
 * load changes during the run slows both alike, so the ratio measures the data, not the moment.
 */
async function measureInTurn(small: Scale, large: Scale) {
  const result = {} as Record<PageName, { small: Timing; large: Timing }>;
  for (const name of Object.keys(small.pages) as PageName[]) {
    const [s, l] = [small.pages[name], large.pages[name]];
    const msSmall: number[] = [];
    const msLarge: number[] = [];
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      // Which goes first alternates too, so neither always finds the other's work just done.
      const first = i % 2 === 0;
      const a = first ? await timed(small.get, s.path(i), s.expect) : 0;
      const b = await timed(large.get, l.path(i), l.expect);
      const c = first ? a : await timed(small.get, s.path(i), s.expect);
      if (i < WARMUP) continue;
      msSmall.push(c);
      msLarge.push(b);
    }
    result[name] = { small: percentiles(msSmall), large: percentiles(msLarge) };
  }
  return result;
}

/** The five pages, over HTTP, as the province's finance officer (its 20 children in scope). */
async function scaleOf(base: string, client: pg.Client): Promise<Scale> {
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
  // References looked up are among the first SMALL payments, which both sizes hold.
  const step = Math.floor(SMALL / (REQUESTS + WARMUP));
  return {
    get,
    pages: {
      dashboard: { path: () => '/console', expect: '<svg' },
      'payment search (reference)': {
        path: (i) => `/console/payments?reference=R${1 + i * step}`,
        expect: '/console/payments/pay_',
      },
      'payments, first page': { path: () => '/console/payments', expect: '/console/payments/pay_' },
      "a run's breaks": { path: () => `/console/reconciliation/runs/${run}`, expect: 'amount_mismatch' },
      'report page': { path: () => `/console/reports?business_date=${reportDay}`, expect: '7111' },
    },
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

/** A migrated schema with the province, its 20 children and the finance officer, seeded to `size`. */
async function seededSchema(size: number) {
  const db = await benchSchema();
  const store = openPg({ connectionString: db.url, max: 2 });
  const client = new pg.Client({ connectionString: db.url });
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
    // The same first SMALL payments at both sizes; the large one then grows by history.
    const smallDays = Math.floor(SMALL / PER_DAY);
    await seedSize(client, 0, SMALL, 'B', agencies, [1, smallDays]);
    if (size > SMALL) await seedSize(client, SMALL, size, 'A', agencies, [smallDays + 1, RUN_DAYS]);
    // Settled tables, as a hub that has run a while has them: no autovacuum or hint-bit writes while timed.
    await client.query('VACUUM ANALYZE');
    return { db, client };
  } catch (error) {
    await client.end().catch(() => {});
    await db.drop();
    throw error;
  } finally {
    await store.close();
  }
}

/**
 * `npm run bench -- console`: the console's pages at 500,000 payments and at 5,000,000 payments
 * and 1,000,000 settlement lines, in one run, on two schemas and two hubs timed in turn. The hub
 * grows by history at PER_DAY payments a day, so a day's report and a day's run are the same size
 * at both; what must not grow is the cost of the history (the dashboard's 30 days come from the
 * daily roll-ups).
 */
export async function benchConsole(): Promise<boolean> {
  console.log(
    `\nconsole: ${SMALL.toLocaleString('en')} and ${LARGE.toLocaleString('en')} payments, ${PER_DAY.toLocaleString('en')} a day, timed in turn`,
  );
  const schemas: Awaited<ReturnType<typeof seededSchema>>[] = [];
  const hubs: Awaited<ReturnType<typeof startBenchHub>>['hub'][] = [];
  try {
    schemas.push(await seededSchema(SMALL));
    schemas.push(await seededSchema(LARGE));
    const scales: Scale[] = [];
    for (const { db, client } of schemas) {
      const { hub, hubUrl: base } = await startBenchHub(db.url);
      hubs.push(hub);
      scales.push(await scaleOf(base, client));
    }
    const timings = await measureInTurn(scales[0]!, scales[1]!);

    let met = true;
    console.log(
      `  ${'page'.padEnd(28)} ${`p50/p95 @${size(SMALL)}`.padStart(16)} ${`p50/p95 @${size(LARGE)}`.padStart(16)}  ratio p95  ≤300 ms`,
    );
    for (const [name, { small: s, large: l }] of Object.entries(timings)) {
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
    for (const hub of hubs) await stop(hub);
    for (const { db, client } of schemas) {
      await client.end().catch(() => {});
      // BENCH_KEEP=1 leaves the seeded schemas for EXPLAIN; their names are printed.
      if (process.env.BENCH_KEEP === '1') console.log(`  kept schema ${db.schema}`);
      else await db.drop();
    }
  }
}
