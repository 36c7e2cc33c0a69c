import { transactionExecutor } from './executor.ts';
import type { JobHandler, JobMap, Queue, QueueOptions } from './model.ts';
import { exclusively, queueState } from './queue-state.ts';
import { stopQueue } from './queue-stop.ts';
import { defineQueue, insertJob, jobStatus, scheduleQueue, unscheduleQueue } from './queue-work.ts';

export type {
  DefineOptions,
  Job,
  JobHandler,
  JobMap,
  JobStatus,
  Queue,
  QueueOptions,
  SendOptions,
} from './model.ts';

/** The background-job queue: pg-boss in its own schema, on the same Db as the API (queue-state.ts). */
export async function startQueue<Jobs extends JobMap<Jobs> = JobMap>(
  options: QueueOptions,
): Promise<Queue<Jobs>> {
  const state = queueState(options);
  // Starting creates pg-boss's internal queue for schedules.
  await exclusively(state, () => state.boss.start());
  return {
    define: (name, handler, defineOptions) =>
      defineQueue(state, name, handler as JobHandler<never>, defineOptions),
    send: (name, data, sendOptions) => insertJob(state, state.direct, name, data, sendOptions),
    sendInTransaction: (tx, name, data, sendOptions) =>
      insertJob(state, transactionExecutor(tx), name, data, sendOptions),
    schedule: (name, cron, data, scheduleOptions) => scheduleQueue(state, name, cron, data, scheduleOptions),
    unschedule: (name) => unscheduleQueue(state, name),
    getJob: (name, id) => jobStatus(state, name, id),
    stop: (stopOptions) => stopQueue(state, stopOptions),
  };
}
