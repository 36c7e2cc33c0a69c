import type PgBoss from 'pg-boss';
import type { Executor } from './executor.ts';
import type { DefineOptions, JobHandler, JobStatus, SendOptions } from './model.ts';
import { assertRunning, exclusively, type QueueState, track, wake } from './queue-state.ts';

/** Creates (or updates) the queue and, on a working instance, starts its worker here. */
export async function defineQueue(
  state: QueueState,
  name: string,
  handler: JobHandler<never>,
  options: DefineOptions = {},
): Promise<void> {
  assertRunning(state);
  const { boss } = state;
  const { batchSize = 1, policy = 'standard', ...settings } = options;
  const queue: PgBoss.Queue = { name, policy };
  // pg-boss rejects keys present with an undefined value.
  for (const [key, value] of Object.entries(settings))
    if (value !== undefined) Object.assign(queue, { [key]: value });
  await exclusively(state, async () => {
    await boss.createQueue(name, queue);
    // createQueue leaves an existing queue as it was; this applies changed settings.
    await boss.updateQueue(name, queue);
  });
  if (!state.work) return;
  if (state.workers.has(name)) throw new Error(`job queue "${name}" already has a handler`);
  const id = await boss.work<object>(
    name,
    { batchSize, pollingIntervalSeconds: state.pollingIntervalSeconds },
    (jobs) => track(state.handlers, handleBatch(state, name, jobs, handler, batchSize)),
  );
  state.workers.set(name, id);
}

/** Runs a fetched batch's jobs concurrently; only the jobs whose handler threw fail (and retry). */
async function handleBatch(
  state: QueueState,
  name: string,
  jobs: PgBoss.Job<object>[],
  handler: JobHandler<never>,
  batchSize: number,
) {
  // A full batch suggests more are waiting: fetch again at once rather than after the poll interval.
  if (jobs.length === batchSize) wake(state, name);
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
      state.logger.warn({ err: result.reason, queue: name, jobId: job.id }, 'job failed');
    }
  }
  if (failed.length === 0) return;
  // pg-boss settles a batch as a whole: complete the jobs that succeeded first, so the failure
  // thrown below fails (and retries) only the others, which are still active.
  if (completed.length) await state.boss.complete(name, completed);
  throw failed.length === 1
    ? failed[0]
    : new AggregateError(failed, `${failed.length} of ${jobs.length} jobs failed`);
}

/** Inserts a job through `via` (the queue's own connection, or a caller's transaction). */
export async function insertJob(
  state: QueueState,
  via: Executor,
  name: string,
  data: object,
  options: SendOptions = {},
): Promise<string | null> {
  const sendOptions: PgBoss.SendOptions = {};
  if (options.singletonKey !== undefined) sendOptions.singletonKey = options.singletonKey;
  if (options.singletonSeconds !== undefined) sendOptions.singletonSeconds = options.singletonSeconds;
  if (options.startAfter !== undefined) sendOptions.startAfter = options.startAfter;
  sendOptions.db = via;
  const id = await state.boss.send(name, data, sendOptions);
  if (id === null) {
    // pg-boss returns null both for a deduplicated job and for a queue that does not exist.
    const { rows } = await via.executeSql(`SELECT 1 FROM ${state.schema}.queue WHERE name = $1`, [name]);
    if (rows.length === 0) throw new Error(`no job queue "${name}": define() it before sending`);
  }
  // Deduplicated too: the job already queued (a cron tick, another instance's send) does this
  // one's work, and waiting for the worker's poll would hold it up to pollingIntervalSeconds.
  if (options.startAfter === undefined) wake(state, name);
  return id;
}

export async function scheduleQueue(
  state: QueueState,
  name: string,
  cron: string,
  data: object | undefined,
  { tz = 'Asia/Ho_Chi_Minh' }: { tz?: string } = {},
): Promise<void> {
  assertRunning(state);
  // The schedule row references its queue; a later define() sets the queue's settings.
  await exclusively(state, () => state.boss.createQueue(name, { name }));
  await state.boss.schedule(name, cron, data ?? {}, { tz });
}

export async function unscheduleQueue(state: QueueState, name: string): Promise<void> {
  assertRunning(state);
  await state.boss.unschedule(name);
}

export async function jobStatus<T>(
  state: QueueState,
  name: string,
  id: string,
): Promise<JobStatus<T> | null> {
  const job = await state.boss.getJobById<T>(name, id, { db: state.direct, includeArchive: true });
  if (!job) return null;
  const { state: jobState, retryCount, data, output } = job;
  return { id: job.id, name: job.name, data, state: jobState, retryCount, output };
}
