import type { Db, Queryable } from './port.ts';

/** Topics raised inside transactions, announced only once the transaction has committed. */
export type CommitTopic = 'webhooks' | 'refunds' | 'receipts';

const raised = new WeakMap<Queryable, Set<CommitTopic>>();

/**
 * Marks the transaction as having created work for `topic` (an outbox row, a pending refund).
 * The announcement is only a nudge: the rows are the truth, and sweeps find them anyway.
 */
export function raiseAfterCommit(tx: Queryable, topic: CommitTopic): void {
  let topics = raised.get(tx);
  if (!topics) {
    topics = new Set();
    raised.set(tx, topics);
  }
  topics.add(topic);
}

const announcers = new WeakMap<Queryable, (topic: CommitTopic) => void>();

/** For a change committed by one statement outside db.transaction: announces `topic` at once. */
export function announceCommitted(db: Queryable, topic: CommitTopic): void {
  announcers.get(db)?.(topic);
}

/** The same database, announcing each committed transaction's raised topics to `announce`. */
export function announcingDb(db: Db, announce: (topic: CommitTopic) => void): Db {
  const announcing: Db = {
    kind: db.kind,
    query: <R>(sql: string, params?: readonly unknown[]) => db.query<R>(sql, params),
    exec: (sql: string) => db.exec(sql),
    close: () => db.close(),
    async transaction(fn) {
      let inner: Queryable | undefined;
      const result = await db.transaction((tx) => {
        inner = tx;
        return fn(tx);
      });
      const topics = inner && raised.get(inner);
      if (topics) for (const topic of topics) announce(topic);
      return result;
    },
  };
  announcers.set(announcing, announce);
  return announcing;
}
