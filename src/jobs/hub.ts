import type { Logger } from 'pino';
import type { Services } from '../app.ts';
import type { Db } from '../db/port.ts';
import { type Queue, startQueue } from './queue.ts';

/**
 * Every background job of the hub, by name, with the data it carries. Sweeps run on a cron and
 * find their work in the tables, so a crash or a lost job loses nothing: the next tick resumes.
 */
export interface HubJobs {
  /** created → expired for payments past expires_at. */
  'payments.expire': Record<string, never>;
  /** Asks providers about attempts in flight for too long (lost notifications). */
  'attempts.recover': Record<string, never>;
}

export type HubQueue = Queue<HubJobs>;

/** Minutes an attempt may stay in flight before the provider is asked about it. */
export const RECOVER_AFTER_MINUTES = 5;

export interface HubJobsOptions {
  db: Db;
  services: Services;
  logger: Logger;
  /** false: enqueue only (PAYHUB_JOBS=off), for API-only nodes. */
  work: boolean;
}

/** Starts the queue, defines every job and its schedule. Safe with several instances. */
export async function startHubJobs(options: HubJobsOptions): Promise<HubQueue> {
  const { db, services, logger, work } = options;
  const queue = await startQueue<HubJobs>({ db, logger, work });
  // 'short': at most one queued sweep of each kind, however many instances tick at once.
  const sweep = { policy: 'short', retryLimit: 0, expireInSeconds: 300 } as const;

  await queue.define(
    'payments.expire',
    async () => {
      const expired = await services.attempts.expireDue();
      if (expired) logger.info({ expired }, 'payments expired');
    },
    sweep,
  );
  await queue.define(
    'attempts.recover',
    async () => {
      const result = await services.attempts.recoverStale(RECOVER_AFTER_MINUTES);
      if (result.checked) logger.info(result, 'stale attempts checked with their providers');
    },
    sweep,
  );

  if (work) {
    await queue.schedule('payments.expire', '* * * * *');
    await queue.schedule('attempts.recover', '* * * * *');
  }
  return queue;
}
