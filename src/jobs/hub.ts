import type { Logger } from 'pino';
import { processDropFolder } from '../bank/drop-folder.ts';
import type { Db } from '../db/port.ts';
import {
  previousBusinessDay,
  providersWithDropFolder,
  reconcileFromDropFolder,
} from '../reconciliation/job.ts';
import type { Services } from '../services.ts';
import { LEASE_SECONDS } from '../webhooks/service.ts';
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
  /** Bank transfers: settles stored credits not yet matched, gives up transfers never received. */
  'bank.settle': Record<string, never>;
  /** Takes in the statement files left in PAYHUB_BANK_DROP_DIR. */
  'bank.drop': Record<string, never>;
  /** Sends due webhook deliveries: every minute, at once after a commit that wrote some, and when a retry falls due. */
  'webhooks.deliver': Record<string, never>;
  /** Numbers queued e-receipts (at once after a success commits, and every minute). */
  'receipts.issue': Record<string, never>;
  /** Executes pending refunds with their providers (new ones at once; unanswered ones again later). */
  'refunds.execute': Record<string, never>;
  /** Each morning: one reconciliation.run per provider with a settlement drop folder, for yesterday. */
  'reconciliation.daily': Record<string, never>;
  /** One provider's business day from its drop folder; its outcome is recorded as a run. */
  'reconciliation.run': { provider: string; date: string };
}

export type HubQueue = Queue<HubJobs>;

/** Commits within this window share one wake-up of their job. */
const NUDGE_WINDOW_MS = 50;

/** Minutes an attempt may stay in flight before the provider is asked about it. */
export const RECOVER_AFTER_MINUTES = 5;

export interface HubJobsOptions {
  db: Db;
  services: Services;
  logger: Logger;
  /** false: enqueue only (PAYHUB_JOBS=off), for API-only nodes. */
  work: boolean;
  /** pg-boss's schema (default 'pgboss'); tests give each file its own. */
  schema?: string;
  /** PAYHUB_BANK_DROP_DIR: the folder of bank statement files; unset, no drop-folder job. */
  bankDropDir?: string;
  /** When the daily reconciliation starts (cron, Asia/Ho_Chi_Minh; PAYHUB_RECON_TIME). Unset: not scheduled. */
  reconciliationCron?: string;
}

/** 'short': at most one queued sweep of each kind, however many instances tick at once. */
const SWEEP = { policy: 'short', retryLimit: 0, expireInSeconds: 300 } as const;

/** Starts the queue, defines every job and its schedule. Safe with several instances. */
export async function startHubJobs(options: HubJobsOptions): Promise<HubQueue> {
  const { db, services, logger, work } = options;
  const queue = await startQueue<HubJobs>({ db, logger, work, schema: options.schema });
  await defineMoneySweeps(queue, options);
  await defineWebhookDelivery(queue, options);
  await defineFollowUps(queue, options);
  await defineReconciliation(queue, options);
  nudgeAfterCommits(queue, services, logger);
  if (work) await scheduleSweeps(queue, options);
  return queue;
}

/** The sweeps that move money's state on: expiry, lost notifications, bank transfers. */
async function defineMoneySweeps(queue: HubQueue, { services, logger, bankDropDir }: HubJobsOptions) {
  await queue.define(
    'payments.expire',
    async () => {
      const expired = await services.attempts.expireDue();
      if (expired) logger.info({ expired }, 'payments expired');
    },
    SWEEP,
  );
  await queue.define(
    'attempts.recover',
    async () => {
      const result = await services.attempts.recoverStale(RECOVER_AFTER_MINUTES);
      if (result.checked) logger.info(result, 'stale attempts checked with their providers');
      for (const { attempt, reason } of result.unanswered)
        logger.warn({ attempt, reason }, 'provider status answer missing or not verified; asked again later');
    },
    SWEEP,
  );
  await queue.define(
    'bank.settle',
    async () => {
      const settled = await services.bank.settlePending();
      const abandoned = await services.bank.abandonUnpaid();
      if (settled + abandoned) logger.info({ settled, abandoned }, 'bank credits settled');
    },
    SWEEP,
  );
  await queue.define(
    'bank.drop',
    async () => {
      if (!bankDropDir) return;
      const result = await processDropFolder(bankDropDir, services.bank);
      if (result.processed.length + result.rejected.length)
        logger.info(result, 'bank statement files taken in');
    },
    SWEEP,
  );
}

/** A webhooks.deliver run in `inSeconds`, once per second slot however many instances ask. */
async function deliverAgainIn(queue: HubQueue, inSeconds: number) {
  await queue.send(
    'webhooks.deliver',
    {},
    { startAfter: inSeconds, singletonKey: `at:${Math.floor(Date.now() / 1000) + inSeconds}` },
  );
}

/**
 * A retry (or an expiring lease) due before the next minute's run gets a run of its own, twice
 * over: a deferred job, which any instance runs even if this one stops, and a local timer that
 * wakes this instance's worker when it falls due (the deferred job alone would wait for a poll).
 * Returns the function that sets the timer; only the earliest due time keeps one.
 */
function deliveryAlarm(services: Services) {
  let retryTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  return (seconds: number) => {
    const at = Date.now() + seconds * 1000;
    if (retryTimer && retryTimer.at <= at) return;
    if (retryTimer) clearTimeout(retryTimer.timer);
    const timer = setTimeout(() => {
      retryTimer = null;
      services.webhooks.nudge();
    }, seconds * 1000);
    timer.unref();
    retryTimer = { at, timer };
  };
}

async function defineWebhookDelivery(queue: HubQueue, { services, logger, work }: HubJobsOptions) {
  const wakeDeliveriesIn = deliveryAlarm(services);
  await queue.define(
    'webhooks.deliver',
    async () => {
      const sent = await services.webhooks.deliverDue({
        // Should this instance die mid-send, another runs once the leases have run out.
        onClaimed: () => deliverAgainIn(queue, LEASE_SECONDS + 1),
      });
      if (sent.delivered + sent.retry + sent.failed) logger.info(sent, 'webhook deliveries tried');
      // Seconds by the database's clock (next_attempt_at's), at least 1: a delivery due but held
      // back behind an earlier one of its endpoint is looked at again each second, not in a loop.
      const next = await services.webhooks.nextDueInSeconds();
      if (next !== null && next < 60) {
        await deliverAgainIn(queue, Math.max(1, Math.ceil(next)));
        if (work) wakeDeliveriesIn(next > 0 ? next : 1);
      }
    },
    SWEEP,
  );
}

/** What follows a success or a refund request: numbering receipts, executing refunds. */
async function defineFollowUps(queue: HubQueue, { services, logger }: HubJobsOptions) {
  await queue.define(
    'receipts.issue',
    async () => {
      await services.receipts.issueDue();
    },
    SWEEP,
  );
  await queue.define(
    'refunds.execute',
    async () => {
      const result = await services.refunds.executeDue();
      if (result.succeeded + result.failed + result.pending) logger.info(result, 'pending refunds executed');
    },
    SWEEP,
  );
}

async function defineReconciliation(queue: HubQueue, { services, logger }: HubJobsOptions) {
  await queue.define(
    'reconciliation.daily',
    async () => {
      const date = previousBusinessDay(new Date());
      for (const provider of providersWithDropFolder(services.recon.settings.settlementDir)) {
        // One job per provider and day, however many instances tick or the cron repeats.
        await queue.send('reconciliation.run', { provider, date }, { singletonKey: `${provider}:${date}` });
      }
    },
    SWEEP,
  );
  await queue.define(
    'reconciliation.run',
    async (job) => {
      const { provider, date } = job.data;
      const { run, idempotent } = await reconcileFromDropFolder(services.recon, provider, date);
      if (run)
        logger.info(
          { provider, date, run: run.id, status: run.status, idempotent, rejection: run.rejection },
          'reconciliation run',
        );
    },
    // A run holds an advisory lock per provider and day as well, so instances never ingest it twice.
    { policy: 'stately', retryLimit: 2, retryDelay: 300, expireInSeconds: 3600 },
  );
}

/**
 * Sent after the commit (never inside: PGlite's one connection is the transaction's until then).
 * Coalesced: one send per queue at the end of a short window covers every commit made in it,
 * so a burst of successes costs one job, not one insert per success.
 */
function coalescedSend(
  queue: HubQueue,
  logger: Logger,
  name: 'webhooks.deliver' | 'refunds.execute' | 'receipts.issue',
) {
  let pending: NodeJS.Timeout | null = null;
  return () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      queue
        .send(name, {})
        .catch((err) => logger.warn({ err, queue: name }, 'job not sent; the sweep will run it'));
    }, NUDGE_WINDOW_MS);
    pending.unref();
  };
}

function nudgeAfterCommits(queue: HubQueue, services: Services, logger: Logger) {
  services.webhooks.onNudge(coalescedSend(queue, logger, 'webhooks.deliver'));
  services.refunds.onNudge(coalescedSend(queue, logger, 'refunds.execute'));
  services.receipts.onNudge(coalescedSend(queue, logger, 'receipts.issue'));
}

/** Each sweep's cron, on the instances that work (cluster-wide: one instance runs each tick). */
async function scheduleSweeps(queue: HubQueue, options: HubJobsOptions) {
  await queue.schedule('payments.expire', '* * * * *');
  await queue.schedule('attempts.recover', '* * * * *');
  await queue.schedule('bank.settle', '* * * * *');
  if (options.bankDropDir) await queue.schedule('bank.drop', '* * * * *');
  await queue.schedule('webhooks.deliver', '* * * * *');
  // At start-up, what is pending (a crashed instance's leases included) is looked at at once.
  await queue.send('webhooks.deliver', {});
  await queue.schedule('refunds.execute', '* * * * *');
  await queue.schedule('receipts.issue', '* * * * *');
  if (options.reconciliationCron) await queue.schedule('reconciliation.daily', options.reconciliationCron);
}
