/**
 * The database port: the one surface the rest of PayHub talks to. Two drivers implement it,
 * `pg` for a Postgres server and PGlite for the embedded default, so one SQL dialect runs on both.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs parameterless SQL that may hold several statements (migrations, job-queue DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk load: `copySql` is `COPY t (cols) FROM STDIN` (text format); `chunks` are whole lines of
   * COPY text, streamed to the server. Resolves to the number of rows copied. Both drivers have it.
   */
  copyFrom?(copySql: string, chunks: AsyncIterable<string>): Promise<number>;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs fn inside BEGIN … COMMIT on one connection; rolls back if fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Postgres error codes PayHub reacts to. */
export const PG = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  serializationFailure: '40001',
} as const;

export interface PgError {
  code?: string;
  constraint?: string;
}

export function isPgError(error: unknown, code: string, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as PgError;
  return e.code === code && (constraint === undefined || e.constraint === constraint);
}

/** Column types both drivers hand back the same way: dates stay 'YYYY-MM-DD', big numbers stay strings. */
export const TYPE_OIDS = { int8: 20, date: 1082, numeric: 1700 } as const;
