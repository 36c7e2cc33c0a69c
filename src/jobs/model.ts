import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/port.ts';

/** Job name → the data its jobs carry; an interface will do (`Jobs extends JobMap<Jobs>`). */
export type JobMap<Jobs = Record<string, object>> = { [N in keyof Jobs]: object };
export type Name<Jobs> = keyof Jobs & string;

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
