/**
 * `npm run bench -- links`: a bulk CSV of 10,000 payers turned into payment links by the running
 * hub (POST /admin/v1/payment_links/bulk over HTTP: parse, check every row, one COPY in one
 * transaction, the CSV of URLs back), beside the floor: a bare COPY of the same rows into a table
 * of the same shape, in the same run.
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createStaffUser } from '../src/admin/staff.ts';
import { createAgency } from '../src/agencies/service.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPg } from '../src/db/pg.ts';
import { ulid } from '../src/ids.ts';
import { readCsv } from '../src/links/csv.ts';
import { COPY_LINKS, copyLines, type NewLink } from '../src/links/queries.ts';
import { newNonce } from '../src/links/token.ts';
import { freePort } from '../test/helpers/spawn.ts';
import { benchSchema, cpuSeconds, ROOT, startProcess, stop } from './lib.ts';

const ROWS = Number(process.env.BENCH_LINKS_ROWS ?? 10_000);
const RUNS = 5;
const TARGET_RATIO = 0.3;
const PASSWORD = 'bench password 0123456789';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function csvOf(run: number): string {
  const lines = ['reference,payer_name,amount,contact'];
  for (let i = 0; i < ROWS; i++)
    lines.push(
      `HS-${run}-${String(i).padStart(6, '0')},Nguyễn Văn Bình ${i},${100_000 + (i % 400_000)},nguoi${i}@example.vn`,
    );
  return `${lines.join('\n')}\n`;
}

/**
 * Why the bulk route reads CSV with its own one-pass reader (src/links/csv.ts): the same file read
 * by csv-parse and by it, median of several reads each, in the same process.
 */
function parserComparison(csv: string): { library: number; own: number } {
  const time = (read: () => unknown) => {
    const ms: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      read();
      ms.push(performance.now() - t);
    }
    return median(ms);
  };
  const library = time(() => parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: true }));
  const own = time(() => readCsv(csv));
  return { library, own };
}

/** The same rows as the hub stores them, for the bare COPY. */
function linksOf(run: number, agencyId: string, itemId: string): NewLink[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    id: `plk_${ulid()}`,
    agency_id: agencyId,
    catalog_item_id: itemId,
    mode: 'live',
    nonce: newNonce(),
    reusable: false,
    amount: String(100_000 + (i % 400_000)),
    reference: `HS-${run}-${String(i).padStart(6, '0')}`,
    payer: { name: `Nguyễn Văn Bình ${i}`, email: `nguoi${i}@example.vn` },
    expires_at: null,
    created_by: 'usr_bench',
  }));
}

async function bareCopy(url: string, links: NewLink[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('BEGIN');
    await pipeline(
      Readable.from(copyLines(links)),
      client.query(copyFrom(COPY_LINKS.replace('payment_links', 'bare_links'))),
    );
    await client.query('COMMIT');
    return performance.now() - started;
  } finally {
    await client.end();
  }
}

async function signIn(hubUrl: string) {
  const res = await fetch(`${hubUrl}/admin/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@hub.test', password: PASSWORD }),
  });
  if (res.status !== 201) throw new Error(`sign-in: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { csrf_token } = (await res.json()) as { csrf_token: string };
  return { cookie, 'x-csrf-token': csrf_token };
}

export async function benchLinks(): Promise<boolean> {
  const db = await benchSchema();
  const store = openPg({ connectionString: db.url, max: 2 });
  let hub: Awaited<ReturnType<typeof startProcess>> | undefined;
  try {
    await migrate(store);
    // The floor's table: payment_links' columns, checks, keys and indexes (no foreign keys).
    await store.query('CREATE TABLE bare_links (LIKE payment_links INCLUDING ALL)');
    const agency = await createAgency(store, { code: 'BENCH', name: 'Bench' });
    await createStaffUser(store, {
      email: 'bench@hub.test',
      role: 'admin',
      agencyCode: 'BENCH',
      password: PASSWORD,
    });
    const port = await freePort();
    const hubUrl = `http://127.0.0.1:${port}`;
    hub = await startProcess(
      `${ROOT}/src/server.ts`,
      {
        DATABASE_URL: db.url,
        PAYHUB_SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmno',
        PORT: String(port),
        PUBLIC_URL: hubUrl,
        PAYHUB_RATE_LIMIT: '0',
        LOG_LEVEL: 'warn',
        PAYHUB_JOBS: 'off',
      },
      /PayHub listening/,
    );
    const headers = await signIn(hubUrl);
    const item = await fetch(`${hubUrl}/admin/v1/catalog_items`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        code: '1.002309',
        name: { vi: 'Lệ phí cấp phiếu lý lịch tư pháp' },
        amount_min: 1000,
        amount_max: 1_000_000,
        obligation_type: 'charge',
      }),
    });
    const itemId = ((await item.json()) as { id: string }).id;

    const hubMs: number[] = [];
    const bareMs: number[] = [];
    const cpuBefore = cpuSeconds(hub.pid!);
    // Run 0 warms both up (JIT, plans, caches) and is not counted.
    for (let run = 0; run <= RUNS; run++) {
      const csv = csvOf(run);
      const started = performance.now();
      const res = await fetch(`${hubUrl}/admin/v1/payment_links/bulk?catalog_item=${itemId}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'text/csv' },
        body: csv,
      });
      const out = await res.text();
      const ms = performance.now() - started;
      if (res.status !== 201) throw new Error(`bulk: ${res.status} ${out.slice(0, 500)}`);
      const lines = out.trimEnd().split('\n').length - 1;
      if (lines !== ROWS) throw new Error(`bulk answered ${lines} rows, not ${ROWS}`);
      const bare = await bareCopy(db.url, linksOf(run, agency.id, itemId));
      if (run > 0) {
        hubMs.push(ms);
        bareMs.push(bare);
      }
    }
    const stored = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_links');
    if (stored.rows[0]!.n !== ROWS * (RUNS + 1))
      throw new Error(`payment_links holds ${stored.rows[0]!.n} rows`);
    const hubRate = ROWS / (median(hubMs) / 1000);
    const bareRate = ROWS / (median(bareMs) / 1000);
    const ratio = hubRate / bareRate;
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    console.log(`\nlinks: ${ROWS.toLocaleString('en')}-row bulk CSV, median of ${RUNS} runs`);
    console.log(
      `  bare COPY into a table of the same shape (floor) ${fmt(bareRate).padStart(10)} rows/s  ${median(bareMs).toFixed(0)} ms`,
    );
    console.log(
      `  PayHub POST /admin/v1/payment_links/bulk         ${fmt(hubRate).padStart(10)} rows/s  ${median(hubMs).toFixed(0)} ms`,
    );
    console.log(`  hub CPU ${(cpuSeconds(hub.pid!) - cpuBefore).toFixed(1)} s over ${RUNS + 1} runs`);
    const parsers = parserComparison(csvOf(0));
    console.log(
      `  reading the CSV: csv-parse ${parsers.library.toFixed(1)} ms, PayHub's reader ${parsers.own.toFixed(1)} ms (${(parsers.library / parsers.own).toFixed(1)}× faster)`,
    );
    const met = ratio >= TARGET_RATIO;
    console.log(
      `  ratio ${ratio.toFixed(2)}× of the floor (target ≥ ${TARGET_RATIO}×): ${met ? 'met' : 'missed'}`,
    );
    return met;
  } finally {
    if (hub) await stop(hub);
    await store.close();
    await db.drop();
  }
}
