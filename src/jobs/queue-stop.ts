import type { QueueState } from './queue-state.ts';

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

/**
 * Stops fetching, waits for running handlers and in-flight queue SQL, at most timeoutMs; jobs
 * still running then are failed (and so retried). Called again, the same stop.
 */
export function stopQueue(
  state: QueueState,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  state.stopping ??= (async () => {
    const { boss } = state;
    const deadline = Date.now() + timeoutMs;
    for (const name of state.workers.keys()) await boss.offWork(name);
    const drained = await settle(deadline, [state.handlers, state.statements]);
    if (!drained)
      state.logger.warn(
        { timeoutMs },
        'job queue stopped with handlers still running; their jobs will be retried',
      );
    // Not graceful if handlers are still running: pg-boss then fails their jobs, to be retried.
    await boss.stop({ graceful: drained, wait: true, close: false, timeout: 1_000 });
    await settle(Date.now() + 2_000, [state.statements]);
    state.stopped = true;
  })();
  return state.stopping;
}
