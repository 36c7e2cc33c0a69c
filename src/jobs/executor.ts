import type PgBoss from 'pg-boss';
import type { Db, Queryable, QueryResult } from '../db/port.ts';

/**
 * pg-boss's database port (`executeSql(text, values) → { rows }`) over ours, so the queue runs on
 * PayHub's own pool or PGlite rather than a pool of its own, and can write inside our transactions.
 */
export interface Executor extends PgBoss.Db {
  executeSql(text: string, values?: unknown[]): Promise<QueryResult<Record<string, unknown>>>;
}

/**
 * pg-boss's only multi-statement SQL: its install, migrations and maintenance, wrapped by
 * `plans.locked()` as `BEGIN; SET LOCAL …; <advisory lock>; …; COMMIT;` and sent without parameters.
 */
const LOCKED = /^\s*BEGIN;([\s\S]*)COMMIT;\s*$/;

const NO_ROWS: QueryResult<Record<string, unknown>> = { rows: [], rowCount: 0 };

export function executor(db: Db): Executor {
  return {
    async executeSql(text, values) {
      // Parameterised SQL is always one statement; so is every parameterless one but LOCKED, and
      // those return rows pg-boss reads (its schema version, the clock, the schedules).
      if (values?.length) return db.query(text, values);
      const locked = LOCKED.exec(text);
      if (!locked) return db.query(text);
      if (db.kind === 'pg') {
        await db.exec(text);
        return NO_ROWS;
      }
      // On PGlite, a statement failing inside exec('BEGIN; …') leaves its one connection in an
      // aborted transaction, so every later query of the whole process fails until a ROLLBACK
      // (a real server rolls the string back). Run the body in transaction(), which rolls back
      // on error and keeps other queries out meanwhile; the advisory lock inside still applies.
      const body = locked[1]!;
      await db.transaction((tx) => tx.exec(body));
      return NO_ROWS;
    },
  };
}

/** For jobs written inside a caller's transaction: they commit, or roll back, with it. */
export function transactionExecutor(tx: Queryable): Executor {
  return {
    executeSql: (text, values) => tx.query(text, values),
  };
}
