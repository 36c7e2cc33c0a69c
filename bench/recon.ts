import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createAgency } from '../src/agencies/service.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPg } from '../src/db/pg.ts';
import { runLines } from '../src/reconciliation/queries.ts';
import { benchSchema, ROOT, TSX } from './lib.ts';

const LINES = Number(process.env.BENCH_RECON_LINES ?? 1_000_000);
const DATE = '2026-06-15';
const TARGET_RATIO = 4;
const TARGET_RSS_MB = 300;
/** The README's claim for a page of a run's lines (GET /admin/v1/reconciliation/runs/:id/lines). */
const TARGET_PAGE_MS = 250;

/**
 * Pages of the reconciled run's lines as staff ask for them (first page, deep in the file,
 * one reference, one category; hub-wide and scoped to the agency), each timed five times.
 */
async function timeLinePages(url: string): Promise<{ name: string; p50: number; max: number }[]> {
  const store = openPg({ connectionString: url, max: 1 });
  try {
    const { rows } = await store.query<{ id: string; agency: string }>(
      `SELECT (SELECT id::text FROM recon_runs ORDER BY id DESC LIMIT 1) AS id,
              (SELECT id FROM agencies WHERE code = 'BENCH') AS agency`,
    );
    const { id, agency } = rows[0]!;
    const middle = Math.floor(LINES / 2);
    const pages = {
      'first page, hub-wide': { scope: null, filter: { limit: 50 } },
      'first page, agency scope': { scope: [agency], filter: { limit: 50 } },
      [`after line ${middle.toLocaleString('en')}`]: {
        scope: [agency],
        filter: { limit: 50, startingAfter: middle },
      },
      'one reference': {
        scope: [agency],
        filter: { limit: 50, reference: `att_b${String(middle).padStart(9, '0')}` },
      },
      'amount_mismatch lines': { scope: [agency], filter: { limit: 50, category: 'amount_mismatch' } },
    };
    const timings = [];
    for (const [name, { scope, filter }] of Object.entries(pages)) {
      const ms: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const lines = await runLines(store, scope, id, filter);
        ms.push(performance.now() - started);
        if (lines.length === 0) throw new Error(`the page '${name}' came back empty`);
      }
      ms.sort((a, b) => a - b);
      timings.push({ name, p50: ms[2]!, max: ms[4]! });
    }
    return timings;
  } finally {
    await store.close();
  }
}

/**
 * The hub's data set, set-based: LINES succeeded sandbox attempts on DATE. Every 1000th is
 * settled at another amount, every 997th line names an attempt the hub never made, and every
 * 991st attempt is missing from the file, so every path of the matching runs.
 */
async function seed(client: pg.Client) {
  await client.query(`
    INSERT INTO payments (id, agency_id, mode, status, currency, principal, amount, reference, description, return_url,
      obligation, budget, language, checkout_token, expires_at, created_at, updated_at, paid_at)
    SELECT 'pay_b' || lpad(n::text, 9, '0'), (SELECT id FROM agencies WHERE code = 'BENCH'), 'test', 'succeeded', 'VND',
      10000 + n % 500 * 1000, 10000 + n % 500 * 1000, 'R' || n, 'Lệ phí', 'https://portal.example.vn/',
      '{"type":"charge"}', '{"treasury_code":"0011","treasury_account":"7111","chapter_code":"418","economic_code":"2662"}',
      'vi', 'tok' || n, timestamptz '${DATE} 23:00+07', timestamptz '${DATE} 00:00+07' + n * interval '80 ms',
      timestamptz '${DATE} 00:00+07' + n * interval '80 ms', timestamptz '${DATE} 00:00+07' + n * interval '80 ms'
    FROM generate_series(1, ${LINES}) n`);
  await client.query(`
    INSERT INTO attempts (id, payment_id, agency_id, mode, provider, status, amount, created_at, updated_at, completed_at)
    SELECT 'att_b' || substr(p.id, 6), p.id, p.agency_id, 'test', 'sandbox', 'succeeded', p.amount,
      p.created_at, p.created_at, p.created_at
    FROM payments p`);
  await client.query('ANALYZE payments; ANALYZE attempts');
}

async function writeFile(client: pg.Client, file: string) {
  const out = client.query(
    copyTo(`COPY (
      SELECT 'T' || substr(a.id, 6) AS transaction_id,
             CASE WHEN n % 997 = 0 THEN 'att_unknown' || n ELSE a.id END AS attempt_id,
             'payment' AS type,
             CASE WHEN n % 1000 = 0 THEN a.amount - 1000 ELSE a.amount END AS amount,
             round(a.amount / 100) AS fee, 'succeeded' AS status,
             to_char(a.completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD"T"HH24:MI:SS.MS') || '+07:00' AS occurred_at
      FROM (SELECT a.*, substr(a.id, 6)::int AS n FROM attempts a) a
      WHERE n % 991 <> 0 ORDER BY a.id
    ) TO STDOUT WITH (FORMAT csv, HEADER)`),
  );
  await pipeline(out, fs.createWriteStream(file));
}

/** The floor: COPY the same file into a bare table, and one full-join classification query. */
async function floor(client: pg.Client, file: string): Promise<{ ms: number; categories: unknown[] }> {
  await client.query(
    'CREATE UNLOGGED TABLE IF NOT EXISTS floor_lines (txn text, ref text, type text, amount numeric, fee numeric, status text, at timestamptz)',
  );
  await client.query('TRUNCATE floor_lines');
  const started = performance.now();
  await pipeline(
    fs.createReadStream(file),
    client.query(copyFrom('COPY floor_lines FROM STDIN WITH (FORMAT csv, HEADER)')),
  );
  const { rows } = await client.query(`
    SELECT category, count(*)::int FROM (
      SELECT CASE WHEN a.id IS NULL THEN 'missing_in_hub' WHEN l.ref IS NULL THEN 'missing_at_provider'
                  WHEN l.amount <> a.amount THEN 'amount_mismatch' ELSE 'matched' END AS category
      FROM floor_lines l FULL JOIN (SELECT * FROM attempts WHERE provider = 'sandbox') a ON a.id = l.ref
    ) x GROUP BY 1 ORDER BY 1`);
  return { ms: performance.now() - started, categories: rows };
}

function ingestInChild(url: string, file: string) {
  return new Promise<{
    ms: number;
    maxRssKb: number;
    status: string;
    lines: number;
    rejection: unknown;
    summary: unknown[];
    timings: Record<string, number>;
  }>((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, 'bench/recon-ingest.ts'), url, file, DATE], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!))
        : reject(new Error(`ingest exited ${code}`)),
    );
  });
}

/** `npm run bench -- recon`: a million settlement lines against a million payments, beside the bare floor. */
export async function benchRecon(): Promise<boolean> {
  const db = await benchSchema();
  const store = openPg({ connectionString: db.url, max: 2 });
  await migrate(store);
  await createAgency(store, { code: 'BENCH', name: 'Bench' });
  await store.close();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const file = path.join(os.tmpdir(), `payhub-recon-${process.pid}.csv`);
  try {
    console.log(`\nreconciliation: ${LINES.toLocaleString('en')} payments, seeding…`);
    let t = performance.now();
    await seed(client);
    await writeFile(client, file);
    console.log(
      `  seeded and wrote ${(fs.statSync(file).size / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    t = performance.now();
    const bare = await floor(client, file);
    const hub = await ingestInChild(db.url, file);
    if (hub.status !== 'completed')
      throw new Error(`the run was ${hub.status}: ${JSON.stringify(hub.rejection)}`);
    const ratio = hub.ms / bare.ms;
    const rssMb = hub.maxRssKb / 1024;
    console.log(
      `  floor (COPY + one full-join classification): ${(bare.ms / 1000).toFixed(2)} s ${JSON.stringify(bare.categories)}`,
    );
    console.log(
      `  payhub reconcile (parse, checks, COPY, matching, carry-over, summary): ${(hub.ms / 1000).toFixed(2)} s, ${hub.lines.toLocaleString('en')} lines`,
    );
    console.log(`    phases (ms): ${JSON.stringify(hub.timings)}`);
    for (const c of hub.summary as { category: string; status: string; count: number }[])
      console.log(`    ${c.category.padEnd(20)} ${c.status.padEnd(8)} ${String(c.count).padStart(9)}`);
    console.log(`  ratio ${ratio.toFixed(2)}× the floor (target ≤ ${TARGET_RATIO}×)`);
    console.log(
      `  peak RSS of the reconciling process ${rssMb.toFixed(0)} MB (target ≤ ${TARGET_RSS_MB} MB)`,
    );
    const pages = await timeLinePages(db.url);
    for (const page of pages)
      console.log(
        `  lines page ${page.name.padEnd(28)} p50 ${page.p50.toFixed(0).padStart(4)} ms, max ${page.max.toFixed(0).padStart(4)} ms`,
      );
    const slowest = Math.max(...pages.map((p) => p.p50));
    console.log(`  slowest lines page p50 ${slowest.toFixed(0)} ms (target ≤ ${TARGET_PAGE_MS} ms)`);
    return ratio <= TARGET_RATIO && rssMb <= TARGET_RSS_MB && slowest <= TARGET_PAGE_MS;
  } finally {
    await client.end();
    fs.rmSync(file, { force: true });
    await db.drop();
  }
}
