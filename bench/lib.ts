import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createAgency, createApiKey } from '../src/agencies/service.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPg } from '../src/db/pg.ts';
import type { Db } from '../src/db/port.ts';
import { freePort, killTree } from '../test/helpers/spawn.ts';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export function benchDatabaseUrl(): string {
  return (
    process.env.BENCH_DATABASE_URL ||
    process.env.TEST_DATABASE_URL ||
    'postgres://postgres@127.0.0.1:5432/test'
  );
}

/** A throw-away schema, and a connection string whose sessions use it. */
export async function benchSchema(): Promise<{ schema: string; url: string; drop: () => Promise<void> }> {
  const base = benchDatabaseUrl();
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    schema,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

/**
 * A migrated throw-away schema with the bare ceiling's table, agency BENCH and its test key;
 * `prepare` may add to it before its connection closes.
 */
export async function benchDatabase(prepare?: (store: Db) => Promise<void>) {
  const db = await benchSchema();
  const store = openPg({ connectionString: db.url, max: 2 });
  try {
    await migrate(store);
    await store.query(
      'CREATE TABLE bare_payments (id text PRIMARY KEY, amount numeric(15,0), reference text, body jsonb, created_at timestamptz DEFAULT now())',
    );
    await createAgency(store, { code: 'BENCH', name: 'Bench', returnOrigins: ['https://portal.example.vn'] });
    const { key } = await createApiKey(store, 'BENCH', 'test');
    await prepare?.(store);
    return { db, key };
  } finally {
    await store.close();
  }
}

/** The hub (API only, no rate limit, jobs off unless `hubEnv` says) on that schema, on a free port. */
export async function startBenchHub(url: string, hubEnv: Record<string, string> = {}) {
  const port = await freePort();
  const hubUrl = `http://127.0.0.1:${port}`;
  const hub = await startProcess(
    path.join(ROOT, 'src/server.ts'),
    {
      DATABASE_URL: url,
      PAYHUB_SECRET_KEY: 'bench-secret-key-0123456789abcdefghijklmno',
      PORT: String(port),
      PUBLIC_URL: hubUrl,
      PAYHUB_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      PAYHUB_JOBS: 'off',
      ...hubEnv,
    },
    /PayHub listening/,
  );
  return { hub, hubUrl };
}

/** The bare Express + pg ceiling and the hub (API only, no rate limit) on that schema, each on a free port. */
export async function startBareAndHub(url: string, hubEnv: Record<string, string> = {}) {
  const barePort = await freePort();
  const bare = await startProcess(
    path.join(ROOT, 'bench/bare-server.ts'),
    { BENCH_DATABASE_URL: url, PORT: String(barePort) },
    /ready/,
  );
  const { hub, hubUrl } = await startBenchHub(url, hubEnv).catch(async (error) => {
    await stop(bare);
    throw error;
  });
  return {
    bareUrl: `http://127.0.0.1:${barePort}`,
    hubUrl,
    /** CPU seconds each server's processes have used so far (Linux), to tell where time goes. */
    cpu: () => ({ bare: cpuSeconds(bare.pid!), hub: cpuSeconds(hub.pid!) }),
    stop: () => Promise.all([stop(hub), stop(bare)]),
  };
}

/** User + system CPU seconds of a process and its descendants (tsx runs the server in a child); 0 off Linux. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    let children = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const ids = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const id of ids ? ids.split(' ') : []) children += cpuSeconds(Number(id));
    }
    return ticks / CLOCK_TICKS + children;
  } catch {
    return 0;
  }
}

const CLOCK_TICKS = 100;

const children = new Set<ChildProcess>();
// Servers started by a benchmark never outlive it (tsx runs each in a child of its own).
process.on('exit', () => {
  for (const child of children) if (child.pid) killTree(child.pid);
});

export async function startProcess(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<ChildProcess> {
  // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF;
  const args = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, '--import', 'tsx', script] : [script];
  const child = spawn(profile ? process.execPath : TSX, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  return child;
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total: number;
}

/**
 * Drives one endpoint with autocannon: POSTs `body(i)` (unique per request), or with `path(i)`
 * GETs a different path each request.
 */
export async function load(options: {
  url: string;
  headers: Record<string, string>;
  body?: (i: number) => unknown;
  path?: (i: number) => string;
  idempotent?: boolean;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  let i = 0;
  const { body: makeBody, path: makePath } = options;
  const result = await autocannon({
    url: options.url,
    method: makeBody ? 'POST' : 'GET',
    connections: options.connections,
    duration: options.seconds,
    headers: { ...(makeBody ? { 'content-type': 'application/json' } : {}), ...options.headers },
    requests: [
      {
        setupRequest: (req) => {
          i++;
          if (!makeBody) return { ...req, path: makePath ? makePath(i) : req.path };
          const body = makeBody(i);
          return {
            ...req,
            body: JSON.stringify(body),
            headers: {
              ...req.headers,
              // Unique per request: the key follows the body's unique reference.
              ...(options.idempotent
                ? { 'idempotency-key': `bench-${(body as { reference: string }).reference}` }
                : {}),
            },
          };
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

export function row(label: string, r: LoadResult): string {
  return `${label.padEnd(34)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p99 ${String(r.p99Ms).padStart(4)} ms   (${r.total} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`;
}

type LoadOptions = Parameters<typeof load>[0];

/**
 * The bare ceiling, then the hub, each driven with its own load; with a line giving each server
 * process's own CPU per request (Postgres and the load generator not included).
 */
export async function ceilingThenHub(
  servers: Awaited<ReturnType<typeof startBareAndHub>>,
  bare: LoadOptions,
  hub: LoadOptions,
) {
  const atStart = servers.cpu();
  const ceiling = await load(bare);
  const between = servers.cpu();
  const hubResult = await load(hub);
  const atEnd = servers.cpu();
  const ms = (s: number) => `${(s * 1000).toFixed(3)} ms`;
  const bareSeconds = (between.bare - atStart.bare) / ceiling.total;
  const hubSeconds = (atEnd.hub - between.hub) / hubResult.total;
  const cpu = `server CPU per request: bare ${ms(bareSeconds)}, PayHub ${ms(hubSeconds)} (${(hubSeconds / bareSeconds).toFixed(1)}×)`;
  return { ceiling, hub: hubResult, cpu };
}
