import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { Mutex } from 'async-mutex';
import type { Db, Queryable, QueryResult } from './port.ts';
import { TYPE_OIDS } from './port.ts';

const raw = (value: string) => value;

function wrap(client: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await client.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
    // PGlite reads COPY input from a Blob at /dev/blob; slices of ~8 MB keep memory bounded.
    async copyFrom(copySql: string, chunks: AsyncIterable<string>): Promise<number> {
      const sql = copySql.replace(/FROM\s+STDIN/i, "FROM '/dev/blob'");
      let parts: string[] = [];
      let size = 0;
      let copied = 0;
      const flush = async () => {
        if (size === 0) return;
        const result = await client.query(sql, [], { blob: new Blob(parts) });
        copied += result.affectedRows ?? 0;
        parts = [];
        size = 0;
      };
      for await (const chunk of chunks) {
        parts.push(chunk);
        size += chunk.length;
        if (size >= 8_000_000) await flush();
      }
      await flush();
      return copied;
    },
  };
}

/**
 * Who holds the one PGlite session: the hub's own calls, or a client of the socket (the CLI), one
 * at a time. Calls made while holding it (a query inside a transaction) go straight through; a
 * task that outlives the holder (started inside, run later) waits like any other.
 */
export class SessionGate {
  readonly mutex = new Mutex();
  readonly #holder = new AsyncLocalStorage<{ held: boolean }>();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#holder.getStore()?.held) return fn();
    return this.mutex.runExclusive(async () => {
      const token = { held: true };
      try {
        return await this.#holder.run(token, fn);
      } finally {
        token.held = false;
      }
    });
  }
}

export interface EmbeddedDb extends Db {
  readonly client: PGlite;
  readonly gate: SessionGate;
}

/** Embedded Postgres (WASM, in-process). `dataDir` undefined keeps everything in memory. */
export async function openPglite(dataDir?: string): Promise<EmbeddedDb> {
  const client = await PGlite.create(dataDir, {
    parsers: { [TYPE_OIDS.int8]: raw, [TYPE_OIDS.date]: raw, [TYPE_OIDS.numeric]: raw },
  });
  const root = wrap(client);
  const gate = new SessionGate();
  return {
    kind: 'pglite',
    client,
    gate,
    query: (sql, params) => gate.run(() => root.query(sql, params)),
    exec: (sql) => gate.run(() => root.exec(sql)),
    copyFrom: (sql, chunks) => gate.run(() => root.copyFrom!(sql, chunks)),
    // PGlite has one connection: its transaction() holds it exclusively until fn settles.
    transaction: (fn) => gate.run(() => client.transaction((tx) => fn(wrap(tx)))),
    async close() {
      await gate.run(() => client.close());
    },
  };
}
