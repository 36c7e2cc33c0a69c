import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/port.ts';
import { type Executor, executor, transactionExecutor } from './executor.ts';

/** Job name → the data its jobs carry; an interface will do (`Jobs extends JobMap<Jobs>`). */
export type JobMap<Jobs = Record<string, object>> = { [N in keyof Jobs]: object };
type Name<Jobs> = keyof Jobs & string;

export interface Job<T> {
  id: string;
  name: string;
  data: T;
}

/** Resolves: the job completed. Throws: it is retried (per retryLimit), then marked failed. */
export type JobHandler<T> = (job: Job<T>) => Promise<void>;

/** Queue settings; a job takes retry and expiry settings from its queue when it is sent. */
export interface DefineOptions {
  /** Attempts after the first; pg-boss's default is 2. */
  retryLimit?: number;
  /** Seconds before a retry; with retryBackoff it roughly doubles each attempt, with jitter. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A handler still running after this is given up on and the job fails (default 15 minutes). */
  expireInSeconds?: number;
  /** Jobs fetched per poll and handled concurrently: this instance's concurrency for the queue. */
  batchSize?: number;
  /**
   * What a singletonKey means on this queue: 'short' keeps one queued job per key, 'singleton'
   * runs one per key at a time, 'stately' keeps one per key in each of queued/retry/active.
   * Jobs without a key share the key '' under these policies. 'standard' (default): keys only
   * dedupe together with singletonSeconds.
   */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
}

export interface SendOptions {
  singletonKey?: string;
  /** With singletonKey: one job per key per time slot of this many seconds, whatever its state. */
  singletonSeconds?: number;
  /** A Date, or a delay in seconds. */
  startAfter?: Date | number;
}

export interface JobStatus<T> extends Job<T> {
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  retryCount: number;
  /** What a failed attempt threw (serialised), or null. */
  output: unknown;
}

export interface Queue<Jobs extends JobMap<Jobs> = JobMap> {
  /** Creates (or updates) the queue and, unless started with `work: false`, starts its worker here. */
  define<N extends Name<Jobs>>(name: N, handler: JobHandler<Jobs[N]>, options?: DefineOptions): Promise<void>;
  /** The job's id, or null when a singleton key deduplicated it. The queue must exist (define). */
  send<N extends Name<Jobs>>(name: N, data: Jobs[N], options?: SendOptions): Promise<string | null>;
  /**
   * Inserts the job with the caller's transaction, so it exists only if that commits (outbox).
   * Inside a transaction always use this, never send(): on PGlite send() would wait for the
   * connection the transaction holds.
   */
  sendInTransaction<N extends Name<Jobs>>(
    tx: Queryable,
    name: N,
    data: Jobs[N],
    options?: SendOptions,
  ): Promise<string | null>;
  /**
   * Sends a job to queue `name` on every cron tick (one schedule per queue; calling it again
   * replaces it). Stored in the database and checked by one instance per tick, cluster-wide.
   */
  schedule<N extends Name<Jobs>>(
    name: N,
    cron: string,
    data?: Jobs[N],
    options?: { tz?: string },
  ): Promise<void>;
  unschedule(name: Name<Jobs>): Promise<void>;
  getJob<N extends Name<Jobs>>(name: N, id: string): Promise<JobStatus<Jobs[N]> | null>;
  /**
   * Stops fetching, waits for running handlers and in-flight queue SQL, at most timeoutMs; jobs
   * still running then are failed (and so retried, here or by another instance). send() and
   * getJob() keep working afterwards, while the Db is open (requests still finishing may send).
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export interface QueueOptions {
  db: Db;
  /** pg-boss's own schema, created on first start; default 'pgboss'. */
  schema?: string;
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** How often an idle worker looks for jobs (min 0.5). Default 2 s on pg, 5 s on PGlite. */
  pollingIntervalSeconds?: number;
  /** How often schedules are checked (1–45 s); default 30. */
  cronIntervalSeconds?: number;
  /** false: enqueue only — no workers, no maintenance, no cron (PAYHUB_JOBS=off). */
  work?: boolean;
}

const silent: Pick<Logger, 'warn' | 'error'> = { warn: () => {}, error: () => {} };

/**
 * The background-job queue: pg-boss in its own schema, on the same Db as the API.
 *
 * On PGlite (one in-process connection) everything works, with these differences:
 * - polling is slower (5 s) and maintenance rarer (5 min), so idle workers barely use the
 *   connection; a job sent from this process wakes its worker at once, so latency does not suffer;
 * - pg-boss's locked multi-statement SQL runs inside Db.transaction (see executor.ts);
 * - several instances cannot share one PGlite, so "cluster-wide" is trivially this process.
 * pg-boss 10 uses no LISTEN/NOTIFY, so nothing needs disabling. State monitoring (a GROUP BY
 * ROLLUP over all jobs) stays off on both drivers.
 */
export async function startQueue<Jobs extends JobMap<Jobs> = JobMap>(
  options: QueueOptions,
): Promise<Queue<Jobs>> {
  const { db, schema = 'pgboss', logger = silent, work = true } = options;
  const pglite = db.kind === 'pglite';
  const polling = options.pollingIntervalSeconds ?? (pglite ? 5 : 2);
  const cron = options.cronIntervalSeconds ?? 30;

  // Handlers running and queue SQL in flight: stop() waits for both, so nothing touches the
  // database after it returns (pg-boss completes jobs without awaiting).
  const handlers = new Set<Promise<unknown>>();
  const statements = new Set<Promise<unknown>>();
  const track = <T>(set: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> => {
    set.add(promise);
    const done = () => set.delete(promise);
    promise.then(done, done);
    return promise;
  };
  const base = executor(db);
  /** For calls PayHub makes (send, getJob): they work during and after stop(). */
  const direct: Executor = { executeSql: (text, values) => track(statements, base.executeSql(text, values)) };
  let stopped = false;
  /**
   * pg-boss's own SQL. After stop() it is dropped, left pending forever rather than run or
   * rejected: a handler that outlived stop()'s timeout has had its job failed for retry already,
   * and pg-boss's un-awaited complete() must neither write nor reject unhandled (that kills Node).
   */
  const internal: Executor = {
    executeSql: (text, values) => (stopped ? new Promise(() => {}) : direct.executeSql(text, values)),
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

  /**
   * pg-boss's create_queue (an insert, then a partition attached with foreign keys) deadlocks when
   * instances run it at once, e.g. a fresh deploy of several replicas: they take turns on a lock
   * held by a transaction on one pooled connection while the work runs on others. PGlite has one
   * process and one connection: nothing to race, and such a transaction would block the work.
   */
  async function exclusively<T>(fn: () => Promise<T>): Promise<T> {
    if (pglite) return fn();
    return db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`payhub.jobs.create_queue:${schema}`]);
      return fn();
    });
  }

  // Starting creates pg-boss's internal queue for schedules.
  await exclusively(() => boss.start());

  /** Worker ids by queue name: sending wakes the local worker instead of waiting for its poll. */
  const workers = new Map<string, string>();
  const wake = (name: string) => {
    const id = workers.get(name);
    if (id) boss.notifyWorker(id);
  };

  async function handle(
    name: string,
    jobs: PgBoss.Job<object>[],
    handler: JobHandler<never>,
    batchSize: number,
  ) {
    // A full batch suggests more are waiting: fetch again at once rather than after the poll interval.
    if (jobs.length === batchSize) wake(name);
    const results = await Promise.allSettled(
      jobs.map(async (job) => handler({ id: job.id, name: job.name, data: job.data as never })),
    );
    const failed: unknown[] = [];
    const completed: string[] = [];
    for (const [i, result] of results.entries()) {
      const job = jobs[i]!;
      if (result.status === 'fulfilled') {
        completed.push(job.id);
      } else {
        failed.push(result.reason);
        logger.warn({ err: result.reason, queue: name, jobId: job.id }, 'job failed');
      }
    }
    if (failed.length === 0) return;
    // pg-boss settles a batch as a whole: complete the jobs that succeeded first, so the failure
    // thrown below fails (and retries) only the others, which are still active.
    if (completed.length) await boss.complete(name, completed);
    throw failed.length === 1
      ? failed[0]
      : new AggregateError(failed, `${failed.length} of ${jobs.length} jobs failed`);
  }

  async function insert(via: Executor, name: string, data: object, options: SendOptions = {}) {
    const sendOptions: PgBoss.SendOptions = {};
    if (options.singletonKey !== undefined) sendOptions.singletonKey = options.singletonKey;
    if (options.singletonSeconds !== undefined) sendOptions.singletonSeconds = options.singletonSeconds;
    if (options.startAfter !== undefined) sendOptions.startAfter = options.startAfter;
    sendOptions.db = via;
    const id = await boss.send(name, data, sendOptions);
    if (id === null) {
      // pg-boss returns null both for a deduplicated job and for a queue that does not exist.
      const { rows } = await via.executeSql(`SELECT 1 FROM ${schema}.queue WHERE name = $1`, [name]);
      if (rows.length === 0) throw new Error(`no job queue "${name}": define() it before sending`);
    } else if (options.startAfter === undefined) {
      wake(name);
    }
    return id;
  }

  let stopping: Promise<void> | undefined;

  /** Resolves true once nothing in `sets` is in flight, false at the deadline. */
  async function settle(deadline: number, sets: Set<Promise<unknown>>[]): Promise<boolean> {
    for (;;) {
      // One macrotask turn: pg-boss chains its follow-up SQL (complete, fail) in microtasks.
      await new Promise((resolve) => setImmediate(resolve));
      const pending = sets.flatMap((set) => [...set]);
      if (pending.length === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(pending),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  const assertRunning = () => {
    if (stopping) throw new Error('job queue is stopped');
  };

  return {
    async define(name, handler, options = {}) {
      assertRunning();
      const { batchSize = 1, policy = 'standard', ...settings } = options;
      const queue: PgBoss.Queue = { name, policy };
      // pg-boss rejects keys present with an undefined value.
      for (const [key, value] of Object.entries(settings))
        if (value !== undefined) Object.assign(queue, { [key]: value });
      await exclusively(async () => {
        await boss.createQueue(name, queue);
        // createQueue leaves an existing queue as it was; this applies changed settings.
        await boss.updateQueue(name, queue);
      });
      if (!work) return;
      if (workers.has(name)) throw new Error(`job queue "${name}" already has a handler`);
      const id = await boss.work<object>(name, { batchSize, pollingIntervalSeconds: polling }, (jobs) =>
        track(handlers, handle(name, jobs, handler as JobHandler<never>, batchSize)),
      );
      workers.set(name, id);
    },

    send: (name, data, options) => insert(direct, name, data, options),

    sendInTransaction: (tx, name, data, options) => insert(transactionExecutor(tx), name, data, options),

    async schedule(name, cron, data, { tz = 'Asia/Ho_Chi_Minh' } = {}) {
      assertRunning();
      // The schedule row references its queue; a later define() sets the queue's settings.
      await exclusively(() => boss.createQueue(name, { name }));
      await boss.schedule(name, cron, data ?? {}, { tz });
    },

    async unschedule(name) {
      assertRunning();
      await boss.unschedule(name);
    },

    async getJob(name, id) {
      const job = await boss.getJobById<never>(name, id, { db: direct, includeArchive: true });
      if (!job) return null;
      const { state, retryCount, data, output } = job;
      return { id: job.id, name: job.name, data, state, retryCount, output };
    },

    stop({ timeoutMs = 10_000 } = {}) {
      stopping ??= (async () => {
        const deadline = Date.now() + timeoutMs;
        for (const name of workers.keys()) await boss.offWork(name);
        const drained = await settle(deadline, [handlers, statements]);
        if (!drained)
          logger.warn(
            { timeoutMs },
            'job queue stopped with handlers still running; their jobs will be retried',
          );
        // Not graceful if handlers are still running: pg-boss then fails their jobs, to be retried.
        await boss.stop({ graceful: drained, wait: true, close: false, timeout: 1_000 });
        await settle(Date.now() + 2_000, [statements]);
        stopped = true;
      })();
      return stopping;
    },
  };
}
