import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Db } from '../db/port.ts';
import { type Executor, executor } from './executor.ts';
import type { QueueOptions } from './model.ts';

const silent: Pick<Logger, 'warn' | 'error'> = { warn: () => {}, error: () => {} };

/** One started queue: what its define, send, schedule and stop share. */
export interface QueueState {
  boss: PgBoss;
  db: Db;
  schema: string;
  pglite: boolean;
  /** false: enqueue only — no workers (PAYHUB_JOBS=off). */
  work: boolean;
  pollingIntervalSeconds: number;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Worker ids by queue name: sending wakes the local worker instead of waiting for its poll. */
  workers: Map<string, string>;
  /**
   * Handlers running and queue SQL in flight: stop() waits for both, so nothing touches the
   * database after it returns (pg-boss completes jobs without awaiting).
   */
  handlers: Set<Promise<unknown>>;
  statements: Set<Promise<unknown>>;
  /** For calls PayHub makes (send, getJob): they work during and after stop(). */
  direct: Executor;
  /** Set once stop() has drained: pg-boss's own SQL is dropped from then on. */
  stopped: boolean;
  stopping?: Promise<void>;
}

export function track<T>(set: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  set.add(promise);
  const done = () => set.delete(promise);
  promise.then(done, done);
  return promise;
}

/**
 * pg-boss in its own schema, on the same Db as the API, not yet started.
 *
 * On PGlite (one in-process connection) everything works, with these differences:
 * - polling is slower (5 s) and maintenance rarer (5 min), so idle workers barely use the
 *   connection; a job sent from this process wakes its worker at once, so latency does not suffer;
 * - pg-boss's locked multi-statement SQL runs inside Db.transaction (see executor.ts);
 * - several instances cannot share one PGlite, so "cluster-wide" is trivially this process.
 * pg-boss 10 uses no LISTEN/NOTIFY, so nothing needs disabling. State monitoring (a GROUP BY
 * ROLLUP over all jobs) stays off on both drivers.
 */
export function queueState(options: QueueOptions): QueueState {
  const { db, schema = 'pgboss', logger = silent, work = true } = options;
  const pglite = db.kind === 'pglite';
  const polling = options.pollingIntervalSeconds ?? (pglite ? 5 : 2);
  const cron = options.cronIntervalSeconds ?? 30;
  const statements = new Set<Promise<unknown>>();
  const base = executor(db);
  const direct: Executor = { executeSql: (text, values) => track(statements, base.executeSql(text, values)) };
  /**
   * pg-boss's own SQL. After stop() it is dropped, left pending forever rather than run or
   * rejected: a handler that outlived stop()'s timeout has had its job failed for retry already,
   * and pg-boss's un-awaited complete() must neither write nor reject unhandled (that kills Node).
   */
  const internal: Executor = {
    executeSql: (text, values) => (state.stopped ? new Promise(() => {}) : direct.executeSql(text, values)),
  };
  const boss = new PgBoss({
    db: internal,
    schema,
    pollingIntervalSeconds: polling,
    supervise: work,
    schedule: work,
    maintenanceIntervalSeconds: pglite ? 300 : 120,
    cronMonitorIntervalSeconds: cron,
    cronWorkerIntervalSeconds: Math.min(5, cron),
  });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  const state: QueueState = {
    boss,
    db,
    schema,
    pglite,
    work,
    pollingIntervalSeconds: polling,
    logger,
    workers: new Map(),
    handlers: new Set(),
    statements,
    direct,
    stopped: false,
  };
  return state;
}

/**
 * pg-boss's create_queue (an insert, then a partition attached with foreign keys) deadlocks when
 * instances run it at once, e.g. a fresh deploy of several replicas: they take turns on a lock
 * held by a transaction on one pooled connection while the work runs on others. PGlite has one
 * process and one connection: nothing to race, and such a transaction would block the work.
 */
export async function exclusively<T>(state: QueueState, fn: () => Promise<T>): Promise<T> {
  if (state.pglite) return fn();
  return state.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `payhub.jobs.create_queue:${state.schema}`,
    ]);
    return fn();
  });
}

/** Wakes this instance's worker for the queue, if it has one, instead of waiting for its poll. */
export function wake(state: QueueState, name: string): void {
  const id = state.workers.get(name);
  if (id) state.boss.notifyWorker(id);
}

export function assertRunning(state: QueueState): void {
  if (state.stopping) throw new Error('job queue is stopped');
}
