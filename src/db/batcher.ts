/**
 * Runs concurrent calls of one statement together. While `concurrency` batches are at the
 * database, new calls wait and go in the next batch: under load a statement carries many calls
 * (one round trip, one commit), and a call made alone goes at once. `run` answers each item, in
 * order; if it throws, every call of that batch rejects with its error.
 */
export function batcher<I, O>(
  run: (items: I[]) => Promise<O[]>,
  options: { maxBatch: number; concurrency: number },
): (item: I) => Promise<O> {
  let waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;

  function pump() {
    while (inFlight < options.concurrency && waiting.length > 0) {
      const batch = waiting.slice(0, options.maxBatch);
      waiting = waiting.slice(batch.length);
      inFlight++;
      run(batch.map((b) => b.item))
        .then(
          (outs) => {
            for (const [i, b] of batch.entries()) b.resolve(outs[i]!);
          },
          (error) => {
            for (const b of batch) b.reject(error);
          },
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}

/**
 * Shared statements that failed since start, by name (their calls then ran alone, so nothing was
 * lost, only speed): served at /metrics, where a rise says the shared path is not being taken.
 */
export const sharedStatementFailures = new Map<string, number>();

export function countSharedFailure(name: string): void {
  sharedStatementFailures.set(name, (sharedStatementFailures.get(name) ?? 0) + 1);
}
