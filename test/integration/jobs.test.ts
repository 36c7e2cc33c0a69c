import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/port.ts';
import { executor } from '../../src/jobs/executor.ts';
import { type Job, type Queue, type QueueOptions, startQueue } from '../../src/jobs/queue.ts';
import { MULTI_CONNECTION_SKIP, onPglite, type TestDatabase, testDatabase } from '../helpers/db.ts';

interface Jobs {
  receipt: { paymentId: string; amount: string };
  flaky: { n: number };
  batch: { n: number };
  notice: { paymentId: string };
  held: { paymentId: string };
  outbox: { paymentId: string };
  ledger: { n: number };
  slow: { n: number };
  stuck: { n: number };
  settlement: { provider: string };
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Awaits a condition instead of sleeping: polls fn until it returns something truthy. */
async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function jobState(db: Db, schema: string, id: string) {
  const { rows } = await db.query<{ state: string; output: { message?: string } | null }>(
    `SELECT state, output FROM ${schema}.job WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** Scenarios that need one connection: run on the suite's database, and on PGlite whatever that is. */
function scenarios(label: string, open: () => Promise<TestDatabase>) {
  describe(label, () => {
    let t: TestDatabase;
    let boss: string;
    const running: Queue<Jobs>[] = [];

    beforeAll(async () => {
      t = await open();
      // Postgres: pg-boss beside this file's schema, so test files never share its tables.
      boss = t.schema ? `${t.schema}_boss` : 'pgboss';
    });
    afterEach(async () => {
      await Promise.all(running.splice(0).map((queue) => queue.stop()));
    });
    afterAll(async () => {
      if (t.schema) await t.db.exec(`DROP SCHEMA IF EXISTS ${boss} CASCADE`);
      await t.drop();
    });

    async function start(options: Partial<QueueOptions> = {}): Promise<Queue<Jobs>> {
      const queue = await startQueue<Jobs>({
        db: t.db,
        schema: boss,
        pollingIntervalSeconds: 0.5,
        ...options,
      });
      running.push(queue);
      return queue;
    }

    it("pg-boss's transaction-wrapped SQL failing leaves the database usable", async () => {
      // On PGlite a failed exec('BEGIN; …') would leave its one connection in an aborted transaction.
      await expect(executor(t.db).executeSql('BEGIN;\n SELECT 1/0;\n COMMIT;\n')).rejects.toThrow(
        'division by zero',
      );
      expect((await t.db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it('a job sent is handled exactly once, with its data', async () => {
      const queue = await start();
      const seen: Job<Jobs['receipt']>[] = [];
      await queue.define('receipt', async (job) => {
        seen.push(job);
      });
      const id = await queue.send('receipt', { paymentId: 'pay_01', amount: '150000' });
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const done = await until(
        async () =>
          (await queue.getJob('receipt', id!))?.state === 'completed' && queue.getJob('receipt', id!),
        'the job to complete',
      );
      expect(seen).toEqual([{ id, name: 'receipt', data: { paymentId: 'pay_01', amount: '150000' } }]);
      expect(done).toMatchObject({ retryCount: 0, data: { paymentId: 'pay_01', amount: '150000' } });
    });

    it('a handler that throws is retried retryLimit times, then the job is failed with the error', async () => {
      const queue = await start();
      let attempts = 0;
      await queue.define(
        'flaky',
        async () => {
          attempts++;
          throw new Error(`provider timed out (attempt ${attempts})`);
        },
        { retryLimit: 2, retryDelay: 0 },
      );
      const id = (await queue.send('flaky', { n: 1 }))!;
      const failed = await until(async () => {
        const job = await queue.getJob('flaky', id);
        return job?.state === 'failed' && job;
      }, 'the job to fail');
      expect(attempts).toBe(3);
      expect(failed).toMatchObject({ retryCount: 2, output: { message: 'provider timed out (attempt 3)' } });
    });

    it('in a batch, a job that throws fails alone; the others complete', async () => {
      // Enqueued before any worker runs, so one fetch takes all three. Retry settings are the
      // queue's when a job is sent, so the producer defines them too.
      const settings = { batchSize: 3, retryLimit: 0 };
      const producer = await start({ work: false });
      await producer.define('batch', async () => {}, settings);
      const ids = await Promise.all([1, 2, 3].map((n) => producer.send('batch', { n })));
      const queue = await start();
      let running = 0;
      let together = 0;
      await queue.define(
        'batch',
        async (job) => {
          running++;
          together = Math.max(together, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          if (job.data.n === 2) throw new Error('payment pay_2 not found');
        },
        settings,
      );
      const states = await until(async () => {
        const jobs = await Promise.all(ids.map((id) => queue.getJob('batch', id!)));
        return jobs.every((job) => job?.state === 'completed' || job?.state === 'failed') && jobs;
      }, 'the batch to settle');
      expect(together).toBe(3);
      expect(states.map((job) => job?.state)).toEqual(['completed', 'failed', 'completed']);
      expect(states[1]).toMatchObject({ retryCount: 0, output: { message: 'payment pay_2 not found' } });
    });

    it('a singletonKey dedupes: per time slot on a standard queue, per queued job on a short one', async () => {
      const queue = await start();
      const seen: string[] = [];
      await queue.define('notice', async (job) => {
        seen.push(job.data.paymentId);
      });
      const hour = { singletonSeconds: 3600 };
      const first = await queue.send('notice', { paymentId: 'pay_a' }, { singletonKey: 'pay_a', ...hour });
      const twin = await queue.send('notice', { paymentId: 'pay_a' }, { singletonKey: 'pay_a', ...hour });
      const other = await queue.send('notice', { paymentId: 'pay_b' }, { singletonKey: 'pay_b', ...hour });
      expect(first).not.toBeNull();
      expect(twin).toBeNull();
      expect(other).not.toBeNull();
      await until(() => seen.length === 2, 'both jobs handled');
      expect(seen.sort()).toEqual(['pay_a', 'pay_b']);

      // 'short': one queued job per key (startAfter keeps them queued while we look).
      await queue.define('held', async () => {}, { policy: 'short' });
      const later = { startAfter: 3600 };
      expect(
        await queue.send('held', { paymentId: 'pay_c' }, { singletonKey: 'pay_c', ...later }),
      ).not.toBeNull();
      expect(
        await queue.send('held', { paymentId: 'pay_c' }, { singletonKey: 'pay_c', ...later }),
      ).toBeNull();
      expect(
        await queue.send('held', { paymentId: 'pay_d' }, { singletonKey: 'pay_d', ...later }),
      ).not.toBeNull();

      await expect((queue as unknown as Queue).send('nowhere', { n: 1 })).rejects.toThrow(
        'no job queue "nowhere"',
      );
    });

    it('a job sent in a transaction exists only if it commits', async () => {
      const queue = await start();
      const seen: string[] = [];
      await queue.define('outbox', async (job) => {
        seen.push(job.data.paymentId);
      });
      let rolledBack: string | null = null;
      await expect(
        t.db.transaction(async (tx) => {
          rolledBack = await queue.sendInTransaction(tx, 'outbox', { paymentId: 'pay_rolled_back' });
          throw new Error('state change rejected');
        }),
      ).rejects.toThrow('state change rejected');
      const committed = await t.db.transaction((tx) =>
        queue.sendInTransaction(tx, 'outbox', { paymentId: 'pay_committed' }),
      );
      await until(
        async () => (await queue.getJob('outbox', committed!))?.state === 'completed',
        'committed job',
      );
      // Sent first, it would have been handled first: it never existed.
      expect(seen).toEqual(['pay_committed']);
      expect(rolledBack).not.toBeNull();
      expect(await queue.getJob('outbox', rolledBack!)).toBeNull();
    });

    it('stop() waits for a running handler, and its job completes', async () => {
      const queue = await start();
      const events: string[] = [];
      let started = false;
      await queue.define('slow', async () => {
        started = true;
        // The handler's own work: 300 ms during which stop() is called.
        await new Promise((resolve) => setTimeout(resolve, 300));
        events.push('handler finished');
      });
      const id = (await queue.send('slow', { n: 1 }))!;
      await until(() => started, 'the handler to start');
      await queue.stop();
      events.push('stopped');
      expect(events).toEqual(['handler finished', 'stopped']);
      expect((await jobState(t.db, boss, id))?.state).toBe('completed');
      // PayHub may still enqueue after stop (a request finishing during shutdown).
      expect(await queue.send('slow', { n: 2 })).not.toBeNull();
    });

    it('stop() is bounded: a handler still running at the timeout has its job failed for retry', async () => {
      const queue = await start();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started = false;
      await queue.define('stuck', async () => {
        started = true;
        await gate;
      });
      const id = (await queue.send('stuck', { n: 1 }))!;
      await until(() => started, 'the handler to start');
      const before = Date.now();
      await queue.stop({ timeoutMs: 300 });
      expect(Date.now() - before).toBeLessThan(3_000);
      expect(await jobState(t.db, boss, id)).toEqual({
        state: 'retry',
        output: expect.objectContaining({ value: 'pg-boss shut down while active' }),
      });
      // The handler finishing late must not mark the job completed under another instance's retry.
      release();
      await new Promise((resolve) => setImmediate(resolve));
      expect((await jobState(t.db, boss, id))?.state).toBe('retry');
    });

    it('schedule() sends jobs on its cron, in Vietnam time, and stores one schedule per queue', async () => {
      const queue = await start({ cronIntervalSeconds: 1 });
      const seen: string[] = [];
      await queue.define('settlement', async (job) => {
        seen.push(job.data.provider);
      });
      await queue.schedule('settlement', '0 3 * * *', { provider: 'sandbox' });
      await queue.schedule('settlement', '* * * * *', { provider: 'sandbox' });
      const { rows } = await t.db.query<{ cron: string; timezone: string }>(
        `SELECT cron, timezone FROM ${boss}.schedule WHERE name = 'settlement'`,
      );
      expect(rows).toEqual([{ cron: '* * * * *', timezone: 'Asia/Ho_Chi_Minh' }]);
      await until(() => seen.length > 0, 'the scheduled job');
      expect(seen[0]).toBe('sandbox');
      await queue.unschedule('settlement');
    });
  });
}

scenarios(`job queue on the test database (${onPglite ? 'PGlite' : 'Postgres'})`, () => testDatabase());
if (!onPglite) scenarios('job queue on embedded PGlite', () => testDatabase({ kind: 'pglite' }));

describe('job queue, several instances on one Postgres', () => {
  let t: TestDatabase;
  let boss: string;
  beforeAll(async () => {
    if (MULTI_CONNECTION_SKIP) return;
    t = await testDatabase();
    boss = `${t.schema}_boss`;
  });
  afterAll(async () => {
    if (MULTI_CONNECTION_SKIP) return;
    await t.db.exec(`DROP SCHEMA IF EXISTS ${boss} CASCADE`);
    await t.drop();
  });

  it.skipIf(MULTI_CONNECTION_SKIP)(
    `replicas starting together on a fresh database all come up (${MULTI_CONNECTION_SKIP || 'pg'})`,
    async () => {
      // Unserialised, pg-boss's create_queue deadlocks between instances creating queues at once.
      const replicas = await Promise.all(
        [1, 2, 3, 4].map(() => startQueue<Jobs>({ db: t.another(), schema: boss })),
      );
      try {
        for (const name of ['receipt', 'notice'] as const) {
          await Promise.all(replicas.map((q) => q.define(name, async () => {})));
        }
        const { rows } = await t.db.query<{ name: string }>(`SELECT name FROM ${boss}.queue ORDER BY name`);
        expect(rows.map((r) => r.name)).toEqual(['__pgboss__send-it', 'notice', 'receipt']);
      } finally {
        await Promise.all(replicas.map((q) => q.stop()));
      }
    },
  );

  it.skipIf(MULTI_CONNECTION_SKIP)(
    `two instances share 50 jobs and handle none twice (${MULTI_CONNECTION_SKIP || 'pg'})`,
    async () => {
      await t.db.exec('CREATE TABLE handled (job_id uuid PRIMARY KEY, instance text NOT NULL)');
      const options = { schema: boss, pollingIntervalSeconds: 0.5 };
      // The producer only enqueues, so both workers start on a full queue and compete for it.
      const producer = await startQueue<Jobs>({ db: t.another(), work: false, ...options });
      await producer.define('ledger', async () => {});
      await Promise.all(Array.from({ length: 50 }, (_, n) => producer.send('ledger', { n })));

      let calls = 0;
      const instances = await Promise.all(
        ['a', 'b'].map((instance) =>
          startQueue<Jobs>({ db: t.another(), ...options }).then((q) => ({ instance, q })),
        ),
      );
      await Promise.all(
        instances.map(({ instance, q }) =>
          q.define(
            'ledger',
            async (job) => {
              calls++;
              await t.db.query('INSERT INTO handled (job_id, instance) VALUES ($1, $2)', [job.id, instance]);
            },
            { batchSize: 5 },
          ),
        ),
      );
      try {
        await until(async () => {
          const { rows } = await t.db.query(
            `SELECT 1 FROM ${boss}.job WHERE name = 'ledger' AND state <> 'completed'`,
          );
          return rows.length === 0;
        }, 'all 50 jobs completed');
        const { rows } = await t.db.query<{ instance: string; n: string }>(
          'SELECT instance, count(*) AS n FROM handled GROUP BY instance ORDER BY instance',
        );
        // A job handled twice would have hit the primary key, failed, and been retried: calls > 50.
        expect(calls).toBe(50);
        expect(rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(50);
        expect(rows.map((r) => r.instance)).toEqual(['a', 'b']);
      } finally {
        await Promise.all([producer, ...instances.map((i) => i.q)].map((q) => q.stop()));
      }
    },
  );

  it.skipIf(MULTI_CONNECTION_SKIP)(
    `a send deduplicated by a job already queued elsewhere still wakes this worker (${MULTI_CONNECTION_SKIP || 'pg'})`,
    async () => {
      // The worker polls only every 60 s: the job can run within the test only if a send wakes it.
      const worker = await startQueue<Jobs>({ db: t.another(), schema: boss, pollingIntervalSeconds: 60 });
      const elsewhere = await startQueue<Jobs>({ db: t.another(), schema: boss, work: false });
      try {
        const handled: number[] = [];
        await worker.define('stuck', async (job) => void handled.push(job.data.n), { policy: 'short' });
        await elsewhere.define('stuck', async () => {}, { policy: 'short' });
        // The worker's first fetch has found nothing; it sleeps until its next poll.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        // Queued by another instance (a cron tick, another replica's nudge): nothing wakes this worker.
        expect(await elsewhere.send('stuck', { n: 1 })).not.toBeNull();
        // This instance's nudge is deduplicated by that queued job ('short': one queued at a time)…
        expect(await worker.send('stuck', { n: 2 })).toBeNull();
        // …and still wakes its worker, which runs the queued job now rather than at its next poll.
        await until(() => handled.length === 1, 'the queued job handled before the next poll', 20_000);
        expect(handled).toEqual([1]);
      } finally {
        await Promise.all([worker.stop(), elsewhere.stop()]);
      }
    },
  );
});
